//! Extension points of the training loop: what the operations (checkpoints, signals) and the
//! tests hook in after each step and each evaluation, and how they tell the loop to stop.

use super::{RunContext, TrainState};
use crate::error::Result;
use burn::tensor::backend::AutodiffBackend;
use runlog::{Metrics, Status};

/// What a hook tells the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// End the run now with this status (e.g. `Interrupted` on SIGINT).
    Stop(Status),
}

/// Extension points of the loop, for whichever backend it runs on; both default to doing
/// nothing. `Send`: a data-parallel run's leader trains in its device's thread pool.
pub trait Hooks: Send {
    /// After every optimiser step (`state.step` counts it).
    fn after_step<B: AutodiffBackend>(
        &mut self,
        _ctx: &RunContext,
        _state: &TrainState<B>,
    ) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// After every evaluation, once its metrics line is on disk.
    fn after_eval<B: AutodiffBackend>(
        &mut self,
        _ctx: &RunContext,
        _state: &TrainState<B>,
        _m: &Metrics,
    ) -> Result<Control> {
        Ok(Control::Continue)
    }
}

pub struct NoHooks;
impl Hooks for NoHooks {}

/// Two sets of hooks, the first called first; the run stops as soon as one says so.
impl<H1: Hooks, H2: Hooks> Hooks for (&mut H1, &mut H2) {
    fn after_step<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
    ) -> Result<Control> {
        match self.0.after_step(ctx, state)? {
            Control::Continue => self.1.after_step(ctx, state),
            stop => Ok(stop),
        }
    }
    fn after_eval<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
        m: &Metrics,
    ) -> Result<Control> {
        match self.0.after_eval(ctx, state, m)? {
            Control::Continue => self.1.after_eval(ctx, state, m),
            stop => Ok(stop),
        }
    }
}
