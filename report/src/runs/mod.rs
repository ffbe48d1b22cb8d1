//! Runs: walk a runs folder, read every run through `runlog`, group them.
//!
//! [`RunSet::load`] finds every folder holding a `run.json` under the given folder (at any
//! depth, so both `runs/` and `runs/<experiment>/` work), reads it with [`runlog::read_run`]
//! (a torn last line, a bad line or a missing summary become [`runlog::Warning`]s naming file
//! and line), and keeps the runs sorted by experiment, variant number and seed. Lookups:
//! [`RunSet::variants`] (x00, x01, ... in numeric order), [`RunSet::seeds`],
//! [`RunSet::runs_of`], [`RunSet::run`]; [`RunSet::only_experiment`] narrows a set to one
//! experiment. A missing or empty folder is an [`Error::NoRuns`], never a panic.
//!
//! [`import`] turns modded-nanogpt training logs into runs of this format.

pub mod import;
mod load;

use crate::{Error, Result};
use runlog::{Run, Status, Warning};
use std::path::{Path, PathBuf};

/// The runs of one folder, sorted by (experiment, variant number, seed, folder).
#[derive(Debug, Clone)]
pub struct RunSet {
    root: PathBuf,
    runs: Vec<Run>,
    warnings: Vec<Warning>,
}

/// The number of a variant name: `x00` -> 0, `x04` -> 4, `x12` -> 12; `None` for other names.
pub fn variant_number(variant: &str) -> Option<u32> {
    let digits = variant.strip_prefix('x')?;
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Sort key that puts x00 < x01 < ... < x10, and unknown names after them alphabetically.
fn variant_key(variant: &str) -> (u32, &str) {
    (variant_number(variant).unwrap_or(u32::MAX), variant)
}

impl RunSet {
    /// Reads every run under `dir`. Errors: `dir` missing, no run under it, or a `run.json`
    /// that does not parse (named with its line).
    pub fn load(dir: &Path) -> Result<RunSet> {
        let (runs, warnings) = load::load_dir(dir)?;
        if runs.is_empty() {
            return Err(Error::NoRuns {
                dir: dir.to_owned(),
                reason: "holds no run (no run.json in it or below it); train one with `make run` \
                         or bring old logs in with `report import`"
                    .into(),
            });
        }
        Ok(RunSet::from_runs(dir, runs, warnings))
    }

    /// A set from runs already read (tests, benchmarks); sorts them like [`RunSet::load`].
    pub fn from_runs(root: &Path, mut runs: Vec<Run>, mut warnings: Vec<Warning>) -> RunSet {
        runs.sort_by(|a, b| {
            (
                &a.info.experiment,
                variant_key(&a.info.variant),
                a.info.seed,
                &a.dir,
            )
                .cmp(&(
                    &b.info.experiment,
                    variant_key(&b.info.variant),
                    b.info.seed,
                    &b.dir,
                ))
        });
        for r in &runs {
            warnings.extend(r.warnings.iter().cloned());
        }
        RunSet {
            root: root.to_owned(),
            runs,
            warnings,
        }
    }

    /// The folder the runs were loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every run, sorted by experiment, variant number, seed.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// What the reader skipped or could not find, each naming file (and line where known).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Experiment names, sorted.
    pub fn experiments(&self) -> Vec<&str> {
        let mut e: Vec<&str> = self
            .runs
            .iter()
            .map(|r| r.info.experiment.as_str())
            .collect();
        e.dedup();
        e
    }

    /// The runs of one experiment; an error listing the experiments there are when it has none.
    pub fn only_experiment(&self, experiment: &str) -> Result<RunSet> {
        let runs: Vec<Run> = self
            .runs
            .iter()
            .filter(|r| r.info.experiment == experiment)
            .cloned()
            .collect();
        if runs.is_empty() {
            return Err(Error::NoRuns {
                dir: self.root.clone(),
                reason: format!(
                    "no run of experiment '{experiment}'; experiments here: {}",
                    self.experiments().join(", ")
                ),
            });
        }
        Ok(RunSet::from_runs(&self.root, runs, Vec::new()))
    }

    /// Variant names in numeric order: x00, x01, ..., then any other names.
    pub fn variants(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.runs.iter().map(|r| r.info.variant.as_str()).collect();
        v.sort_by_key(|a| variant_key(a));
        v.dedup();
        v
    }

    /// The baseline: `x00` when present, else the first variant.
    pub fn baseline(&self) -> Option<&str> {
        let v = self.variants();
        v.iter().find(|v| **v == "x00").or(v.first()).copied()
    }

    /// Seeds of a variant, ascending (a seed run in two experiments appears twice).
    pub fn seeds(&self, variant: &str) -> Vec<u64> {
        self.runs_of(variant).iter().map(|r| r.info.seed).collect()
    }

    /// Every run of a variant, by seed.
    pub fn runs_of(&self, variant: &str) -> Vec<&Run> {
        self.runs
            .iter()
            .filter(|r| r.info.variant == variant)
            .collect()
    }

    /// The runs of a variant that count as results: those whose summary says `finished`. When
    /// none has finished yet (a sweep in progress), every run of the variant, so its curves
    /// still show.
    pub fn result_runs(&self, variant: &str) -> Vec<&Run> {
        let all = self.runs_of(variant);
        let done: Vec<&Run> = all.iter().copied().filter(|r| is_finished(r)).collect();
        if done.is_empty() {
            all
        } else {
            done
        }
    }

    /// The run of a variant with a seed.
    pub fn run(&self, variant: &str, seed: u64) -> Option<&Run> {
        self.runs
            .iter()
            .find(|r| r.info.variant == variant && r.info.seed == seed)
    }
}

/// Whether the run ended normally (its summary says `finished`).
pub fn is_finished(run: &Run) -> bool {
    run.summary
        .as_ref()
        .is_some_and(|s| s.status == Status::Finished)
}

/// A short name for a run in messages: `x01-s2` plus its folder.
pub fn describe(run: &Run) -> String {
    format!(
        "{} ({})",
        runlog::run_dir_name(&run.info.variant, run.info.seed),
        run.dir.display()
    )
}
