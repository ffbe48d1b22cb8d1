pub(crate) mod node;
pub(crate) mod shared;
// Patched: nameable, so that callers can tell its errors apart (0.21.0 kept it private).
pub use shared::GlobalCollectiveError;

#[cfg(feature = "orchestrator")]
pub mod orchestrator;
#[cfg(feature = "orchestrator")]
pub use orchestrator::*;

mod base;
pub use base::*;
