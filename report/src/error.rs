//! The report's one error type, ripgrep-style: each variant says what the error is about (a
//! run, an import, a figure, site.toml, a front matter, a template, a draft, the build's
//! output, publishing, serving) and carries the path and line where they are known. A step that
//! does not know its file returns its own variant; the caller that does adds it with
//! [`Error::at`] / [`Context::at`] (`path: message`, or `path:line: message`). The message
//! alone tells a user where to look.

use std::path::{Path, PathBuf};

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
    /// site.toml (or a setting it holds, such as the publishing remote) that cannot be used.
    #[error("{message}")]
    SiteConfig { message: String },
    /// A draft's front matter that cannot be read: its line in the draft, and what is wrong.
    #[error("{message}")]
    FrontMatter { line: usize, message: String },
    /// The templates (the built-in ones, or those of the folder `dir`) that fail to load.
    #[error("templates{}: {message}", dir.as_ref().map(|d| format!(" in {}", d.display())).unwrap_or_default())]
    Templates {
        dir: Option<PathBuf>,
        message: String,
    },
    /// A template that fails to render.
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    /// Values that cannot be handed to the template `name`.
    #[error("{name}: {message}")]
    TemplateView { name: String, message: String },
    /// A draft, or a file it names, that the build refuses (outside the drafts folder, a page
    /// name taken by the site, ...).
    #[error("{message}")]
    Draft { message: String },
    /// Where the build writes: an output inside the drafts folder, a folder it cannot clear,
    /// its record of written files.
    #[error("{message}")]
    Output { message: String },
    /// Drafts with problems that keep them from a page (listed above the error).
    #[error("{count} problem(s) stop the build (listed above)")]
    BuildFailed { count: usize },
    /// `report check` found problems (listed above the error).
    #[error("check: {count} problem(s)")]
    CheckFailed { count: usize },
    /// What publishing was asked to do that it refuses (a remote, a branch, a site not built).
    #[error("{message}")]
    Publish { message: String },
    /// A git command that failed: its arguments and what git said.
    #[error("git {args}: {message}")]
    Git { args: String, message: String },
    /// The preview server: its address, its folder, the watcher, the signal handler.
    #[error("{message}")]
    Serve { message: String },
    /// `make bench`'s report side: a measurement that cannot be made.
    #[error("{message}")]
    Bench { message: String },
    /// Any of the above with the file (and line) it is about, added by the caller that knows it.
    #[error("{}{}: {source}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    At {
        path: PathBuf,
        line: Option<usize>,
        source: Box<Error>,
    },
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
    Lens(#[from] LensError),
    /// A claim the runs contradict, with the numbers that say so.
    #[error("claim \"{claim}\" is false: {numbers}")]
    FalseClaim { claim: String, numbers: String },
    /// A claim whose check is itself wrong (not the runs).
    #[error("claim \"{claim}\": {what}")]
    BadClaim { claim: String, what: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn figure(name: &str, message: impl std::fmt::Display) -> Self {
        Error::Figure {
            name: name.to_owned(),
            message: message.to_string(),
        }
    }

    /// An error of the preview server itself (not of a build).
    pub(crate) fn serving(message: String) -> Self {
        Error::Serve { message }
    }

    /// This error, about the file `path` (`path: message`).
    pub fn at(self, path: impl AsRef<Path>) -> Self {
        self.at_line(path, None)
    }

    /// This error, about line `line` of `path` (`path:line: message`; `None`: the whole file).
    pub fn at_line(self, path: impl AsRef<Path>, line: Option<usize>) -> Self {
        Error::At {
            path: path.as_ref().to_owned(),
            line,
            source: Box::new(self),
        }
    }

    /// The line this error is about, where known (the innermost one given).
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Import { line, .. } => *line,
            Error::FrontMatter { line, .. } => Some(*line),
            Error::At { line, source, .. } => source.line().or(*line),
            _ => None,
        }
    }

    /// The message without the location [`Error::at`] added (what a problem list shows beside
    /// its own `file:line`).
    pub fn without_location(&self) -> String {
        match self {
            Error::At { source, .. } => source.without_location(),
            e => e.to_string(),
        }
    }
}

/// Adds the file (and line) an error is about, where the caller knows it.
pub trait Context<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T>;
    fn at_line(self, path: impl AsRef<Path>, line: Option<usize>) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn at(self, path: impl AsRef<Path>) -> Result<T> {
        self.map_err(|e| e.into().at(path))
    }

    fn at_line(self, path: impl AsRef<Path>, line: Option<usize>) -> Result<T> {
        self.map_err(|e| e.into().at_line(path, line))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a lens number cannot be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LensError {
    /// `known`: the rates there are (`stats::lens::LENS_NUMBERS`).
    #[error("unknown lens rate `{}`; known: {}", .rate.escape_debug(), .known.join(", "))]
    UnknownRate {
        rate: String,
        known: &'static [&'static str],
    },
    /// `who` names the run or import the lens belongs to; `known`, the components it decodes.
    #[error("the lens of {who} has no component `{}`; it decodes: {}", .component.escape_debug(), .known.join(", "))]
    NoComponent {
        who: String,
        component: String,
        known: Vec<String>,
    },
    /// The lens does not measure the rate (an imported lens has no bigram table); `why`, its
    /// note saying so, in parentheses, or empty.
    #[error("the lens of {who} does not measure {rate}{why}")]
    NotMeasured {
        who: String,
        rate: String,
        why: String,
    },
    #[error("no lens")]
    NoLens,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The location a caller adds reads `path: message` or `path:line: message`; the message
    /// alone (for a problem list that prints its own `file:line`) and the line are kept.
    #[test]
    fn a_location_added_by_the_caller_names_file_and_line() {
        let refused = || Error::Publish {
            message: "remote `-x` is refused".into(),
        };
        let at = refused().at("site.toml");
        assert_eq!(at.to_string(), "site.toml: remote `-x` is refused");
        assert_eq!(at.line(), None);
        let on_line = refused().at_line("posts/a.md", Some(7));
        assert_eq!(on_line.to_string(), "posts/a.md:7: remote `-x` is refused");
        assert_eq!(on_line.line(), Some(7));
        assert_eq!(on_line.without_location(), "remote `-x` is refused");
        let via_result: Result<()> = Err(refused()).at("site.toml");
        assert_eq!(
            via_result.unwrap_err().to_string(),
            "site.toml: remote `-x` is refused"
        );
        let io = Error::io(
            "site.toml",
            std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(io.to_string(), "site.toml: gone");
    }
}
