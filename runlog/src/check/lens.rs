//! The rules of a lens: a run's `lens.json` against its run (the same variant, config and step,
//! and `x-out`'s cross-entropy equal to the val loss logged at that step: the lens's anchor),
//! and an experiment's imported `lens-<variant>.json` against its folder; both against what a
//! lens holds (every component of its variant, finite rates in [0, 1], a sample of as many
//! positions as tokens).

use crate::lens::{
    experiment_lens_file, lens_components, lens_layers, read_lens, Lens, LensStats, LENS_FILE,
    LENS_SCHEMA_VERSION,
};
use crate::problem::{line_of_key, Problem};
use crate::read::Run;
use crate::types::Status;
use std::path::Path;

/// How close `x-out`'s cross-entropy must be to the val loss of the same step (relative): the
/// same tokens through the same weights, summed in another order.
pub const ANCHOR_TOLERANCE: f64 = 1e-5;

/// A problem's message, and the JSON key whose line it concerns (when there is one).
type Found = (Option<String>, String);

/// The problems of a run's lens (none when it has no lens.json).
pub(crate) fn run_problems(run: &Run) -> Vec<Problem> {
    let Some(lens) = &run.lens else {
        return Vec::new();
    };
    let path = run.dir.join(LENS_FILE);
    let mut found: Vec<Found> = Vec::new();
    let mut say = |key: &str, msg: String| found.push((Some(key.to_owned()), msg));
    if lens.variant != run.info.variant {
        say(
            "variant",
            format!(
                "a lens of {}, but run.json says {}",
                lens.variant, run.info.variant
            ),
        );
    }
    match (&lens.config_hash, &run.info.config_hash) {
        (Some(l), Some(r)) if l != r => say(
            "config_hash",
            format!(
                "a lens of another config: config_hash {l}, but run.json's is {r}; compute it \
                 again with `trainer lens --run {}`",
                run.dir.display()
            ),
        ),
        (None, Some(_)) => say(
            "components",
            "no config_hash: a run's lens names the config it decoded".into(),
        ),
        _ => {}
    }
    found.extend(step_problems(run, lens));
    let layers = run
        .recorded
        .layers
        .map_or_else(|| lens_layers(lens.components.keys()), |l| l as usize);
    found.extend(content_problems(lens, layers, true));
    located(&path, found)
}

/// The lens's step against the run's: a finished run's lens decodes its last weights, and
/// `x-out`'s cross-entropy is the val loss logged at that step.
fn step_problems(run: &Run, lens: &Lens) -> Vec<Found> {
    let mut out = Vec::new();
    let Some(step) = lens.step else {
        out.push((
            None,
            "no step: a run's lens names the step it decoded".into(),
        ));
        return out;
    };
    let finished = run
        .summary
        .as_ref()
        .is_some_and(|s| s.status == Status::Finished);
    let last = run.metrics.last();
    if let (true, Some(last)) = (finished, last) {
        if last.step != step {
            out.push((
                Some("step".into()),
                format!(
                    "a lens of step {step}, but the run ended at step {}: compute it again \
                     from the final checkpoint",
                    last.step
                ),
            ));
        }
    }
    let logged = run.metrics.iter().position(|m| m.step == step);
    let ce = lens.components.get("x-out").and_then(|s| s.cross_entropy);
    if let (Some(i), Some(ce)) = (logged, ce) {
        if let Some(v) = run.metrics[i].val_loss {
            if ce.is_nan() || (ce - v).abs() > ANCHOR_TOLERANCE * v.abs() {
                out.push((
                    Some("x-out".into()),
                    format!(
                        "x-out's cross_entropy {ce} is not the val loss {v} logged at step \
                         {step} (metrics.jsonl line {}): the lens did not decode this run's \
                         weights on its validation tokens",
                        run.lines.get(i).copied().unwrap_or(0)
                    ),
                ));
            }
        }
    }
    out
}

/// Reads and checks an experiment's imported lens at `path` (`<experiment>/lens-<variant>.json`):
/// the lens, when it reads, and every problem found.
pub fn check_experiment_lens(path: &Path) -> (Option<Lens>, Vec<Problem>) {
    match read_lens(path) {
        Ok(l) => {
            let problems = experiment_lens_problems(&l, path);
            (Some(l), problems)
        }
        Err(p) => (None, vec![p]),
    }
}

