//! `trainer bench`: ms per step (split into forward, backward and optimiser), CPU time, tokens
//! per second and model FLOP/s, for the tiny preset and the reference configuration (16 layers,
//! dim 128, 2 heads of 64, vocabulary 8192, N = 4, batch 4 x 256), the latter also on one
//! thread (`reference-1t`) and on two data-parallel peers of one thread each (`reference-2dev`,
//! [`devices`]). Batches come from the default corpus; a step is timed as training
//! runs it (peers, kernels, pools). With `TORCH_PYTHON` set, the PyTorch anchor runs too,
//! alternately with the trainer ([`torch`]). Last, what the logit lens of a tiny run costs
//! ([`lens`]).
//!
//! Where a reference step's CPU time goes (perf, fused kernels, two threads, 2026-11-30): the
//! linear layers' products 36%, Newton–Schulz 22%, the head (logits and softcapped loss, forward
//! and backward) 14%, the attention kernel 13%, the optimiser's host copies and gradient sums 8%,
//! the norm, mix and ReLU² kernels 5%, Adam 1%, burn's own ops and autodiff bookkeeping 1%; gemm's
//! kernel alone is about 55% of it. Two threads spend about 9% more CPU time on a step than one
//! (each peer packs the weights and yields a full gradient to sum).

pub mod devices;
pub mod gpu;
mod lens;
pub mod torch;

use crate::config::{Config, Preset};
use crate::data::loader::Loader;
use crate::device::{in_pool, init_threads, FlexAutodiff, TrainBackend};
use crate::error::{Error, Result};
use crate::kernels::Ops;
use crate::model::{LAYERS, NO_ATTENTION};
use crate::train::step::Step;
use crate::train::{Lane, TrainState};
use std::time::Instant;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Timed steps per configuration (after the warm-up steps).
    #[arg(long, default_value_t = 6)]
    pub steps: usize,
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    #[arg(long)]
    pub threads: Option<usize>,
    /// Only this configuration (tiny, reference, or the reference on two peers alone).
    #[arg(long, value_enum)]
    pub only: Option<Only>,
    /// Time the plain burn ops instead of the fused kernels (rows named `...-plain`).
    #[arg(long)]
    pub plain_ops: bool,
    /// Rounds of the alternating trainer / PyTorch comparison (with `TORCH_PYTHON`).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// The backend timed: a GPU one (cuda, wgpu) times the plain ops on its device 0.
    #[arg(long, value_enum, default_value = "flex")]
    pub device: crate::DeviceKind,
}

/// The rows `--only` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    Tiny,
    /// The reference rows: `reference`, `reference-1t`, `reference-2dev`.
    Reference,
    /// `reference-2dev` alone.
    #[value(name = "reference-2dev")]
    Reference2dev,
}

