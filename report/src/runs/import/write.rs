//! Writing imported runs: every log of a batch parsed and checked before anything is written,
//! then each as `out/<experiment>/<variant>-s<seed>/`. An import never replaces a run without
//! `--force`, and with it says what it replaced; a trained run is never replaced; the same
//! import again changes nothing. Nor does it write runs that the run-set checks would refuse
//! beside the experiment's others (another length, another shape: another config).

use super::{parse_log, ImportOptions, ImportedRun};
use crate::{Error, Result};
use runlog::check::{check_dir, check_set, Checked};
use runlog::{Run, Warning, METRICS_FILE, RUN_FILE, SUMMARY_FILE};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    /// The run folders the batch's logs became, in the order given.
    pub dirs: Vec<PathBuf>,
    /// Lines recovered or halves missing, each naming file and line.
    pub warnings: Vec<Warning>,
    /// Under `--force`: each run replaced, and what it held.
    pub replaced: Vec<String>,
    /// Folders that already held exactly this import (nothing written).
    pub unchanged: Vec<PathBuf>,
}

/// A run's three files as the import writes them (the bytes `runlog::write_json_atomic` would).
fn render(run: &ImportedRun, dir: &Path) -> Result<[(PathBuf, Vec<u8>); 3]> {
    fn pretty<T: serde::Serialize>(path: PathBuf, v: &T) -> Result<(PathBuf, Vec<u8>)> {
        match serde_json::to_string_pretty(v) {
            Ok(text) => Ok((path, format!("{text}\n").into_bytes())),
            Err(e) => Err(Error::Import {
                path,
                line: None,
                message: e.to_string(),
            }),
        }
    }
    let mut lines = String::new();
    for m in &run.metrics {
        let line = serde_json::to_string(m).map_err(|e| Error::Import {
            path: dir.join(METRICS_FILE),
            line: None,
            message: e.to_string(),
        })?;
        lines.push_str(&line);
        lines.push('\n');
    }
    Ok([
        pretty(dir.join(RUN_FILE), &run.info)?,
        (dir.join(METRICS_FILE), lines.into_bytes()),
        pretty(dir.join(SUMMARY_FILE), &run.summary)?,
    ])
}

/// The folder a run goes to.
fn target(run: &ImportedRun, out: &Path) -> PathBuf {
    out.join(&run.info.experiment)
        .join(run.info.identity().dir_name())
}

/// What writing `run` into `dir` would do to what is there.
enum Over {
    Nothing,
    Same,
    /// An imported run that differs (or a run's remnants): what it was, for the message.
    Replaced(String),
}

/// Refuses to replace a trained run, or an imported one without `force`.
fn what_is_there(
    run: &ImportedRun,
    dir: &Path,
    files: &[(PathBuf, Vec<u8>)],
    force: bool,
) -> Result<Over> {
    let run_file = dir.join(RUN_FILE);
    let old = match std::fs::read(&run_file) {
        Ok(old) => old,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return remnants(dir, force),
        // Unreadable is not absent: what it holds cannot be told, so nothing is written over it.
        Err(e) => return Err(Error::io(&run_file, e)),
    };
    if files
        .iter()
        .all(|(p, bytes)| std::fs::read(p).is_ok_and(|b| &b == bytes))
    {
        return Ok(Over::Same);
    }
    let old: serde_json::Value = serde_json::from_slice(&old).unwrap_or_default();
    let text = |key: &str| old.get(key).and_then(serde_json::Value::as_str);
    let refuse = |message: String| Error::Import {
        path: run_file.clone(),
        line: None,
        message,
    };
    if !text("run_id").is_some_and(|id| id.starts_with("import:")) {
        return Err(refuse(
            "already holds a run that was not imported; an import never replaces it, even with \
             --force (choose another --out, --experiment or --seed)"
                .into(),
        ));
    }
    let there = imported(old.get("config"));
    let from = there.imported_from.as_deref().unwrap_or("an unnamed log");
    let section = there
        .section
        .as_deref()
        .map(|s| format!(", section `## {}`", s.escape_debug()))
        .unwrap_or_default();
    let was = format!(
        "{} {} (imported from {}{section})",
        run.info.variant,
        run.info.replica(),
        from.escape_debug()
    );
    if !force {
        return Err(refuse(format!(
            "already holds {was}, which differs from this import of {}: an import never \
             replaces a run; pass --force to replace it, or give this log its own --seed",
            imported(Some(&run.info.config))
                .imported_from
                .as_deref()
                .unwrap_or("this log")
        )));
    }
    Ok(Over::Replaced(was))
}

/// An imported run's config, typed (empty where it does not read as one).
fn imported(config: Option<&serde_json::Value>) -> runlog::PartialConfig {
    match config.map(runlog::RunConfig::read) {
        Some(Ok(runlog::RunConfig::Partial(p))) => *p,
        _ => runlog::PartialConfig::default(),
    }
}

/// A folder without run.json that still holds a run's other files (its run.json deleted):
/// replaced only with `force`, and said.
fn remnants(dir: &Path, force: bool) -> Result<Over> {
    let left: Vec<&str> = [METRICS_FILE, SUMMARY_FILE]
        .into_iter()
        .filter(|f| dir.join(f).symlink_metadata().is_ok())
        .collect();
    match (left.is_empty(), force) {
        (true, _) => Ok(Over::Nothing),
        (false, true) => Ok(Over::Replaced(format!(
            "a folder holding {} but no {RUN_FILE}",
            left.join(" and ")
        ))),
        (false, false) => Err(Error::Import {
            path: dir.to_owned(),
            line: None,
            message: format!(
                "holds {} but no {RUN_FILE}: what run it was cannot be told, and an import never \
                 replaces a run; pass --force to replace it",
                left.join(" and ")
            ),
        }),
    }
}

