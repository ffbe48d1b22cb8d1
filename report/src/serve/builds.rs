//! The preview's builds: every rebuild goes into a fresh folder of its own, under one folder in
//! the system's temporary folder (removed when `report serve` stops), so a failed build never
//! touches the pages being served, and site/ and images/ stay what `make post` wrote. The
//! folder served and the one before it are kept (a request may still be reading the older);
//! older ones are removed.

use crate::build::{build, BuildOptions, Outcome};
use crate::Error;
use std::collections::hash_map::DefaultHasher;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

pub struct Builds {
    dir: PathBuf,
    next: u64,
    /// Builds kept for serving, oldest first.
    kept: VecDeque<PathBuf>,
}

impl Builds {
    /// A new folder for the builds, `report-serve-<pid>-<n>` in the temporary folder.
    pub fn new() -> crate::Result<Builds> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("report-serve-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::serving(format!(
                "{}: cannot make the preview's folder: {e}",
                dir.display()
            ))
        })?;
        Ok(Builds {
            dir,
            next: 1,
            kept: VecDeque::new(),
        })
    }

    /// Where the builds go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Builds `o`'s inputs into a new folder (the site there, its figures in `images/` inside).
    pub fn build(&mut self, o: &BuildOptions) -> (PathBuf, crate::Result<Outcome>) {
        let root = self.dir.join(self.next.to_string());
        self.next += 1;
        let mut o = o.clone();
        o.out = root.clone();
        o.images = root.join("images");
        let outcome = build(&o);
        (root, outcome)
    }

    /// `root` is served from now on: the build before it stays, older ones go.
    pub fn keep(&mut self, root: &Path) {
        self.kept.push_back(root.to_owned());
        while self.kept.len() > 2 {
            if let Some(old) = self.kept.pop_front() {
                let _ = std::fs::remove_dir_all(old);
            }
        }
    }

    /// A build that is not served.
    pub fn discard(&mut self, root: &Path) {
        let _ = std::fs::remove_dir_all(root);
    }
}

impl Drop for Builds {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A digest of every file under `root` (relative path and bytes): two builds with the same
/// digest serve the same pages.
pub fn digest(root: &Path) -> u64 {
    let mut h = DefaultHasher::new();
    let walk = walkdir::WalkDir::new(root).sort_by_file_name();
    for e in walk.into_iter().flatten() {
        if e.file_type().is_file() {
            e.path().strip_prefix(root).unwrap_or(e.path()).hash(&mut h);
            std::fs::read(e.path()).unwrap_or_default().hash(&mut h);
        }
    }
    h.finish()
}
