//! The multi-device code the training step stands on: a step's rows shared out among peers
//! ([`accum`]) in pools of their own ([`peers`]), the peers' all-reduce and agreement
//! ([`collective`]), and the orchestrator of runs over several machines ([`nodes`]). Below
//! `train`: the driver that starts one training loop per device sits above it, in
//! `run::devices`.

pub mod accum;
pub mod collective;
pub mod nodes;
pub mod peers;
