//! The training loop: batches -> forward -> backward -> Muon/Adam step, with an evaluation every
//! `eval_every` steps (and at step 0 and the last step) logged through runlog.
//!
//! All training state lives in [`TrainState`] (model, both optimisers' state, step, data
//! position, RNG, clocks), which the loop owns. [`Hooks`] are the extension points, called after
//! every step and every evaluation: checkpointing, signals and the like plug in there. The next
//! batch is cut from the token stream while the current step runs. One step ([`step::Step`]:
//! passes, the peers' sum, the optimiser's update) is the one the benches time too; what the loop
//! works on and with is in [`state`].

pub mod eval;
pub mod hooks;
pub mod log;
pub mod progress;
pub mod state;
pub mod step;

use crate::config::Config;
use crate::data::loader::{val_batches, HostBatch, Loader};
use crate::device::TrainBackend;
use crate::error::Result;
use crate::kernels::Ops;
use crate::model::{Batch, Gpt};
use crate::optim::HostGrads;
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use runlog::{Metrics, MetricsWriter, Status, Summary};
use std::time::Instant;

use hooks::decide;
pub use hooks::{Control, Hooks, NoHooks};
pub use state::{Lane, RunContext, RunOutcome, TrainState};
use step::Step;

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
            peak_rss_mb: crate::host::peak_rss_mb(),
        },
    );
    let model = ended?;
    written?;
    // The logit lens of the final weights, after the clock and the summary: it reads the model
    // and changes nothing (crate::lens). Only a finished run: one stopped early (a signal,
    // --stop-after-step) writes its lens when it is resumed and ends.
    if out.status == Status::Finished {
        let bsz = ctx.config.data.batch_size;
        let input = crate::lens::LensInput {
            config: &ctx.config,
            data: &ctx.data,
            step: out.steps as u64,
            eval_rows: ctx.micro_batch.unwrap_or(bsz).clamp(1, bsz),
            ops: ctx.ops,
        };
        crate::lens::after_training(&ctx.dir, &input, &model, device)?;
    }
    Ok(out)
}

/// The validation batches: on the host, and built once unless micro-batching (a medium run's
/// masks would not fit all at once) or following (only the leader evaluates).
struct Validation<B: TrainBackend> {
    host: Vec<HostBatch>,
    built: Vec<Batch<B::InnerBackend>>,
}

