//! A run's lifecycle, around the training loop: [`launch`] (the one way a run starts: lock,
//! plan, train, outcome) with its [`operations`] options and hooks, the run-folder [`lock`], a machine other than node 0 ([`follow`]),
//! [`checkpoint`]s to resume from, [`sweep`] (a grid of runs here) and [`slurm`] (the same grid
//! as a cluster's job array).

pub mod checkpoint;
pub mod follow;
pub mod launch;
pub mod lock;
pub mod operations;
pub mod slurm;
pub mod sweep;
