//! Finding the run folders under a runs folder, reading and checking each (in parallel), then
//! checking them as a set (`runlog::check`); beside them, the experiments' imported lenses
//! (`<experiment>/lens-<variant>.json`), checked against their folder and their experiment's runs.

use super::{walk, ExperimentLens, RunProblem};
use crate::{Error, Result};
use runlog::check::{check_dir, check_experiment_lens, check_set, Checked};
use runlog::{lens_layers, Problem, Run, RUN_FILE};
use std::path::{Path, PathBuf};

/// What a runs folder holds: the runs that pass every check (their warnings, such as torn last
/// lines of runs that crashed, inside them), and every problem of the others.
pub(crate) struct Loaded {
    pub runs: Vec<Run>,
    /// Experiments' imported lenses (`<experiment>/lens-<variant>.json`) that pass their checks.
    pub lenses: Vec<ExperimentLens>,
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
        lenses: lens_files,
        problems,
    } = walk::walk(dir);
    let mut checked = check_all(&dirs);
    check_set(&mut checked);
    let mut loaded = Loaded {
        runs: Vec::new(),
        lenses: Vec::new(),
        problems,
    };
    load_lenses(&lens_files, &checked, &mut loaded);
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

/// Reads and checks each experiment's imported lens: the good ones join `loaded`, the problems
/// of the others spoil their experiment like a bad run's.
fn load_lenses(files: &[PathBuf], checked: &[Checked], loaded: &mut Loaded) {
    for path in files {
        let (lens, mut problems) = check_experiment_lens(path);
        if let Some(l) = &lens {
            problems.extend(layer_problem(path, l, checked));
        }
        let experiment = lens
            .as_ref()
            .and_then(|l| l.experiment.clone())
            .or_else(|| folder_name(path.parent()));
        match (lens, problems.is_empty()) {
            (Some(lens), true) => loaded.lenses.push(ExperimentLens {
                path: path.clone(),
                lens,
            }),
            _ => loaded
                .problems
                .extend(problems.into_iter().map(|problem| RunProblem {
                    experiment: experiment.clone(),
                    problem,
                })),
        }
    }
}

/// An imported lens must decode as many layers as its experiment's runs record.
fn layer_problem(path: &Path, lens: &runlog::Lens, checked: &[Checked]) -> Option<Problem> {
    let layers = lens_layers(lens.components.keys()) as u64;
    let recorded = checked
        .iter()
        .filter_map(|c| c.run.as_ref())
        .filter(|r| Some(&r.info.experiment) == lens.experiment.as_ref())
        .find_map(|r| r.recorded.layers.map(|l| (l, r)))?;
    (recorded.0 != layers).then(|| {
        Problem::new(
            path,
            None,
            format!(
                "a lens of {layers} layers, but the runs of its experiment have {} ({})",
                recorded.0,
                recorded.1.dir.join(RUN_FILE).display()
            ),
        )
    })
}

fn folder_name(p: Option<&Path>) -> Option<String> {
    p.and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
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
