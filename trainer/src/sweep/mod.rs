//! `trainer sweep`: the grid of variants x seeds, each run planned from what its folder holds
//! (grid -> plan -> train/resume/skip -> table), or written out as a Slurm job array.

pub mod diff;
pub mod grid;
pub mod plan;
pub mod table;
