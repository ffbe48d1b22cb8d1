//! The `reference-2dev` row: the reference configuration on two data-parallel peers of one
//! thread each (as `trainer run --devices 2 --threads 2` trains it: each peer its own pool and
//! half the rows, gradients summed by burn-collective's all-reduce, the optimiser step on both).
//! The forward and backward split is not timed apart: the row says what a step costs in all.

use super::{cpu_ms, train_flops_per_token, BenchArgs, BenchResult};
use crate::config::Config;
use crate::data::loader::Loader;
use crate::device::FlexAutodiff;
use crate::error::{Error, Result};
use crate::kernels::Ops;
use crate::parallel::collective::{Member, Topology};
use crate::parallel::peers::Peers;
use crate::train::step::Step;
use crate::train::{Lane, TrainState};
use std::time::{Duration, Instant};

type B = FlexAutodiff;

/// Times `args.steps` steps of `cfg` on `devices` peers of one thread each.
pub fn bench_devices(
    name: &str,
    cfg: &Config,
    train: &[u16],
    eot: u16,
    args: &BenchArgs,
    devices: usize,
) -> Result<BenchResult> {
    let _one = crate::run::devices::session();
    let top = Topology {
        kind: crate::DeviceKind::Flex,
        devices,
        global: None,
        timeout: Duration::from_secs(600),
    };
    let ops = if args.plain_ops {
        Ops::Plain
    } else {
        Ops::Fused
    };
    let times = std::thread::scope(|s| {
        let handles: Vec<_> = (0..devices)
            .map(|local| {
                let top = &top;
                s.spawn(move || {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(1)
                        .build()
                        .map_err(|e| Error::Usage(format!("a pool of 1 thread: {e}")))?;
                    let peers = Peers::new(1, 1)?;
                    let member =
                        Member::<burn::backend::Flex>::join(top, local, Default::default())?;
                    let r =
                        pool.install(|| peer_steps(&member, &peers, cfg, train, eot, args, ops));
                    member.leave();
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or(Err(Error::PeerPanicked { what: "a peer" }))
            })
            .collect::<Result<Vec<_>>>()
    });
    let times =
        times.inspect_err(|_| crate::parallel::collective::reset::<burn::backend::Flex>())?;
    let (ms_step, ms_optim, cpu_ms_step) = times[0];
    let tokens = cfg.tokens_per_step() as f64;
    Ok(BenchResult {
        name: name.into(),
        ms_forward: f64::NAN,
        ms_backward: f64::NAN,
        ms_optim,
        ms_step,
        cpu_ms_step,
        tokens_per_s: tokens / (ms_step / 1e3),
        flops_per_s: train_flops_per_token(cfg) * tokens / (ms_step / 1e3),
    })
}

/// One peer's steps: (ms per step, of which optimiser, CPU ms per step of the process).
fn peer_steps(
    member: &Member<burn::backend::Flex>,
    peers: &Peers,
    cfg: &Config,
    train: &[u16],
    eot: u16,
    args: &BenchArgs,
    ops: Ops,
) -> Result<(f64, f64, f64)> {
    let device = Default::default();
    let mut state = TrainState::<B>::fresh(cfg, &device);
    let lane = Lane {
        peers,
        member: Some(member),
    };
    let step = Step::new(cfg, &state.model, lane, None, ops);
    let mut loader = Loader::new(cfg.data.batch_size, cfg.data.seq_len);
    let (mut total, mut optim_ms, mut cpu0) = (0.0, 0.0, 0.0);
    for i in 0..args.warmup + args.steps {
        if i == args.warmup {
            cpu0 = cpu_ms();
        }
        let host = loader.next_batch(train, eot);
        let t0 = Instant::now();
        let (loss, grads) = step.gradients(&state.model, &host, &device);
        let (_, grads) = step.reduce(loss, grads)?;
        let t1 = Instant::now();
        state.model = step.update(state.model, &grads, &mut state.optim, i)?;
        if i >= args.warmup {
            total += t0.elapsed().as_secs_f64() * 1e3;
            optim_ms += t1.elapsed().as_secs_f64() * 1e3;
        }
    }
    let n = args.steps.max(1) as f64;
    Ok((total / n, optim_ms / n, (cpu_ms() - cpu0) / n))
}
