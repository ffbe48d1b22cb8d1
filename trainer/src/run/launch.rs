//! The one way a run starts (`trainer run`, every run of `trainer sweep`, and the tests):
//! data and config -> lock the run folder -> plan (train, restart, resume, skip, or refuse a
//! different config) -> train on the chosen device with the operations hooks (a checkpoint every
//! `--checkpoint-every` steps, at the end, and on SIGINT/SIGTERM, which stops the run as
//! `interrupted`) -> outcome.

use crate::config::ConfigHash;
use crate::device::{self, TrainBackend, WithBackend};
use crate::error::{Error, Result};
use crate::interrupt;
use crate::kernels::Ops;
use crate::parallel::collective::{Member, Topology};
use crate::run::checkpoint::{self, SaveStats};
use crate::run::devices;
use crate::run::experiment::check_experiment;
use crate::run::lock::{LockError, RunLock};
use crate::run::plan::{plan_run, Action, Expected, PlanError};
use crate::train::{self, Hooks, NoHooks, RunContext, RunOutcome, TrainState};
use crate::RunArgs;
use runlog::{MetricsWriter, Status, METRICS_FILE, SUMMARY_FILE};
use std::path::Path;

pub use crate::run::operations::{OpsArgs, OpsHooks, MEDIUM_MICRO_BATCH};

/// `trainer run`: what to train, and how to keep it safe.
#[derive(Debug, Clone, clap::Args)]
pub struct RunCmd {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub ops: OpsArgs,
}