impl Only {
    fn preset(self) -> Preset {
        match self {
            Only::Tiny => Preset::Tiny,
            _ => Preset::Reference,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BenchResult {
    pub name: String,
    pub ms_forward: f64,
    pub ms_backward: f64,
    pub ms_optim: f64,
    pub ms_step: f64,
    /// CPU time per step over all threads: steadier than wall time on a shared machine.
    pub cpu_ms_step: f64,
    pub tokens_per_s: f64,
    pub flops_per_s: f64,
}

/// Model FLOPs of one training token (forward + backward = 3x forward): 2 per weight of every
/// matmul (hidden matrices and head), plus attention's QK^T and AV over the whole sequence.
pub fn train_flops_per_token(c: &Config) -> f64 {
    let (d, t) = (c.model.dim as f64, c.data.seq_len as f64);
    let hdim = (c.model.heads * c.model.head_dim) as f64;
    let attn_layers = (LAYERS - usize::from(NO_ATTENTION < LAYERS)) as f64;
    let matmul_weights = attn_layers * 4.0 * d * hdim
        + LAYERS as f64 * 8.0 * d * d
        + d * c.model.padded_vocab() as f64;
    let attention = attn_layers * 4.0 * t * hdim;
    3.0 * (2.0 * matmul_weights + attention)
}

/// Times `args.steps` training steps of `cfg` after `args.warmup` untimed ones.
pub fn bench_config<B: TrainBackend>(
    name: &str,
    cfg: &Config,
    train: &[u16],
    eot: u16,
    args: &BenchArgs,
    device: &B::Device,
) -> BenchResult {
    // A backend without the fused kernels (a GPU) runs the plain ops throughout, as in a run.
    let ops = if args.plain_ops || !B::FUSED {
        Ops::Plain
    } else {
        Ops::Fused
    };
    // As a run on this pool would share out its rows (parallel::peers::shares).
    let threads = rayon::current_num_threads();
    let rows = cfg.data.batch_size;
    let shares =
        crate::parallel::peers::shares(crate::DeviceKind::Flex, ops == Ops::Plain, threads, rows);
    let peers = crate::parallel::peers::Peers::new(shares, threads).expect("a thread pool");
    let mut state = TrainState::<B>::fresh(cfg, device);
    let lane = Lane {
        peers: &peers,
        member: None,
    };
    let step = Step::new(cfg, &state.model, lane, None, ops);
    let mut loader = Loader::new(cfg.data.batch_size, cfg.data.seq_len);
    let (mut f, mut b, mut o) = (0.0, 0.0, 0.0);
    let mut cpu0 = 0.0;
    for i in 0..args.warmup + args.steps {
        if i == args.warmup {
            cpu0 = cpu_ms();
        }
        let host = loader.next_batch(train, eot);
        let t0 = Instant::now();
        let passes = step.forward(&state.model, &host, device);
        let t1 = Instant::now();
        let (_, grads) = step.backward(passes);
        let t2 = Instant::now();
        state.model = step
            .update(state.model, &grads, &mut state.optim, i)
            .expect("no peers, nothing to wait for");
        let t3 = Instant::now();
        if i >= args.warmup {
            f += (t1 - t0).as_secs_f64() * 1e3;
            b += (t2 - t1).as_secs_f64() * 1e3;
            o += (t3 - t2).as_secs_f64() * 1e3;
        }
    }
    let n = args.steps.max(1) as f64;
    let cpu_ms_step = (cpu_ms() - cpu0) / n;
    let ms_step = (f + b + o) / n;
    let tokens = cfg.tokens_per_step() as f64;
    BenchResult {
        name: name.into(),
        ms_forward: f / n,
        ms_backward: b / n,
        ms_optim: o / n,
        ms_step,
        cpu_ms_step,
        tokens_per_s: tokens / (ms_step / 1e3),
        flops_per_s: train_flops_per_token(cfg) * tokens / (ms_step / 1e3),
    }
}

/// CPU time of this process so far (user + system, all threads), from /proc/self/stat.
pub fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok());
    // Clock ticks are 100 per second on Linux.
    tick(11)
        .zip(tick(12))
        .map_or(f64::NAN, |(u, s)| (u + s) * 10.0)
}

/// The x04 config `trainer bench` times for `preset`, and its training tokens.
pub fn bench_setup(preset: Preset) -> Result<(Config, crate::data::Dataset)> {
    let (mut cfg, data) = crate::prepare(&crate::RunArgs {
        preset,
        ..crate::RunArgs::quick("unused", "x04", 0, 1)
    })?;
    cfg.schedule.steps = 1000;
    if preset == Preset::Reference {
        // The reference's vocabulary is 8192 rows whatever the corpus holds.
        cfg.model.vocab = 8192;
    }
    Ok((cfg, data))
}

fn header() {
    println!(
        "{:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "config", "ms/step", "fwd", "bwd", "optim", "cpu-ms", "tok/s", "GFLOP/s"
    );
}

/// One row of the table.
pub fn print_row(r: &BenchResult) {
    let split = |x: f64| {
        if x.is_nan() {
            "-".to_string()
        } else {
            format!("{x:.1}")
        }
    };
    println!(
        "{:<14} {:>9.1} {:>9} {:>9} {:>9} {:>9.1} {:>9.0} {:>10.2}",
        r.name,
        r.ms_step,
        split(r.ms_forward),
        split(r.ms_backward),
        split(r.ms_optim),
        r.cpu_ms_step,
        r.tokens_per_s,
        r.flops_per_s / 1e9
    );
}

/// The reference's rows after the first: on one thread (`one`, timed by the caller) and on two
/// devices of one thread each, each against the first (`r`, on `threads` threads).
fn reference_rows(
    r: &BenchResult,
    one: &BenchResult,
    (cfg, data): (&Config, &crate::data::Dataset),
    args: &BenchArgs,
    threads: usize,
) -> Result<()> {
    let suffix = if args.plain_ops { "-plain" } else { "" };
    print_row(one);
    println!(
        "reference: {threads} threads give {:.2}x the tokens/s of one",
        r.tokens_per_s / one.tokens_per_s
    );
    let name = format!("reference-2dev{suffix}");
    let two = devices::bench_devices(&name, cfg, &data.train, data.eot, args, 2)?;
    print_row(&two);
    println!(
        "reference: 2 devices of one thread give {:.2}x the tokens/s of one device with {threads}",
        two.tokens_per_s / r.tokens_per_s
    );
    Ok(())
}

/// Runs `f` on a rayon pool of `threads` threads (the kernels and Flex use the current pool).
fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("a pool of {threads} threads: {e}")))?;
    Ok(pool.install(f))
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let threads = init_threads(args.threads);
    if args.device != crate::DeviceKind::Flex {
        return gpu::run(args, args.device);
    }
    let suffix = if args.plain_ops { "-plain" } else { "" };
    println!(
        "trainer bench: Flex CPU backend, {} ops, {threads} threads, {} timed steps after {} warm-up",
        if args.plain_ops { "plain" } else { "fused" },
        args.steps,
        args.warmup
    );
    // Read at process start by mimalloc; `make bench` sets it to -1 (never return freed memory).
    let purge = std::env::var("MIMALLOC_PURGE_DELAY").unwrap_or_else(|_| "unset (10 ms)".into());
    println!("MIMALLOC_PURGE_DELAY: {purge}");
    header();
    let mut reference = None;
    for preset in [Preset::Tiny, Preset::Reference] {
        if args.only.is_some_and(|o| o.preset() != preset) {
            continue;
        }
        let (cfg, data) = bench_setup(preset)?;
        let (train, eot) = (&data.train, data.eot);
        if args.only == Some(Only::Reference2dev) {
            let name = format!("reference-2dev{suffix}");
            print_row(&devices::bench_devices(&name, &cfg, train, eot, args, 2)?);
            return Ok(());
        }
        let bench = |name: &str| {
            bench_config::<FlexAutodiff>(
                name,
                &cfg,
                &data.train,
                data.eot,
                args,
                &Default::default(),
            )
        };
        // On the pool's threads, as training runs (device::in_pool).
        let r = in_pool(|| bench(&format!("{}{suffix}", preset.name())));
        print_row(&r);
        if preset == Preset::Reference && threads > 1 {
            let one = on_threads(1, || bench(&format!("reference-1t{suffix}")))?;
            reference_rows(&r, &one, (&cfg, &data), args, threads)?;
        }
        if preset == Preset::Reference {
            reference = Some((cfg, data));
        }
    }
    if let (Some(python), Some((cfg, data))) = (std::env::var_os("TORCH_PYTHON"), reference) {
        let trainer = || {
            in_pool(|| {
                bench_config::<FlexAutodiff>(
                    &format!("reference{suffix}"),
                    &cfg,
                    &data.train,
                    data.eot,
                    args,
                    &Default::default(),
                )
            })
        };
        torch::alternate(&python, threads, args, &cfg, trainer)?;
    }
    crate::run::checkpoint::print_bench(args.only.map(Only::preset))?;
    if args.only.is_none_or(|o| o == Only::Tiny) {
        lens::print_lens(3)?;
    }
    Ok(())
}