/// Writes a parsed log as `out/<experiment>/<variant>-s<seed>/`; returns that folder. Replaces an
/// imported run as `--force` does (never a trained one); [`import_all`] is the careful way in.
pub fn write_run(run: &ImportedRun, out: &Path) -> Result<PathBuf> {
    let dir = target(run, out);
    let files = render(run, &dir)?;
    what_is_there(run, &dir, &files, true)?;
    for (path, bytes) in &files {
        runlog::write_atomic(path, bytes)?;
    }
    Ok(dir)
}

/// Imports every log; two logs that would land in the same run folder are an error naming both.
/// Nothing is written unless every log parses and passes the run checks.
pub fn import_logs(paths: &[PathBuf], out: &Path, opts: &ImportOptions) -> Result<Vec<PathBuf>> {
    Ok(import_all(paths, out, opts)?.dirs)
}

/// [`import_logs`], saying what it did: warnings, runs replaced (`--force`), runs unchanged.
pub fn import_all(paths: &[PathBuf], out: &Path, opts: &ImportOptions) -> Result<Imported> {
    let parsed: Vec<ImportedRun> = paths
        .iter()
        .map(|p| parse_log(p, opts))
        .collect::<Result<_>>()?;
    let mut seen: BTreeMap<runlog::RunIdentity, &Path> = BTreeMap::new();
    for (run, path) in parsed.iter().zip(paths) {
        if let Some(first) = seen.insert(run.info.identity(), path) {
            return Err(Error::Import {
                path: path.clone(),
                line: None,
                message: format!(
                    "would become the same run ({} {}) as {}; give each its own --seed (or \
                     --repeat) or import them separately",
                    run.info.variant,
                    run.info.replica(),
                    first.display()
                ),
            });
        }
    }
    let mut plans = Vec::new();
    for (run, path) in parsed.iter().zip(paths) {
        let dir = target(run, out);
        let files = render(run, &dir)?;
        let over = what_is_there(run, &dir, &files, opts.force)?;
        plans.push((dir, files, over, path));
    }
    set_check(&parsed, out, paths)?;
    let mut done = Imported::default();
    for (dir, files, over, path) in plans {
        match over {
            Over::Same => done.unchanged.push(dir.clone()),
            Over::Nothing | Over::Replaced(_) => {
                for (p, bytes) in &files {
                    runlog::write_atomic(p, bytes)?;
                }
            }
        }
        if let Over::Replaced(was) = over {
            done.replaced.push(format!(
                "{}: replaced {was} with {}",
                dir.display(),
                path.display()
            ));
        }
        done.dirs.push(dir);
    }
    done.warnings = parsed.into_iter().flat_map(|r| r.warnings).collect();
    Ok(done)
}

/// The run-set checks on the experiments the batch writes into, as they would be afterwards:
/// a new run whose config differs from the others' (another length, another preset), or one
/// that turns the majority so the runs already there would differ, is refused before writing.
fn set_check(parsed: &[ImportedRun], out: &Path, paths: &[PathBuf]) -> Result<()> {
    let experiments: BTreeSet<&str> = parsed.iter().map(|r| r.info.experiment.as_str()).collect();
    for experiment in experiments {
        let new: Vec<(&ImportedRun, &PathBuf)> = parsed
            .iter()
            .zip(paths)
            .filter(|(r, _)| r.info.experiment == experiment)
            .collect();
        let replaced: BTreeSet<PathBuf> = new.iter().map(|(r, _)| target(r, out)).collect();
        let mut there: Vec<Checked> = existing_runs(&out.join(experiment), &replaced);
        let mut before = there.clone();
        check_set(&mut before);
        let already_wrong = before.iter().any(|c| !c.problems.is_empty());
        there.extend(new.iter().map(|(r, _)| {
            let dir = target(r, out);
            let run = Run::new(
                &dir,
                r.info.clone(),
                r.metrics.clone(),
                Some(r.summary.clone()),
            );
            Checked {
                dir,
                run: Some(run),
                problems: Vec::new(),
            }
        }));
        let old_count = there.len() - new.len();
        check_set(&mut there);
        for (i, c) in there.iter().enumerate() {
            let is_new = i >= old_count;
            if let Some(p) = c.problems.first().filter(|_| is_new || !already_wrong) {
                let log = if is_new {
                    new[i - old_count].1.clone()
                } else {
                    c.dir.clone()
                };
                return Err(Error::Import {
                    path: log,
                    line: None,
                    message: format!(
                        "would not sit with the runs of experiment `{experiment}` in {}: {} \
                         (import it into another --experiment)",
                        out.display(),
                        p.message
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The runs already in `dir` (one experiment's folder) but those about to be replaced, read
/// for the set checks only (their own problems are `report check`'s to list).
fn existing_runs(dir: &Path, replaced: &BTreeSet<PathBuf>) -> Vec<Checked> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(RUN_FILE).is_file() && !replaced.contains(p))
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| Checked {
            problems: Vec::new(),
            ..check_dir(d)
        })
        .filter(|c| c.run.is_some())
        .collect()
}
