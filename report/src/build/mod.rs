//! `report build`: drafts in posts/ + runs/ -> figures in images/<slug>/ -> filled markdown and
//! HTML pages in site/<slug>/, the index, the Atom feed and the stylesheet.
//!
//! Runs are loaded and checked first (`runs`): a run that fails a check spoils the posts of its
//! experiments, which get no page; the others build, and the build fails. Per draft: read (never
//! written; only files that resolve inside posts/) -> the passes of [`crate::pipeline`] (front
//! matter and the experiments it names, TODOs, directives, links, figures, HTML) -> its files
//! (`page`). Every file is written atomically and only when its bytes change, so a second
//! build with the same inputs changes nothing. Last, `manifest` records what the build wrote in
//! the site and the figures folder and removes what an earlier build wrote and this one did not
//! (the old page of a draft that fails now, which may state what the runs no longer support).
//!
//! `files` finds drafts and writes outputs; `temps` first removes the temporary files an
//! interrupted build left (never published).

use crate::config::SiteConfig;
use crate::pipeline::{experiments::PerDraft, Context};
use crate::post::{Kind, Problem};
use crate::site::{self, Templates};
use crate::Result;
use files::{list_drafts, refuse_inside, write};
use outcome::problem;
use std::fs;
use std::path::{Path, PathBuf};

pub(crate) mod files;
pub mod manifest;
mod outcome;
mod page;
pub mod runs;
mod temps;

pub use crate::folders::BuildOptions;
pub use outcome::Outcome;

/// Builds the site. `Err` only for what stops every post (unreadable posts folder, bad
/// site.toml or templates, an output inside posts/); a draft's problems are in the outcome,
/// and a draft with a fatal one gets no page.
pub fn build(o: &BuildOptions) -> Result<Outcome> {
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
    for dir in [&o.out, &o.images] {
        out.warnings.extend(temps::clean(dir).into_iter().map(|p| {
            format!(
                "note: removed {} (left by an interrupted build)",
                p.display()
            )
        }));
    }
    out.warnings.extend(
        site::feed::problems(&cfg)
            .into_iter()
            .map(|p| format!("warning: {}: {p}", o.config.display())),
    );
    let runs = runs::load(&o.runs, &mut out);
    let per_draft = PerDraft::new(runs.as_ref());
    let cx = Context {
        options: o,
        config: &cfg,
        templates: &templates,
        runs: &per_draft,
    };
    let mut pages = Vec::new();
    for path in drafts {
        match read_draft(&path, &o.posts) {
            Ok(text) => pages.extend(page::build_post(&cx, path, text, &mut out)),
            Err(p) => out.problems.push(p),
        }
    }
    site::sort_pages(&mut pages);
    if let Err(e) = site_files(o, &cfg, &templates, &pages, &mut out) {
        // What this build wrote stays on record, so the next one can remove it.
        for (root, files) in by_folder(o, &out) {
            let _ = manifest::remember(root, &files);
        }
        return Err(e);
    }
    sweep(o, &mut out)?;
    out.problems
        .sort_by(|a, b| (&a.path, a.line, a.kind).cmp(&(&b.path, b.line, b.kind)));
    Ok(out)
}

/// The site's own files: index, feed, static files (code.css only when a page has code), the
/// 404 page, `.nojekyll`.
fn site_files(
    o: &BuildOptions,
    cfg: &SiteConfig,
    templates: &Templates,
    pages: &[site::Page],
    out: &mut Outcome,
) -> Result<()> {
    write(
        out,
        &o.out.join(files::INDEX),
        templates.index(cfg, pages)?.as_bytes(),
    )?;
    write(
        out,
        &o.out.join(files::FEED),
        templates.feed(cfg, pages)?.as_bytes(),
    )?;
    // The highlighting stylesheet only where a page links it.
    for (name, text) in templates.assets(pages.iter().any(|p| p.has_code)) {
        write(out, &o.out.join(name), text.as_bytes())?;
    }
    write(
        out,
        &o.out.join(files::NOT_FOUND),
        templates.not_found(cfg)?.as_bytes(),
    )?;
    write(out, &o.out.join(files::NO_JEKYLL), b"")
}

/// A draft's text, read from posts/: only a file that resolves inside posts/ (a symlink out of
/// it is refused), whose page would not take the name of a site file.
fn read_draft(path: &Path, posts: &Path) -> Result<String, Problem> {
    let fail = |line, message| problem(path, line, Kind::BadDraft, message);
    crate::folders::inside(path, posts).map_err(|e| fail(1, e.to_string()))?;
    let slug = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    files::slug_is_free(&slug).map_err(|e| fail(1, e.to_string()))?;
    fs::read_to_string(path).map_err(|e| fail(1, format!("cannot read: {e}")))
}

/// Updates the record of written files of the figures folder and of the site (figures first: with
/// --out the figures folder is inside the site), removing what only an earlier build wrote.
fn sweep(o: &BuildOptions, out: &mut Outcome) -> Result<()> {
    let mut removed = Vec::new();
    let mut kept = Vec::new();
    for (root, files) in by_folder(o, out) {
        let swept = manifest::update(root, &files)?;
        removed.extend(swept.removed);
        kept.extend(swept.kept.into_iter().map(|k| format!("note: {k}")));
    }
    out.removed.extend(removed);
    out.warnings.extend(kept);
    Ok(())
}

/// The files this build wrote, by the folder whose record lists them: the figures folder, then
/// the site (with --out the figures folder is inside the site, and its files are its own).
fn by_folder<'a>(o: &'a BuildOptions, out: &'a Outcome) -> [(&'a Path, Vec<&'a Path>); 2] {
    let (in_images, in_site): (Vec<&Path>, Vec<&Path>) = out
        .files
        .iter()
        .map(PathBuf::as_path)
        .partition(|p| p.starts_with(&o.images));
    [(&o.images, in_images), (&o.out, in_site)]
}
