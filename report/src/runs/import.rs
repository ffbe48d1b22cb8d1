//! Import: modded-nanogpt training logs (text) -> runs of our format.
//!
//! The log format (KellerJordan/modded-nanogpt, `train_gpt.py`; see
//! ../shared/fixtures/modded-nanogpt/README.md): the script's source, nvidia-smi output, then
//! per step `step:S/T train_time:Nms step_avg:Xms`, and at each evaluation
//! `step:S/T val_loss:L train_time:Nms step_avg:Xms`. The x0 experiment's scripts add, after
//! each val_loss line, `step:S/T NAME_lambdas:[v, v, ...]` with one value per layer for
//! `x`, `x00`, `x01`, ..., `unet`, `v`, `ve`. Only lines starting with `step:<digits>/` count;
//! everything else (source code, nvidia-smi) is skipped.
//!
//! What the log does not say comes from [`ImportOptions`]: the variant from `--variant`, else
//! the highest `x0N_lambdas` key, else a file name like `x01-s2.txt`; the seed from `--seed`
//! or the file name; the experiment from `--experiment`, else the log's folder name.

use crate::runs::variant_number;
use crate::{Error, Result};
use runlog::{Metrics, RunInfo, Status, Summary};
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
}

/// One parsed log, ready to be written as a run.
#[derive(Debug, Clone)]
pub struct ImportedRun {
    pub info: RunInfo,
    pub metrics: Vec<Metrics>,
    pub summary: Summary,
}

/// Parses the log at `path` into a run; nothing is written.
pub fn parse_log(path: &Path, opts: &ImportOptions) -> Result<ImportedRun> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let err = |line: Option<usize>, message: String| Error::Import {
        path: path.to_owned(),
        line,
        message,
    };
    let mut metrics: Vec<Metrics> = Vec::new();
    let mut total_steps = None;
    let mut last_step_avg = None;
    let mut highest_embedding: Option<u32> = None;
    for (i, line) in text.lines().enumerate() {
        let Some((step, total, rest)) = split_step(line) else {
            continue;
        };
        let lineno = Some(i + 1);
        total_steps = Some(total);
        if let Some(v) = rest.strip_prefix("val_loss:") {
            let (loss, rest) = v.split_once(' ').unwrap_or((v, ""));
            let loss: f64 = parse_float(loss)
                .ok_or_else(|| err(lineno, format!("val_loss '{loss}' is not a number")))?;
            let time = field(rest, "train_time:", "ms")
                .ok_or_else(|| err(lineno, "val_loss line without train_time:<N>ms".into()))?;
            last_step_avg = field(rest, "step_avg:", "ms");
            let mut m = Metrics::new(step, time, loss);
            m.total_steps = Some(total);
            metrics.push(m);
        } else if let Some((name, list)) = rest.split_once("_lambdas:") {
            let values = parse_list(list)
                .ok_or_else(|| err(lineno, format!("{name}_lambdas is not a list of numbers")))?;
            let Some(m) = metrics.last_mut().filter(|m| m.step == step) else {
                return Err(err(
                    lineno,
                    format!("{name}_lambdas at step {step} follows no val_loss line of that step"),
                ));
            };
            if let Some(n) = variant_number(name) {
                highest_embedding = highest_embedding.max(Some(n));
            }
            attach(m, name, values);
        } else if rest.starts_with("train_time:") {
            // Per-step timing lines: the evaluations carry everything the report needs.
        }
    }
    let Some(last) = metrics.last() else {
        return Err(err(
            None,
            "no `step:S/T val_loss:...` line: not a modded-nanogpt training log".into(),
        ));
    };
    let (variant, seed) = identity(path, opts, highest_embedding)?;
    let extra = variant_number(&variant).unwrap_or(0);
    let experiment = opts.experiment.clone().unwrap_or_else(|| {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "imported".into())
    });
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let status = match last.val_loss {
        None => Status::Diverged,
        Some(_) if Some(last.step) == total_steps => Status::Finished,
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
        extra_embeddings: extra,
        preset: opts.preset.clone(),
        config: serde_json::json!({ "imported_from": file_name, "format": "modded-nanogpt log" }),
        device: opts.hardware.clone(),
        ..RunInfo::new(&experiment, &variant, seed)
    };
    Ok(ImportedRun {
        info,
        metrics,
        summary,
    })
}

