//! What the logit lens costs on the CPU (`trainer bench`'s last lines): the lens of a tiny x04
//! model over the preset's validation tokens, as at the end of a run, and loading the data that
//! `trainer lens --run` adds to it.

use super::bench_setup;
use crate::config::Preset;
use crate::device::in_pool;
use crate::error::Result;
use crate::kernels::Ops;
use crate::lens::{compute, LensInput, LensOptions};
use crate::model::Gpt;
use std::time::Instant;

/// Times the lens of a fresh tiny x04 model (its cost does not depend on the weights): the
/// best of `rounds`, and the data loading once.
pub fn print_lens(rounds: usize) -> Result<()> {
    let t0 = Instant::now();
    let (cfg, data) = bench_setup(Preset::Tiny)?;
    let load_s = t0.elapsed().as_secs_f64();
    let device = Default::default();
    let model = Gpt::<burn::backend::Flex>::new(&cfg.model, 0, &device);
    let input = LensInput {
        config: &cfg,
        data: &data,
        step: 0,
        eval_rows: cfg.data.batch_size,
        ops: Ops::Fused,
    };
    let mut best = f64::INFINITY;
    let mut components = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let lens = in_pool(|| compute(&model, &input, &LensOptions::default(), &device))?;
        best = best.min(t.elapsed().as_secs_f64());
        components = lens.components.len();
    }
    let tokens = cfg.data.val_tokens / (cfg.data.batch_size * cfg.data.seq_len)
        * (cfg.data.batch_size * cfg.data.seq_len);
    println!(
        "lens (tiny x04, {components} components over {tokens} validation tokens): {best:.2} s \
         at the end of a run; `trainer lens --run` adds the data loading ({load_s:.2} s) and the \
         checkpoint"
    );
    Ok(())
}
