//! The rules one run must satisfy on its own: its metrics line by line, then its summary
//! against its last evaluation.

use crate::problem::Problem;
use crate::read::Run;
use crate::types::{Metrics, Status, Summary, SUMMARY_FILE};
use crate::variant::Variant;
use std::collections::BTreeSet;

pub(crate) fn run_problems(run: &Run) -> Vec<Problem> {
    let mut out = Vec::new();
    let status = run.summary.as_ref().map(|s| s.status);
    let diverged = status == Some(Status::Diverged);
    let mut prev: Option<(&Metrics, usize)> = None;
    let mut length: Option<(u64, usize)> = None;
    for (i, m) in run.metrics.iter().enumerate() {
        let (path, line) = run.metrics_line(i);
        let mut say = |msg: String| out.push(Problem::new(&path, line, msg));
        if let Some((p, pl)) = prev {
            if m.step <= p.step {
                say(format!(
                    "step {} comes after step {} (line {pl}): steps must strictly increase",
                    m.step, p.step
                ));
            }
            if m.train_time_ms < p.train_time_ms {
                say(format!(
                    "train_time_ms goes back from {} (line {pl}) to {}",
                    p.train_time_ms, m.train_time_ms
                ));
            }
        }
        if !(m.train_time_ms >= 0.0 && m.train_time_ms.is_finite()) {
            say(format!(
                "train_time_ms {} is not a non-negative time",
                m.train_time_ms
            ));
        }
        match m.val_loss {
            None if !diverged => say(
                "val_loss is null (a non-finite loss): only a run whose summary says diverged \
                 may log one"
                    .into(),
            ),
            Some(v) if v < 0.0 => say(format!(
                "val_loss {v} is negative; a cross-entropy loss never is"
            )),
            _ => {}
        }
        if let Some(v) = m.train_loss.filter(|v| *v < 0.0) {
            say(format!(
                "train_loss {v} is negative; a cross-entropy loss never is"
            ));
        }
        if let Some(t) = m.total_steps.filter(|t| m.step > *t) {
            say(format!("step {} is past total_steps {t}", m.step));
        }
        for msg in length_problems(run, m, line, &mut length) {
            say(msg);
        }
        for msg in scalar_problems(run, m, diverged) {
            say(msg);
        }
        prev = Some((m, line.unwrap_or(0)));
    }
    if let Some(s) = &run.summary {
        summary_problems(run, s, &mut out);
        if s.status == Status::Finished {
            out.extend(run.warnings.iter().filter(|w| w.line.is_some()).map(|w| {
                Problem::new(
                    &w.path,
                    w.line,
                    format!("{} (in a run whose summary says finished)", w.message),
                )
            }));
        }
    }
    out
}

/// One run has one length: every line's `total_steps` the same, and run.json's
/// `config.schedule.steps` where it records one (a log spliced from runs of two lengths fails).
fn length_problems(
    run: &Run,
    m: &Metrics,
    line: Option<usize>,
    first: &mut Option<(u64, usize)>,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(t) = m.total_steps else {
        return out;
    };
    match *first {
        Some((f, fl)) if f != t => out.push(format!(
            "total_steps {t} differs from total_steps {f} (line {fl}): one run has one length"
        )),
        Some(_) => {}
        None => {
            *first = Some((t, line.unwrap_or(0)));
            // Said once, at the first line: the others are held to that line.
            if let Some(r) = run.recorded.steps.filter(|r| *r != t) {
                out.push(format!(
                    "total_steps {t} differs from config.schedule.steps {r} in run.json"
                ));
            }
        }
    }
    out
}

