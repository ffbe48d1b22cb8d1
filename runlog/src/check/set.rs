//! The rules of a set of runs: one folder per run, one config per experiment, and a run's
//! identity is its content: two folders with the same numbers, or the same config hash, hold
//! one run whatever their run.json says of seed, variant or experiment.

use super::Checked;
use crate::diff::{config_diff, render, shared_config};
use crate::identity::RunIdentity;
use crate::problem::Problem;
use crate::read::Run;
use crate::types::RUN_FILE;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

/// Adds to `checked` (in the order given) the problems of the set: a second folder holding a
/// run already seen (both paths named), by its identity or by its content, and a run whose
/// config differs from the one most runs of its experiment share (the difference printed, both
/// runs named).
pub fn check_set(checked: &mut [Checked]) {
    let mut seen: BTreeMap<RunIdentity, PathBuf> = BTreeMap::new();
    let mut copies = BTreeSet::new();
    for (i, c) in checked.iter_mut().enumerate() {
        let Some(run) = &c.run else { continue };
        let id = run.info.identity();
        match seen.get(&id) {
            Some(first) => {
                copies.insert(i);
                c.problems.push(Problem::new(
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
                ))
            }
            None => {
                seen.insert(id, run.dir.clone());
            }
        }
    }
    same_content(checked, &copies);
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

/// A run whose numbers, or whose config hash, another run already has (and that is not already
/// named as the same run by its identity) gets a problem naming the first.
fn same_content(checked: &mut [Checked], skip: &BTreeSet<usize>) {
    let mut by_numbers: HashMap<u64, usize> = HashMap::new();
    let mut by_hash: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    let mut found: Vec<(usize, Problem)> = Vec::new();
    for (i, c) in checked.iter().enumerate() {
        let Some(run) = c.run.as_ref().filter(|_| !skip.contains(&i)) else {
            continue;
        };
        let numbers = numbers_hash(run).and_then(|key| {
            let first = *by_numbers.entry(key).or_insert(i);
            // A hash match is confirmed on the numbers written out in full.
            (first != i && checked[first].run.as_ref().and_then(numbers_key) == numbers_key(run))
                .then_some(first)
        });
        let hash = run
            .info
            .config_hash
            .as_deref()
            .filter(|h| !h.is_empty())
            .and_then(|h| {
                let first = *by_hash
                    .entry((h, run.info.data_hash.as_deref()))
                    .or_insert(i);
                (first != i).then_some(first)
            });
        let Some(first) = numbers.or(hash) else {
            continue;
        };
        let Some(other) = checked[first].run.as_ref() else {
            continue;
        };
        let why = match (numbers.is_some(), hash.is_some()) {
            (true, true) => "the same evaluations, number for number, and the same config_hash",
            (true, false) => "the same evaluations, number for number",
            _ => {
                "the same config_hash (it covers the seed and the whole config, so only one run \
                 has it)"
            }
        };
        found.push((
            i,
            Problem::new(
                &run.dir.join(RUN_FILE),
                None,
                format!(
                    "the same run as {}: {why}; a copy of a run with its seed, variant or \
                     experiment edited is not another run; remove one of them",
                    other.dir.display()
                ),
            ),
        ));
    }
    for (i, p) in found {
        checked[i].problems.push(p);
    }
}

/// What a run computed, as text, and its hash: every evaluation with every number. `None` for
/// a run that has not trained yet (every run starts from the same step-0 evaluation). The hash
/// walks the numbers (cheap: it runs for every run loaded); the text is made only to confirm a
/// match.
fn numbers_key(run: &Run) -> Option<(u64, String)> {
    numbers_hash(run).map(|h| (h, serde_json::to_string(&run.metrics).unwrap_or_default()))
}

fn numbers_hash(run: &Run) -> Option<u64> {
    if !run.metrics.iter().any(|m| m.step > 0) {
        return None;
    }
    let mut h = DefaultHasher::new();
    let floats = |h: &mut DefaultHasher, v: &[f64]| {
        v.len().hash(h);
        v.iter().for_each(|x| x.to_bits().hash(h));
    };
    for m in &run.metrics {
        (m.step, m.total_steps, m.tokens).hash(&mut h);
        let bits = |v: Option<f64>| v.map(f64::to_bits);
        (
            m.train_time_ms.to_bits(),
            bits(m.val_loss),
            bits(m.train_loss),
        )
            .hash(&mut h);
        for (k, v) in m.lambdas.iter().flatten() {
            k.hash(&mut h);
            floats(&mut h, v);
        }
        for v in [&m.x_norms, &m.skip_weights].into_iter().flatten() {
            floats(&mut h, v);
        }
        for pair in m.ve_lambdas.iter().flatten() {
            floats(&mut h, pair);
        }
    }
    Some(h.finish())
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
