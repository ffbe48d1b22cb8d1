//! The site's part of `report bench`: wall time of a whole `report build` (runs loaded, figures
//! drawn, drafts filled, pages written) into a fresh folder each time, for
//! 1. the repository's posts/ with its runs/ (skipped when there is no posts/), and
//! 2. the seed draft with the 16 x0-experiment runs, imported (skipped when absent), and
//! 3. a draft made of links (to the web, to headings, to a file beside it), and one that is a
//!    single paragraph, each of 0.5 MB and of 2 MB: a build's time must grow with the draft, not
//!    with its square (it once looked every link up in the whole text: 0.5 MB took 3.7 s, 5 MB
//!    six minutes; then each line's block for the claim audit: one paragraph of 2 MB, 30 s);
//!
//! and the weight of each page of the repository's posts: the HTML, the stylesheets it links
//! and every image it shows, on a desktop (1280 px), a tablet (768 px) and a phone (390 px),
//! each getting the renditions `<picture>` picks for its width. Targets: a build under 1 s on
//! 2 cores, compile time excluded; the article under 900 KB on a desktop and 500 KB on a phone
//! (it shows the figures of two experiments).

use crate::build::{build, BuildOptions};
use crate::runs::import::{import_logs, ImportOptions};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Best wall time (ms) of `repeat` builds of `o`, each into a new output folder under `tmp`.
pub fn time_build(o: &BuildOptions, tmp: &Path, repeat: usize) -> Result<(f64, usize)> {
    let mut best = f64::INFINITY;
    let mut pages = 0;
    for i in 0..repeat.max(1) {
        let mut o = o.clone();
        o.out = tmp.join(format!("site-{i}"));
        o.images = o.out.join("images");
        let t = Instant::now();
        let outcome = build(&o)?;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        pages = outcome.pages.len();
        if outcome.failed() {
            let first = outcome.problems.iter().find(|p| p.kind.fatal());
            return Err(Error::Bench {
                message: format!(
                    "the build failed: {}",
                    first.map(|p| p.to_string()).unwrap_or_default()
                ),
            });
        }
    }
    Ok((best, pages))
}

pub fn run(fixtures: &Path, tmp: &Path, repeat: usize) -> Result<()> {
    let repo = BuildOptions::new("posts".into(), "runs".into(), None);
    if repo.posts.is_dir() {
        let (ms, pages) = time_build(&repo, &tmp.join("repo"), repeat)?;
        println!(
            "report build of posts/ with runs/: {pages} page(s) in {ms:.1} ms (target < 1000 ms)"
        );
        let built = tmp.join("repo").join("site-0");
        for page in walk_pages(&built) {
            for (screen, viewport, target) in SCREENS {
                let w = page_weight(&page, viewport)?;
                println!(
                    "page weight of {} on a {screen} ({viewport} px): {:.1} KB (HTML {:.1} KB, \
                     CSS {:.1} KB, {} images {:.1} KB; target < {target} KB)",
                    page.strip_prefix(&built).unwrap_or(&page).display(),
                    w.total() as f64 / 1000.0,
                    w.html as f64 / 1000.0,
                    w.css as f64 / 1000.0,
                    w.images.len(),
                    w.images.iter().sum::<u64>() as f64 / 1000.0
                );
            }
        }
    } else {
        println!("report build of posts/: skipped (no posts/ here)");
    }
    links(tmp, repeat)?;
    let seed: PathBuf = fixtures.join("../../seed/embeddings-extravaganza-1.md");
    let logs: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .map(|rd| {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    if logs.is_empty() || !seed.is_file() {
        println!(
            "report build of the seed draft: skipped ({} or {} not found)",
            fixtures.display(),
            seed.display()
        );
        return Ok(());
    }
    let dir = tmp.join("seed-build");
    let posts = dir.join("posts");
    std::fs::create_dir_all(&posts).map_err(|e| Error::io(&posts, e))?;
    std::fs::copy(&seed, posts.join("embeddings-extravaganza-1.md"))
        .map_err(|e| Error::io(&seed, e))?;
    import_logs(&logs, &dir.join("runs"), &ImportOptions::default())?;
    let mut o = BuildOptions::new(posts, dir.join("runs"), None);
    o.config = PathBuf::from("site.toml");
    let (ms, _) = time_build(&o, &dir, repeat)?;
    println!("report build of the seed draft with 16 x0-experiment runs (4 figures): {ms:.1} ms (target < 1000 ms)");
    Ok(())
}

/// A draft of about `bytes` bytes of links: to the web, to its own headings, to a file beside it.
pub fn links_draft(bytes: usize) -> String {
    let mut s = String::from("# Links\n\n");
    let mut i = 0;
    while s.len() < bytes {
        if i % 50 == 0 {
            s.push_str(&format!("\n## Part {}\n\n", i / 50 % 7));
        }
        s.push_str(&format!(
            "See [page {i}](https://example.org/page/{i}), [part](#part-{}) and \
             [notes](notes.md).\n",
            i % 7
        ));
        i += 1;
    }
    s
}

/// A draft of about `bytes` bytes that is one paragraph: a line of links and inline code after
/// another, no blank line (each claim's block and sentence are found in it).
pub fn paragraph_draft(bytes: usize) -> String {
    let mut s = String::from("# One paragraph\n\n");
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "Line {i} has [a link](https://example.org/{i}), `code {i}` and no full stop\n"
        ));
        i += 1;
    }
    s
}

