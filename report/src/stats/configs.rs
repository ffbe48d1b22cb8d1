//! Configurations: the runs of an experiment grouped by what was run, not only by variant.
//!
//! A configuration is a variant plus whatever else differs in the config between the runs
//! compared: the step count (the config's `schedule.steps`, else the log's total steps, which
//! imported runs carry) and any other leaf of the shared config (seed, extra embeddings and an
//! import's source left out, as `runlog::diff::shared_config` does). The repeats of one
//! configuration are the runs a record test pools; runs of different step counts never pool.
//! Configurations are ordered by step count, then variant, then the other differences.

use super::Summary;
use crate::runs::{describe, is_finished, standing, RunSet};
use runlog::{Run, Variant};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The runs of one configuration.
#[derive(Debug, Clone)]
pub struct Configuration<'a> {
    pub variant: Variant,
    /// Total steps, when the config or the log records them.
    pub steps: Option<u64>,
    /// The other config leaves that differ between the runs compared, with this configuration's
    /// values (`config.optimizer.lr`, `0.05`); `(absent)` where it lacks one.
    pub differs: Vec<(String, String)>,
    /// `x01`, `x01, 5690 steps`, `x01, 5690 steps, config.optimizer.lr=0.05`, `x01, 5690
    /// steps, script=692, ve_share=same`: steps when they differ between configurations or an
    /// import recorded settings (which always show).
    pub label: String,
    /// The finished runs: the only ones counted.
    pub runs: Vec<&'a Run>,
    /// The others, each with how it stands.
    pub left_out: Vec<String>,
}

impl Configuration<'_> {
    /// Final val losses of the counted runs.
    pub fn final_losses(&self) -> Vec<f64> {
        self.runs.iter().filter_map(|r| final_loss(r)).collect()
    }

    pub fn final_loss(&self) -> Option<Summary> {
        Summary::of(&self.final_losses())
    }

    /// Training time (s) of the counted runs.
    pub fn train_time(&self) -> Option<Summary> {
        let t: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|r| Some(r.summary.as_ref()?.train_time_ms / 1000.0))
            .collect();
        Summary::of(&t)
    }

    /// The counted runs' folder names (`x01-s0`), for audits.
    pub fn run_names(&self) -> Vec<String> {
        self.runs.iter().map(|r| run_name(r)).collect()
    }
}

/// A run's folder name (`x01-s2`): what it is called on disk, whatever identity it records.
pub fn run_name(run: &Run) -> String {
    run.dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| run.info.identity().dir_name())
}

fn final_loss(run: &Run) -> Option<f64> {
    run.summary
        .as_ref()?
        .final_val_loss
        .filter(|l| l.is_finite())
}

/// A run's total steps: the config's, else the last the log states, else its last step.
pub fn steps_of(run: &Run) -> Option<u64> {
    run.recorded
        .steps
        .or_else(|| run.metrics.iter().rev().find_map(|m| m.total_steps))
        .or_else(|| run.metrics.last().map(|m| m.step))
}

/// Every leaf of a JSON value by dotted path (`config.model.dim`), written as JSON.
fn leaves(path: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| leaves(&join(k), x, out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(&format!("{path}[{i}]"), x, out)),
        other => {
            out.insert(path.to_owned(), other.to_string());
        }
    }
}

/// The step count is a configuration's own field, not one of its other differences.
const STEPS_PATH: &str = "config.schedule.steps";

/// The configurations of `runs` (one experiment's), in order of step count, variant, the rest.
pub fn configurations(runs: &RunSet) -> Vec<Configuration<'_>> {
    let all = runs.runs();
    let flat: Vec<BTreeMap<String, String>> = all
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            let shared = runlog::diff::shared_config(&r.info.config, r.info.data_hash.as_deref());
            leaves("", &shared, &mut m);
            m.remove(STEPS_PATH);
            m
        })
        .collect();
    let paths: BTreeSet<&String> = flat.iter().flat_map(|m| m.keys()).collect();
    // An import's recorded settings always name the configuration, so that the runs one
    // configuration is picked from (`stats::select`) keep the label they have among all.
    let varying: Vec<&String> = paths
        .into_iter()
        .filter(|p| {
            let first = flat.first().and_then(|m| m.get(*p));
            p.starts_with(SETTINGS_PREFIX) || flat.iter().any(|m| m.get(*p) != first)
        })
        .collect();
    let recorded = varying.iter().any(|p| p.starts_with(SETTINGS_PREFIX));
    type Key = (Option<u64>, Variant, Vec<(String, String)>);
    let mut groups: BTreeMap<Key, Vec<&Run>> = BTreeMap::new();
    for (run, m) in all.iter().zip(&flat) {
        let differs = varying
            .iter()
            .map(|p| {
                let v = m.get(*p).cloned().unwrap_or_else(|| "(absent)".into());
                ((*p).clone(), v)
            })
            .collect();
        groups
            .entry((steps_of(run), run.info.variant, differs))
            .or_default()
            .push(run);
    }
    let step_counts: BTreeSet<Option<u64>> = groups.keys().map(|k| k.0).collect();
    groups
        .into_iter()
        .map(|((steps, variant, differs), members)| {
            let mut label = variant.to_string();
            if step_counts.len() > 1 || recorded {
                label.push_str(&match steps {
                    Some(s) => format!(", {s} steps"),
                    None => ", steps not recorded".into(),
                });
            }
            for (p, v) in &differs {
                label.push_str(&format!(", {}", setting_label(p, v)));
            }
            let (done, rest): (Vec<&Run>, Vec<&Run>) =
                members.into_iter().partition(|r| is_finished(r));
            Configuration {
                variant,
                steps,
                differs,
                label,
                runs: done,
                left_out: rest
                    .iter()
                    .map(|r| format!("{}: {}", describe(r), standing(r)))
                    .collect(),
            }
        })
        .collect()
}

