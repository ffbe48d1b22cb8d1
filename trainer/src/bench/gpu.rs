//! `trainer bench --device cuda|wgpu`: the tiny and reference rows on a GPU backend, named
//! `tiny-wgpu`, `reference-wgpu`. A GPU runs the plain ops (there are no fused GPU kernels) in
//! one pass over the rows, and Newton–Schulz in burn ops on the device, as `trainer run` does
//! there. The CPU time column counts every thread of the process: on lavapipe, the Vulkan
//! device's own.

use super::{bench_config, bench_setup, header, print_row, BenchArgs, Only};
use crate::config::{Config, Preset};
use crate::data::Dataset;
use crate::device::{self, DeviceKind, TrainBackend, WithBackend};
use crate::error::Result;

/// One row, on the backend [`device::with_backend`] picks.
struct Row<'a> {
    name: String,
    cfg: &'a Config,
    data: &'a Dataset,
    args: &'a BenchArgs,
}

impl WithBackend for Row<'_> {
    type Output = super::BenchResult;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let (cfg, data) = (self.cfg, self.data);
        bench_config::<B>(&self.name, cfg, &data.train, data.eot, self.args, &device)
    }
}

/// The rows of `kind`'s first device (adapter 0 for wgpu).
pub fn run(args: &BenchArgs, kind: DeviceKind) -> Result<()> {
    device::check(kind, 1)?;
    println!(
        "trainer bench: {}, plain ops, {} timed steps after {} warm-up",
        device::describe(kind, 1),
        args.steps,
        args.warmup
    );
    header();
    for preset in [Preset::Tiny, Preset::Reference] {
        if args.only.is_some_and(|o| o.preset() != preset) || args.only == Some(Only::Reference2dev)
        {
            continue;
        }
        let (cfg, data) = bench_setup(preset)?;
        let row = Row {
            name: format!("{}-{}", preset.name(), kind.name()),
            cfg: &cfg,
            data: &data,
            args,
        };
        print_row(&device::with_backend(kind, row)?);
    }
    Ok(())
}
