//! What a build did and found, and how the commands print it.

use crate::post::{Kind, Problem};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a build did and found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The pages written, `<out>/<slug>/index.html`.
    pub pages: Vec<PathBuf>,
    pub problems: Vec<Problem>,
    /// About the runs (torn lines, missing summaries) and the build, not about a draft.
    pub warnings: Vec<String>,
    pub written: usize,
    pub unchanged: usize,
    /// Every file this build wrote or found already holding its bytes.
    pub files: BTreeSet<PathBuf>,
    /// Files an earlier build wrote that this one did not, removed.
    pub removed: Vec<PathBuf>,
    /// Per draft, the experiments it uses and their runs (one line each).
    pub uses: Vec<(PathBuf, Vec<String>)>,
    /// Every claim of every draft, with its sentence and what it checked.
    pub claims: Vec<crate::post::claims::audit::Record>,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| p.kind.fatal())
    }
}

impl Outcome {
    /// Prints the warnings and problems (`file:line: kind: message`) to stderr.
    pub fn print(&self) {
        for w in &self.warnings {
            eprintln!("{w}");
        }
        for p in &self.problems {
            eprintln!("{p}");
        }
    }
}

/// A problem of the draft at `path`, on `line` (0: the whole file).
pub(super) fn problem(path: &Path, line: usize, kind: Kind, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        kind,
        message,
    }
}