/// `report build` of a draft of 0.5 MB and of one of 2 MB, of links in short sections and of one
/// paragraph: linear time is 4x.
fn links(tmp: &Path, repeat: usize) -> Result<()> {
    type Draft = fn(usize) -> String;
    let shapes: [(&str, Draft); 2] = [("links", links_draft), ("one paragraph", paragraph_draft)];
    for (shape, (what, draft)) in shapes.into_iter().enumerate() {
        let mut ms = Vec::new();
        for (k, bytes) in [500_000, 2_000_000].into_iter().enumerate() {
            let dir = tmp.join(format!("links-{shape}-{k}"));
            let posts = dir.join("posts");
            std::fs::create_dir_all(&posts).map_err(|e| Error::io(&posts, e))?;
            let write = |name: &str, text: &str| {
                std::fs::write(posts.join(name), text).map_err(|e| Error::io(name, e))
            };
            write("long.md", &draft(bytes))?;
            write("notes.md", "# Notes\n")?;
            let mut o = BuildOptions::new(posts.clone(), dir.join("runs"), None);
            o.config = dir.join("site.toml");
            o.templates = dir.join("templates");
            ms.push(time_build(&o, &dir, repeat)?.0);
        }
        println!(
            "report build of a draft of {what}: 0.5 MB in {:.0} ms, 2 MB in {:.0} ms ({:.1}x for \
             4x the text; linear is 4x)",
            ms[0],
            ms[1],
            ms[1] / ms[0]
        );
    }
    Ok(())
}

/// The screens whose page weight is measured: name, viewport width (CSS px), target (KB).
const SCREENS: [(&str, u32, u32); 3] = [
    ("desktop", 1280, 900),
    ("tablet", 768, 900),
    ("phone", 390, 500),
];

/// The bytes a browser fetches for a page: its HTML, linked stylesheets, images shown.
#[derive(Debug, Default, PartialEq)]
pub struct Weight {
    pub html: u64,
    pub css: u64,
    /// One entry per image shown.
    pub images: Vec<u64>,
}

impl Weight {
    pub fn total(&self) -> u64 {
        self.html + self.css + self.images.iter().sum::<u64>()
    }
}

