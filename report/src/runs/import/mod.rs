//! Import: modded-nanogpt training logs (text) -> runs of our format, losing nothing.
//!
//! The log format (KellerJordan/modded-nanogpt, `train_gpt.py`; see
//! ../shared/fixtures/modded-nanogpt/README.md): the script's source, nvidia-smi output, then
//! per step `step:S/T train_time:Nms step_avg:Xms`, and at each evaluation
//! `step:S/T val_loss:L train_time:Nms step_avg:Xms`. The x0 experiment's scripts add
//! `step:S/T NAME_lambdas:[v, v, ...]` with one value per layer for `x`, `x00`, `x01`, ...,
//! `unet`, `v`, `ve` ([`lines`] reads one line).
//!
//! The time is printed as `train_time:Nms` (short and medium tracks) or `train_time:F.FFFs`
//! (optimization track), both read exactly; report/docs/import-formats.md surveys every form the
//! records folder holds.
//!
//! Passes: the lines of the file, or of the one `## NAME` section asked for ([`sections`]: log
//! lines in several sections are refused, never spliced into one run) -> every line read (a
//! `step:` line glued to other text is recovered, with a warning naming file and line) ->
//! evaluations in step order (a step repeated or going back is an error) -> each lambda line
//! joined to the evaluation of the step it carries, wherever it stands (published results files
//! group them after all the losses) -> the identity ([`identity`]: `--variant` must agree with
//! the lambda keys) -> the run checks of `runlog`, so that nothing is written that the reader
//! would refuse -> [`write`]: never over an existing run without `--force`.
//!
//! [`lens`] imports a published logit-lens printout ([`predictions`], Python literals read by
//! [`pylit`]) as an experiment's lens.

pub mod fault;
mod identity;
pub mod lens;
pub mod lines;
pub mod predictions;
pub mod presets;
pub mod pylit;
mod sections;
mod write;

pub use write::{import_all, import_logs, write_run, Imported};

use crate::{Error, Result};
use fault::Fault;
use lines::Line;
use runlog::{Metrics, Replica, RunInfo, Status, Summary, Variant, Warning};
use std::collections::BTreeMap;
use std::path::Path;

/// What the user adds to the logs (`report import` options).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub variant: Option<String>,
    pub seed: Option<u64>,
    /// A run that set no seed: which repeat of its configuration it is (folder `x01-r3`).
    pub repeat: Option<u64>,
    pub experiment: Option<String>,
    pub preset: Option<String>,
    /// Goes into `run.json`'s `device`, e.g. `8xH100`.
    pub hardware: Option<String>,
    /// Where the log was published (repository, file, section), recorded as `config.source`.
    pub source: Option<String>,
    /// The `## NAME` section of a file of many runs to import (recorded as `config.section`).
    pub section: Option<String>,
    /// Replace an existing imported run (never a trained one).
    pub force: bool,
    /// `key=value` settings the log does not print but its runs differ in (the training
    /// script, a code change), recorded as `config.settings.<key>`: runs that differ in them
    /// are separate configurations of one experiment.
    pub settings: Vec<String>,
}

/// One parsed log, ready to be written as a run.
#[derive(Debug, Clone)]
pub struct ImportedRun {
    pub info: RunInfo,
    pub metrics: Vec<Metrics>,
    pub summary: Summary,
    /// The log line of each evaluation.
    pub lines: Vec<usize>,
    /// Lines recovered from glued text, each naming file and line.
    pub warnings: Vec<Warning>,
}

/// An evaluation as read: its log line, its metrics, its `step_avg` (for the summary).
type Eval = (usize, Metrics, Option<f64>);
/// A lambda line as read: its log line, step, name and values.
type Scalars<'a> = (usize, u64, &'a str, Vec<f64>);

/// Parses the log at `path` into a run; nothing is written.
pub fn parse_log(path: &Path, opts: &ImportOptions) -> Result<ImportedRun> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    // nvidia-smi output and source comments may hold anything; only `step:` lines are read.
    let text = String::from_utf8_lossy(&bytes);
    let err = |line: Option<usize>, message: String| Error::Import {
        path: path.to_owned(),
        line,
        message,
    };
    let mut warnings = Vec::new();
    let (mut evals, scalars) = read_lines(path, &text, opts, &mut warnings)?;
    let highest = attach_all(&mut evals, &scalars).map_err(|(line, m)| err(Some(line), m))?;
    if let Some((line, message)) = half_missing(&scalars) {
        warnings.push(Warning::new(path, Some(line), message));
    }
    let Some((_, last, last_step_avg)) = evals.last().cloned() else {
        return Err(err(None, no_evaluation(&text)));
    };
    let (variant, replica) = identity::variant_and_seed(path, opts, highest, &mut warnings)?;
    let experiment = identity::experiment(path, opts)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let status = match last.val_loss {
        None => Status::Diverged,
        Some(_) if Some(last.step) == last.total_steps => Status::Finished,
        Some(_) => Status::Interrupted,
    };
    let summary = Summary {
        status,
        final_val_loss: last.val_loss,
        train_time_ms: last.train_time_ms,
        step_avg_ms: last_step_avg,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    let section = opts
        .section
        .as_ref()
        .map(|s| format!("#{s}"))
        .unwrap_or_default();
    let identity = match replica {
        Replica::Seed(s) => RunInfo::new(&experiment, variant, s),
        Replica::Repeat(r) => RunInfo::repeated(&experiment, variant, r),
    };
    let info = RunInfo {
        run_id: format!("import:{experiment}/{file_name}{section}"),
        preset: opts.preset.clone(),
        config: config(path, opts, &file_name, last.total_steps)?,
        device: opts.hardware.clone(),
        ..identity
    };
    let run = ImportedRun {
        info,
        lines: evals.iter().map(|(n, _, _)| *n).collect(),
        metrics: evals.into_iter().map(|(_, m, _)| m).collect(),
        summary,
        warnings,
    };
    identity::check(path, &run)?;
    Ok(run)
}

