//! Runs: walk a runs folder, read and check every run through `runlog`, group them.
//!
//! [`RunSet::load`] finds every folder holding a `run.json` under the given folder (at any
//! depth, so both `runs/` and `runs/<experiment>/` work; anything there that is not a readable
//! run, such as a run folder whose run.json is gone or a dangling link, is a problem), reads
//! and checks each with
//! [`runlog::check`], then checks them as a set (one folder per run, one config per
//! experiment). A run that fails a check is left out and every one of its problems is kept,
//! with its file, line and experiment ([`RunSet::problems`]): the build refuses the posts that
//! use that experiment. The runs kept are sorted by experiment, variant and seed. Lookups:
//! [`RunSet::variants`] (x00, x01, ... in numeric order), [`RunSet::seeds`],
//! [`RunSet::runs_of`], [`RunSet::run`]; [`RunSet::only_experiment`] narrows a set to one
//! experiment. Only finished runs are results ([`RunSet::result_runs`]); the others are listed
//! by [`RunSet::unfinished`]. A missing folder, or one without any run, is an
//! [`Error::NoRuns`], never a panic.
//!
//! An experiment may also hold an imported logit lens, `lens-<variant>.json` beside its runs
//! ([`ExperimentLens`], [`RunSet::lenses`]); a run's own lens.json comes with the run.
//! [`RunSet::lenses_of`] gives a variant's lenses, both kinds.
//!
//! [`import`] turns modded-nanogpt training logs into runs of this format.

pub mod import;
mod load;
mod walk;

use crate::{Error, Result};
use runlog::{Problem, Run, Status, Variant, Warning};
use std::fmt;
use std::path::{Path, PathBuf};

/// The runs of one folder that passed their checks, sorted by (experiment, variant, seed,
/// folder), and the problems of those that did not.
#[derive(Debug, Clone)]
pub struct RunSet {
    root: PathBuf,
    runs: Vec<Run>,
    /// Experiments' imported lenses, sorted by experiment and variant.
    lenses: Vec<ExperimentLens>,
    warnings: Vec<Warning>,
    problems: Vec<RunProblem>,
}

/// An experiment's imported lens (`<experiment>/lens-<variant>.json`) and where it lies: the
/// lens of a published run that is not among the experiment's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentLens {
    pub path: PathBuf,
    pub lens: runlog::Lens,
}

impl ExperimentLens {
    pub fn experiment(&self) -> &str {
        self.lens.experiment.as_deref().unwrap_or_default()
    }
}

/// A problem of a run, with the experiment it spoils (its run.json's, else the folder's name;
/// `None` when not even that is known).
#[derive(Debug, Clone, PartialEq)]
pub struct RunProblem {
    pub experiment: Option<String>,
    pub problem: Problem,
}

impl fmt::Display for RunProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.problem.fmt(f)
    }
}

impl RunSet {
    /// Reads and checks every run under `dir`. Errors: `dir` missing, or no run.json in it.
    pub fn load(dir: &Path) -> Result<RunSet> {
        let loaded = load::load_dir(dir)?;
        if loaded.runs.is_empty() && loaded.problems.is_empty() {
            return Err(Error::NoRuns {
                dir: dir.to_owned(),
                reason: "holds no run (no run.json in it or below it); train one with `make run` \
                         or bring old logs in with `report import`"
                    .into(),
            });
        }
        let mut set = RunSet::from_runs(dir, loaded.runs, Vec::new());
        set.problems = loaded.problems;
        set.lenses = loaded.lenses;
        set.lenses.sort_by(|a, b| {
            (a.experiment(), a.lens.variant).cmp(&(b.experiment(), b.lens.variant))
        });
        Ok(set)
    }

    /// A set from runs already read (tests, benchmarks): sorted like [`RunSet::load`]'s, with
    /// no check run on them.
    pub fn from_runs(root: &Path, mut runs: Vec<Run>, mut warnings: Vec<Warning>) -> RunSet {
        runs.sort_by(|a, b| {
            (&a.info.experiment, a.info.variant, a.info.replica(), &a.dir).cmp(&(
                &b.info.experiment,
                b.info.variant,
                b.info.replica(),
                &b.dir,
            ))
        });
        for r in &runs {
            warnings.extend(r.warnings.iter().cloned());
        }
        RunSet {
            root: root.to_owned(),
            runs,
            lenses: Vec::new(),
            warnings,
            problems: Vec::new(),
        }
    }

    /// The folder the runs were loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every run that passed its checks, sorted by experiment, variant, seed.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The experiments' imported lenses that passed their checks.
    pub fn lenses(&self) -> &[ExperimentLens] {
        &self.lenses
    }

    /// The lenses of a variant: each finished run's own (by seed), then the experiment's
    /// imported one; each with who it is of (`x01-s0`, `x01, imported`).
    pub fn lenses_of(&self, variant: Variant) -> Vec<(String, &runlog::Lens)> {
        let own = self.result_runs(variant).into_iter().filter_map(|r| {
            let who = r.info.identity().dir_name();
            r.lens.as_ref().map(|l| (who, l))
        });
        let imported = self
            .lenses
            .iter()
            .filter(|l| l.lens.variant == variant)
            .map(|l| (format!("{variant}, imported"), &l.lens));
        own.chain(imported).collect()
    }

