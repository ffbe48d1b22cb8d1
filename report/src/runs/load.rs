//! Finding the run folders under a runs folder, reading and checking each (in parallel), then
//! checking them as a set (`runlog::check`).

use super::{walk, RunProblem};
use crate::{Error, Result};
use runlog::check::{check_dir, check_set, Checked};
use runlog::Run;
use std::path::{Path, PathBuf};

/// What a runs folder holds: the runs that pass every check (their warnings, such as torn last
/// lines of runs that crashed, inside them), and every problem of the others.
pub(crate) struct Loaded {
    pub runs: Vec<Run>,
    pub problems: Vec<RunProblem>,
}

/// Every run under `dir` (folders holding a `run.json`, symlinks followed: a linked copy of a
/// run is found, and refused as the same run), checked on the machine's cores: reading is JSON
/// parsing, and a thousand runs should load in well under two seconds. What under `dir` is not
/// a readable run is a problem too (`walk`), never skipped.
pub(crate) fn load_dir(dir: &Path) -> Result<Loaded> {
    if !dir.is_dir() {
        return Err(Error::NoRuns {
            dir: dir.to_owned(),
            reason: if dir.exists() {
                "is not a folder".into()
            } else {
                "does not exist (pass the runs folder with --runs)".into()
            },
        });
    }
    let walk::Found {
        runs: dirs,
        problems,
    } = walk::walk(dir);
    let mut checked = check_all(&dirs);
    check_set(&mut checked);
    let mut loaded = Loaded {
        runs: Vec::new(),
        problems,
    };
    for c in checked {
        let experiment = c.experiment();
        if c.is_ok() {
            loaded.runs.extend(c.run);
        } else {
            loaded
                .problems
                .extend(c.problems.into_iter().map(|problem| RunProblem {
                    experiment: experiment.clone(),
                    problem,
                }));
        }
    }
    Ok(loaded)
}

/// [`check_dir`] of every folder, in the order given, spread over the cores.
fn check_all(dirs: &[PathBuf]) -> Vec<Checked> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(dirs.len().max(1));
    if threads <= 1 || dirs.len() < 8 {
        return dirs.iter().map(|d| check_dir(d)).collect();
    }
    let chunk = dirs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|d| check_dir(d)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("run checker thread panicked"))
            .collect()
    })
}
