//! The run checks: what a run must satisfy before any number of it is published, each problem
//! named by file and line, every problem of a run listed (not only the first).
//!
//! One run ([`check_dir`]):
//! - run.json reads, with every bad field listed ([`crate::info`]), and the folder agrees with
//!   it: `<experiment>/<variant>-s<seed>` ([`folder_problems`]);
//! - every whole line of metrics.jsonl parses, and summary.json reads when present;
//! - steps strictly increase, training times are finite, non-negative and never go back;
//! - one length: every line's `total_steps` the same, and `config.schedule.steps` where recorded;
//! - losses are finite and non-negative; `null` (a non-finite loss) only in a diverged run;
//!   lambdas and norms finite (but in a diverged run), with the keys of the run's variant and
//!   one value per layer;
//! - the summary agrees with the last evaluation (final loss, time), and a finished run ran all
//!   its steps;
//! - its lens.json, when it has one, decodes this run: its variant, config and last step, every
//!   component, finite rates in [0, 1], and `x-out`'s cross-entropy the val loss of that step
//!   ([`lens`]; an experiment's imported lens: [`check_experiment_lens`]).
//!
//! A set of runs ([`check_set`]): no two folders hold the same run (a copy, a backup folder, a
//! symlink, the same run under another experiment folder), and the runs of one experiment share
//! their config but for the seed and the extra embeddings (the difference is printed as
//! `config.model.vocab:  247 (x00-s0) -> 3 (x00-s3)`); a run whose config records no length
//! (an older import) is compared by the `total_steps` its metrics log.

mod folder;
mod lens;
mod rules;
mod set;

pub use folder::folder_problems;
pub use lens::{check_experiment_lens, experiment_lens_problems, ANCHOR_TOLERANCE};
pub use set::check_set;

use crate::info::read_info;
use crate::problem::Problem;
use crate::read::{read_rest, Run};
use crate::types::RUN_FILE;
use std::path::{Path, PathBuf};

/// A run folder after its checks: the run when its run.json reads, and every problem found.
#[derive(Debug, Clone)]
pub struct Checked {
    pub dir: PathBuf,
    pub run: Option<Run>,
    pub problems: Vec<Problem>,
}

impl Checked {
    /// The experiment the run belongs to: its run.json's, else (run.json unreadable) the name
    /// of the folder it sits in.
    pub fn experiment(&self) -> Option<String> {
        match &self.run {
            Some(r) => Some(r.info.experiment.clone()),
            None => self
                .dir
                .parent()
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned()),
        }
    }

    /// Whether the run passed every check.
    pub fn is_ok(&self) -> bool {
        self.run.is_some() && self.problems.is_empty()
    }
}

/// Reads the run in `dir` and checks it on its own (see the module docs).
pub fn check_dir(dir: &Path) -> Checked {
    let info = match read_info(&dir.join(RUN_FILE)) {
        Ok(i) => i,
        Err(problems) => {
            return Checked {
                dir: dir.to_owned(),
                run: None,
                problems,
            }
        }
    };
    let mut problems = folder_problems(dir, &info);
    let run = match read_rest(dir, info) {
        Ok(r) => r,
        Err(e) => {
            problems.push(match e {
                // The file it concerns, not the run's folder.
                crate::Error::Io { path, source } => Problem::new(&path, None, source.to_string()),
                e => Problem::new(dir, None, e.to_string()),
            });
            return Checked {
                dir: dir.to_owned(),
                run: None,
                problems,
            };
        }
    };
    problems.extend(run.damage.iter().cloned());
    problems.extend(rules::run_problems(&run));
    problems.extend(lens::run_problems(&run));
    Checked {
        dir: dir.to_owned(),
        run: Some(run),
        problems,
    }
}

/// [`check_dir`]'s rules on a run already in memory (no folder check): what a writer's output
/// must pass.
pub fn run_problems(run: &Run) -> Vec<Problem> {
    let mut p = run.damage.clone();
    p.extend(rules::run_problems(run));
    p.extend(lens::run_problems(run));
    p
}
