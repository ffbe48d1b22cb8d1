#![allow(dead_code)]
mod interrupt;
mod lock;
mod slurm;
mod sweep;

fn main() {}