/// `trainer run`: prints how the run ended; exit code 130 when a signal interrupted it.
pub fn main(cmd: &RunCmd) -> Result<std::process::ExitCode> {
    interrupt::install().map_err(|e| Error::Usage(format!("signal handlers: {e}")))?;
    let dir = cmd.run.run_dir();
    match launch(&cmd.run, &cmd.ops) {
        Ok(Launched::Skipped {
            status,
            final_val_loss,
        }) => {
            let loss = final_val_loss.map_or("n/a".into(), |l| format!("{l:.4}"));
            println!(
                "{}: already {status} with this config (val loss {loss}); nothing to do",
                dir.display()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Ok(Launched::Trained { outcome: o, .. }) => {
            let loss = o.final_val_loss.map_or("n/a".into(), |l| format!("{l:.4}"));
            println!(
                "{}: {} after {} steps, val loss {loss}, {:.1} s training, {:.0} tok/s",
                o.dir.display(),
                o.status,
                o.steps,
                o.train_time_ms / 1e3,
                o.tokens_per_s
            );
            // Stopped where --stop-after-step asked, not by a signal here or at another node
            // (a peer's signal stops this node too, and must exit as one).
            let asked = cmd.ops.stop_after_step.is_some_and(|k| o.steps >= k);
            if o.status == Status::Interrupted && asked && !interrupt::requested() {
                println!("stopped after step {} as asked (--stop-after-step); continue with the same command and --resume", o.steps);
                return Ok(std::process::ExitCode::SUCCESS);
            }
            if o.status == Status::Interrupted {
                println!("checkpoint saved; continue with the same command and --resume");
                return Ok(std::process::ExitCode::from(
                    interrupt::EXIT_INTERRUPTED as u8,
                ));
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(LaunchError::Run(e)) => Err(e),
        Err(e) => Err(Error::Usage(e.to_string())),
    }
}

/// What happened to a run.
#[derive(Debug)]
pub enum Launched {
    /// Trained (from scratch, again, or resumed: `action` says which) until it ended or stopped.
    Trained {
        action: Action,
        outcome: RunOutcome,
        checkpoints: Vec<SaveStats>,
    },
    /// Already ended with this very config.
    Skipped {
        status: Status,
        final_val_loss: Option<f64>,
    },
}

impl Launched {
    /// How the run ended, when it trained (a skipped run did not).
    pub fn trained(self) -> Option<RunOutcome> {
        match self {
            Launched::Trained { outcome, .. } => Some(outcome),
            Launched::Skipped { .. } => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// Another process trains this run now.
    #[error(transparent)]
    Busy(#[from] LockError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Run(#[from] Error),
}

/// What a run's folder must hold to be "this run": the config as run.json records it
/// (`crate::run_info`'s `config`), its hash and the data's.
pub fn expected_of(config: &crate::Config, data: &crate::data::Dataset) -> Expected {
    Expected {
        config: crate::config::recorded(config, &data.info),
        config_hash: config.config_hash(),
        data_hash: Some(data.info.hash.clone()),
    }
}

/// Trains (or skips, or resumes) the run `args` name. `ops.resume`: continue from a checkpoint
/// (a sweep always passes it).
pub fn launch(args: &RunArgs, ops: &OpsArgs) -> Result<Launched, LaunchError> {
    launch_with_hooks(args, ops, &mut NoHooks)
}

/// [`launch`] with `hooks` called after every step and evaluation, after the operations' own.
pub fn launch_with_hooks(
    args: &RunArgs,
    ops: &OpsArgs,
    hooks: &mut impl Hooks,
) -> Result<Launched, LaunchError> {
    let (config, data) = crate::prepare(args)?;
    launch_prepared_with_hooks(args, ops, config, data, hooks)
}

/// The config of `args` on data loaded before (a sweep loads its data once): what
/// [`crate::prepare`] gives, without loading again.
pub fn config_on(args: &RunArgs, data: &crate::data::Dataset) -> Result<crate::Config> {
    Ok(crate::on_data(args.config()?, data))
}

/// [`launch`] with the config and data already at hand (a sweep loads its data once).
pub fn launch_prepared(
    args: &RunArgs,
    ops: &OpsArgs,
    config: crate::Config,
    data: crate::data::Dataset,
) -> Result<Launched, LaunchError> {
    launch_prepared_with_hooks(args, ops, config, data, &mut NoHooks)
}

fn launch_prepared_with_hooks(
    args: &RunArgs,
    ops: &OpsArgs,
    config: crate::Config,
    data: crate::data::Dataset,
    hooks: &mut impl Hooks,
) -> Result<Launched, LaunchError> {
    let (ctx, top, threads) = context(args, ops, config, data)?;
    let expected = expected_of(&ctx.config, &ctx.data);
    if top.node_rank() > 0 {
        return follow(args, &ctx, &top, threads, &expected);
    }
    // A new run of another config never goes into an experiment whose runs share one; checked
    // before the lock, which would leave the run's folder behind.
    if !ctx.dir.join(runlog::RUN_FILE).exists() {
        check_experiment(&ctx.dir, &expected)?;
    }
    let lock = RunLock::acquire(&ctx.dir)?;
    if let Some(old) = lock.took_over() {
        eprintln!(
            "{}: took over the lock of a process that had died ({old})",
            ctx.dir.display()
        );
    }
    let saved = checkpoint::saved_step(&ctx.dir)?;
    let action = plan_run(&ctx.dir, &expected, saved)?;
    if let Action::Skip {
        status,
        final_val_loss,
    } = action
    {
        return Ok(Launched::Skipped {
            status,
            final_val_loss,
        });
    }
    if let (Action::Resume { step }, false) = (&action, ops.resume) {
        return Err(Error::Usage(format!(
            "{}: an unfinished run of this config with a checkpoint at step {step}; \
             pass --resume to continue it, or delete the folder to train it anew",
            ctx.dir.display()
        ))
        .into());
    }
    let mut ops_hooks = OpsHooks::new(&ctx, ops.checkpoint_every, ops.stop_after_step);
    let job = Job {
        args,
        ctx: &ctx,
        top: &top,
        threads,
        hooks: (&mut ops_hooks, hooks),
        resume: matches!(action, Action::Resume { .. }),
    };
    let outcome = device::with_backend(args.device, job)??;
    drop(lock);
    Ok(Launched::Trained {
        action,
        outcome,
        checkpoints: ops_hooks.saves,
    })
}

/// The run's context, where it runs and on how many threads, once the options are checked
/// against each other, the device and the batch (before the run folder is touched).
fn context(
    args: &RunArgs,
    ops: &OpsArgs,
    config: crate::Config,
    data: crate::data::Dataset,
) -> Result<(RunContext, Topology, usize), LaunchError> {
    if ops.micro_batch == Some(0) {
        return Err(Error::Usage("--micro-batch must be at least 1".into()).into());
    }
    let top = Topology {
        kind: args.device,
        ..ops.topology()?
    };
    // A backend this build lacks, or no wgpu adapter: said before the run folder is touched.
    device::check(top.kind, top.devices)?;
    let batch = config.data.batch_size;
    if !batch.is_multiple_of(top.world()) {
        return Err(Error::Usage(format!(
            "the batch of {batch} rows does not divide among {} peers ({} devices x {} nodes)",
            top.world(),
            top.devices,
            top.nodes()
        ))
        .into());
    }
    let threads = device::init_threads(args.threads);
    let micro_batch = ops
        .micro_batch
        .or((args.preset == crate::Preset::Medium).then_some(MEDIUM_MICRO_BATCH));
    let rows = micro_batch.unwrap_or(config.data.batch_size);
    // A pass's largest tensor must fit in one of the device's buffers (evaluation takes `rows`).
    device::check_fits(top.kind, top.devices, &config, rows)?;
    let shares = crate::parallel::peers::shares(args.device, ops.plain_ops, threads, rows);
    let ctx = RunContext {
        config,
        data,
        dir: args.run_dir(),
        quiet: args.quiet,
        micro_batch,
        // The fused kernels and the host Newton–Schulz are CPU code: a GPU runs the plain ops
        // throughout, its optimiser's Newton–Schulz in burn ops on the device.
        ops: if ops.plain_ops || args.device != device::DeviceKind::Flex {
            Ops::Plain
        } else {
            Ops::Fused
        },
        peers: crate::parallel::peers::Peers::new(shares, threads)?,
    };
    Ok((ctx, top, threads))
}

/// A machine other than node 0 ([`crate::run::follow`]).
fn follow(
    args: &RunArgs,
    ctx: &RunContext,
    top: &Topology,
    threads: usize,
    expected: &Expected,
) -> Result<Launched, LaunchError> {
    // The run folder is node 0's: this machine only computes its share. A run that has
    // ended with this config node 0 skips without joining, so this machine skips it too
    // (rather than wait for node 0 until the timeout).
    let saved = checkpoint::saved_step(&ctx.dir)?;
    if let Action::Skip {
        status,
        final_val_loss,
    } = plan_run(&ctx.dir, expected, saved)?
    {
        return Ok(Launched::Skipped {
            status,
            final_val_loss,
        });
    }
    let outcome = device::with_backend(
        args.device,
        crate::run::follow::Follow { ctx, top, threads },
    )??;
    Ok(Launched::Trained {
        action: Action::Train,
        outcome,
        checkpoints: Vec::new(),
    })
}

struct Job<'a, H: Hooks> {
    args: &'a RunArgs,
    ctx: &'a RunContext,
    top: &'a Topology,
    threads: usize,
    hooks: (&'a mut OpsHooks, &'a mut H),
    resume: bool,
}

impl<H: Hooks> WithBackend for Job<'_, H> {
    type Output = Result<RunOutcome>;
    fn run<B: TrainBackend>(mut self, device: B::Device) -> Self::Output {
        if self.resume {
            resume_on::<B>(self.ctx, self.top, self.threads, &mut self.hooks, &device)
        } else {
            // A checkpoint left by an earlier config or attempt must not outlive its log.
            remove_if_present(&checkpoint::path(&self.ctx.dir))?;
            start_on::<B, H>(self, &device)
        }
    }
}

/// Writes run.json, then trains from a fresh state.
fn start_on<B: TrainBackend, H: Hooks>(
    mut job: Job<'_, H>,
    device: &B::Device,
) -> Result<RunOutcome> {
    let ctx = job.ctx;
    let state = TrainState::<B>::fresh(&ctx.config, device);
    let info = crate::run_info(job.args, ctx, job.threads, job.top, &state.model);
    let mut writer = train::log::start_fresh(&ctx.dir, &info)?;
    // Every peer starts from the seed (the leader tells the other machines so).
    let fresh = |d: &B::Device, m: &Member<B::InnerBackend>| {
        m.agree(0)?;
        Ok(TrainState::<B>::fresh(&ctx.config, d))
    };
    devices::on_devices(
        ctx,
        job.top,
        job.threads,
        state,
        &fresh,
        &mut writer,
        &mut job.hooks,
        device,
    )
}

/// Continues the run in `ctx.dir` from its checkpoint, with the log made consistent first.
fn resume_on<B: TrainBackend>(
    ctx: &RunContext,
    top: &Topology,
    threads: usize,
    hooks: &mut impl Hooks,
    device: &B::Device,
) -> Result<RunOutcome> {
    let state = checkpoint::load::<B>(&ctx.dir, &ctx.config, device)?;
    let metrics = ctx.dir.join(METRICS_FILE);
    // The loop evaluates again at the checkpoint's step: that line and any later one go (a torn
    // last line too), so the log has each evaluation exactly once.
    match state.step.checked_sub(1) {
        Some(keep) => {
            runlog::repair_metrics(&metrics, Some(keep as u64))?;
        }
        None => remove_if_present(&metrics)?,
    }
    // Running again: no summary and no lens until it ends.
    remove_if_present(&ctx.dir.join(SUMMARY_FILE))?;
    remove_if_present(&ctx.dir.join(runlog::LENS_FILE))?;
    let mut writer = MetricsWriter::open(&metrics)?;
    if !ctx.quiet {
        eprintln!(
            "{}: resuming from the checkpoint of step {}",
            ctx.dir.display(),
            state.step
        );
    }
    // Every peer loads the checkpoint (the leader tells the other machines which step).
    let step = state.step as u32;
    let load = |d: &B::Device, m: &Member<B::InnerBackend>| {
        m.agree(step + 1)?;
        checkpoint::load::<B>(&ctx.dir, &ctx.config, d)
    };
    devices::on_devices(ctx, top, threads, state, &load, &mut writer, hooks, device)
}

fn remove_if_present(p: &Path) -> Result<()> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(p, e)),
        _ => Ok(()),
    }
}
