//! The report's one error type. Every variant names the file, folder or figure it concerns, so
//! the message alone tells a user where to look.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A run could not be read (the runlog error names file and line).
    #[error(transparent)]
    Runlog(#[from] runlog::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The runs folder is missing or holds no run.
    #[error("{dir}: {reason}")]
    NoRuns { dir: PathBuf, reason: String },
    /// Runs that fail their checks (each problem was printed with its file and line).
    #[error("{dir}: {count} problem(s) in the runs (listed above); nothing is computed from runs that fail their checks")]
    BadRuns { dir: PathBuf, count: usize },
    /// A foreign training log that cannot become a run.
    #[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Import {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// A figure name the registry does not know; `known` lists the names it does.
    #[error("unknown figure '{name}'; known figures:\n{known}")]
    UnknownFigure { name: String, known: String },
    /// The figure is known but cannot be drawn from these runs (window outside the data,
    /// variant without runs, runs without lambdas or norms, ...).
    #[error("{name}: {message}")]
    Figure { name: String, message: String },
    /// Statistics that cannot be computed (no finished run, ...).
    #[error("{0}")]
    Stats(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn figure(name: &str, message: impl Into<String>) -> Self {
        Error::Figure {
            name: name.to_owned(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
