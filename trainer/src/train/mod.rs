//! The training loop: batches -> forward -> backward -> Muon/Adam step, with an evaluation every
//! `eval_every` steps (and at step 0 and the last step) logged through runlog.
//!
//! All training state lives in [`TrainState`] (model, both optimisers' state, step, data
//! position, RNG, clocks), which the loop owns. [`Hooks`] are the extension points, called after
//! every step and every evaluation: checkpointing, signals and the like plug in there. The next
//! batch is cut from the token stream while the current step runs.

pub mod eval;
pub mod hooks;
pub mod log;
pub mod progress;

use crate::config::Config;
use crate::data::loader::{val_batches, HostBatch, Loader};
use crate::data::Dataset;
use crate::device::TrainBackend;
use crate::error::Result;
use crate::kernels::Ops;
use crate::model::{Batch, Gpt};
use crate::optim::{self, OptimState, StepHyper};
use crate::parallel::accum;
use crate::parallel::collective::Member;
use crate::rng::Rng;
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use runlog::{Metrics, MetricsWriter, Status, Summary};
use std::path::PathBuf;
use std::time::Instant;

use hooks::decide;
pub use hooks::{Control, Hooks, NoHooks};

/// Everything a resumed run needs to continue exactly where it stopped.
pub struct TrainState<B: AutodiffBackend> {
    pub model: Gpt<B>,
    pub optim: OptimState,
    /// Steps completed.
    pub step: usize,
    pub loader: Loader,
    /// Unused after init today; kept so a checkpoint restores any future random draw.
    pub rng: Rng,
    /// Training time so far, evaluation excluded.
    pub train_time_ms: f64,
    pub tokens: u64,
    /// Sum and count of training losses since the last evaluation.
    pub loss_sum: f64,
    pub loss_count: usize,
}

impl<B: AutodiffBackend> TrainState<B> {
    pub fn fresh(cfg: &Config, device: &B::Device) -> Self {
        TrainState {
            model: Gpt::new(&cfg.model, cfg.seed, device),
            optim: OptimState::default(),
            step: 0,
            loader: Loader::new(cfg.data.batch_size, cfg.data.seq_len),
            rng: Rng::new(cfg.seed.wrapping_add(1)),
            train_time_ms: 0.0,
            tokens: 0,
            loss_sum: 0.0,
            loss_count: 0,
        }
    }
}

/// What the loop needs besides its state.
pub struct RunContext {
    pub config: Config,
    pub data: Dataset,
    pub dir: PathBuf,
    pub quiet: bool,
    /// Rows per forward/backward pass when fewer than the batch fit in memory (gradient
    /// accumulation, see [`crate::parallel::accum`]); `None`: the whole batch at once.
    pub micro_batch: Option<usize>,
    /// Fused kernels or plain burn ops (the same numbers up to rounding).
    pub ops: Ops,
    /// The threads of each step's passes, one pool per share of its rows (see [`crate::parallel::accum`]).
    pub peers: crate::parallel::peers::Peers,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub dir: PathBuf,
    pub status: Status,
    pub steps: usize,
    pub final_val_loss: Option<f64>,
    /// Training loss of every step, in order.
    pub train_losses: Vec<f64>,
    /// (step, validation loss) of every evaluation.
    pub val_losses: Vec<(usize, f64)>,
    pub train_time_ms: f64,
    pub tokens_per_s: f64,
}

/// Runs the loop from `state` to the configured number of steps (or until a hook stops it, or
/// the loss turns non-finite), logging into `writer`.
pub fn train<B: TrainBackend>(
    ctx: &RunContext,
    state: TrainState<B>,
    writer: &mut MetricsWriter,
    hooks: &mut impl Hooks,
    device: &B::Device,
) -> Result<RunOutcome> {
    let lane = Lane {
        peers: &ctx.peers,
        member: None,
    };
    train_in(ctx, &lane, state, Some(writer), hooks, device)
}

/// One data-parallel peer's part of a run (see [`crate::parallel::collective`]): the pools of its passes
/// and its place among the others. Without a member, the run is this one process and device.
pub struct Lane<'a, B: TrainBackend> {
    pub peers: &'a crate::parallel::peers::Peers,
    pub member: Option<&'a Member<B::InnerBackend>>,
}

/// Steps between two checks that the peers' weights are still the same (and at the end).
pub const CHECK_EVERY: usize = 25;

