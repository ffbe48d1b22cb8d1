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
    // ---- h-post's variants (issue 21): a draft's directives and claims, lenses, imports. The
    // pipeline puts the draft's path and line before a directive's or claim's message. ----
    /// A directive's call that is wrong in itself: it names no function, gives an argument the
    /// function does not take, of the wrong type or outside what it accepts, or lacks one.
    #[error("{0}")]
    Call(String),
    /// A directive's call without an argument it needs: `call` is `name(...)` where the message
    /// names the function, `example` the argument as it is given.
    #[error("{}needs `{arg}`, e.g. {example}", .call.as_ref().map(|c| format!("{c} ")).unwrap_or_default())]
    MissingArgument {
        call: Option<String>,
        arg: String,
        example: String,
    },
    /// A variant the experiment does not have; `known`, those it has.
    #[error("unknown variant `{name}`; known variants: {known}")]
    UnknownVariant { name: String, known: String },
    /// A directive whose text cannot be read as a call.
    #[error("directive `{{{{{body}}}}}`: {reason}; known functions: {known}")]
    Unreadable {
        body: String,
        reason: String,
        known: String,
    },
    /// What an experiment's runs cannot give a directive or claim: an unknown variant or
    /// metric, no finished run, no lambdas or norms, curves that share no range, ...
    #[error("{0}")]
    NotInRuns(String),
    /// A lens that lacks what is asked of it.
    #[error(transparent)]
    Lens(#[from] crate::stats::lens::LensError),
    /// A claim the runs contradict, with the numbers that say so.
    #[error("claim \"{claim}\" is false: {numbers}")]
    FalseClaim { claim: String, numbers: String },
    /// A claim whose check is itself wrong (not the runs).
    #[error("claim \"{claim}\": {what}")]
    BadClaim { claim: String, what: String },
    /// The setup.md template that does not render for an experiment's facts (the message
    /// names it: `setup.md: ...`); where the templates' own errors are typed, theirs replaces it.
    #[error("{0}")]
    SetupTemplate(String),
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
