//! `report check`: builds into a temporary folder (site/ and images/ stay as they are) and lists
//! every problem: TODOs left, unresolved link placeholders, broken links and images, figures
//! named but not drawable, failed claims, bad directives. Non-zero exit when there is any.

use crate::build::{build, BuildOptions};
use crate::post::Problem;

/// The problems of a build of `o`'s inputs, and the warnings about the runs.
pub fn check(o: &BuildOptions) -> Result<(Vec<Problem>, Vec<String>), String> {
    let tmp = tempdir()?;
    let mut o = o.clone();
    o.out = tmp.0.join("site");
    o.images = tmp.0.join("images");
    let outcome = build(&o)?;
    Ok((outcome.problems, outcome.warnings))
}

/// A temporary folder removed on drop (std only: tempfile is a test dependency here).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir, String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let p = std::env::temp_dir().join(format!("report-check-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(TempDir(p))
}