/// Lambdas and norms of one evaluation: keys of the run's variant, one value per layer,
/// finite unless the run diverged.
fn scalar_problems(run: &Run, m: &Metrics, diverged: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut layers: Option<(usize, &str)> = None;
    let mut same_layers = |len: usize, what: &'static str, out: &mut Vec<String>| match layers {
        Some((l, first)) if l != len => out.push(format!("{what} has {len} layers, {first} {l}")),
        Some(_) => {}
        None => layers = Some((len, what)),
    };
    if let Some(l) = &m.lambdas {
        let want: BTreeSet<String> = std::iter::once("x".to_string())
            .chain(run.info.variant.components().map(|v| v.to_string()))
            .collect();
        let have: BTreeSet<String> = l.keys().cloned().collect();
        if have != want {
            let bad: Vec<&String> = have
                .iter()
                .filter(|k| *k != "x" && Variant::parse(k).is_err())
                .collect();
            out.push(format!(
                "lambdas has keys {}{} but a run of {} logs {}",
                join(&have),
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" ({} not a lambda name)", join(bad))
                },
                run.info.variant,
                join(&want)
            ));
        }
        for (k, v) in l {
            same_layers(v.len(), "lambdas", &mut out);
            if !diverged && v.iter().any(|x| !x.is_finite()) {
                out.push(format!(
                    "lambdas `{k}` holds a null (non-finite) value in a run that did not diverge"
                ));
            }
        }
    }
    if let Some(n) = &m.x_norms {
        same_layers(n.len(), "x_norms", &mut out);
        if !diverged && n.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            out.push("x_norms holds a negative or null (non-finite) norm".into());
        }
    }
    if let (Some((l, what)), Some(rec)) = (layers, run.recorded.layers) {
        if l as u64 != rec {
            out.push(format!(
                "{what} has {l} layers, but config.model.layers in run.json says {rec}"
            ));
        }
    }
    out
}

/// The summary: sane numbers, and the same story as the last evaluation.
fn summary_problems(run: &Run, s: &Summary, out: &mut Vec<Problem>) {
    let path = run.dir.join(SUMMARY_FILE);
    let mut say = |msg: String| out.push(Problem::new(&path, None, msg));
    let numbers = [
        ("train_time_ms", Some(s.train_time_ms)),
        ("final_val_loss", s.final_val_loss),
        ("step_avg_ms", s.step_avg_ms),
        ("tokens_per_s", s.tokens_per_s),
        ("peak_rss_mb", s.peak_rss_mb),
    ];
    for (key, v) in numbers {
        if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
            say(format!("{key} {v} is negative"));
        }
    }
    let Some(i) = run.metrics.len().checked_sub(1) else {
        if s.status == Status::Finished {
            say("the summary says finished, but metrics.jsonl holds no evaluation".into());
        }
        return;
    };
    let last = &run.metrics[i];
    let at = format!(
        "the last evaluation (metrics.jsonl line {}, step {})",
        run.lines.get(i).copied().unwrap_or(0),
        last.step
    );
    if !same_opt(s.final_val_loss, last.val_loss) {
        say(format!(
            "final_val_loss is {} but {at} has val_loss {}",
            show(s.final_val_loss),
            show(last.val_loss)
        ));
    }
    let time_ok = match s.status {
        // Steps after the last evaluation count in an interrupted run's time.
        Status::Interrupted => s.train_time_ms >= last.train_time_ms,
        Status::Finished | Status::Diverged => same(s.train_time_ms, last.train_time_ms),
    };
    if !time_ok {
        say(format!(
            "train_time_ms is {} but {at} has train_time_ms {}",
            s.train_time_ms, last.train_time_ms
        ));
    }
    if s.status == Status::Finished {
        let total = last.total_steps.or(run.recorded.steps);
        if let Some(t) = total.filter(|t| last.step != *t) {
            say(format!(
                "the summary says finished, but {at} is not the run's last step ({t})"
            ));
        }
    }
}

/// Equal up to the last bits (a number written and read back through JSON is exact).
fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn same_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn show(v: Option<f64>) -> String {
    v.map_or("null".into(), |v| v.to_string())
}

fn join<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
