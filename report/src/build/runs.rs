//! The runs a build draws on: loaded and checked once; every problem of a run listed once (a
//! fatal `bad run`), every run that has not finished listed (`not finished`, not fatal). What
//! each post takes from them is [`crate::pipeline::experiments`]'s.

use super::outcome::Outcome;
use crate::post::{Kind, Problem};
use crate::runs::{standing, RunSet};
use std::path::Path;

/// Loads and checks the runs; their problems and unfinished runs go into `out`.
pub fn load(dir: &Path, out: &mut Outcome) -> Option<RunSet> {
    let runs = match RunSet::load(dir) {
        Ok(r) => r,
        Err(e) => {
            out.warnings.push(format!("note: {e}"));
            return None;
        }
    };
    out.warnings
        .extend(runs.warnings().iter().map(|w| format!("warning: {w}")));
    for p in runs.problems() {
        out.problems.push(Problem {
            path: p.problem.path.clone(),
            line: p.problem.line.unwrap_or(0),
            kind: Kind::BadRun,
            message: p.problem.message.clone(),
        });
    }
    for r in runs.unfinished() {
        out.problems.push(Problem {
            path: r.dir.clone(),
            line: 0,
            kind: Kind::Unfinished,
            message: format!(
                "{}: {}; left out of finals, statistics, tables, claims and figures",
                r.info.identity(),
                standing(r)
            ),
        });
    }
    Some(runs)
}
