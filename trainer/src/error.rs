use std::path::PathBuf;

/// Errors a user can act on: each names the file or the input that is wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    #[error(transparent)]
    RunLog(#[from] runlog::Error),
    /// Bad input on the command line or from the environment.
    #[error("{0}")]
    Usage(String),
    /// A data-parallel peer's thread panicked (`what` names it).
    #[error("{what} panicked")]
    PeerPanicked { what: &'static str },
    /// A collective call failed: `released` when the failure was another peer's of this process.
    #[error("{who}: {what}: {why}")]
    Collective {
        who: String,
        what: String,
        why: String,
        released: bool,
    },
    /// The other peers did not answer within `--peer-timeout`.
    #[error(
        "{who}: no answer from {others} within {secs} s (--peer-timeout) while {what}: it died \
         or hangs; continue from the last checkpoint with --resume"
    )]
    PeerTimeout {
        who: String,
        others: String,
        secs: u64,
        what: String,
    },
    /// The peers' weights are no longer the same.
    #[error(
        "peer {peer}'s weights differ from peer 0's {what}: the peers drifted apart \
         (a device computes differently?); stopping"
    )]
    Drifted { peer: usize, what: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
