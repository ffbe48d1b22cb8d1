//! A run's lifecycle, around the training loop: [`launch`] (the one way a run starts: lock,
//! [`plan`], train, outcome) with its [`operations`] options and hooks, one training loop per
//! device ([`devices`]), the run-folder [`lock`], a machine other than node 0 ([`follow`]),
//! [`checkpoint`]s to resume from, the logit lens of a saved run ([`lens`]), [`sweep`] (a
//! [`grid`] of runs here) and [`slurm`] (the same grid as a cluster's job array).

pub mod checkpoint;
pub mod devices;
pub mod experiment;
pub mod follow;
pub mod grid;
pub mod launch;
pub mod lens;
pub mod lock;
pub mod operations;
pub mod plan;
pub mod slurm;
pub mod sweep;
