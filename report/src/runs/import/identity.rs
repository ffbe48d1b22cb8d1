//! Who an imported log is: its variant (from `--variant`, else the highest `xNN_lambdas` key,
//! else a file name like `x01-s2.txt`; `--variant` against the lambda keys is an error, the file
//! name against them a warning, the log winning), its
//! seed (`--seed` or the file name), its experiment (`--experiment` or the log's folder); and the
//! run checks of `runlog` on the result, before anything is written.

use super::ImportedRun;
use crate::{Error, Result};
use runlog::{Replica, Run, Variant, Warning, METRICS_FILE};
use std::path::Path;

/// The variant and seed (or repeat) of the log at `path`; `highest` is the highest lambda key
/// it printed, with its line.
pub(super) fn variant_and_seed(
    path: &Path,
    opts: &super::ImportOptions,
    highest: Option<(Variant, usize)>,
    warnings: &mut Vec<Warning>,
) -> Result<(Variant, Replica)> {
    let err = |line: Option<usize>, message: String| Error::Import {
        path: path.to_owned(),
        line,
        message,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // File names like `x01-s2.txt`.
    let from_name = stem.split_once("-s").and_then(|(v, s)| {
        let variant = Variant::parse(v).ok()?;
        Some((variant, s.parse::<u64>().ok()))
    });
    let given = opts
        .variant
        .as_deref()
        .map(|v| Variant::parse(v).map_err(|e| err(None, format!("--variant: {e}"))))
        .transpose()?;
    if let (Some(g), Some((h, line))) = (given, highest) {
        if g != h {
            return Err(err(
                Some(line),
                format!(
                    "--variant {g} contradicts the log: it prints lambdas up to {h}_lambdas, so it \
                     is a run of {h} (x, x00..{h}); leave --variant out, or import the right log"
                ),
            ));
        }
    }
    if let (Some((h, line)), Some((n, _)), None) = (highest, from_name, given) {
        if h != n {
            warnings.push(Warning::new(
                path,
                Some(line),
                format!(
                    "the file name says {n} but the log prints lambdas up to {h}_lambdas: \
                     imported as {h} (the log wins over its name)"
                ),
            ));
        }
    }
    let Some(variant) = given
        .or(highest.map(|(h, _)| h))
        .or(from_name.map(|(v, _)| v))
    else {
        return Err(err(
            None,
            "cannot tell the variant: the log has no x0N_lambdas lines and the file name is not \
             like x01-s2.txt; pass --variant x00 (the baseline) or x0N"
                .into(),
        ));
    };
    let replica =
        match (opts.seed, opts.repeat) {
            (Some(_), Some(_)) => return Err(err(
                None,
                "--seed and --repeat both given: a run either set a seed or is a repeat of runs \
                 that set none"
                    .into(),
            )),
            (None, Some(r)) => Replica::Repeat(r),
            (Some(s), None) => Replica::Seed(s),
            (None, None) => Replica::Seed(from_name.and_then(|(_, s)| s).ok_or_else(|| {
                err(
                None,
                "cannot tell the seed: the file name is not like x01-s2.txt; pass --seed N, or \
                 --repeat N for a run that set no seed (the N-th repeat of its configuration)"
                    .into(),
            )
            })?),
        };
    Ok((variant, replica))
}

/// The experiment: `--experiment`, else the log's folder name, else `imported`. It becomes a
/// folder name under `--out`, so it must be a plain one.
pub(super) fn experiment(path: &Path, opts: &super::ImportOptions) -> Result<String> {
    let name = opts.experiment.clone().unwrap_or_else(|| {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "imported".into())
    });
    let plain = !matches!(name.as_str(), "" | "." | "..")
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if !plain {
        return Err(Error::Import {
            path: path.to_owned(),
            line: None,
            message: format!(
                "experiment `{}` is not a plain folder name (pass --experiment NAME)",
                name.escape_debug()
            ),
        });
    }
    Ok(name)
}

/// The run checks on what would be written, every problem listed; those in the metrics name
/// the log's line (the metrics keep the log's line numbers).
pub(super) fn check(path: &Path, run: &ImportedRun) -> Result<()> {
    let mut r = Run::new(
        Path::new(&run.info.experiment),
        run.info.clone(),
        run.metrics.clone(),
        Some(run.summary.clone()),
    );
    r.lines = run.lines.clone();
    let problems = runlog::check::run_problems(&r);
    if problems.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = problems
        .iter()
        .map(|p| match p.line {
            Some(l) if p.path.file_name().is_some_and(|n| n == METRICS_FILE) => {
                format!("line {l}: {}", p.message)
            }
            _ => p.message.clone(),
        })
        .collect();
    Err(Error::Import {
        path: path.to_owned(),
        line: None,
        message: format!("would not make a valid run: {}", listed.join("; ")),
    })
}
