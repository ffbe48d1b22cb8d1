//! Extension points of the training loop: what the operations (checkpoints, signals) and the
//! tests hook in after each step and each evaluation, and how they tell the loop to stop; with
//! data-parallel peers, how the leader's decision becomes everyone's ([`decide`]).

use super::state::{Lane, RunContext, TrainState};
use crate::device::TrainBackend;
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
    /// Another peer of a data-parallel run was stopped by a signal (Ctrl-C on node 1, say): do
    /// what a signal here would have done, before the run stops as `interrupted`.
    fn interrupted<B: AutodiffBackend>(
        &mut self,
        _ctx: &RunContext,
        _state: &TrainState<B>,
    ) -> Result<()> {
        Ok(())
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
    fn interrupted<B: AutodiffBackend>(
        &mut self,
        ctx: &RunContext,
        state: &TrainState<B>,
    ) -> Result<()> {
        self.0.interrupted(ctx, state)?;
        self.1.interrupted(ctx, state)
    }
}

/// The leader's decision, taken by every peer (without peers, `control` itself). A signal that
/// reached any peer stops them all as one to the leader does: the leader's hooks first save what
/// a signal there would (its checkpoint), then every peer stops as `interrupted`.
pub(super) fn decide<B: TrainBackend>(
    lane: &Lane<B>,
    control: Control,
    hooks: &mut impl Hooks,
    ctx: &RunContext,
    state: &TrainState<B>,
) -> Result<Control> {
    const STOPS: [Status; 3] = [Status::Finished, Status::Diverged, Status::Interrupted];
    let Some(m) = lane.member else {
        return Ok(control);
    };
    let code = match control {
        Control::Continue => 0,
        Control::Stop(s) => 1 + STOPS.iter().position(|x| *x == s).unwrap_or(0) as u32,
    };
    let (code, signalled) = m.decide(code, crate::interrupt::requested())?;
    if code > 0 {
        return Ok(Control::Stop(
            STOPS[(code as usize - 1).min(STOPS.len() - 1)],
        ));
    }
    if !signalled {
        return Ok(Control::Continue);
    }
    if m.leads() {
        hooks.interrupted(ctx, state)?;
    }
    Ok(Control::Stop(Status::Interrupted))
}
