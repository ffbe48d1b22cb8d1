//! Finding and reading the run folders under a runs folder.

use crate::{Error, Result};
use runlog::{Run, Warning, RUN_FILE};
use std::path::{Path, PathBuf};

/// Every run under `dir` (folders holding a `run.json`), read in parallel on the machine's
/// cores: reading is JSON parsing, and a thousand runs should load in well under two seconds.
pub(crate) fn load_dir(dir: &Path) -> Result<(Vec<Run>, Vec<Warning>)> {
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
                warnings.push(Warning {
                    path: e.path().unwrap_or(dir).to_owned(),
                    line: None,
                    message: format!("skipped: {e}"),
                });
                continue;
            }
        };
        if entry.file_type().is_file() && entry.file_name() == RUN_FILE {
            if let Some(parent) = entry.path().parent() {
                dirs.push(parent.to_owned());
            }
        }
    }
    let runs = read_all(&dirs)?;
    Ok((runs, warnings))
}

fn read_all(dirs: &[PathBuf]) -> Result<Vec<Run>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(dirs.len().max(1));
    if threads <= 1 || dirs.len() < 8 {
        return dirs
            .iter()
            .map(|d| runlog::read_run(d).map_err(Error::from))
            .collect();
    }
    let chunk = dirs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|d| runlog::read_run(d).map_err(Error::from))
                        .collect::<Result<Vec<Run>>>()
                })
            })
            .collect();
        let mut runs = Vec::with_capacity(dirs.len());
        for h in handles {
            runs.extend(h.join().expect("run reader thread panicked")?);
        }
        Ok(runs)
    })
}
