//! Image links of a filled draft. `images/NAME` (also `images/<slug>/NAME` and
//! `../images/<slug>/NAME`, where the repository keeps the figures) names a figure to draw from
//! the post's runs; `images/<experiment>/NAME`, with one of the post's experiments as the
//! folder, the figure drawn from that experiment's runs. A file the author put at the link's
//! path next to the draft wins over a figure of the same name: it is used as is, and a note
//! says so. Any other relative path is a file next to the draft to copy next to the page; a link
//! that would leave the output folder is refused, and so is any image but an http(s) URL or a
//! relative path (`data:`, `javascript:`, ...). Then what the page needs to know of each
//! image it shows ([`figure_info`], [`file_info`]).

use crate::figures;
use crate::post::sources::Sources;
use crate::post::{self, Draft, Kind, Problem};
use crate::site::images::{ImageInfo, Rendition};
use crate::site::safe::{check_url, shown, Target};
use crate::Error;
use pulldown_cmark::{Event, Parser, Tag};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// A figure to draw: the experiment folder it was linked under (`None`: the post's only
/// experiment) and its name.
pub type Wanted = (Option<String>, String);

/// What the image links of a post ask for.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Figures to draw into images/<slug>/[<experiment>/] (and copy next to the page).
    pub figures: BTreeSet<Wanted>,
    /// (from, to) files to copy next to the page.
    pub copies: Vec<(PathBuf, PathBuf)>,
    /// Link destinations to rewrite so they point at the copies next to the page.
    pub rewrites: Vec<(Range<usize>, String)>,
}

/// Resolves every local image link of `markdown` (the filled draft); problems and notes name
/// the draft's line.
pub fn resolve(
    draft: &Draft,
    sources: &Sources,
    markdown: &str,
    page_dir: &Path,
    problems: &mut Vec<Problem>,
) -> Resolved {
    let mut r = Resolved::default();
    let draft_dir = draft.path.parent().unwrap_or(Path::new("."));
    let say = |problems: &mut Vec<Problem>, line, kind, message| {
        problems.push(Problem {
            path: draft.path.clone(),
            line,
            kind,
            message,
        })
    };
    for (dest, range) in image_links(markdown) {
        // Looked up only for an image with a problem (a draft may hold very many).
        let line = || draft.line_of(&dest);
        match is_remote(&dest) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                say(problems, line(), Kind::Image, e.to_string());
                continue;
            }
        }
        // The copy goes to <page>/<path>: a path that climbs out or is absolute is refused.
        let linked = figure_link(&dest, &draft.slug, sources).filter(|(_, n)| stays_inside(n));
        if linked.is_none() && !stays_inside(&dest) {
            say(problems, line(), Kind::Image, format!(
                "image link `{dest}` leaves the output folder; refused (use a path inside the post's folder, or images/NAME for a figure)"
            ));
            continue;
        }
        let local = draft_dir.join(&dest);
        let Some((exp, name)) = linked else {
            match author_file(&dest, &local, draft_dir) {
                Ok(()) => r.copies.push((local, page_dir.join(&dest))),
                Err(e) => say(problems, line(), Kind::Image, e.to_string()),
            }
            continue;
        };
        let rel = match &exp {
            Some(e) => format!("{e}/{name}"),
            None => name.to_string(),
        };
        match figure_or_file(&dest, (exp.as_deref(), name), &local, draft_dir, sources) {
            Ok(Found::File { note }) => {
                if let Some(n) = note {
                    say(problems, line(), Kind::Note, n);
                }
                r.copies.push((local, page_dir.join(&rel)));
            }
            Ok(Found::Figure) => {
                r.figures.insert((exp.clone(), name.to_string()));
            }
            Err((kind, m)) => {
                say(problems, line(), kind, m);
                continue;
            }
        }
        r.rewrites.push((range, rel));
    }
    r
}

/// What a figure's link finds.
enum Found {
    /// The author's file at the link's path (a note when it stands in for a figure).
    File { note: Option<String> },
    /// Nothing there: the figure is drawn.
    Figure,
}

/// A link `dest` to figure `name` (of experiment `exp`, `None`: the post's only one): the
/// author's file at `local` if there is one, else the figure, when the tool can draw it and
/// the post says from which runs.
fn figure_or_file(
    dest: &str,
    (exp, name): (Option<&str>, &str),
    local: &Path,
    draft_dir: &Path,
    sources: &Sources,
) -> Result<Found, (Kind, String)> {
    let is_figure = figures::parse(name).is_ok() && !name.contains('/');
    if local.is_file() {
        crate::folders::inside(local, draft_dir).map_err(|e| (Kind::Image, e.to_string()))?;
        // Never redrawn over silently: the author's file is what the page shows.
        let note = is_figure.then(|| {
            format!(
                "`{dest}` is the author's image ({}): used as is, not drawn from the runs \
                 (remove the file to have the figure drawn)",
                local.display()
            )
        });
        return Ok(Found::File { note });
    }
    if !is_figure {
        return Err((
            Kind::Figure,
            format!(
                "`{dest}` is neither a figure the tool can draw nor a file next to the draft; \
                 known figures:\n{}",
                figures::known_text()
            ),
        ));
    }
    if exp.is_none() {
        if let Err(e) = sources.pick(None) {
            let m = format!("`{dest}`: {e}; link the figure as images/<experiment>/{name}");
            return Err((Kind::Figure, m));
        }
    }
    Ok(Found::Figure)
}

