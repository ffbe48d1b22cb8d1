pub(crate) mod base;
pub(crate) mod state;
#[doc(hidden)]
pub mod wire;

pub use base::{serve_global_orchestrator, start_global_orchestrator};
