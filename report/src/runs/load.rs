//! Finding the run folders under a runs folder, reading and checking each (in parallel), then
//! checking them as a set (`runlog::check`).

use super::RunProblem;
use crate::{Error, Result};
use runlog::check::{check_dir, check_set, Checked};
use runlog::{Run, Warning, RUN_FILE};
use std::path::{Path, PathBuf};

/// What a runs folder holds: the runs that pass every check, the warnings about them (torn last
/// lines of runs that crashed, ...), and every problem of the others.
pub(crate) struct Loaded {
    pub runs: Vec<Run>,
    pub warnings: Vec<Warning>,
    pub problems: Vec<RunProblem>,
}

/// Every run under `dir` (folders holding a `run.json`, symlinks followed: a linked copy of a
/// run is found, and refused as the same run), checked on the machine's cores: reading is JSON
/// parsing, and a thousand runs should load in well under two seconds.
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
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut warnings = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // An unreadable corner of the tree should not hide the rest of the runs.
                warnings.push(Warning::new(
                    e.path().unwrap_or(dir),
                    None,
                    format!("skipped: {e}"),
                ));
                continue;
            }
        };
        if entry.file_type().is_file() && entry.file_name() == RUN_FILE {
            if let Some(parent) = entry.path().parent() {
                dirs.push(parent.to_owned());
            }
        }
    }
    let mut checked = check_all(&dirs);
    check_set(&mut checked);
    let mut loaded = Loaded {
        runs: Vec::new(),
        warnings,
        problems: Vec::new(),
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
