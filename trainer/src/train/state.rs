//! What the loop works on and with: the training state it owns ([`TrainState`]), the run's
//! context ([`RunContext`]), one peer's place in a data-parallel run ([`Lane`]) and how the run
//! ended ([`RunOutcome`]).

use crate::config::Config;
use crate::data::loader::Loader;
use crate::data::Dataset;
use crate::device::TrainBackend;
use crate::kernels::Ops;
use crate::model::Gpt;
use crate::optim::OptimState;
use crate::parallel::collective::Member;
use crate::parallel::peers::Peers;
use crate::rng::Rng;
use burn::tensor::backend::AutodiffBackend;
use runlog::Status;
use std::path::PathBuf;

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
    pub peers: Peers,
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

/// One data-parallel peer's part of a run (see [`crate::parallel::collective`]): the pools of its passes
/// and its place among the others. Without a member, the run is this one process and device.
pub struct Lane<'a, B: TrainBackend> {
    pub peers: &'a Peers,
    pub member: Option<&'a Member<B::InnerBackend>>,
}

// By hand: a derive would ask B to be Copy.
impl<B: TrainBackend> Clone for Lane<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: TrainBackend> Copy for Lane<'_, B> {}
