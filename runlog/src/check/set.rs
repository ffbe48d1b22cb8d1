//! The rules of a set of runs: one folder per run, one config per experiment.

use super::Checked;
use crate::diff::{config_diff, render, shared_config};
use crate::identity::RunIdentity;
use crate::problem::Problem;
use crate::read::Run;
use crate::types::RUN_FILE;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Adds to `checked` (in the order given) the problems of the set: a second folder holding a
/// run already seen (both paths named), and a run whose config differs from the one most runs
/// of its experiment share (the difference printed, both runs named).
pub fn check_set(checked: &mut [Checked]) {
    let mut seen: BTreeMap<RunIdentity, PathBuf> = BTreeMap::new();
    for c in checked.iter_mut() {
        let Some(run) = &c.run else { continue };
        let id = run.info.identity();
        match seen.get(&id) {
            Some(first) => c.problems.push(Problem::new(
                &run.dir.join(RUN_FILE),
                None,
                format!(
                    "the same run ({} seed {} of experiment `{}`) as {}: a copy, a backup \
                     folder or a symlink of a run is not another seed; remove one of them",
                    id.variant,
                    id.seed,
                    id.experiment,
                    first.display()
                ),
            )),
            None => {
                seen.insert(id, run.dir.clone());
            }
        }
    }
    let mut by_experiment: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in checked.iter().enumerate() {
        if let Some(r) = &c.run {
            by_experiment
                .entry(r.info.experiment.clone())
                .or_default()
                .push(i);
        }
    }
    for members in by_experiment.values() {
        let runs: Vec<&Run> = members
            .iter()
            .filter_map(|&i| checked[i].run.as_ref())
            .collect();
        for (k, p) in config_problems(&runs) {
            checked[members[k]].problems.push(p);
        }
    }
}

/// The runs of one experiment whose shared config is not the one most of them hold (ties: the
/// first run's), each as (index in `runs`, problem).
fn config_problems(runs: &[&Run]) -> Vec<(usize, Problem)> {
    let shared: Vec<serde_json::Value> = runs.iter().map(|r| shared_of(r)).collect();
    let keys: Vec<String> = shared.iter().map(|v| v.to_string()).collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for k in &keys {
        *count.entry(k.as_str()).or_default() += 1;
    }
    // The reference: the first run of the most common config.
    let Some(reference) =
        (0..runs.len()).max_by_key(|&i| (count[keys[i].as_str()], usize::MAX - i))
    else {
        return Vec::new();
    };
    let name = |r: &Run| {
        r.dir.file_name().map_or_else(
            || r.info.identity().dir_name(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let base = runs[reference];
    (0..runs.len())
        .filter(|&i| keys[i] != keys[reference])
        .map(|i| {
            let diffs = config_diff(&shared[reference], &shared[i]);
            let message = format!(
                "this run's config differs from that of {} ({} of the {} runs of experiment \
                 `{}` share it): the runs of one experiment share one config, seed and extra \
                 embeddings aside; compare them in separate experiments\n{}",
                base.dir.join(RUN_FILE).display(),
                count[keys[reference].as_str()],
                runs.len(),
                base.info.experiment,
                render(&diffs, &name(base), &name(runs[i])).trim_end()
            );
            (i, Problem::new(&runs[i].dir.join(RUN_FILE), None, message))
        })
        .collect()
}

/// [`shared_config`] of a run, its length taken from its metrics (`total_steps`) where its config
/// does not record one (runs imported before imports recorded it): runs of different lengths
/// are never seeds of one config.
fn shared_of(run: &Run) -> serde_json::Value {
    let mut shared = shared_config(&run.info.config, run.info.data_hash.as_deref());
    let logged = run.metrics.iter().rev().find_map(|m| m.total_steps);
    if let (None, Some(steps), Some(config)) = (
        run.recorded.steps,
        logged,
        shared
            .get_mut("config")
            .and_then(serde_json::Value::as_object_mut),
    ) {
        let schedule = config
            .entry("schedule")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(s) = schedule.as_object_mut() {
            s.insert("steps".into(), steps.into());
        }
    }
    shared
}
