//! The tolerant reader: a run as its folder holds it, keeping every whole line of a metrics file
//! whose last line was torn by a crash. What it skipped is named by file and line: a torn last
//! line or a missing summary as a warning (a run that crashed or is still going), a whole line
//! that does not parse or a summary that does not read as damage (data was lost; the run checks
//! in the run checks (`check`) refuse such a run).

use crate::error::Error;
use crate::file::read_regular;
use crate::info::read_info;
use crate::lens::{read_lens, Lens, LENS_FILE};
use crate::problem::{Problem, Warning};
use crate::recorded::RecordedConfig;
use crate::types::{Metrics, RunInfo, Summary, METRICS_FILE, RUN_FILE, SUMMARY_FILE};
use std::path::{Path, PathBuf};

/// One run as read from its folder.
#[derive(Debug, Clone)]
pub struct Run {
    pub dir: PathBuf,
    pub info: RunInfo,
    /// The typed view of `info.config` (default where a field has the wrong type; that is
    /// listed in `damage`).
    pub recorded: RecordedConfig,
    /// Evaluations in file order (steps increasing for a well-formed run).
    pub metrics: Vec<Metrics>,
    /// The 1-based line of each evaluation in metrics.jsonl, for messages.
    pub lines: Vec<usize>,
    /// `None` while the run is still going, or when it crashed.
    pub summary: Option<Summary>,
    /// The logit lens (`lens.json`), when the run has one.
    pub lens: Option<Lens>,
    /// A torn last line, a missing metrics file or summary.
    pub warnings: Vec<Warning>,
    /// Whole lines that do not parse, an unreadable summary, config fields of the wrong type.
    pub damage: Vec<Problem>,
}

impl Run {
    /// A run made in memory (tests, benchmarks): lines numbered in order, nothing skipped.
    pub fn new(dir: &Path, info: RunInfo, metrics: Vec<Metrics>, summary: Option<Summary>) -> Run {
        Run {
            dir: dir.to_owned(),
            recorded: RecordedConfig::of(&info).unwrap_or_default(),
            info,
            lines: (1..=metrics.len()).collect(),
            metrics,
            summary,
            lens: None,
            warnings: Vec::new(),
            damage: Vec::new(),
        }
    }

    /// The last evaluation with a finite validation loss.
    pub fn last_finite(&self) -> Option<&Metrics> {
        self.metrics.iter().rev().find(|m| m.val_loss.is_some())
    }

    /// `path, line N` of the evaluation at index `i` of `metrics`, for messages.
    pub fn metrics_line(&self, i: usize) -> (PathBuf, Option<usize>) {
        (self.dir.join(METRICS_FILE), self.lines.get(i).copied())
    }
}

/// Reads the run in `dir`. `run.json` must exist and read (the error is its first problem;
/// the run checks, `check::check_dir`, list them all); a torn or bad metrics line and a missing or
/// unreadable summary do not stop the reader.
pub fn read_run(dir: &Path) -> Result<Run, Error> {
    let run_path = dir.join(RUN_FILE);
    let info = read_info(&run_path).map_err(|mut p| {
        let first = p.remove(0);
        Error::Parse {
            path: first.path,
            line: first.line,
            message: first.message,
        }
    })?;
    read_rest(dir, info)
}

/// Everything of a run but its run.json, which the caller has read.
pub(crate) fn read_rest(dir: &Path, info: RunInfo) -> Result<Run, Error> {
    let run_path = dir.join(RUN_FILE);
    let mut warnings = Vec::new();
    let mut damage = Vec::new();
    let recorded = RecordedConfig::of(&info).unwrap_or_else(|errors| {
        for e in errors {
            damage.push(Problem::new(&run_path, None, e));
        }
        RecordedConfig::default()
    });
    let metrics_path = dir.join(METRICS_FILE);
    let (metrics, lines) = match read_regular(&metrics_path) {
        Ok(bytes) => {
            let parsed = parse_metrics(&metrics_path, &bytes);
            warnings.extend(parsed.torn);
            damage.extend(parsed.bad);
            (parsed.metrics, parsed.lines)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push(Warning::new(
                &metrics_path,
                None,
                "missing: the run has no evaluation yet",
            ));
            (Vec::new(), Vec::new())
        }
        Err(e) => return Err(Error::io(&metrics_path, e)),
    };
    let summary_path = dir.join(SUMMARY_FILE);
    let summary = match read_regular(&summary_path) {
        Ok(bytes) => match serde_json::from_slice::<Summary>(&bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                damage.push(Problem::new(
                    &summary_path,
                    Some(e.line()),
                    format!("unreadable: {e}"),
                ));
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push(Warning::new(
                &summary_path,
                None,
                "missing: the run is still going or crashed",
            ));
            None
        }
        Err(e) => return Err(Error::io(&summary_path, e)),
    };
    // No lens.json is no problem (runs trained before the lens, imported runs); one that does
    // not read is damage, like a summary that does not.
    let lens_path = dir.join(LENS_FILE);
    let lens = match lens_path.exists() {
        false => None,
        true => read_lens(&lens_path).map_err(|p| damage.push(p)).ok(),
    };
    Ok(Run {
        dir: dir.to_owned(),
        info,
        recorded,
        metrics,
        lines,
        summary,
        lens,
        warnings,
        damage,
    })
}

/// Reads a `metrics.jsonl`, keeping every whole line that parses and a warning for each other.
pub fn read_metrics(path: &Path) -> Result<(Vec<Metrics>, Vec<Warning>), Error> {
    let bytes = read_regular(path).map_err(|e| Error::io(path, e))?;
    let parsed = parse_metrics(path, &bytes);
    let mut warnings = parsed.bad;
    warnings.extend(parsed.torn);
    warnings.sort_by_key(|w| w.line);
    Ok((parsed.metrics, warnings))
}

/// A metrics file split into what parsed and what did not.
pub(crate) struct ParsedMetrics {
    pub metrics: Vec<Metrics>,
    pub lines: Vec<usize>,
    /// A last line without its newline that does not parse: cut by a crash mid-write.
    pub torn: Vec<Warning>,
    /// Whole lines that do not parse.
    pub bad: Vec<Problem>,
}

pub(crate) fn parse_metrics(path: &Path, bytes: &[u8]) -> ParsedMetrics {
    let mut out = ParsedMetrics {
        metrics: Vec::new(),
        lines: Vec::new(),
        torn: Vec::new(),
        bad: Vec::new(),
    };
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let torn = !line.ends_with(b"\n");
        // A last line that parses whole lacks only its newline: keep it.
        let parsed = std::str::from_utf8(line)
            .map_err(|e| format!("not UTF-8 text: {e}"))
            .and_then(|t| parse_metrics_line(t.trim_end()));
        match parsed {
            Ok(Some(m)) => {
                out.metrics.push(m);
                out.lines.push(i + 1);
            }
            Ok(None) => {}
            Err(e) if torn => out.torn.push(Warning::new(
                path,
                Some(i + 1),
                format!("torn last line skipped (the run was cut mid-write): {e}"),
            )),
            Err(e) => out
                .bad
                .push(Problem::new(path, Some(i + 1), format!("bad line: {e}"))),
        }
    }
    out
}

/// `Ok(None)` for a blank line; the error text has no path (the caller adds it).
pub(crate) fn parse_metrics_line(text: &str) -> Result<Option<Metrics>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str::<Metrics>(text)
        .map(Some)
        .map_err(|e| e.to_string())
}
