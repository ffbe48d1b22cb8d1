//! What a check found: a file, the line where known, and what is wrong there. A run with a
//! problem does not enter anything published; a warning (a torn last line of a run that crashed,
//! a missing summary of one still going) leaves it usable.

use std::fmt;
use std::path::{Path, PathBuf};

/// Something wrong in a run's files, named by file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

/// Something the reader skipped or could not find; the run is still usable.
pub type Warning = Problem;

impl Problem {
    pub fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The 1-based line of the first `"key":` in a JSON text (for messages about a field).
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let after = text[at + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(text[..at].matches('\n').count() + 1);
        }
        from = at + quoted.len();
    }
    None
}