/// The evaluations (in step order, each step once) and lambda lines of `text`, or of the
/// section `opts.section` picks; warnings for lines recovered from glued text.
fn read_lines<'t>(
    path: &Path,
    text: &'t str,
    opts: &ImportOptions,
    warnings: &mut Vec<Warning>,
) -> Result<(Vec<Eval>, Vec<Scalars<'t>>)> {
    let err = |line: Option<usize>, message: String| Error::Import {
        path: path.to_owned(),
        line,
        message,
    };
    let mut sections = sections::Sections::new(opts.section.as_deref());
    let (mut evals, mut scalars): (Vec<Eval>, Vec<Scalars>) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if !sections.enter(raw, n) {
            continue;
        }
        let Some(read) = lines::read(raw).map_err(|f| f.at(path, Some(n)))? else {
            continue;
        };
        sections.log_line(n).map_err(|f| f.at(path, Some(n)))?;
        if let Some(before) = read.glued_to {
            warnings.push(Warning::new(
                path,
                Some(n),
                format!("a `step:` line glued to other text (`{before}`); read from its `step:`"),
            ));
        }
        match read.line {
            Line::Eval {
                step,
                total,
                loss,
                time_ms,
                step_avg_ms,
            } => {
                if let Some((pl, p, _)) = evals.last().filter(|(_, p, _)| p.step >= step) {
                    return Err(err(Some(n), going_back(step, p, *pl)));
                }
                let mut m = Metrics::new(step, time_ms, loss);
                m.total_steps = Some(total);
                evals.push((n, m, step_avg_ms));
            }
            Line::Scalars {
                step, name, values, ..
            } => scalars.push((n, step, name, values)),
        }
    }
    sections.finish().map_err(|(line, m)| err(line, m))?;
    Ok((evals, scalars))
}

/// Why a file without evaluations is no log to import; llm.c's logs (the records' earliest, and
/// one medium-track file) print `s:S tel:L` with no training time, which every run needs.
fn no_evaluation(text: &str) -> String {
    let llmc = text.lines().any(|l| {
        l.strip_prefix("s:")
            .and_then(|r| r.split_once(' '))
            .is_some_and(|(s, r)| s.bytes().all(|b| b.is_ascii_digit()) && r.starts_with("tel:"))
    });
    let mut m = "no `step:S/T val_loss:...` line: not a modded-nanogpt training log".to_owned();
    if llmc {
        m.push_str(
            " (its `s:S tel:L` lines, llm.c's log form, print no training time, which a run needs)",
        );
    }
    m
}

/// Why an evaluation at `step` cannot follow `prev` (at line `pl`).
fn going_back(step: u64, prev: &Metrics, pl: usize) -> String {
    let restarts = step == 0 && prev.total_steps == Some(prev.step);
    if restarts {
        format!(
            "val_loss at step 0 after the run ended at step {} (line {pl}): a second run starts \
             here; one file (or `## ` section) is one run, so split the file",
            prev.step
        )
    } else {
        format!(
            "val_loss at step {step} after the one at step {} (line {pl}): evaluations must go \
             forward, each step once",
            prev.step
        )
    }
}

/// run.json's config of an imported run: where it came from (the log's name, `--source`,
/// `--section`), the shape its `--preset` fixes ([`presets`]) and the one setting every log
/// prints, its length (`step:S/T`'s T, as `schedule.steps`): runs of different lengths are
/// different configs, never seeds of one variant.
fn config(
    path: &Path,
    opts: &ImportOptions,
    file_name: &str,
    steps: Option<u64>,
) -> Result<serde_json::Value> {
    let err = |message: String| Error::Import {
        path: path.to_owned(),
        line: None,
        message,
    };
    let mut config = match &opts.preset {
        Some(name) => presets::PresetShape::named(name)
            .map_err(|f| f.at(path, None))?
            .config(),
        None => serde_json::json!({}),
    };
    config["imported_from"] = file_name.into();
    config["format"] = "modded-nanogpt log".into();
    if let Some(steps) = steps {
        config["schedule"] = serde_json::json!({ "steps": steps });
    }
    if let Some(section) = &opts.section {
        config["section"] = section.as_str().into();
    }
    if let Some(source) = &opts.source {
        if source.trim().is_empty() || source.chars().any(char::is_control) {
            return Err(err(format!(
                "--source {source:?} must be one line of text (repository, file, section)"
            )));
        }
        config["source"] = source.as_str().into();
    }
    if !opts.settings.is_empty() {
        config["settings"] = settings(&opts.settings).map_err(|f| f.at(path, None))?;
    }
    Ok(config)
}

