//! How a run is kept safe and spread, beside what it trains: the operations options of `trainer
//! run` (checkpoints, resume, micro-batches, plain ops, devices and machines) and the training
//! loop's operations hooks (a checkpoint every `--checkpoint-every` steps, at the end, and on
//! SIGINT/SIGTERM, which stops the run as `interrupted`).

use crate::checkpoint::{self, SaveStats};
use crate::collective::Topology;
use crate::config::ConfigHash;
use crate::error::{Error, Result};
use crate::interrupt;
use crate::train::{Control, Hooks, RunContext, TrainState};
use burn::tensor::backend::AutodiffBackend;
use runlog::{Metrics, Status};

/// The operations options of `trainer run` (and of the runs of a sweep).
#[derive(Debug, Clone, clap::Args)]
pub struct OpsArgs {
    /// Write a checkpoint every N steps (0: only at the end and on Ctrl-C).
    #[arg(long, default_value_t = 100)]
    pub checkpoint_every: usize,
    /// Stop after step K (after its evaluation, when one falls there) with a checkpoint, as
    /// an interrupted run that `--resume` continues: the schedule and the config stay the
    /// run's own, so its first K steps are exactly the whole run's.
    #[arg(long, value_name = "K")]
    pub stop_after_step: Option<usize>,
    /// Continue an interrupted run from its last checkpoint (a sweep always does).
    #[arg(long)]
    pub resume: bool,
    /// Rows (sequences) per forward/backward pass, when the batch does not fit in memory at
    /// once: gradients accumulate over the batch, so the run is the same (not in the config
    /// hash). Default: the whole batch; for the medium preset, 2 rows of 4096 tokens.
    #[arg(long)]
    pub micro_batch: Option<usize>,
    /// Run the model's plain burn ops instead of the fused CPU kernels (the kernels' oracle:
    /// the same numbers up to float rounding, more slowly). Not in the config hash.
    #[arg(long)]
    pub plain_ops: bool,
    /// Data-parallel peers in this process, one per device (GPUs 0..N-1; on the CPU, N peers
    /// on its cores, --threads / N threads each): each computes the gradient of its share of a
    /// step's rows (--micro-batch is per peer), summed by all-reduce. Not in the config hash.
    #[arg(long, default_value_t = 1)]
    pub devices: usize,
    /// Seconds a peer waits for the others before it stops the run with an error.
    #[arg(long, default_value_t = crate::collective::DEFAULT_TIMEOUT_S)]
    pub peer_timeout: u64,
    #[command(flatten)]
    pub nodes: crate::nodes::NodeArgs,
}

impl OpsArgs {
    /// How the run is spread over devices (and machines).
    pub fn topology(&self) -> Result<Topology> {
        if self.devices == 0 || self.peer_timeout == 0 {
            return Err(Error::Usage(
                "--devices and --peer-timeout must be at least 1".into(),
            ));
        }
        Ok(Topology {
            kind: crate::DeviceKind::Flex,
            devices: self.devices,
            global: self.nodes.global(|var| std::env::var(var).ok())?,
            timeout: std::time::Duration::from_secs(self.peer_timeout),
        })
    }
}

/// Rows per pass of the medium preset on one large GPU: an estimate (2 x 8 heads x 4096^2
/// attention scores, kept for backward in 15 layers, come to about 45 GB in f32).
pub const MEDIUM_MICRO_BATCH: usize = 2;

impl Default for OpsArgs {
    fn default() -> Self {
        OpsArgs {
            checkpoint_every: 100,
            stop_after_step: None,
            resume: false,
            micro_batch: None,
            plain_ops: false,
            devices: 1,
            peer_timeout: crate::collective::DEFAULT_TIMEOUT_S,
            nodes: Default::default(),
        }
    }
}

/// The loop's operations hooks: checkpoints and the stop on a signal.
pub struct OpsHooks {
    every: usize,
    stop_after: Option<usize>,
    eval_every: usize,
    total_steps: usize,
    config_hash: String,
    last_saved: Option<usize>,
    pub saves: Vec<SaveStats>,
}

impl OpsHooks {
    pub fn new(ctx: &RunContext, every: usize, stop_after: Option<usize>) -> Self {
        OpsHooks {
            every,
            stop_after,
            eval_every: ctx.config.data.eval_every,
            total_steps: ctx.config.schedule.steps,
            config_hash: ctx.config.config_hash(),
            last_saved: None,
            saves: Vec::new(),
        }
    }

    fn save<B: AutodiffBackend>(&mut self, ctx: &RunContext, state: &TrainState<B>) -> Result<()> {
        if self.last_saved != Some(state.step) {
            self.saves
                .push(checkpoint::save(&ctx.dir, state, &self.config_hash)?);
            self.last_saved = Some(state.step);
        }
        Ok(())
    }

    /// Stops on a signal, or at `--stop-after-step` (`evaluated`: this step's evaluation, if it
    /// has one, is logged).
    fn stop_if_asked<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
        evaluated: bool,
    ) -> Result<Control> {
        let at_stop = self.stop_after.is_some_and(|k| state.step >= k)
            && state.step < self.total_steps
            && (evaluated || !state.step.is_multiple_of(self.eval_every));
        if interrupt::requested() || at_stop {
            self.save(ctx, state)?;
            return Ok(Control::Stop(Status::Interrupted));
        }
        Ok(Control::Continue)
    }
}

impl Hooks for OpsHooks {
    fn after_step<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
    ) -> Result<Control> {
        if self.every > 0 && state.step.is_multiple_of(self.every) {
            self.save(ctx, state)?;
        }
        self.stop_if_asked(ctx, state, false)
    }

    fn after_eval<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
        _m: &Metrics,
    ) -> Result<Control> {
        // The final weights, for the export.
        if state.step >= self.total_steps {
            self.save(ctx, state)?;
        }
        self.stop_if_asked(ctx, state, true)
    }

    /// A signal to another machine of the run: the checkpoint a signal here would write.
    fn interrupted<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
    ) -> Result<()> {
        self.save(ctx, state)
    }
}
