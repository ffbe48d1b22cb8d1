//! The record of what a build wrote, one per output folder (the site, and the figures folder
//! images/), as `.report-manifest.json`: each file's path inside the folder and a hash of the
//! bytes written. The next build removes what the last one wrote and this one did not (pages and
//! figures of renamed or deleted drafts, figures no longer linked) and nothing else: a file goes
//! only when the previous record lists it, it is a plain file reached through no symbolic link,
//! and it still holds the bytes the build wrote. `--out` may point anywhere; the rest of the
//! folder is never touched.

use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

pub const FILE: &str = ".report-manifest.json";

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// Path inside the folder, `/`-separated -> FNV-1a hash of the bytes, hex.
    files: BTreeMap<String, String>,
}

/// What updating one folder's record did.
#[derive(Debug, Default)]
pub struct Swept {
    pub removed: Vec<PathBuf>,
    /// Listed last time but not removed, and why (changed since, not a plain file).
    pub kept: Vec<String>,
}

/// FNV-1a, 64 bits: stable across machines and Rust versions, enough to tell a file changed.
fn hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `a/b.png` for `root/a/b.png`; `None` for a path outside `root` or not made of plain names.
fn key(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(n) => n.to_str(),
            _ => None,
        })
        .collect();
    parts.filter(|p| !p.is_empty()).map(|p| p.join("/"))
}

/// The file a record's key names, if every step to it is a real folder inside `root` (no `..`,
/// no symbolic link) and it is a plain file.
fn resolve(root: &Path, key: &str) -> Result<PathBuf, Unlisted> {
    let mut path = root.to_owned();
    let parts: Vec<&str> = key.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || *part == "." || *part == ".." || part.contains('\\') {
            return Err(Unlisted::Kept("not a plain path inside the folder"));
        }
        path.push(part);
        let meta = fs::symlink_metadata(&path).map_err(|_| Unlisted::Gone)?;
        let last = i + 1 == parts.len();
        if !last && meta.is_file() {
            // A file took the place of a folder the record lists (a page folder a failed
            // build left where a site file goes): nothing of the record is under it.
            return Err(Unlisted::Gone);
        }
        if meta.file_type().is_symlink() || (last && !meta.is_file()) || (!last && !meta.is_dir()) {
            return Err(Unlisted::Kept("not a plain file (a link, or a folder)"));
        }
    }
    Ok(path)
}

