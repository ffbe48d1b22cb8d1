//! A data-parallel run in this process: one thread per device (`--devices N`), each a peer of
//! [`crate::parallel::collective`] with its own copy of the model and optimiser, its own pools of
//! `threads / N` threads, and its share of every step's rows. They start from the same state
//! (fresh from the seed, or the same checkpoint) and stay identical, since each applies the same
//! step to the same summed gradients. The leader's thread logs; when one peer fails the others
//! are released at once and the first failure is the run's.

use crate::device::TrainBackend;
use crate::error::{Error, Result};
use crate::parallel::collective::{self, Member, Topology};
use crate::parallel::peers::Peers;
use crate::train::{self, Hooks, Lane, NoHooks, RunContext, RunOutcome, TrainState};
use burn::tensor::backend::{AutodiffBackend, BackendTypes, DeviceOps};
use runlog::MetricsWriter;
use std::sync::{Mutex, MutexGuard};

/// burn-collective keeps one set of peers per backend and process: one run with peers at a time.
static SESSION: Mutex<()> = Mutex::new(());

/// Holds the process's collective for one run (tests run side by side in one process).
pub fn session() -> MutexGuard<'static, ()> {
    SESSION.lock().unwrap_or_else(|e| e.into_inner())
}

/// How each peer gets the state it starts from (every peer calls it once, after joining: it
/// may [`Member::agree`] on where to start).
pub type Start<'a, B> = dyn Fn(
        &<B as BackendTypes>::Device,
        &Member<<B as AutodiffBackend>::InnerBackend>,
    ) -> Result<TrainState<B>>
    + Sync
    + 'a;

/// What the leader's thread takes: the run's log and hooks (the others have none).
pub struct Leader<'a, H: Hooks> {
    pub writer: Option<&'a mut MetricsWriter>,
    pub hooks: &'a mut H,
}

/// Runs `start` (the state every peer begins from: a fresh one, or the checkpoint's) on this
/// process's `top.devices` devices, `threads` threads in all: the first in this thread (with the
/// leader's log and hooks on node 0), the others in threads of their own. The first's outcome.
pub fn run_devices<B: TrainBackend, H: Hooks>(
    ctx: &RunContext,
    top: &Topology,
    threads: usize,
    start: &Start<'_, B>,
    leader: Leader<'_, H>,
) -> Result<RunOutcome> {
    let _one = session();
    let each = (threads / top.devices).max(1);
    let rows = ctx
        .micro_batch
        .unwrap_or(ctx.config.data.batch_size / top.world());
    let plain = matches!(ctx.ops, crate::kernels::Ops::Plain);
    let shares = crate::parallel::peers::shares(top.kind, plain, each, rows);
    let released = |r: Result<RunOutcome>| {
        if r.is_err() {
            // Release the peers waiting on this one.
            collective::reset::<B::InnerBackend>();
        }
        r
    };
    let (first, others) = std::thread::scope(|s| {
        let handles: Vec<_> = (1..top.devices)
            .map(|local| {
                s.spawn(move || {
                    released(peer::<B, NoHooks>(
                        ctx, top, local, each, shares, start, None,
                    ))
                })
            })
            .collect();
        let leader = (top.node_rank() == 0).then_some(leader);
        let first = released(peer(ctx, top, 0, each, shares, start, leader));
        let others: Vec<Result<RunOutcome>> = handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    collective::reset::<B::InnerBackend>();
                    Err(Error::PeerPanicked {
                        what: "a peer's thread",
                    })
                })
            })
            .collect();
        (first, others)
    });
    // A peer's own failure is the run's, before the "another peer failed" of those it released.
    let mut errors = Vec::new();
    let first = first.map_err(|e| errors.push(e)).ok();
    errors.extend(others.into_iter().filter_map(Result::err));
    if !errors.is_empty() {
        let i = errors
            .iter()
            .position(|e| !matches!(e, Error::Collective { released: true, .. }));
        return Err(errors.swap_remove(i.unwrap_or(0)));
    }
    first.ok_or_else(|| Error::Usage("the first peer ended without an outcome".into()))
}

/// One peer's thread: joins, builds its state and trains; `Some` outcome from the leader.
fn peer<B: TrainBackend, H: Hooks>(
    ctx: &RunContext,
    top: &Topology,
    local: usize,
    threads: usize,
    shares: usize,
    start: &Start<'_, B>,
    leader: Option<Leader<'_, H>>,
) -> Result<RunOutcome> {
    let device = B::nth_device(local);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("device{local}-{i}"))
        .build()
        .map_err(|e| Error::Usage(format!("a pool of {threads} threads: {e}")))?;
    let peers = Peers::new(shares, threads)?;
    let member = Member::<B::InnerBackend>::join(top, local, device.inner().clone())?;
    let lane = Lane {
        peers: &peers,
        member: Some(&member),
    };
    let out = pool.install(|| {
        let state = start(&device, &member)?;
        match leader {
            Some(l) => train::train_in(ctx, &lane, state, l.writer, l.hooks, &device),
            None => train::train_in(ctx, &lane, state, None, &mut NoHooks, &device),
        }
    });
    if out.is_ok() {
        member.leave();
    }
    out
}

/// Trains from `state` here, or from `start`'s states on every device of a data-parallel run.
#[allow(clippy::too_many_arguments)]
pub fn on_devices<B: TrainBackend>(
    ctx: &RunContext,
    top: &Topology,
    threads: usize,
    state: TrainState<B>,
    start: &Start<'_, B>,
    writer: &mut MetricsWriter,
    hooks: &mut impl Hooks,
    device: &B::Device,
) -> Result<RunOutcome> {
    if !top.is_parallel() {
        return train::train(ctx, state, writer, hooks, device);
    }
    drop(state);
    let leader = Leader {
        writer: Some(writer),
        hooks,
    };
    run_devices(ctx, top, threads, start, leader)
}