/// `script=692.py` for an import's recorded setting (`config.settings.script`, `"692.py"`);
/// other leaves keep their path and JSON value.
fn setting_label(path: &str, value: &str) -> String {
    match path.strip_prefix(SETTINGS_PREFIX) {
        Some(key) => {
            let v: Option<String> = serde_json::from_str::<String>(value).ok();
            format!("{key}={}", v.as_deref().unwrap_or(value))
        }
        None => format!("{path}={value}"),
    }
}

/// Where `report import --config key=value` records a setting, as a leaf path prefix.
const SETTINGS_PREFIX: &str = "config.settings.";

/// Per variant with two configurations or more of finished runs in `runs`: why a number, figure or claim that
/// names only the variant is refused, listing the configurations and how to pick one. Runs of
/// different configurations are never pooled.
pub fn several_configurations(runs: &RunSet) -> BTreeMap<Variant, String> {
    let configs = configurations(runs);
    let mut by_variant: BTreeMap<Variant, Vec<&Configuration>> = BTreeMap::new();
    // Only counted (finished) runs are ever pooled: a run that stopped early, whose length
    // is then its last step, is left out, not another configuration to choose.
    for c in configs.iter().filter(|c| !c.runs.is_empty()) {
        by_variant.entry(c.variant).or_default().push(c);
    }
    let experiment = runs.experiments().join(", ");
    by_variant
        .into_iter()
        .filter(|(_, cs)| cs.len() > 1)
        .map(|(v, cs)| {
            let listed: Vec<String> = cs
                .iter()
                .map(|c| format!("{} (n={})", c.label, c.runs.len()))
                .collect();
            let example = cs
                .iter()
                .find_map(|c| {
                    let steps = c.steps.map(|s| format!("steps={s}"));
                    let setting = c
                        .differs
                        .iter()
                        .find(|(p, _)| p.starts_with(SETTINGS_PREFIX))
                        .map(|(p, val)| {
                            format!("config=\"{}\"", setting_label(p, val).replace('"', ""))
                        });
                    match (steps, setting) {
                        (Some(s), Some(k)) => Some(format!("{s}, {k}")),
                        (s, k) => s.or(k),
                    }
                })
                .unwrap_or_else(|| "steps=N".into());
            let message = format!(
                "variant {v} has {} configurations in experiment `{experiment}`, never pooled: \
                 {}; name one with steps=N and/or config=\"key=value\" (e.g. {example})",
                cs.len(),
                listed.join("; ")
            );
            (v, message)
        })
        .collect()
}

/// The runs of the configurations `steps` and `config` (`"key=value"`, several separated by
/// commas; a key is a setting an import recorded, `ve_share`, or any config path,
/// `config.model.dim`) pick; an error listing the configurations when they pick none.
pub fn select(runs: &RunSet, steps: Option<u64>, config: Option<&str>) -> crate::Result<RunSet> {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for kv in config.into_iter().flat_map(|c| c.split(',')) {
        let (k, v) = kv.trim().split_once('=').ok_or_else(|| {
            crate::Error::Call(format!(
                "config=\"{kv}\" is not key=value (e.g. config=\"ve_share=inverse\")"
            ))
        })?;
        wanted.push((k.trim(), v.trim()));
    }
    let matches = |r: &Run| {
        let mut leaves_of = BTreeMap::new();
        let shared = runlog::diff::shared_config(&r.info.config, r.info.data_hash.as_deref());
        leaves("", &shared, &mut leaves_of);
        steps.is_none_or(|s| steps_of(r) == Some(s))
            && wanted.iter().all(|(k, v)| {
                [
                    format!("{SETTINGS_PREFIX}{k}"),
                    format!("config.{k}"),
                    (*k).to_owned(),
                ]
                .iter()
                .filter_map(|p| leaves_of.get(p))
                .any(|got| got == v || serde_json::from_str::<String>(got).is_ok_and(|g| g == *v))
            })
    };
    let picked: Vec<Run> = runs.runs().iter().filter(|r| matches(r)).cloned().collect();
    if picked.is_empty() {
        let listed: Vec<String> = configurations(runs)
            .iter()
            .map(|c| c.label.clone())
            .collect();
        return Err(crate::Error::Call(format!(
            "no run matches{}{}; configurations: {}",
            steps.map(|s| format!(" steps={s}")).unwrap_or_default(),
            config
                .map(|c| format!(" config=\"{c}\""))
                .unwrap_or_default(),
            listed.join("; ")
        )));
    }
    Ok(RunSet::from_runs(runs.root(), picked, Vec::new()))
}
