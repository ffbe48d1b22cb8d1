//! What is wrong in a foreign log, a printout or an import's options, said where it is found,
//! before the caller knows the file and line: [`Fault::at`] adds them, giving the report's
//! [`Error::Import`].

use crate::Error;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct Fault(pub String);

impl Fault {
    /// The error about `path` (at `line` where known) that this fault makes.
    pub fn at(self, path: &Path, line: Option<usize>) -> Error {
        Error::Import {
            path: path.to_owned(),
            line,
            message: self.0,
        }
    }
}

impl From<String> for Fault {
    fn from(message: String) -> Self {
        Fault(message)
    }
}

impl From<&str> for Fault {
    fn from(message: &str) -> Self {
        Fault(message.to_owned())
    }
}
