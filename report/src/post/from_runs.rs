//! Facts from runs: the statistics stage's numbers plus what the run logs record about the setup
//! (the typed config view, devices, parameter counts, step-0 lambdas). Nothing is assumed that
//! no run records, and only finished runs are counted; the others are named as such.

use super::facts::{ConfigFacts, Facts, LensFact, NoShares, RunRow, SetupFacts, VariantFacts};
use crate::runs::{standing, RunSet};
use crate::stats;
use runlog::Variant;
use std::collections::BTreeMap;

/// The facts of a set of runs; `results_table` is the figures stage's markdown table. With no
/// finished run at all there are no numbers, and every directive that needs one says why.
pub fn facts(runs: &RunSet, results_table: String) -> Facts {
    let table = stats::compute(runs, None).ok();
    let variants = runs
        .variants()
        .into_iter()
        .map(|v| variant_facts(runs, v, table.as_ref()))
        .collect();
    let experiments = runs.experiments();
    Facts {
        experiment: (experiments.len() == 1).then(|| experiments[0].to_string()),
        baseline: runs.baseline().unwrap_or(Variant::BASELINE),
        at_time_s: table.map(|t| t.at_time_s),
        variants,
        configs: stats::configurations(runs)
            .iter()
            .map(|c| ConfigFacts {
                label: c.label.clone(),
                variant: c.variant,
                steps: c.steps,
                runs: c.run_names(),
                final_loss: c.final_loss(),
                train_time: c.train_time(),
            })
            .collect(),
        run_rows: run_rows(runs),
        setup: setup(runs),
        several: stats::several_configurations(runs),
        results_table,
        lenses: lenses(runs),
        results_table_by_step: String::new(),
    }
}

/// One variant's facts: its counted runs' numbers, lambdas, shares and curves, and the runs
/// left out with how they stand.
fn variant_facts(runs: &RunSet, v: Variant, table: Option<&stats::StatsTable>) -> VariantFacts {
    let row = table.and_then(|t| t.row(v));
    let counted = runs.result_runs(v);
    let lambdas = stats::mean_lambdas(&counted).ok().map(|g| {
        g.components
            .iter()
            .cloned()
            .zip(g.values.iter().cloned())
            .collect::<BTreeMap<_, _>>()
    });
    let seed_lambdas = counted
        .iter()
        .filter_map(|r| stats::last_lambdas(r).ok())
        .map(|g| g.components.into_iter().zip(g.values).collect())
        .collect();
    let source = stats::norm_source(runs, v);
    let seed_shares = counted
        .iter()
        .map(|r| {
            stats::run_shares(r, &source).map(|g| g.components.into_iter().zip(g.values).collect())
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            NoShares(match e {
                crate::Error::Stats(m) => m,
                other => other.to_string(),
            })
        });
    VariantFacts {
        variant: v,
        seeds: counted.iter().map(|r| r.info.replica().number()).collect(),
        repeats: counted.iter().any(|r| r.info.repeat.is_some()),
        runs: counted.iter().map(|r| stats::run_name(r)).collect(),
        unfinished: runs
            .runs_of(v)
            .into_iter()
            .filter(|r| !crate::runs::is_finished(r))
            .map(|r| format!("{}: {}", r.info.identity().dir_name(), standing(r)))
            .collect(),
        final_loss: row.map(|r| r.final_loss),
        train_time: row.map(|r| r.train_time_s),
        loss_at_time: row.and_then(|r| r.loss_at_time),
        p_final: row.and_then(|r| r.t_test_vs_baseline.map(|t| t.p)),
        p_at_time: row.and_then(|r| r.t_test_at_time.map(|t| t.p)),
        lambdas,
        seed_lambdas,
        seed_shares,
        step_curve: stats::mean_curve(&counted, stats::Axis::Step),
        time_curve: stats::mean_curve(&counted, stats::Axis::Time),
    }
}

/// Each configuration's counted runs, with their final loss and training time.
fn run_rows(runs: &RunSet) -> Vec<RunRow> {
    let mut rows = Vec::new();
    for c in stats::configurations(runs) {
        for r in &c.runs {
            let Some(s) = &r.summary else { continue };
            rows.push(RunRow {
                name: stats::run_name(r),
                variant: c.variant,
                configuration: c.label.clone(),
                steps: c.steps,
                final_loss: s.final_val_loss,
                train_time_s: s.train_time_ms / 1000.0,
            });
        }
    }
    rows
}