/// `--config key=value` options as an object: keys a plain name (they become config paths and
/// directive arguments), values one line of text, each key once.
fn settings(given: &[String]) -> std::result::Result<serde_json::Value, Fault> {
    let mut out = serde_json::Map::new();
    for kv in given {
        let Some((key, value)) = kv.split_once('=') else {
            return Err(Fault(format!("--config {kv:?} is not key=value")));
        };
        runlog::check_name("--config key", key).map_err(|e| Fault(e.to_string()))?;
        if value.trim().is_empty() || value.chars().any(char::is_control) {
            return Err(Fault(format!(
                "--config {key}={value:?}: the value must be one line of text"
            )));
        }
        if out.insert(key.to_owned(), value.into()).is_some() {
            return Err(Fault(format!("--config {key} given twice")));
        }
    }
    Ok(serde_json::Value::Object(out))
}

/// Joins every scalars line to the evaluation of its step; `Err((line, message))` for a line
/// whose step has no evaluation, or a list printed twice for one step. Returns the highest
/// `xNN` lambda key the log printed (the variant it implies) and its line.
fn attach_all(
    evals: &mut [Eval],
    scalars: &[Scalars],
) -> Result<Option<(Variant, usize)>, (usize, String)> {
    let by_step: BTreeMap<u64, usize> = evals
        .iter()
        .enumerate()
        .map(|(i, (_, m, _))| (m.step, i))
        .collect();
    let mut seen: BTreeMap<(u64, &str), usize> = BTreeMap::new();
    let mut highest: Option<(Variant, usize)> = None;
    for (line, step, name, values) in scalars {
        let Some(&i) = by_step.get(step) else {
            return Err((
                *line,
                format!("{name}_lambdas at step {step} has no val_loss line of that step"),
            ));
        };
        if let Some(first) = seen.insert((*step, name), *line) {
            return Err((
                *line,
                format!("a second {name}_lambdas line for step {step} (the first: line {first})"),
            ));
        }
        if let Ok(v) = Variant::parse(name) {
            if highest.is_none_or(|(h, _)| v > h) {
                highest = Some((v, *line));
            }
        }
        attach(&mut evals[i].1, name, values.clone());
    }
    Ok(highest)
}

/// A warning when the log prints one half of the value-embedding lambdas (`v_lambdas`) at a
/// step without the other (`ve_lambdas`): the contract keeps the pair, the missing half `null`.
fn half_missing(scalars: &[Scalars]) -> Option<(usize, String)> {
    let steps = |name: &str| -> BTreeMap<u64, usize> {
        scalars
            .iter()
            .filter(|(_, _, n, _)| *n == name)
            .map(|(line, step, _, _)| (*step, *line))
            .collect()
    };
    let (v, ve) = (steps("v"), steps("ve"));
    for (has, lacks, name, other, slot) in [(&v, &ve, "v", "ve", 2), (&ve, &v, "ve", "v", 1)] {
        let alone: Vec<(&u64, &usize)> =
            has.iter().filter(|(s, _)| !lacks.contains_key(s)).collect();
        if let Some((step, line)) = alone.first() {
            return Some((
                **line,
                format!(
                    "{name}_lambdas at step {step} without {other}_lambdas ({} step(s) in all): \
                     ve_lambdas records the {other} half ({}) as null; the log does not print it",
                    alone.len(),
                    if slot == 2 { "the second" } else { "the first" }
                ),
            ));
        }
    }
    None
}

/// Puts one `NAME_lambdas` list into its place in the metrics line.
fn attach(m: &mut Metrics, name: &str, values: Vec<f64>) {
    match name {
        "unet" => m.skip_weights = Some(values),
        "v" | "ve" => {
            // A half the log does not print stays NaN, written `null` (runlog reads it back).
            let pairs = m.ve_lambdas.get_or_insert_with(Vec::new);
            pairs.resize(pairs.len().max(values.len()), [f64::NAN; 2]);
            let slot = usize::from(name == "ve");
            for (p, v) in pairs.iter_mut().zip(values) {
                p[slot] = v;
            }
        }
        _ if name == "x" || Variant::parse(name).is_ok() => {
            m.lambdas
                .get_or_insert_with(BTreeMap::new)
                .insert(name.into(), values);
        }
        // Other learned scalars a future script may print have no place in the contract yet.
        _ => {}
    }
}
