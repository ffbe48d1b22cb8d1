use crate::error::Error;
use crate::types::{Metrics, RunInfo, Summary, METRICS_FILE, RUN_FILE, SUMMARY_FILE};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Something the reader skipped or could not find; the run is still usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One run as read from its folder.
#[derive(Debug, Clone)]
pub struct Run {
    pub dir: PathBuf,
    pub info: RunInfo,
    /// Evaluations in file order (steps increasing for a well-formed run).
    pub metrics: Vec<Metrics>,
    /// `None` while the run is still going, or when it crashed.
    pub summary: Option<Summary>,
    pub warnings: Vec<Warning>,
}

impl Run {
    /// The last evaluation with a finite validation loss.
    pub fn last_finite(&self) -> Option<&Metrics> {
        self.metrics.iter().rev().find(|m| m.val_loss.is_some())
    }
}

/// Reads the run in `dir`. `run.json` must exist and parse; a torn or bad metrics line and a
/// missing summary are warnings, not errors.
pub fn read_run(dir: &Path) -> Result<Run, Error> {
    let run_path = dir.join(RUN_FILE);
    let text = fs::read_to_string(&run_path).map_err(|e| Error::io(&run_path, e))?;
    let info: RunInfo = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: run_path.clone(),
        line: Some(e.line()),
        message: e.to_string(),
    })?;
    if info.schema_version != crate::SCHEMA_VERSION {
        return Err(Error::Parse {
            path: run_path,
            line: None,
            message: format!(
                "schema_version {} is not supported (this reader knows version {})",
                info.schema_version,
                crate::SCHEMA_VERSION
            ),
        });
    }
    let mut warnings = Vec::new();
    let metrics_path = dir.join(METRICS_FILE);
    let metrics = if metrics_path.exists() {
        let (m, w) = read_metrics(&metrics_path)?;
        warnings.extend(w);
        m
    } else {
        warnings.push(Warning {
            path: metrics_path,
            line: None,
            message: "missing: the run has no evaluation yet".into(),
        });
        Vec::new()
    };
    let summary_path = dir.join(SUMMARY_FILE);
    let summary = match fs::read_to_string(&summary_path) {
        Ok(t) => match serde_json::from_str::<Summary>(&t) {
            Ok(s) => Some(s),
            Err(e) => {
                warnings.push(Warning {
                    path: summary_path,
                    line: Some(e.line()),
                    message: format!("unreadable, ignored: {e}"),
                });
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push(Warning {
                path: summary_path,
                line: None,
                message: "missing: the run is still going or crashed".into(),
            });
            None
        }
        Err(e) => return Err(Error::io(&summary_path, e)),
    };
    Ok(Run {
        dir: dir.to_owned(),
        info,
        metrics,
        summary,
        warnings,
    })
}

/// Reads a `metrics.jsonl`, keeping every whole line that parses and a warning for each other.
pub fn read_metrics(path: &Path) -> Result<(Vec<Metrics>, Vec<Warning>), Error> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut metrics = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let torn = !line.ends_with('\n');
        // A last line that parses whole lacks only its newline: keep it.
        match parse_metrics_line(line.trim_end()) {
            Ok(Some(m)) => metrics.push(m),
            Ok(None) => {}
            Err(e) => warnings.push(Warning {
                path: path.to_owned(),
                line: Some(i + 1),
                message: if torn {
                    format!("torn last line skipped (the run was cut mid-write): {e}")
                } else {
                    format!("bad line skipped: {e}")
                },
            }),
        }
    }
    Ok((metrics, warnings))
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