impl<B: TrainBackend> Validation<B> {
    fn new(ctx: &RunContext, leads: bool, device: &B::Device) -> Self {
        let cfg = &ctx.config;
        let bsz = cfg.data.batch_size;
        let eval_rows = ctx.micro_batch.unwrap_or(bsz).clamp(1, bsz);
        let seq = cfg.data.seq_len;
        let host = val_batches(
            &ctx.data.val,
            eval_rows,
            seq,
            cfg.data.val_tokens,
            ctx.data.eot,
        );
        let (heads, hd) = (cfg.model.heads, cfg.model.head_dim);
        let built = match ctx.micro_batch {
            None if leads => host
                .iter()
                .map(|b| Batch::new(b, heads, hd, ctx.ops, device))
                .collect(),
            _ => Vec::new(),
        };
        Validation { host, built }
    }
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
    let val = Validation::<B>::new(ctx, leads, device);
    let bar = progress::bar(steps, ctx.quiet || !leads, &run_name(ctx));
    bar.set_position(state.step as u64);
    let step = Step::new(cfg, &state.model, *lane, ctx.micro_batch, ctx.ops);
    let mut last_loss = f64::NAN;
    let mut next: Option<(Loader, HostBatch)> = None;
    loop {
        let last = state.step >= steps;
        if state.step.is_multiple_of(CHECK_EVERY) || last {
            check_peers(lane, &state)?;
        }
        if state.step.is_multiple_of(cfg.data.eval_every) || last {
            let control = match writer.as_deref_mut() {
                Some(w) => logged_eval(ctx, &state, &val, w, hooks, &bar, last_loss, out, device)?,
                None => Control::Continue,
            };
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
        let (loss, grads) = gradients(&step, &mut state, &mut next, ctx, device)?;
        if !loss.is_finite() {
            diverged(
                &mut state,
                writer.as_deref_mut(),
                &bar,
                loss,
                t0,
                steps,
                out,
            )?;
            break;
        }
        let (model, optim_state, at) = (state.model, &mut state.optim, state.step);
        state.model = crate::device::in_pool(|| step.update(model, &grads, optim_state, at))?;
        stepped(&mut state, &bar, loss, t0, cfg, out);
        last_loss = loss;
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

/// The run's folder name, for the progress bar.
fn run_name(ctx: &RunContext) -> String {
    ctx.dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// An error unless every peer's weights are still the leader's (nothing to check alone).
fn check_peers<B: TrainBackend>(lane: &Lane<B>, state: &TrainState<B>) -> Result<()> {
    let Some(m) = lane.member else {
        return Ok(());
    };
    let sum = crate::parallel::collective::checksum(
        crate::params::collect(&state.model)
            .values()
            .map(|t| t.data.as_slice()),
    );
    m.check_same(sum, &format!("after step {}", state.step))
}

/// The step's loss and gradients, summed over the peers; the loader moves past its batch.
fn gradients<B: TrainBackend>(
    step: &Step<B>,
    state: &mut TrainState<B>,
    next: &mut Option<(Loader, HostBatch)>,
    ctx: &RunContext,
    device: &B::Device,
) -> Result<(f64, HostGrads)> {
    let (loader, host) = next.take().unwrap_or_else(|| cut_batch(&state.loader, ctx));
    // The step runs on the CPU pool's threads (so that its serial parts do not compete with
    // the pool for the cores), and the next batch is cut there while this one trains.
    let ((loss, grads), ahead) = rayon::join(
        || step.gradients(&state.model, &host, device),
        || cut_batch(&loader, ctx),
    );
    let summed = step.reduce(loss, grads)?;
    *next = Some(ahead);
    state.loader = loader;
    Ok(summed)
}

/// The leader's evaluation: logged, kept in `out`, shown, and handed to the hooks.
#[allow(clippy::too_many_arguments)]
fn logged_eval<B: TrainBackend>(
    ctx: &RunContext,
    state: &TrainState<B>,
    val: &Validation<B>,
    writer: &mut MetricsWriter,
    hooks: &mut impl Hooks,
    bar: &indicatif::ProgressBar,
    last_loss: f64,
    out: &mut RunOutcome,
    device: &B::Device,
) -> Result<Control> {
    let steps = ctx.config.schedule.steps;
    let m = evaluate_and_log(state, &val.built, &val.host, steps, writer, ctx.ops, device)?;
    if let Some(v) = m.val_loss {
        out.val_losses.push((state.step, v));
    }
    out.final_val_loss = m.val_loss;
    bar.set_message(progress::message(
        last_loss,
        m.val_loss,
        ms_per_step(state),
        tokens_per_s(state),
    ));
    hooks.after_eval(ctx, state, &m)
}

/// A step whose loss went non-finite: its time counted, the run `diverged`, a last line logged.
fn diverged<B: TrainBackend>(
    state: &mut TrainState<B>,
    writer: Option<&mut MetricsWriter>,
    bar: &indicatif::ProgressBar,
    loss: f64,
    t0: Instant,
    steps: usize,
    out: &mut RunOutcome,
) -> Result<()> {
    state.train_time_ms += t0.elapsed().as_secs_f64() * 1e3;
    out.status = Status::Diverged;
    out.final_val_loss = None;
    let mut m = Metrics::new(state.step as u64 + 1, state.train_time_ms, f64::NAN);
    m.total_steps = Some(steps as u64);
    m.tokens = Some(state.tokens);
    if let Some(writer) = writer {
        writer.append(&m)?;
    }
    bar.println(format!(
        "step {}: loss is {loss}; stopping (diverged)",
        state.step + 1
    ));
    Ok(())
}

/// A step done: counted, timed from `t0`, its loss kept, the bar moved.
fn stepped<B: TrainBackend>(
    state: &mut TrainState<B>,
    bar: &indicatif::ProgressBar,
    loss: f64,
    t0: Instant,
    cfg: &Config,
    out: &mut RunOutcome,
) {
    state.step += 1;
    state.tokens += (cfg.data.batch_size * cfg.data.seq_len) as u64;
    state.train_time_ms += t0.elapsed().as_secs_f64() * 1e3;
    state.loss_sum += loss;
    state.loss_count += 1;
    out.train_losses.push(loss);
    out.steps = state.step;
    out.train_time_ms = state.train_time_ms;
    out.tokens_per_s = tokens_per_s(state);
    bar.set_position(state.step as u64);
    if state.step.is_multiple_of(5) {
        bar.set_message(progress::message(
            loss,
            out.final_val_loss,
            ms_per_step(state),
            tokens_per_s(state),
        ));
    }
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
