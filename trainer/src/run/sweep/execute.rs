//! Running a sweep on this machine: load the data once, plan every run of the grid (refusing up
//! front, before any training, if a folder holds another config), then launch them one by one
//! (each re-planned under its lock, as another sweep may have taken or finished it meanwhile),
//! and stop the whole sweep on Ctrl-C.

use super::table::Row;
use crate::error::Error;
use crate::interrupt;
use crate::run::checkpoint;
use crate::run::experiment::check_experiment;
use crate::run::grid::RunSpec;
use crate::run::launch::{self, LaunchError, Launched, OpsArgs};
use crate::run::plan::{plan_run, Action};
use crate::RunArgs;
use std::fmt::Write;

/// The sweep's end: a row per run, and whether a signal or an error cut it short.
#[derive(Debug)]
pub struct Report {
    pub rows: Vec<Row>,
    pub interrupted: bool,
    pub failed: Option<Error>,
}

impl Report {
    pub fn count(&self, done: &str) -> usize {
        self.rows
            .iter()
            .filter(|r| r.done.starts_with(done))
            .count()
    }
}

/// `base` for one run of the grid.
pub fn run_args(base: &RunArgs, spec: &RunSpec) -> RunArgs {
    let mut a = base.clone();
    a.variant = spec.variant.to_string();
    a.seed = spec.seed;
    a
}

/// Plans every run; `Err` lists every folder that holds another config (nothing is trained).
pub fn plan_all(
    base: &RunArgs,
    grid: &[RunSpec],
    data: &crate::data::Dataset,
) -> Result<Vec<Action>, Error> {
    let mut actions = Vec::new();
    let mut refused = String::new();
    for spec in grid {
        let args = run_args(base, spec);
        let config = launch::config_on(&args, data)?;
        let dir = args.run_dir();
        let expected = launch::expected_of(&config, data);
        let planned = plan_run(&dir, &expected, checkpoint::saved_step(&dir)?).and_then(|a| {
            if !dir.join(runlog::RUN_FILE).exists() {
                check_experiment(&dir, &expected)?;
            }
            Ok(a)
        });
        match planned {
            Ok(a) => actions.push(a),
            Err(e) => {
                let _ = writeln!(refused, "{e}\n");
            }
        }
    }
    if refused.is_empty() {
        Ok(actions)
    } else {
        Err(Error::Usage(format!(
            "the sweep trains nothing, because:\n\n{}",
            refused.trim_end()
        )))
    }
}

/// Runs the grid, one run after another; the first error stops it (the rest are "not run").
pub fn execute(
    base: &RunArgs,
    ops: &OpsArgs,
    grid: &[RunSpec],
    data: &crate::data::Dataset,
) -> Result<Report, Error> {
    let mut ops = ops.clone();
    ops.resume = true;
    let mut rows = Vec::new();
    let mut interrupted = false;
    let mut failed = None;
    for spec in grid {
        let row = |done: &str, status: String| Row {
            run: spec.dir_name(),
            done: done.into(),
            status,
            final_val_loss: None,
            minutes: None,
        };
        if failed.is_some() {
            rows.push(row("not run", "sweep stopped by the error".into()));
            continue;
        }
        if interrupted || interrupt::requested() {
            interrupted = true;
            rows.push(row("not run", "sweep interrupted".into()));
            continue;
        }
        let args = run_args(base, spec);
        let config = launch::config_on(&args, data)?;
        let started = std::time::Instant::now();
        match launch::launch_prepared(&args, &ops, config, data.clone()) {
            Ok(Launched::Skipped {
                status,
                final_val_loss,
            }) => rows.push(Row {
                final_val_loss,
                ..row("skipped", status.to_string())
            }),
            Ok(Launched::Trained {
                action, outcome, ..
            }) => {
                let done = match action {
                    Action::Resume { step } => format!("resumed from {step}"),
                    Action::Restart => "restarted".into(),
                    _ => "trained".into(),
                };
                if outcome.status == runlog::Status::Interrupted {
                    interrupted = true;
                }
                rows.push(Row {
                    final_val_loss: outcome.final_val_loss,
                    minutes: Some(started.elapsed().as_secs_f64() / 60.0),
                    ..row(&done, outcome.status.to_string())
                });
            }
            Err(LaunchError::Busy(e)) => {
                eprintln!("{e}");
                rows.push(row("busy", "trained by another process".into()));
            }
            Err(LaunchError::Plan(e)) => {
                rows.push(row("refused", "another config".into()));
                failed = Some(Error::Usage(e.to_string()));
            }
            Err(LaunchError::Run(e)) => {
                rows.push(row("failed", "error".into()));
                failed = Some(e);
            }
        }
    }
    Ok(Report {
        rows,
        interrupted,
        failed,
    })
}
