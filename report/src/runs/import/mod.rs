//! Import: modded-nanogpt training logs (text) -> runs of our format, losing nothing.
//!
//! The log format (KellerJordan/modded-nanogpt, `train_gpt.py`; see
//! ../shared/fixtures/modded-nanogpt/README.md): the script's source, nvidia-smi output, then
//! per step `step:S/T train_time:Nms step_avg:Xms`, and at each evaluation
//! `step:S/T val_loss:L train_time:Nms step_avg:Xms`. The x0 experiment's scripts add
//! `step:S/T NAME_lambdas:[v, v, ...]` with one value per layer for `x`, `x00`, `x01`, ...,
//! `unet`, `v`, `ve` ([`lines`] reads one line).
//!
//! Passes: read every line (a `step:` line glued to other text is recovered, with a warning
//! naming file and line) -> evaluations in step order (a step repeated or going back is an
//! error) -> each lambda line joined to the evaluation of the step it carries, wherever it stands
//! (published results files group them after all the losses) -> the identity ([`identity`]:
//! `--variant` must agree with the lambda keys) -> the run checks of `runlog`, so that nothing
//! is written that the reader would refuse.
//!
//! [`lens`] imports a published logit-lens printout ([`predictions`], Python literals read by
//! [`pylit`]) as an experiment's lens.

mod identity;
pub mod lens;
pub mod lines;
pub mod predictions;
pub mod presets;
pub mod pylit;

use crate::{Error, Result};
use lines::Line;
use runlog::{Metrics, RunInfo, Status, Summary, Variant, Warning};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the user adds to the logs (`report import` options).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub variant: Option<String>,
    pub seed: Option<u64>,
    pub experiment: Option<String>,
    pub preset: Option<String>,
    /// Goes into `run.json`'s `device`, e.g. `8xH100`.
    pub hardware: Option<String>,
    /// Where the log was published (repository, file, section), recorded as `config.source`.
    pub source: Option<String>,
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
    let mut evals: Vec<(usize, Metrics, Option<f64>)> = Vec::new();
    let mut scalars: Vec<(usize, u64, &str, Vec<f64>)> = Vec::new();
    let mut warnings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let Some(read) = lines::read(raw).map_err(|m| err(Some(n), m))? else {
            continue;
        };
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
                    return Err(err(
                        Some(n),
                        format!(
                            "val_loss at step {step} after the one at step {} (line {pl}): \
                             evaluations must go forward, each step once",
                            p.step
                        ),
                    ));
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
    let highest = attach_all(&mut evals, &scalars).map_err(|(line, m)| err(Some(line), m))?;
    let Some((_, last, last_step_avg)) = evals.last().cloned() else {
        return Err(err(
            None,
            "no `step:S/T val_loss:...` line: not a modded-nanogpt training log".into(),
        ));
    };
    let (variant, seed) = identity::variant_and_seed(path, opts, highest, &mut warnings)?;
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
    let info = RunInfo {
        run_id: format!("import:{experiment}/{file_name}"),
        preset: opts.preset.clone(),
        config: config(path, opts, &file_name)?,
        device: opts.hardware.clone(),
        ..RunInfo::new(&experiment, variant, seed)
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

/// run.json's config of an imported run: where it came from (the log's name, `--source`) and
/// the shape its `--preset` fixes ([`presets`]); a log records no training config of its own.
fn config(path: &Path, opts: &ImportOptions, file_name: &str) -> Result<serde_json::Value> {
    let err = |message: String| Error::Import {
        path: path.to_owned(),
        line: None,
        message,
    };
    let mut config = match &opts.preset {
        Some(name) => presets::PresetShape::named(name).map_err(err)?.config(),
        None => serde_json::json!({}),
    };
    config["imported_from"] = file_name.into();
    config["format"] = "modded-nanogpt log".into();
    if let Some(source) = &opts.source {
        if source.trim().is_empty() || source.chars().any(char::is_control) {
            return Err(err(format!(
                "--source {source:?} must be one line of text (repository, file, section)"
            )));
        }
        config["source"] = source.as_str().into();
    }
    Ok(config)
}

/// Joins every scalars line to the evaluation of its step; `Err((line, message))` for a line
/// whose step has no evaluation, or a list printed twice for one step. Returns the highest
/// `xNN` lambda key the log printed (the variant it implies) and its line.
fn attach_all(
    evals: &mut [(usize, Metrics, Option<f64>)],
    scalars: &[(usize, u64, &str, Vec<f64>)],
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

/// Writes a parsed log as `out/<experiment>/<variant>-s<seed>/`; returns that folder. A folder
/// holding a run that was not imported (a trainer run) is never overwritten.
pub fn write_run(run: &ImportedRun, out: &Path) -> Result<PathBuf> {
    let dir = out
        .join(&run.info.experiment)
        .join(run.info.identity().dir_name());
    let run_file = dir.join(runlog::RUN_FILE);
    if let Ok(old) = std::fs::read_to_string(&run_file) {
        let imported = serde_json::from_str::<serde_json::Value>(&old)
            .ok()
            .and_then(|i| Some(i.get("run_id")?.as_str()?.starts_with("import:")))
            .unwrap_or(false);
        if !imported {
            return Err(Error::Import {
                path: run_file,
                line: None,
                message: "already holds a run that was not imported; refusing to overwrite it \
                          (choose another --out, --experiment or --seed)"
                    .into(),
            });
        }
    }
    let mut lines = String::new();
    for m in &run.metrics {
        let line = serde_json::to_string(m).map_err(|e| Error::Import {
            path: dir.join(runlog::METRICS_FILE),
            line: None,
            message: e.to_string(),
        })?;
        lines.push_str(&line);
        lines.push('\n');
    }
    runlog::write_json_atomic(&run_file, &run.info)?;
    runlog::write_atomic(&dir.join(runlog::METRICS_FILE), lines.as_bytes())?;
    runlog::write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &run.summary)?;
    Ok(dir)
}

/// Imports every log; two logs that would land in the same run folder are an error naming both.
/// Nothing is written unless every log parses and passes the run checks.
pub fn import_logs(paths: &[PathBuf], out: &Path, opts: &ImportOptions) -> Result<Vec<PathBuf>> {
    Ok(import_all(paths, out, opts)?.0)
}

/// [`import_logs`], with the warnings (glued lines recovered) of every log.
pub fn import_all(
    paths: &[PathBuf],
    out: &Path,
    opts: &ImportOptions,
) -> Result<(Vec<PathBuf>, Vec<Warning>)> {
    let parsed: Vec<ImportedRun> = paths
        .iter()
        .map(|p| parse_log(p, opts))
        .collect::<Result<_>>()?;
    let mut seen: BTreeMap<runlog::RunIdentity, &Path> = BTreeMap::new();
    for (run, path) in parsed.iter().zip(paths) {
        if let Some(first) = seen.insert(run.info.identity(), path) {
            return Err(Error::Import {
                path: path.clone(),
                line: None,
                message: format!(
                    "would become the same run ({} seed {}) as {}; give each its own --seed or \
                     import them separately",
                    run.info.variant,
                    run.info.seed,
                    first.display()
                ),
            });
        }
    }
    let dirs = parsed
        .iter()
        .map(|r| write_run(r, out))
        .collect::<Result<_>>()?;
    let warnings = parsed.into_iter().flat_map(|r| r.warnings).collect();
    Ok((dirs, warnings))
}
