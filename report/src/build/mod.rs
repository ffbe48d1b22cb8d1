//! `report build`: drafts in posts/ + runs/ -> figures in images/<slug>/ -> filled markdown and
//! HTML pages in site/<slug>/, the index, the Atom feed and the stylesheet.
//!
//! Runs are loaded and checked first (`runs`): a run that fails a check spoils the posts of its
//! experiment, which get no page (an old one is removed); the others build, and the build
//! fails. Per draft: read (never written; only files that resolve inside posts/) -> facts from
//! the runs of its experiment -> `post::fill` -> the page (`page`: image links resolved,
//! figures drawn, `site::markdown::render`, templates). Every file is written atomically and
//! only when its bytes change, so a second build with the same inputs changes nothing.
//!
//! `images` resolves a post's image links; `files` finds drafts and writes outputs.

use crate::config::SiteConfig;
use crate::post::{Draft, Kind, Problem};
use crate::site::{self, Templates};
use files::{list_drafts, refuse_inside, write};
use std::fs;
use std::path::{Path, PathBuf};

mod files;
mod images;
mod page;
mod runs;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub posts: PathBuf,
    pub runs: PathBuf,
    /// The site: `<out>/<slug>/index.html`, `<out>/index.html`, `<out>/atom.xml`, ...
    pub out: PathBuf,
    /// Figures of the posts, `<images>/<slug>/`: images/ by default, `<out>/images` with --out.
    pub images: PathBuf,
    pub config: PathBuf,
    pub templates: PathBuf,
}

impl BuildOptions {
    /// The defaults of `make post` (paths relative to the repository root), or everything under
    /// `out` when given.
    pub fn new(posts: PathBuf, runs: PathBuf, out: Option<PathBuf>) -> BuildOptions {
        let (out, images) = match out {
            Some(o) => (o.clone(), o.join("images")),
            None => (PathBuf::from("site"), PathBuf::from("images")),
        };
        BuildOptions {
            posts,
            runs,
            out,
            images,
            config: PathBuf::from("site.toml"),
            templates: PathBuf::from("templates"),
        }
    }
}

/// What a build did and found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The pages written, `<out>/<slug>/index.html`.
    pub pages: Vec<PathBuf>,
    pub problems: Vec<Problem>,
    /// About the runs (torn lines, missing summaries) and the build, not about a draft.
    pub warnings: Vec<String>,
    pub written: usize,
    pub unchanged: usize,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| p.kind.fatal())
    }
}

/// Builds the site. `Err` only for what stops every post (unreadable posts folder, bad
/// site.toml or templates, an output inside posts/); a draft's problems are in the outcome,
/// and a draft with a fatal one gets no page.
pub fn build(o: &BuildOptions) -> Result<Outcome, String> {
    let cfg = SiteConfig::load(&o.config)?;
    let templates = Templates::load(
        Some(&o.templates)
            .filter(|d| d.is_dir())
            .map(|d| d.as_path()),
    )?;
    refuse_inside(&o.out, &o.posts)?;
    refuse_inside(&o.images, &o.posts)?;
    let drafts = list_drafts(&o.posts)?;
    let mut out = Outcome::default();
    let runs = runs::load(&o.runs, &mut out);
    let mut per_draft = runs::PerDraft::new(runs.as_ref());
    let mut pages = Vec::new();
    for path in drafts {
        let draft = match read_draft(&path, &o.posts) {
            Ok(d) => d,
            Err(p) => {
                out.problems.push(p);
                let slug = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                if let Some(slug) = slug.filter(|s| files::slug_is_free(s).is_ok()) {
                    page::remove_stale(o, &slug);
                }
                continue;
            }
        };
        let (facts, post_runs) = match per_draft.get(&draft) {
            Ok(r) => r,
            Err(p) => {
                out.problems.push(p);
                page::remove_stale(o, &draft.slug);
                continue;
            }
        };
        if let Some(page) = page::build_post(
            o,
            &cfg,
            &templates,
            &draft,
            facts,
            post_runs.as_ref(),
            &mut out,
        ) {
            pages.push(page);
        }
    }
    site::sort_pages(&mut pages);
    write(
        &mut out,
        &o.out.join("index.html"),
        templates.index(&cfg, &pages)?.as_bytes(),
    )?;
    write(
        &mut out,
        &o.out.join("atom.xml"),
        templates.feed(&cfg, &pages)?.as_bytes(),
    )?;
    write(
        &mut out,
        &o.out.join("style.css"),
        templates.stylesheet().as_bytes(),
    )?;
    // GitHub Pages: serve the files as they are (no Jekyll).
    write(&mut out, &o.out.join(".nojekyll"), b"")?;
    out.problems
        .sort_by(|a, b| (&a.path, a.line, a.kind).cmp(&(&b.path, b.line, b.kind)));
    Ok(out)
}

/// A draft read from posts/: only a file that resolves inside posts/ (a symlink out of it is
/// refused), whose page would not take the name of a site file.
fn read_draft(path: &Path, posts: &Path) -> Result<Draft, Problem> {
    let fail = |line, message| problem(path, line, Kind::BadDraft, message);
    files::inside(path, posts).map_err(|m| fail(1, m))?;
    let text = fs::read_to_string(path).map_err(|e| fail(1, format!("cannot read: {e}")))?;
    let draft = Draft::parse(path, text)?;
    files::slug_is_free(&draft.slug).map_err(|m| fail(1, m))?;
    Ok(draft)
}

fn problem(path: &Path, line: usize, kind: Kind, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        kind,
        message,
    }
}
