mod base;
mod client;
mod guard;
mod server;

pub use base::*;
pub use client::*;
pub use guard::{Limits, Remote, set_token};
pub use server::*;