/// The problems of an experiment's lens that is (or is about to be written) at `path`.
pub fn experiment_lens_problems(lens: &Lens, path: &Path) -> Vec<Problem> {
    let mut found: Vec<Found> = Vec::new();
    let name = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let file = name(Some(path));
    if file != experiment_lens_file(lens.variant) {
        found.push((
            Some("variant".into()),
            format!(
                "a lens of {} in a file named `{file}`: it belongs in `{}`",
                lens.variant,
                experiment_lens_file(lens.variant)
            ),
        ));
    }
    let folder = name(path.parent());
    match &lens.experiment {
        Some(e) if *e == folder => {}
        Some(e) => found.push((
            Some("experiment".into()),
            format!("a lens of experiment `{e}` in the folder `{folder}`"),
        )),
        None => found.push((
            None,
            "no experiment: an experiment's lens names the experiment it belongs to".into(),
        )),
    }
    if lens.source.is_none() {
        found.push((
            None,
            "no source: an imported lens says where it was published".into(),
        ));
    }
    let layers = lens_layers(lens.components.keys());
    if let Some(n) = &lens.norms {
        let bad = |v: &f64| !(v.is_finite() && *v >= 0.0);
        if n.x.len() != layers {
            found.push((
                Some("norms".into()),
                format!("norms.x has {} layers, the components {layers}", n.x.len()),
            ));
        }
        if n.x.iter().chain(n.inputs.values()).any(bad)
            || !(n.per_element.is_finite() && n.per_element > 0.0)
        {
            found.push((
                Some("norms".into()),
                "norms holds a negative or non-finite norm".into(),
            ));
        }
    }
    found.extend(content_problems(lens, layers, false));
    located(path, found)
}

/// What any lens must hold: its schema version, every component of its variant and nothing
/// else, sane numbers (all five of them when `measured_all`: a run's lens measures them all),
/// and a sample of one list of guesses per component and position.
fn content_problems(lens: &Lens, layers: usize, measured_all: bool) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    if lens.schema_version != LENS_SCHEMA_VERSION {
        out.push((
            Some("schema_version".into()),
            format!(
                "schema_version {} is not supported (this reader knows version \
                 {LENS_SCHEMA_VERSION})",
                lens.schema_version
            ),
        ));
    }
    let want = lens_components(lens.variant, layers);
    for c in &want {
        if !lens.components.contains_key(c) {
            out.push((
                Some("components".into()),
                format!(
                    "component `{c}` is missing (a lens of {} with {layers} layers decodes {})",
                    lens.variant,
                    want.join(", ")
                ),
            ));
        }
    }
    for (name, stats) in &lens.components {
        if !want.contains(name) {
            out.push((
                Some(name.clone()),
                format!(
                    "component `{}` is not one a lens of {} decodes",
                    name.escape_debug(),
                    lens.variant
                ),
            ));
        }
        out.extend(
            stats_problems(stats, measured_all)
                .into_iter()
                .map(|m| (Some(name.clone()), format!("components.{name}: {m}"))),
        );
    }
    out.extend(sample_problems(lens, &want));
    out
}

fn stats_problems(s: &LensStats, measured_all: bool) -> Vec<String> {
    let mut out = Vec::new();
    if s.tokens == 0 {
        out.push("measured on 0 tokens".to_string());
    }
    let rates = [
        ("next_top1", Some(s.next_top1)),
        ("copy_top1", Some(s.copy_top1)),
        ("bigram_top1", s.bigram_top1),
    ];
    for (key, v) in rates {
        match v {
            Some(v) if v.is_nan() => out.push(format!("{key} is null (NaN), not a rate")),
            Some(v) if !(0.0..=1.0).contains(&v) => {
                out.push(format!("{key} is {v}, outside [0, 1]"))
            }
            None if measured_all => out.push(format!("{key} is missing")),
            _ => {}
        }
    }
    for (key, v) in [("cross_entropy", s.cross_entropy), ("entropy", s.entropy)] {
        match v {
            Some(v) if !(v.is_finite() && v >= 0.0) => out.push(format!(
                "{key} is {v}, not a finite non-negative number of nats"
            )),
            None if measured_all => out.push(format!("{key} is missing")),
            _ => {}
        }
    }
    out
}

fn sample_problems(lens: &Lens, want: &[String]) -> Vec<Found> {
    let s = &lens.sample;
    let n = s.tokens.len();
    let mut out: Vec<Found> = Vec::new();
    if n == 0 {
        out.push((Some("sample".into()), "the sample has no tokens".into()));
    }
    for c in want {
        if !s.top.contains_key(c) {
            out.push((
                Some("sample".into()),
                format!("sample.top has no component `{c}`"),
            ));
        }
    }
    for (c, positions) in &s.top {
        if !want.contains(c) {
            out.push((
                Some("sample".into()),
                format!(
                    "sample.top has component `{}`, which the lens does not decode",
                    c.escape_debug()
                ),
            ));
        }
        if positions.len() != n {
            out.push((
                Some("sample".into()),
                format!(
                    "sample.top.{c} has {} positions, the sample {n} tokens",
                    positions.len()
                ),
            ));
        }
        let bad = positions
            .iter()
            .enumerate()
            .find(|(_, g)| g.iter().any(|g| !(0.0..=1.0).contains(&g.1)));
        if let Some((i, _)) = bad {
            out.push((
                Some("sample".into()),
                format!("sample.top.{c} at position {i} holds a probability outside [0, 1]"),
            ));
        }
    }
    out
}

/// Problems at `path`, each at the line of its key where the file shows it.
fn located(path: &Path, found: Vec<Found>) -> Vec<Problem> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    found
        .into_iter()
        .map(|(key, msg)| {
            let line = key.and_then(|k| line_of_key(&text, &k));
            Problem::new(path, line, msg)
        })
        .collect()
}