    /// Variants with a lens (a finished run's or an imported one), in numeric order.
    pub fn lens_variants(&self) -> Vec<Variant> {
        let mut v: Vec<Variant> = self
            .runs
            .iter()
            .filter(|r| r.lens.is_some() && is_finished(r))
            .map(|r| r.info.variant)
            .chain(self.lenses.iter().map(|l| l.lens.variant))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// What the reader skipped or could not find in runs that are still usable.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Every problem of the runs left out, each naming file (and line where known).
    pub fn problems(&self) -> &[RunProblem] {
        &self.problems
    }

    /// The problems that spoil `experiment` (and those whose experiment is unknown).
    pub fn problems_of(&self, experiment: &str) -> Vec<&RunProblem> {
        self.problems
            .iter()
            .filter(|p| p.experiment.as_deref().is_none_or(|e| e == experiment))
            .collect()
    }

    /// Experiment names, sorted (those of left-out runs included).
    pub fn experiments(&self) -> Vec<&str> {
        let mut e: Vec<&str> = self
            .runs
            .iter()
            .map(|r| r.info.experiment.as_str())
            .chain(self.problems.iter().filter_map(|p| p.experiment.as_deref()))
            .collect();
        e.sort_unstable();
        e.dedup();
        e
    }

    /// The runs of one experiment (and the problems that spoil it); an error listing the
    /// experiments there are when it has neither.
    pub fn only_experiment(&self, experiment: &str) -> Result<RunSet> {
        let runs: Vec<Run> = self
            .runs
            .iter()
            .filter(|r| r.info.experiment == experiment)
            .cloned()
            .collect();
        let problems: Vec<RunProblem> = self.problems_of(experiment).into_iter().cloned().collect();
        let lenses: Vec<ExperimentLens> = self
            .lenses
            .iter()
            .filter(|l| l.experiment() == experiment)
            .cloned()
            .collect();
        if runs.is_empty() && problems.is_empty() {
            return Err(Error::NoRuns {
                dir: self.root.clone(),
                reason: format!(
                    "no run of experiment '{experiment}'; experiments here: {}",
                    self.experiments().join(", ")
                ),
            });
        }
        let mut set = RunSet::from_runs(&self.root, runs, Vec::new());
        set.problems = problems;
        set.lenses = lenses;
        Ok(set)
    }

    /// Variants in numeric order: x00, x01, ..., x10.
    pub fn variants(&self) -> Vec<Variant> {
        let mut v: Vec<Variant> = self.runs.iter().map(|r| r.info.variant).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The baseline: `x00` when present, else the first variant.
    pub fn baseline(&self) -> Option<Variant> {
        let v = self.variants();
        v.iter()
            .find(|v| **v == Variant::BASELINE)
            .or(v.first())
            .copied()
    }

    /// Seeds (or repeat numbers, for runs that set no seed) of a variant's runs, finished or
    /// not, ascending.
    pub fn seeds(&self, variant: Variant) -> Vec<u64> {
        self.runs_of(variant)
            .iter()
            .map(|r| r.info.replica().number())
            .collect()
    }

    /// Every run of a variant, finished or not, by seed.
    pub fn runs_of(&self, variant: Variant) -> Vec<&Run> {
        self.runs
            .iter()
            .filter(|r| r.info.variant == variant)
            .collect()
    }

    /// The runs of a variant that count as results: those whose summary says `finished`. Only
    /// these enter finals, statistics, tables, claims and figures.
    pub fn result_runs(&self, variant: Variant) -> Vec<&Run> {
        self.runs_of(variant)
            .into_iter()
            .filter(|r| is_finished(r))
            .collect()
    }

    /// Every run that has not finished (interrupted, diverged, still going or crashed).
    pub fn unfinished(&self) -> Vec<&Run> {
        self.runs.iter().filter(|r| !is_finished(r)).collect()
    }

    /// The run of a variant that is repeat `n` (it set no seed).
    pub fn repeat(&self, variant: Variant, n: u64) -> Option<&Run> {
        self.runs
            .iter()
            .find(|r| r.info.variant == variant && r.info.repeat == Some(n))
    }

    /// The run of a variant with a seed.
    pub fn run(&self, variant: Variant, seed: u64) -> Option<&Run> {
        self.runs
            .iter()
            .find(|r| r.info.variant == variant && r.info.seed == Some(seed))
    }
}

/// Whether the run ended normally (its summary says `finished`).
pub fn is_finished(run: &Run) -> bool {
    run.summary
        .as_ref()
        .is_some_and(|s| s.status == Status::Finished)
}

/// How a run stands when it has not finished: `interrupted at step 100 of 500`,
/// `diverged at step 7`, `no summary (still going, or crashed) at step 40`.
pub fn standing(run: &Run) -> String {
    let last = run.metrics.last();
    let at = match (last.map(|m| m.step), last.and_then(|m| m.total_steps)) {
        (Some(s), Some(t)) => format!(" at step {s} of {t}"),
        (Some(s), None) => format!(" at step {s}"),
        (None, _) => " before its first evaluation".into(),
    };
    match run.summary.as_ref().map(|s| s.status) {
        Some(Status::Finished) => "finished".into(),
        Some(s) => format!("{s}{at}"),
        None => format!("no summary (still going, or crashed){at}"),
    }
}

/// What a mean is over: `seeds` for runs that set seeds, `runs` where any is a repeat (a run
/// that set no seed): repeats are never called seeds.
pub fn replicas_word(runs: &[&Run]) -> &'static str {
    if runs.iter().any(|r| r.info.repeat.is_some()) {
        "runs"
    } else {
        "seeds"
    }
}

/// A short name for a run in messages: `x01-s2` (or `x01-r2`) plus its folder.
pub fn describe(run: &Run) -> String {
    format!("{} ({})", run.info.identity().dir_name(), run.dir.display())
}