/// Why a file the record lists is not removed: it is gone already, or it is kept (and why).
enum Unlisted {
    Gone,
    Kept(&'static str),
}

fn read(path: &Path) -> Result<Manifest> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| Error::Output {
            message: format!(
                "{}: not a build record ({e}); nothing removed",
                path.display()
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The record's text: pretty JSON, one line at the end.
fn record_text(m: &Manifest) -> Result<String> {
    let text = serde_json::to_string_pretty(m).map_err(|e| Error::Output {
        message: e.to_string(),
    })?;
    Ok(text + "\n")
}

/// Records `written` (files under `root` this build wrote or found already holding its bytes) as
/// `root`'s manifest, after removing the files the previous manifest lists and `written` does
/// not, where they still hold what was written. Emptied folders go too.
pub fn update(root: &Path, written: &[&Path]) -> Result<Swept> {
    let record = root.join(FILE);
    let mut swept = Swept::default();
    let old = match read(&record) {
        Ok(m) => m,
        Err(e) => {
            // A record we cannot read removes nothing, and is not overwritten.
            swept.kept.push(e.to_string());
            return Ok(swept);
        }
    };
    let mut new = Manifest::default();
    for path in written {
        let Some(k) = key(root, path) else { continue };
        let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
        new.files.insert(k, hash(&bytes));
    }
    for (k, h) in &old.files {
        if new.files.contains_key(k) {
            continue;
        }
        let path = match resolve(root, k) {
            Ok(p) => p,
            Err(Unlisted::Gone) => continue,
            Err(Unlisted::Kept(why)) => {
                swept
                    .kept
                    .push(format!("{}: {why}; left in place", root.join(k).display()));
                continue;
            }
        };
        if fs::read(&path).map(|b| hash(&b)).ok().as_ref() != Some(h) {
            swept.kept.push(format!(
                "{}: changed since the build wrote it; left in place",
                path.display()
            ));
            continue;
        }
        fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        // Folders left empty go too (remove_dir refuses a folder that is not empty).
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        swept.removed.push(path);
    }
    if new.files.is_empty() && old.files.is_empty() {
        return Ok(swept);
    }
    let text = record_text(&new)?;
    if fs::read(&record).ok().as_deref() != Some(text.as_bytes()) {
        runlog::write_atomic(&record, text.as_bytes())?;
    }
    Ok(swept)
}

/// Adds `written` to `root`'s record without removing anything: what a build that failed
/// half-way wrote, so that the next build knows the files for its own.
pub fn remember(root: &Path, written: &[&Path]) -> Result<()> {
    let record = root.join(FILE);
    let mut m = read(&record)?;
    for path in written {
        let Some(k) = key(root, path) else { continue };
        if let Ok(bytes) = fs::read(path) {
            m.files.insert(k, hash(&bytes));
        }
    }
    if m.files.is_empty() {
        return Ok(());
    }
    let text = record_text(&m)?;
    Ok(runlog::write_atomic(&record, text.as_bytes())?)
}

/// Removes the folder `dir` when an earlier build wrote every file in it (the nearest record
/// above it lists each, with the bytes it still holds): a page folder a failed build left where
/// a site file goes. Anything else in it, and the folder stays, with an error naming it.
pub fn remove_own_folder(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::Output {
            message: format!(
                "{}: a folder stands where the build writes a file, and {why}; move it away",
                dir.display()
            ),
        })
    };
    // The nearest record above it (none: nothing in it is a build's, but an empty folder).
    let root = dir
        .ancestors()
        .skip(1)
        .find(|a| a.join(FILE).is_file())
        .unwrap_or(dir);
    let record = match root == dir {
        true => Manifest::default(),
        false => read(&root.join(FILE))?,
    };
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.map_err(|e| Error::Output {
            message: format!("{}: {e}", dir.display()),
        })?;
        if e.file_type().is_dir() {
            continue;
        }
        let listed = key(root, e.path()).and_then(|k| record.files.get(&k));
        let same = e.file_type().is_file()
            && listed.is_some_and(|h| fs::read(e.path()).is_ok_and(|b| hash(&b) == *h));
        if !same {
            return refuse(format!(
                "{} is not a file a build wrote",
                e.path().display()
            ));
        }
    }
    fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_a_build_wrote_where_a_file_goes_is_removed_and_no_other() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let page = root.join("code.css");
        fs::create_dir_all(&page).unwrap();
        fs::write(page.join("index.html"), "page").unwrap();
        fs::write(page.join("code.css.md"), "md").unwrap();
        // A build that failed half-way still records what it wrote.
        remember(root, &[&page.join("index.html"), &page.join("code.css.md")]).unwrap();
        fs::write(root.join("mine.txt"), "the owner's").unwrap();
        remove_own_folder(&page).unwrap();
        assert!(!page.exists() && root.join("mine.txt").exists());
        // A folder holding a file no build wrote stays, and the error names it.
        let other = root.join("favicon.svg");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("notes.txt"), "mine").unwrap();
        let e = remove_own_folder(&other).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: a folder stands where the build writes a file, and {} is not a file a \
                 build wrote; move it away",
                other.display(),
                other.join("notes.txt").display()
            )
        );
        assert!(other.join("notes.txt").exists());
    }

    #[test]
    fn keys_are_plain_paths_inside_the_folder() {
        let root = Path::new("/out");
        assert_eq!(
            key(root, Path::new("/out/a/b.png")).as_deref(),
            Some("a/b.png")
        );
        assert_eq!(key(root, Path::new("/elsewhere/b.png")), None);
        assert_eq!(key(root, Path::new("/out")), None);
        let d = tempfile::tempdir().unwrap();
        for bad in ["../x", "a/../../x", "/etc/passwd", "a//b", "."] {
            assert!(resolve(d.path(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_files_a_build_wrote_and_did_not_write_again_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let file = |rel: &str, text: &str| {
            let p = root.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, text).unwrap();
            p
        };
        let (a, old, edited, mine) = (
            file("a/index.html", "a"),
            file("old/index.html", "old"),
            file("old/notes.md", "v1"),
            file("mine.txt", "the owner's"),
        );
        update(root, &[&a, &old, &edited]).unwrap();
        fs::write(&edited, "v2, edited by hand").unwrap();
        let s = update(root, &[&a]).unwrap();
        assert_eq!(s.removed, std::slice::from_ref(&old));
        assert!(!old.exists() && edited.exists() && a.exists() && mine.exists());
        assert!(s.kept[0].contains("changed since"), "{:?}", s.kept);
        // The record now lists only a; a third run removes nothing more.
        let s = update(root, &[&a]).unwrap();
        assert!(s.removed.is_empty() && s.kept.is_empty(), "{s:?}");
        assert!(edited.exists() && mine.exists());
    }

    #[test]
    fn a_forged_record_removes_nothing_outside_the_folder() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("precious.txt");
        fs::write(&victim, "keep").unwrap();
        let root = d.path().join("site");
        fs::create_dir_all(&root).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
        let forged = format!(
            "{{\"files\": {{\"../{0}/precious.txt\": \"{1}\", \"link/precious.txt\": \"{1}\", \"{2}\": \"{1}\"}}}}",
            outside.path().file_name().unwrap().to_str().unwrap(),
            hash(b"keep"),
            victim.display()
        );
        fs::write(root.join(FILE), forged).unwrap();
        let s = update(&root, &[]).unwrap();
        assert!(s.removed.is_empty(), "{s:?}");
        assert!(victim.exists());
        // A record that is not one stops the sweep and stays as it is.
        fs::write(root.join(FILE), "not json").unwrap();
        let s = update(&root, &[]).unwrap();
        assert!(s.kept[0].contains("not a build record"), "{s:?}");
        assert_eq!(fs::read_to_string(root.join(FILE)).unwrap(), "not json");
    }
}