/// Every `index.html` one folder below `site` (the posts' pages).
fn walk_pages(site: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(site)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join("index.html"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The value of attribute `name` in the tag text `tag` (as this site's templates write it).
fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[at..].find('"')?;
    Some(tag[at..at + end].replace("&amp;", "&"))
}

/// Whether a `<source>`'s media query (`(max-width: 559px)`, as the site writes them) matches a
/// viewport `viewport` CSS px wide.
fn matches(media: &str, viewport: u32) -> bool {
    media
        .strip_prefix("(max-width: ")
        .and_then(|m| m.strip_suffix("px)"))
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|max| viewport <= max)
}

/// The weight of the page at `page` as a browser `viewport` CSS px wide loads it: in a
/// `<picture>`, the first `<source>` whose media query matches stands in for the `<img>`.
/// Files are looked up relative to the page; a missing one is an error naming it.
pub fn page_weight(page: &Path, viewport: u32) -> Result<Weight> {
    let html = std::fs::read_to_string(page).map_err(|e| Error::io(page, e))?;
    let dir = page.parent().unwrap_or(Path::new("."));
    let size = |rel: &str| -> Result<u64> {
        let p = dir.join(rel);
        std::fs::metadata(&p)
            .map(|m| m.len())
            .map_err(|e| Error::Bench {
                message: format!("{} (linked from {}): {e}", p.display(), page.display()),
            })
    };
    let mut w = Weight {
        html: html.len() as u64,
        ..Weight::default()
    };
    let mut source: Option<String> = None;
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(t))
    {
        if tag.starts_with("link ") && tag.contains("rel=\"stylesheet\"") {
            if let Some(href) = attr(tag, "href") {
                w.css += size(&href)?;
            }
        } else if tag.starts_with("source ") {
            let media = attr(tag, "media").unwrap_or_default();
            if source.is_none() && matches(&media, viewport) {
                source = attr(tag, "srcset");
            }
        } else if tag.starts_with("/picture") {
            source = None;
        } else if tag.starts_with("img ") {
            if let Some(src) = source.take().or_else(|| attr(tag, "src")) {
                w.images.push(size(&src)?);
            }
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_weighs_its_html_stylesheets_and_the_images_each_screen_shows() {
        let d = tempfile::tempdir().unwrap();
        let page_dir = d.path().join("post");
        std::fs::create_dir_all(&page_dir).unwrap();
        let file = |rel: &str, n: usize| std::fs::write(d.path().join(rel), vec![b'x'; n]).unwrap();
        file("style.css", 100);
        file("code.css", 1000);
        file("post/a.png", 10_000);
        file("post/a.phone.png", 4_000);
        file("post/a.tablet.png", 6_000);
        file("post/b.png", 500);
        let html = "<link rel=\"stylesheet\" href=\"../style.css\"><link rel=\"alternate\" href=\"../atom.xml\">\
                    <picture><source media=\"(max-width: 559px)\" srcset=\"a.phone.png\" width=\"720\" height=\"900\">\
                    <source media=\"(max-width: 959px)\" srcset=\"a.tablet.png\" width=\"1080\" height=\"900\">\
                    <img src=\"a.png\" width=\"1800\" height=\"1050\" alt=\"\"></picture><p><img src=\"b.png\" alt=\"\"></p>";
        std::fs::write(page_dir.join("index.html"), html).unwrap();
        let page = page_dir.join("index.html");
        let desktop = page_weight(&page, 1280).unwrap();
        assert_eq!(desktop.css, 100, "code.css is not linked");
        assert_eq!(desktop.images, [10_000, 500]);
        assert_eq!(desktop.total(), html.len() as u64 + 100 + 10_500);
        assert_eq!(page_weight(&page, 390).unwrap().images, [4_000, 500]);
        assert_eq!(page_weight(&page, 768).unwrap().images, [6_000, 500]);
        assert_eq!(page_weight(&page, 960).unwrap().images, [10_000, 500]);
        std::fs::remove_file(page_dir.join("b.png")).unwrap();
        let e = page_weight(&page, 1280).unwrap_err().to_string();
        assert!(e.contains("b.png") && e.contains("index.html"), "{e}");
    }
}
