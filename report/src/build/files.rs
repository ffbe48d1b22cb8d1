//! The build's file handling: finding drafts (only files that resolve inside posts/, whose page
//! takes no site file's name), keeping outputs out of posts/, and writing atomically only what
//! changed.

use super::outcome::Outcome;
use crate::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// The drafts: `*.md` directly in `dir`, sorted.
pub fn list_drafts(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = fs::read_dir(dir).map_err(|e| Error::Draft {
        message: format!("{}: cannot read the drafts folder: {e}", dir.display()),
    })?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    Ok(v)
}

/// The site's index and feed, beside the posts' folders.
pub const INDEX: &str = "index.html";
pub const FEED: &str = "atom.xml";
/// The page GitHub Pages shows for a path the site does not have.
pub const NOT_FOUND: &str = "404.html";
/// Tells GitHub Pages to serve the files as they are (no Jekyll).
pub const NO_JEKYLL: &str = ".nojekyll";

/// Every name the build writes at the top of the site, beside the posts' folders: the index,
/// the feed, the 404 page, the static files of the templates, the build's record, and `images`
/// (the figures, with --out). A draft's page folder may take none of them.
pub fn site_names() -> Vec<&'static str> {
    let mut names = vec![
        INDEX,
        FEED,
        NOT_FOUND,
        NO_JEKYLL,
        "images",
        super::manifest::FILE,
    ];
    names.extend(crate::site::asset_names());
    names
}

/// A draft's page is `<out>/<slug>/`: the slug must be a plain name (`runlog::check_name`), and
/// not the name of any file the site writes (`code.css.md` would make `code.css/`, where the
/// highlighting stylesheet goes); refused before anything is written.
pub fn slug_is_free(slug: &str) -> Result<()> {
    runlog::check_name("draft name", slug).map_err(|e| Error::Draft {
        message: format!("{e}; rename the draft"),
    })?;
    if let Some(f) = site_names().iter().find(|f| f.eq_ignore_ascii_case(slug)) {
        return Err(Error::Draft {
            message: format!(
                "its page would be `{slug}/`, which collides with the site's own `{f}`; rename \
                 the draft"
            ),
        });
    }
    Ok(())
}

/// No tool writes into posts/: an output folder inside it (or equal to it) is refused.
pub fn refuse_inside(target: &Path, posts: &Path) -> Result<()> {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_owned()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Canonicalise the longest existing prefix (the target may not exist yet).
        let mut existing = p.clone();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (
                existing.file_name().map(|n| n.to_owned()),
                existing.parent(),
            ) {
                (Some(n), Some(parent)) => {
                    rest.push(n);
                    existing = parent.to_owned();
                }
                _ => break,
            }
        }
        let mut c = existing.canonicalize().unwrap_or(existing);
        c.extend(rest.iter().rev());
        c
    };
    if abs(target).starts_with(abs(posts)) {
        return Err(Error::Output {
            message: format!(
                "{} is inside the drafts folder {}; no tool writes there: choose another output",
                target.display(),
                posts.display()
            ),
        });
    }
    Ok(())
}

/// Writes `bytes` atomically unless the file already holds exactly them; either way the file is
/// this build's (see `manifest`). A folder where the file goes is removed when an earlier build
/// wrote all of it (a page folder left by a failed build), else the write fails naming it.
pub fn write(out: &mut Outcome, path: &Path, bytes: &[u8]) -> Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        super::manifest::remove_own_folder(path)?;
    }
    out.files.insert(path.to_owned());
    if fs::read(path).is_ok_and(|old| old == bytes) {
        out.unchanged += 1;
        return Ok(());
    }
    runlog::write_atomic(path, bytes)?;
    out.written += 1;
    Ok(())
}
