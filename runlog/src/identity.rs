//! Run identity: experiment, variant, seed or repeat. Two run folders with the same identity are
//! the same run (a copy, a backup, a symlink), and run.json is what says who a run is (a folder
//! whose name disagrees is a problem: `check::folder_problems`).

use crate::variant::Variant;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunIdentity {
    pub experiment: String,
    pub variant: Variant,
    pub replica: Replica,
}

impl RunIdentity {
    /// The run's folder name inside its experiment: `x02-s0`, `x02-r0`.
    pub fn dir_name(&self) -> String {
        self.replica.dir_name(self.variant)
    }
}

impl fmt::Display for RunIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.experiment, self.dir_name())
    }
}

/// How a run is told from the other runs of its variant: the seed it set, or, for runs that
/// set none (imported logs repeated without a seed), which repeat it is. Folders `x01-s3` and
/// `x01-r3`: never the same run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Replica {
    Seed(u64),
    Repeat(u64),
}

impl Replica {
    /// The run's folder name: `x02-s0` or `x02-r0`.
    pub fn dir_name(self, variant: impl std::fmt::Display) -> String {
        match self {
            Replica::Seed(s) => run_dir_name(variant, s),
            Replica::Repeat(r) => format!("{variant}-r{r}"),
        }
    }

    /// The number, whichever it is.
    pub fn number(self) -> u64 {
        match self {
            Replica::Seed(n) | Replica::Repeat(n) => n,
        }
    }
}

impl std::fmt::Display for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Replica::Seed(s) => write!(f, "seed {s}"),
            Replica::Repeat(r) => write!(f, "repeat {r}"),
        }
    }
}

/// The folder name of a run inside its experiment: `x02-s0`.
pub fn run_dir_name(variant: impl std::fmt::Display, seed: u64) -> String {
    format!("{variant}-s{seed}")
}