/// Writes a parsed log as `out/<experiment>/<variant>-s<seed>/`; returns that folder. A folder
/// holding a run that was not imported (a trainer run) is never overwritten.
pub fn write_run(run: &ImportedRun, out: &Path) -> Result<PathBuf> {
    let dir = out
        .join(&run.info.experiment)
        .join(runlog::run_dir_name(&run.info.variant, run.info.seed));
    let run_file = dir.join(runlog::RUN_FILE);
    if let Ok(old) = std::fs::read_to_string(&run_file) {
        let imported = serde_json::from_str::<RunInfo>(&old)
            .map(|i| i.run_id.starts_with("import:"))
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
pub fn import_logs(paths: &[PathBuf], out: &Path, opts: &ImportOptions) -> Result<Vec<PathBuf>> {
    let parsed: Vec<ImportedRun> = paths
        .iter()
        .map(|p| parse_log(p, opts))
        .collect::<Result<_>>()?;
    let mut seen: BTreeMap<(String, String, u64), &Path> = BTreeMap::new();
    for (run, path) in parsed.iter().zip(paths) {
        let key = (
            run.info.experiment.clone(),
            run.info.variant.clone(),
            run.info.seed,
        );
        if let Some(first) = seen.insert(key, path) {
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
    parsed.iter().map(|r| write_run(r, out)).collect()
}

/// `step:S/T rest` -> (S, T, rest); `None` for any other line.
fn split_step(line: &str) -> Option<(u64, u64, &str)> {
    let rest = line.strip_prefix("step:")?;
    let (s, rest) = rest.split_once('/')?;
    let (t, rest) = rest.split_once(' ')?;
    Some((s.parse().ok()?, t.parse().ok()?, rest.trim()))
}

/// The number after `key` up to `unit` in a `key:123ms` field.
fn field(text: &str, key: &str, unit: &str) -> Option<f64> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let end = rest.find(unit)?;
    parse_float(&rest[..end])
}

/// Python prints NaN as `nan` and infinities as `inf`; Rust's parser takes both.
fn parse_float(s: &str) -> Option<f64> {
    s.trim().parse().ok()
}

fn parse_list(s: &str) -> Option<Vec<f64>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim().is_empty() {
        return Some(Vec::new());
    }
    inner.split(',').map(parse_float).collect()
}

/// Puts one `NAME_lambdas` list into its place in the metrics line.
fn attach(m: &mut Metrics, name: &str, values: Vec<f64>) {
    match name {
        "unet" => m.skip_weights = Some(values),
        "v" | "ve" => {
            let pairs = m.ve_lambdas.get_or_insert_with(Vec::new);
            pairs.resize(pairs.len().max(values.len()), [f64::NAN; 2]);
            let slot = usize::from(name == "ve");
            for (p, v) in pairs.iter_mut().zip(values) {
                p[slot] = v;
            }
        }
        "x" => {
            m.lambdas
                .get_or_insert_with(BTreeMap::new)
                .insert("x".into(), values);
        }
        _ if variant_number(name).is_some() => {
            m.lambdas
                .get_or_insert_with(BTreeMap::new)
                .insert(name.into(), values);
        }
        // Other learned scalars a future script may print have no place in the contract yet.
        _ => {}
    }
}

/// The variant and seed of a log, from the options, the lambda keys or the file name.
fn identity(path: &Path, opts: &ImportOptions, highest: Option<u32>) -> Result<(String, u64)> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // File names like `x01-s2.txt`.
    let from_name = stem.split_once("-s").and_then(|(v, s)| {
        let seed = s.parse::<u64>().ok();
        variant_number(v).map(|_| (v.to_owned(), seed))
    });
    let variant = opts
        .variant
        .clone()
        .or_else(|| highest.map(|n| runlog::lambda_key(n as usize)))
        .or_else(|| from_name.as_ref().map(|(v, _)| v.clone()));
    let Some(variant) = variant else {
        return Err(Error::Import {
            path: path.to_owned(),
            line: None,
            message: "cannot tell the variant: the log has no x0N_lambdas lines and the file \
                      name is not like x01-s2.txt; pass --variant x00 (the baseline) or x0N"
                .into(),
        });
    };
    if variant_number(&variant).is_none() {
        return Err(Error::Import {
            path: path.to_owned(),
            line: None,
            message: format!("variant '{variant}' is not of the form x00, x01, ..."),
        });
    }
    let seed = opts
        .seed
        .or_else(|| from_name.and_then(|(_, s)| s))
        .ok_or_else(|| Error::Import {
            path: path.to_owned(),
            line: None,
            message: "cannot tell the seed: the file name is not like x01-s2.txt; pass --seed N"
                .into(),
        })?;
    Ok((variant, seed))
}