/// The lenses of every variant: finished runs' own, then the experiment's imported one.
fn lenses(runs: &RunSet) -> Vec<LensFact> {
    let mut out = Vec::new();
    for v in runs.lens_variants() {
        for r in runs.result_runs(v) {
            if let Some(l) = &r.lens {
                out.push(LensFact {
                    variant: v,
                    who: r.info.identity().dir_name(),
                    seed: r.info.seed,
                    lens: l.clone(),
                });
            }
        }
        for l in runs.lenses().iter().filter(|l| l.lens.variant == v) {
            out.push(LensFact {
                variant: v,
                who: format!("{v}, imported"),
                seed: None,
                lens: l.lens.clone(),
            });
        }
    }
    out
}

/// What the finished runs record about how they were made (their config is one per experiment,
/// checked on loading, so the first run that records a field speaks for all).
fn setup(runs: &RunSet) -> SetupFacts {
    let finished: Vec<&runlog::Run> = runs
        .runs()
        .iter()
        .filter(|r| crate::runs::is_finished(r))
        .collect();
    let mut s = SetupFacts {
        runs: finished.len(),
        ..SetupFacts::default()
    };
    let mut init: BTreeMap<String, Option<f64>> = BTreeMap::new();
    let mut tokens: Vec<u64> = Vec::new();
    for r in finished {
        let rec = &r.recorded;
        if r.info.config.is_null() || rec.is_imported() {
            s.imported += 1;
        }
        if r.info.repeat.is_some() {
            s.no_seed += 1;
        }
        let layers = rec.layers.map(|l| l as usize).or_else(|| {
            r.metrics
                .iter()
                .find_map(|m| m.lambdas.as_ref()?.values().next().map(Vec::len))
        });
        s.layers = s.layers.or(layers);
        s.width = s.width.or(rec.dim.map(|d| d as usize));
        if s.embedding_init.is_none() {
            s.embedding_init = rec.embedding_init.clone();
        }
        let steps = r
            .metrics
            .iter()
            .rev()
            .find_map(|m| m.total_steps)
            .or(rec.steps);
        if let Some(st) = steps {
            push_unique(&mut s.steps, st);
        }
        if let Some(t) = tokens_of(r, steps) {
            tokens.push(t);
        }
        if let Some(p) = &r.info.params {
            s.params
                .entry(r.info.variant.to_string())
                .or_insert(p.total);
        }
        if let Some(d) = &r.info.device {
            push_unique(&mut s.hardware, d.clone());
        }
        if let Some(p) = &r.info.preset {
            push_unique(&mut s.presets, p.clone());
        }
        note_initial_lambdas(&mut init, r);
    }
    s.steps.sort_unstable();
    s.init_lambdas = init
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    if let (Some(a), Some(b)) = (tokens.iter().min(), tokens.iter().max()) {
        s.tokens = Some((*a, *b));
    }
    s
}

/// The tokens a run saw, as logged; else, for a run that logs none (an import), `steps` x the
/// batch and sequence length its config records.
fn tokens_of(r: &runlog::Run, steps: Option<u64>) -> Option<u64> {
    let rec = &r.recorded;
    let logged = r.metrics.iter().rev().find_map(|m| m.tokens);
    let from_config = match (steps, rec.batch_size, rec.seq_len) {
        (Some(st), Some(b), Some(l)) => st.checked_mul(b).and_then(|x| x.checked_mul(l)),
        _ => None,
    };
    logged.or(from_config)
}

/// Notes a run's step-0 lambdas in `init`: a component's initial value counts only when every
/// layer of every run agrees (`None` once one does not).
fn note_initial_lambdas(init: &mut BTreeMap<String, Option<f64>>, r: &runlog::Run) {
    let Some(l) = r
        .metrics
        .iter()
        .find(|m| m.step == 0)
        .and_then(|m| m.lambdas.as_ref())
    else {
        return;
    };
    for (k, vals) in l {
        let first = vals.first().copied();
        let uniform = vals.iter().all(|v| Some(*v) == first);
        let entry = init.entry(k.clone()).or_insert(first);
        if !uniform || *entry != first {
            *entry = None;
        }
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}
