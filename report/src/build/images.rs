//! Image links of a filled draft: `images/NAME` (and `images/<slug>/NAME`,
//! `../images/<slug>/NAME`) names a figure to draw, any other relative path a file next to the
//! draft to copy next to the page; a link that would leave the output folder is refused. Then
//! what the page needs to know of each image it shows ([`figure_info`], [`file_info`]).

use super::problem;
use crate::figures;
use crate::post::{self, Draft, Kind, Problem};
use crate::site::images::{ImageInfo, PhoneImage};
use pulldown_cmark::{Event, Parser, Tag};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// What the image links of a post ask for.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Figure names to draw into images/<slug>/ (and copy next to the page).
    pub figures: BTreeSet<String>,
    /// (from, to) files to copy next to the page.
    pub copies: Vec<(PathBuf, PathBuf)>,
    /// Link destinations to rewrite so they point at the copies next to the page.
    pub rewrites: Vec<(Range<usize>, String)>,
}

/// Resolves every local image link of `markdown` (the filled draft); problems name the draft line.
pub fn resolve(
    draft: &Draft,
    markdown: &str,
    page_dir: &Path,
    problems: &mut Vec<Problem>,
) -> Resolved {
    let mut r = Resolved::default();
    let draft_dir = draft.path.parent().unwrap_or(Path::new("."));
    for (dest, range) in image_links(markdown) {
        if is_remote(&dest) {
            continue;
        }
        let line = draft.line_of(&dest);
        // The copy goes to <page>/<name>: a name that climbs out or is absolute is refused.
        let figure = figure_link(&dest, &draft.slug).filter(|n| stays_inside(n));
        if figure.is_none() && !stays_inside(&dest) {
            problems.push(problem(&draft.path, line, Kind::Image, format!(
                "image link `{dest}` leaves the output folder; refused (use a path inside the post's folder, or images/NAME for a figure)"
            )));
            continue;
        }
        if let Some(name) = figure {
            let local = draft_dir.join(&dest);
            if figures::parse(name).is_ok() && !name.contains('/') {
                r.figures.insert(name.to_string());
            } else if local.is_file() {
                if let Err(m) = super::files::inside(&local, draft_dir) {
                    problems.push(problem(&draft.path, line, Kind::Image, m));
                    continue;
                }
                r.copies.push((local, page_dir.join(name)));
            } else {
                problems.push(problem(&draft.path, line, Kind::Figure, format!(
                    "`{dest}` is neither a figure the tool can draw nor a file next to the draft; known figures:\n{}",
                    figures::known_text()
                )));
                continue;
            }
            r.rewrites.push((range, name.to_string()));
        } else {
            let local = draft_dir.join(&dest);
            if local.is_file() {
                if let Err(m) = super::files::inside(&local, draft_dir) {
                    problems.push(problem(&draft.path, line, Kind::Image, m));
                    continue;
                }
                r.copies.push((local, page_dir.join(&dest)));
            } else {
                problems.push(problem(
                    &draft.path,
                    line,
                    Kind::Image,
                    format!(
                        "image `{dest}` does not exist (looked for {})",
                        local.display()
                    ),
                ));
            }
        }
    }
    r
}

/// `markdown` with each range replaced by its text (ranges sorted, not overlapping).
pub fn rewrite(markdown: &str, mut rewrites: Vec<(Range<usize>, String)>) -> String {
    rewrites.sort_by_key(|(r, _)| r.start);
    let mut md = String::with_capacity(markdown.len());
    let mut at = 0;
    for (r, to) in rewrites {
        md.push_str(&markdown[at..r.start]);
        md.push_str(&to);
        at = r.end;
    }
    md.push_str(&markdown[at..]);
    md
}

/// The figure-or-file name of a link into the post's images: `images/NAME` (the seed draft's
/// way), or `images/<slug>/NAME` and `../images/<slug>/NAME` (where the figures are drawn, so
/// the draft's links also work when the repository is browsed). `None` for other links.
fn figure_link<'a>(dest: &'a str, slug: &str) -> Option<&'a str> {
    for prefix in [format!("../images/{slug}/"), format!("images/{slug}/")] {
        if let Some(name) = dest.strip_prefix(prefix.as_str()) {
            return Some(name);
        }
    }
    dest.strip_prefix("images/")
}

/// Every image link of a markdown text: its destination and the byte range of the destination.
fn image_links(md: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut v = Vec::new();
    for (ev, r) in Parser::new_ext(md, post::scan::options()).into_offset_iter() {
        if let Event::Start(Tag::Image { dest_url, .. }) = ev {
            // The destination's place inside `![alt](dest)`: its last occurrence in the range.
            if let Some(i) = md[r.clone()].rfind(dest_url.as_ref()) {
                v.push((
                    dest_url.to_string(),
                    r.start + i..r.start + i + dest_url.len(),
                ));
            }
        }
    }
    v
}

/// A relative path made of plain names only (no `..`, no root).
fn stays_inside(p: &str) -> bool {
    let p = Path::new(p);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

pub fn is_remote(dest: &str) -> bool {
    dest.starts_with("http://") || dest.starts_with("https://") || dest.starts_with("data:")
}

/// A drawn figure as the page shows it: its wide rendition's size, its gist as alt text, and its
/// phone rendition, both next to the page under their file names.
pub fn figure_info(drawn: &figures::Drawn) -> Option<ImageInfo> {
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
    let (_, (width, height)) = drawn.files.first()?;
    let phone = drawn.phone().and_then(|(p, (w, h))| {
        Some(PhoneImage {
            src: name(p)?,
            width: *w,
            height: *h,
        })
    });
    // The table (`results.md`) is not an image.
    (*width > 0).then(|| ImageInfo {
        width: *width,
        height: *height,
        gist: Some(drawn.gist.clone()),
        phone,
    })
}

/// An image the author supplied: its pixel size from its header, when it is one.
pub fn file_info(path: &Path) -> Option<ImageInfo> {
    let size = imagesize::size(path).ok()?;
    Some(ImageInfo {
        width: u32::try_from(size.width).ok()?,
        height: u32::try_from(size.height).ok()?,
        gist: None,
        phone: None,
    })
}
