//! The build's file handling: finding drafts, keeping outputs out of posts/, and writing
//! atomically only what changed.

use super::Outcome;
use std::fs;
use std::path::{Path, PathBuf};

/// The drafts: `*.md` directly in `dir`, sorted.
pub fn list_drafts(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the drafts folder: {e}", dir.display()))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    Ok(v)
}

/// No tool writes into posts/: an output folder inside it (or equal to it) is refused.
pub fn refuse_inside(target: &Path, posts: &Path) -> Result<(), String> {
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
        return Err(format!(
            "{} is inside the drafts folder {}; no tool writes there: choose another output",
            target.display(),
            posts.display()
        ));
    }
    Ok(())
}

/// Writes `bytes` atomically unless the file already holds exactly them; either way the file is
/// this build's (see `manifest`).
pub fn write(out: &mut Outcome, path: &Path, bytes: &[u8]) -> Result<(), String> {
    out.files.insert(path.to_owned());
    if fs::read(path).is_ok_and(|old| old == bytes) {
        out.unchanged += 1;
        return Ok(());
    }
    runlog::write_atomic(path, bytes).map_err(|e| e.to_string())?;
    out.written += 1;
    Ok(())
}
