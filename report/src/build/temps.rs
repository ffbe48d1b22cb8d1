//! Temporary files a build interrupted by Ctrl-C (or a crash) left behind: every file is written
//! as `.<name>.tmp-<pid>` beside its place, then renamed over it ([`runlog::write_atomic`]), so a
//! kill between the two leaves one. Nothing ever reads them and no record lists them, so they
//! would stay, and be published. A build removes those of processes that are gone, first thing.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Output folders are shallow: `<out>/images/<slug>/<experiment>/<figure>` is the deepest.
const DEPTH: usize = 6;

/// Where process liveness cannot be asked (no /proc), a temporary file this old is stale.
const STALE_AFTER: Duration = Duration::from_secs(600);

/// Removes the stale temporary files under `dir` (links not followed); returns them.
pub fn clean(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for e in walkdir::WalkDir::new(dir)
        .max_depth(DEPTH)
        .into_iter()
        .flatten()
    {
        let is_temp = e.file_type().is_file()
            && writer_of(&e.file_name().to_string_lossy())
                .is_some_and(|pid| is_gone(pid, e.path()));
        if is_temp && std::fs::remove_file(e.path()).is_ok() {
            removed.push(e.path().to_owned());
        }
    }
    removed
}

/// The kinds of file a build writes: another tool's temporary files are not ours to remove.
const WRITTEN: &[&str] = &[
    ".html",
    ".md",
    ".png",
    ".svg",
    ".xml",
    ".css",
    ".json",
    ".nojekyll",
];

/// The process id in the name `.<name>.tmp-<pid>` of a temporary file of a file a build writes.
fn writer_of(file_name: &str) -> Option<u32> {
    let (head, pid) = file_name.rsplit_once(".tmp-")?;
    let name = head.strip_prefix('.')?;
    if !WRITTEN.iter().any(|e| name.ends_with(e)) || pid.is_empty() {
        return None;
    }
    pid.parse().ok()
}

/// Whether process `pid` (which wrote `path`) is no longer running.
fn is_gone(pid: u32, path: &Path) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return !proc.join(pid.to_string()).exists();
    }
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| SystemTime::now().duration_since(t).unwrap_or_default() > STALE_AFTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temporary_files_of_gone_processes_go() {
        assert_eq!(writer_of(".index.html.tmp-123"), Some(123));
        assert_eq!(writer_of("..nojekyll.tmp-9"), Some(9));
        for not in [
            "index.html",
            ".tmp-1",
            "a.png.tmp-1",
            ".x.png.tmp-",
            ".x.png.tmp-1a",
            ".notes.txt.tmp-1",
        ] {
            assert_eq!(writer_of(not), None, "{not}");
        }
        let d = tempfile::tempdir().unwrap();
        let page = d.path().join("p");
        std::fs::create_dir_all(&page).unwrap();
        // pid_max is at most 2^22 on Linux: no process has a larger id.
        let stale = page.join(".index.html.tmp-4194305");
        let ours = page.join(format!(".a.png.tmp-{}", std::process::id()));
        for f in [&stale, &ours, &page.join("index.html")] {
            std::fs::write(f, "x").unwrap();
        }
        assert_eq!(clean(d.path()), vec![stale.clone()]);
        assert!(!stale.exists() && ours.exists() && page.join("index.html").exists());
    }
}