/// [`train`] as one peer of a data-parallel run: the leader (and a run without peers) logs into
/// `writer`, calls the hooks and writes summary.json; the others follow its decisions and log
/// nothing.
pub fn train_in<B: TrainBackend>(
    ctx: &RunContext,
    lane: &Lane<B>,
    state: TrainState<B>,
    writer: Option<&mut MetricsWriter>,
    hooks: &mut impl Hooks,
    device: &B::Device,
) -> Result<RunOutcome> {
    let mut out = RunOutcome {
        dir: ctx.dir.clone(),
        status: Status::Finished,
        steps: state.step,
        final_val_loss: None,
        train_losses: Vec::new(),
        val_losses: Vec::new(),
        train_time_ms: state.train_time_ms,
        tokens_per_s: tokens_per_s(&state),
    };
    let ended = run_loop(ctx, lane, state, writer, hooks, device, &mut out);
    if !lane.member.is_none_or(|m| m.leads()) {
        return ended.map(|_| out);
    }
    // A run stopped by an error (a peer lost, a full disk) says so too: `interrupted`, to be
    // resumed from its last checkpoint, never a run that is still going.
    let status = match ended {
        Ok(_) => out.status,
        Err(_) => Status::Interrupted,
    };
    let written = log::write_summary(
        &ctx.dir,
        &Summary {
            status,
            final_val_loss: out.final_val_loss,
            train_time_ms: out.train_time_ms,
            step_avg_ms: (out.steps > 0).then(|| out.train_time_ms / out.steps as f64),
            tokens_per_s: (out.steps > 0).then_some(out.tokens_per_s),
            peak_rss_mb: log::peak_rss_mb(),
        },
    );
    let model = ended?;
    written?;
    // The logit lens of the final weights, after the clock and the summary: it reads the model
    // and changes nothing (crate::lens). Only a finished run: one stopped early (a signal,
    // --stop-after-step) writes its lens when it is resumed and ends.
    if out.status == Status::Finished {
        crate::lens::command::after_training(ctx, &model, out.steps, device)?;
    }
    Ok(out)
}

/// The loop itself, keeping `out` up to date after every step (an error leaves it as the last
/// step left it); the model as the loop left it, for the lens.
fn run_loop<B: TrainBackend>(
    ctx: &RunContext,
    lane: &Lane<B>,
    mut state: TrainState<B>,
    mut writer: Option<&mut MetricsWriter>,
    hooks: &mut impl Hooks,
    device: &B::Device,
    out: &mut RunOutcome,
) -> Result<Gpt<B>> {
    let leads = lane.member.is_none_or(|m| m.leads());
    let cfg = &ctx.config;
    let steps = cfg.schedule.steps;
    let (heads, hd) = (cfg.model.heads, cfg.model.head_dim);
    let (bsz, seq) = (cfg.data.batch_size, cfg.data.seq_len);
    let eval_rows = ctx.micro_batch.unwrap_or(bsz).clamp(1, bsz);
    let val_host = val_batches(
        &ctx.data.val,
        eval_rows,
        seq,
        cfg.data.val_tokens,
        ctx.data.eot,
    );
    // Built once, unless micro-batching: a medium run's masks would not fit all at once.
    let val: Vec<Batch<B::InnerBackend>> = match ctx.micro_batch {
        None if leads => val_host
            .iter()
            .map(|b| Batch::new(b, heads, hd, ctx.ops, device))
            .collect(),
        _ => Vec::new(),
    };
    let name = ctx
        .dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let bar = progress::bar(steps, ctx.quiet || !leads, &name);
    bar.set_position(state.step as u64);
    let mut last_loss = f64::NAN;
    let mut next: Option<(Loader, HostBatch)> = None;
    loop {
        let last = state.step >= steps;
        if let (Some(m), true) = (lane.member, state.step.is_multiple_of(CHECK_EVERY) || last) {
            let sum = crate::parallel::collective::checksum(
                crate::params::collect(&state.model)
                    .values()
                    .map(|t| t.data.as_slice()),
            );
            m.check_same(sum, &format!("after step {}", state.step))?;
        }
        if state.step.is_multiple_of(cfg.data.eval_every) || last {
            let mut control = Control::Continue;
            if let Some(writer) = writer.as_deref_mut() {
                let m = evaluate_and_log(&state, &val, &val_host, steps, writer, ctx.ops, device)?;
                if let Some(v) = m.val_loss {
                    out.val_losses.push((state.step, v));
                }
                out.final_val_loss = m.val_loss;
                bar.set_message(progress::message(
                    last_loss,
                    m.val_loss,
                    ms_per_step(&state),
                    tokens_per_s(&state),
                ));
                control = hooks.after_eval(ctx, &state, &m)?;
            }
            state.loss_sum = 0.0;
            state.loss_count = 0;
            if let Control::Stop(s) = decide(lane, control, hooks, ctx, &state)? {
                out.status = s;
                break;
            }
        }
        if last {
            break;
        }

        // ---- one training step (timed; evaluation above is not) ----
        let t0 = Instant::now();
        let (loader, host) = next.take().unwrap_or_else(|| cut_batch(&state.loader, ctx));
        // The step runs on the CPU pool's threads (so that its serial parts do not compete with
        // the pool for the cores), and the next batch is cut there while this one trains.
        let ((loss_value, grads), ahead) = rayon::join(
            || {
                let (m, peers) = (&state.model, lane.peers);
                let mine = lane.member.map(|m| {
                    let (r0, r1) = m.rows(host.batch);
                    accum::rows(&host, r0, r1)
                });
                let part = mine.as_ref().unwrap_or(&host);
                accum::forward_backward(m, part, bsz, ctx.micro_batch, peers, ctx.ops, device)
            },
            || cut_batch(&loader, ctx),
        );
        let (loss_value, grads) = match lane.member {
            Some(m) => m.sum_grads(loss_value, grads)?,
            None => (loss_value, grads),
        };
        next = Some(ahead);
        state.loader = loader;
        if !loss_value.is_finite() {
            state.train_time_ms += t0.elapsed().as_secs_f64() * 1e3;
            out.status = Status::Diverged;
            out.final_val_loss = None;
            let mut m = Metrics::new(state.step as u64 + 1, state.train_time_ms, f64::NAN);
            m.total_steps = Some(steps as u64);
            m.tokens = Some(state.tokens);
            if let Some(writer) = writer.as_deref_mut() {
                writer.append(&m)?;
            }
            bar.println(format!(
                "step {}: loss is {loss_value}; stopping (diverged)",
                state.step + 1
            ));
            break;
        }
        let hyper = StepHyper::at(state.step, &cfg.optim, &cfg.schedule);
        let model = state.model;
        let optim_state = &mut state.optim;
        let share = lane.member.map(|m| m as &dyn optim::split::Share);
        state.model = crate::device::in_pool(|| {
            optim::step_shared(
                model,
                &grads,
                optim_state,
                &cfg.optim,
                hyper,
                ctx.ops,
                share,
            )
        })?;
        state.step += 1;
        state.tokens += (bsz * seq) as u64;
        state.train_time_ms += t0.elapsed().as_secs_f64() * 1e3;
        state.loss_sum += loss_value;
        state.loss_count += 1;
        last_loss = loss_value;
        out.train_losses.push(loss_value);
        out.steps = state.step;
        out.train_time_ms = state.train_time_ms;
        out.tokens_per_s = tokens_per_s(&state);
        bar.set_position(state.step as u64);
        if state.step.is_multiple_of(5) {
            bar.set_message(progress::message(
                loss_value,
                out.final_val_loss,
                ms_per_step(&state),
                tokens_per_s(&state),
            ));
        }
        let control = match leads {
            true => hooks.after_step(ctx, &state)?,
            false => Control::Continue,
        };
        if let Control::Stop(s) = decide(lane, control, hooks, ctx, &state)? {
            out.status = s;
            break;
        }
    }
    bar.finish_and_clear();
    out.steps = state.step;
    out.train_time_ms = state.train_time_ms;
    out.tokens_per_s = tokens_per_s(&state);
    Ok(state.model)
}