/// `Ok(true)` for an image on the web (left as it is), `Ok(false)` for a relative path, and a
/// refusal for anything else (`data:`, `javascript:`, a #fragment, ...).
fn is_remote(dest: &str) -> crate::Result<bool> {
    match check_url(dest) {
        Ok(Target::Remote) => Ok(true),
        Ok(Target::Relative) => Ok(false),
        other => {
            let why = other.err().map_or_else(
                || "an image is an http(s) URL or a relative path".into(),
                |e| e.to_string(),
            );
            Err(Error::Draft {
                message: format!("image `{}` is refused: {why}", shown(dest)),
            })
        }
    }
}

/// An image the author put at `local` (the link `dest` next to the draft): it must be a file
/// inside the drafts' folder.
fn author_file(dest: &str, local: &Path, draft_dir: &Path) -> crate::Result<()> {
    if !local.is_file() {
        return Err(Error::Draft {
            message: format!(
                "image `{dest}` does not exist (looked for {})",
                local.display()
            ),
        });
    }
    crate::folders::inside(local, draft_dir)
}

/// Where the image linked as `dest` in the draft sits next to the page (what the filled
/// markdown links it as): a figure under its experiment's folder, another file where it is.
pub fn page_src(dest: &str, slug: &str, sources: &Sources) -> Option<String> {
    match figure_link(dest, slug, sources) {
        Some((Some(e), name)) => Some(format!("{e}/{name}")),
        Some((None, name)) => Some(name.to_string()),
        None => stays_inside(dest).then(|| dest.to_string()),
    }
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

/// The experiment and figure-or-file name of a link into the post's images: `images/NAME` (the
/// seed draft's way), `images/<slug>/NAME` and `../images/<slug>/NAME` (where the figures are
/// drawn, so the draft's links also work when the repository is browsed), each with one of the
/// post's experiments as a further folder (`images/x0-experiment/NAME`). A folder that is no
/// experiment of the post stays part of the name. `None` for other links.
fn figure_link<'a>(
    dest: &'a str,
    slug: &str,
    sources: &Sources,
) -> Option<(Option<String>, &'a str)> {
    let experiment = |rest: &'a str| -> (Option<String>, &'a str) {
        match rest.split_once('/') {
            Some((folder, name)) if sources.named(folder).is_some() => {
                (Some(folder.to_string()), name)
            }
            _ => (None, rest),
        }
    };
    if let Some(rest) = dest.strip_prefix(&format!("../images/{slug}/")) {
        return Some(experiment(rest));
    }
    let rest = dest.strip_prefix("images/")?;
    Some(match experiment(rest) {
        (Some(e), name) => (Some(e), name),
        (None, _) => experiment(rest.strip_prefix(&format!("{slug}/")).unwrap_or(rest)),
    })
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

/// A drawn figure as the page shows it: its wide rendition's size, its gist as alt text, and its
/// narrower renditions, all next to the page in `folder` (`""` or `x0-experiment/`).
pub fn figure_info(drawn: &figures::Drawn, folder: &str) -> Option<ImageInfo> {
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .map(|n| format!("{folder}{n}"))
    };
    let (_, (width, height)) = drawn.files.first()?;
    // Narrowest first: a browser takes the first <source> whose media query matches.
    let narrower = figures::look::RENDITIONS
        .iter()
        .rev()
        .filter_map(|look| {
            let media = look.media()?;
            let (p, (w, h)) = drawn.rendition(look)?;
            Some(Rendition {
                src: name(p)?,
                width: *w,
                height: *h,
                media,
            })
        })
        .collect();
    // The table (`results.md`) is not an image.
    (*width > 0).then(|| ImageInfo {
        width: *width,
        height: *height,
        gist: Some(drawn.gist.clone()),
        narrower,
    })
}

/// An image the author supplied: its pixel size from its header, when it is one.
pub fn file_info(path: &Path) -> Option<ImageInfo> {
    let size = imagesize::size(path).ok()?;
    Some(ImageInfo {
        width: u32::try_from(size.width).ok()?,
        height: u32::try_from(size.height).ok()?,
        gist: None,
        narrower: Vec::new(),
    })
}
