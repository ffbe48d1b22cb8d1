//! The site's part of `report bench`: wall time of a whole `report build` (runs loaded, figures
//! drawn, drafts filled, pages written) into a fresh folder each time, for
//! 1. the repository's posts/ with its runs/ (skipped when there is no posts/), and
//! 2. the seed draft with the 16 x0-experiment runs, imported (skipped when absent).
//!
//! Target: under 1 s on 2 cores, compile time excluded.

use crate::build::{build, BuildOptions};
use crate::runs::import::{import_logs, ImportOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Best wall time (ms) of `repeat` builds of `o`, each into a new output folder under `tmp`.
pub fn time_build(o: &BuildOptions, tmp: &Path, repeat: usize) -> Result<(f64, usize), String> {
    let mut best = f64::INFINITY;
    let mut pages = 0;
    for i in 0..repeat.max(1) {
        let mut o = o.clone();
        o.out = tmp.join(format!("site-{i}"));
        o.images = o.out.join("images");
        let t = Instant::now();
        let outcome = build(&o)?;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        pages = outcome.pages.len();
        if outcome.failed() {
            let first = outcome.problems.iter().find(|p| p.kind.fatal());
            return Err(format!(
                "the build failed: {}",
                first.map(|p| p.to_string()).unwrap_or_default()
            ));
        }
    }
    Ok((best, pages))
}

pub fn run(fixtures: &Path, tmp: &Path, repeat: usize) -> Result<(), String> {
    let repo = BuildOptions::new("posts".into(), "runs".into(), None);
    if repo.posts.is_dir() {
        let (ms, pages) = time_build(&repo, &tmp.join("repo"), repeat)?;
        println!(
            "report build of posts/ with runs/: {pages} page(s) in {ms:.1} ms (target < 1000 ms)"
        );
    } else {
        println!("report build of posts/: skipped (no posts/ here)");
    }
    let seed: PathBuf = fixtures.join("../../seed/embeddings-extravaganza-1.md");
    let logs: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .map(|rd| {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    if logs.is_empty() || !seed.is_file() {
        println!(
            "report build of the seed draft: skipped ({} or {} not found)",
            fixtures.display(),
            seed.display()
        );
        return Ok(());
    }
    let dir = tmp.join("seed-build");
    let posts = dir.join("posts");
    std::fs::create_dir_all(&posts).map_err(|e| format!("{}: {e}", posts.display()))?;
    std::fs::copy(&seed, posts.join("embeddings-extravaganza-1.md"))
        .map_err(|e| format!("{}: {e}", seed.display()))?;
    import_logs(&logs, &dir.join("runs"), &ImportOptions::default()).map_err(|e| e.to_string())?;
    let mut o = BuildOptions::new(posts, dir.join("runs"), None);
    o.config = PathBuf::from("site.toml");
    let (ms, _) = time_build(&o, &dir, repeat)?;
    println!("report build of the seed draft with 16 x0-experiment runs (4 figures): {ms:.1} ms (target < 1000 ms)");
    Ok(())
}