/// The batch after `loader`'s position, and the loader past it.
fn cut_batch(loader: &Loader, ctx: &RunContext) -> (Loader, HostBatch) {
    let mut l = loader.clone();
    let batch = l.next_batch(&ctx.data.train, ctx.data.eot);
    (l, batch)
}

fn ms_per_step<B: AutodiffBackend>(s: &TrainState<B>) -> f64 {
    s.train_time_ms / s.step.max(1) as f64
}

fn tokens_per_s<B: AutodiffBackend>(s: &TrainState<B>) -> f64 {
    if s.train_time_ms > 0.0 {
        s.tokens as f64 / (s.train_time_ms / 1e3)
    } else {
        0.0
    }
}

/// Evaluates on the validation batches and appends the metrics line (flushed to disk).
fn evaluate_and_log<B: TrainBackend>(
    state: &TrainState<B>,
    val: &[Batch<B::InnerBackend>],
    val_host: &[HostBatch],
    steps: usize,
    writer: &mut MetricsWriter,
    ops: Ops,
    device: &B::Device,
) -> Result<Metrics> {
    let model = state.model.valid();
    let e = crate::device::in_pool(|| {
        if val.is_empty() {
            eval::evaluate_each(&model, val_host, ops, device)
        } else {
            eval::evaluate(&model, val)
        }
    });
    let s = eval::scalars(&model);
    let mut m = Metrics::new(state.step as u64, state.train_time_ms, e.val_loss);
    m.total_steps = Some(steps as u64);
    m.train_loss = (state.loss_count > 0)
        .then(|| state.loss_sum / state.loss_count as f64)
        .filter(|l| l.is_finite());
    m.tokens = Some(state.tokens);
    m.lambdas = Some(s.lambdas);
    m.x_norms = Some(e.x_norms);
    m.skip_weights = Some(s.skip_weights);
    m.ve_lambdas = Some(s.ve_lambdas);
    writer.append(&m)?;
    Ok(m)
}
