//! One training step, as the loop runs it and the benches time it: this peer's rows forward and
//! backward (shared out among its pools, `micro_batch` rows at a time), the gradients summed
//! over the data-parallel peers, then the optimiser's update.

use super::state::Lane;
use crate::config::Config;
use crate::data::loader::HostBatch;
use crate::device::TrainBackend;
use crate::error::Result;
use crate::kernels::Ops;
use crate::model::Gpt;
use crate::optim::{split::Share, HostGrads, OptimState, Optimiser, StepHyper};
use crate::parallel::accum::{self, Pass};

/// A run's step: its config, its lane, how its passes run, and its optimiser (groups built once).
pub struct Step<'a, B: TrainBackend> {
    config: &'a Config,
    lane: Lane<'a, B>,
    micro_batch: Option<usize>,
    ops: Ops,
    optimiser: Optimiser,
}

impl<'a, B: TrainBackend> Step<'a, B> {
    pub fn new(
        config: &'a Config,
        model: &Gpt<B>,
        lane: Lane<'a, B>,
        micro_batch: Option<usize>,
        ops: Ops,
    ) -> Self {
        Step {
            config,
            lane,
            micro_batch,
            ops,
            optimiser: Optimiser::new(model, &config.optim),
        }
    }

    /// The forward passes over a whole step's rows at once, one share per pool (timed apart
    /// from [`Step::backward`] by the bench; [`Step::gradients`] is both).
    pub fn forward(&self, model: &Gpt<B>, host: &HostBatch, device: &B::Device) -> Vec<Pass<B>> {
        let rows = self.config.data.batch_size;
        accum::forward(model, host, rows, self.lane.peers, self.ops, device)
    }

    /// The backward passes of [`Step::forward`]'s: the summed loss and gradients.
    pub fn backward(&self, passes: Vec<Pass<B>>) -> (f64, HostGrads) {
        accum::backward(passes, self.lane.peers)
    }

    /// This peer's rows of `host`, forward and backward: its loss and gradients (the loss
    /// non-finite as soon as a pass's is).
    pub fn gradients(
        &self,
        model: &Gpt<B>,
        host: &HostBatch,
        device: &B::Device,
    ) -> (f64, HostGrads) {
        let mine = self.lane.member.map(|m| {
            let (r0, r1) = m.rows(host.batch);
            accum::rows(host, r0, r1)
        });
        let part = mine.as_ref().unwrap_or(host);
        let rows = self.config.data.batch_size;
        let peers = self.lane.peers;
        accum::forward_backward(model, part, rows, self.micro_batch, peers, self.ops, device)
    }

    /// The loss and gradients summed over the data-parallel peers (as they are without).
    pub fn reduce(&self, loss: f64, grads: HostGrads) -> Result<(f64, HostGrads)> {
        match self.lane.member {
            Some(m) => m.sum_grads(loss, grads),
            None => Ok((loss, grads)),
        }
    }

    /// The optimiser's update of step `step` (counted from 0) of the schedule.
    pub fn update(
        &self,
        model: Gpt<B>,
        grads: &HostGrads,
        state: &mut OptimState,
        step: usize,
    ) -> Result<Gpt<B>> {
        let hyper = StepHyper::at(step, &self.config.optim, &self.config.schedule);
        let share = self.lane.member.map(|m| m as &dyn Share);
        self.optimiser
            .step_shared(model, grads, state, hyper, self.ops, share)
    }
}
