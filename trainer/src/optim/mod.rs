//! Optimisation: gradients -> parameter groups (by path in the model) -> Muon (hidden matrices)
//! or Adam (embeddings, head, scalars) -> scheduled learning rates ([`schedule`]).
//! All optimiser state is plain host data in [`OptimState`], keyed by parameter path, so a
//! checkpoint can store it as is.

pub mod adam;
pub mod muon;
pub mod schedule;

use crate::config::{OptimConfig, ScheduleConfig};
use adam::AdamSlot;
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use muon::{MuonSlot, MuonStep};
use std::collections::BTreeMap;

/// Which optimiser and learning rate a parameter gets (modded-nanogpt's groups).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Group {
    /// Hidden matrices; `wd_mul` 2 on MLP weights.
    Muon {
        wd_mul: f64,
    },
    Embed,
    Head,
    Scalar,
}

/// The group of the parameter at `path` (field names joined by dots, e.g. `blocks.3.mlp.fc`).
pub fn group_of(path: &str) -> Group {
    let first = path.split('.').next().unwrap_or("");
    match first {
        "embeds" | "value_embeds" => Group::Embed,
        "lm_head" => Group::Head,
        "blocks" if path.contains(".mlp.") => Group::Muon { wd_mul: 2.0 },
        "blocks" => Group::Muon { wd_mul: 1.0 },
        _ => Group::Scalar,
    }
}

/// Both optimisers' state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OptimState {
    pub adam: BTreeMap<String, AdamSlot>,
    pub muon: BTreeMap<String, MuonSlot>,
}

/// Learning rates and momentum for one step, after the schedules.
#[derive(Debug, Clone, Copy)]
pub struct StepHyper {
    pub lr_mult: f64,
    pub momentum: f64,
}

impl StepHyper {
    pub fn at(step: usize, o: &OptimConfig, s: &ScheduleConfig) -> Self {
        StepHyper {
            lr_mult: schedule::lr_multiplier(step, s),
            momentum: schedule::muon_momentum(step, o),
        }
    }
}

/// Applies one optimiser step to every parameter of `module` that has a gradient.
pub fn step<B: AutodiffBackend, M: Module<B>>(
    module: M,
    grads: &B::Gradients,
    state: &mut OptimState,
    cfg: &OptimConfig,
    h: StepHyper,
) -> M {
    let mut stepper = Stepper::<B> {
        grads: Grads::Raw(grads),
        state,
        cfg,
        h,
        path: Vec::new(),
    };
    module.map(&mut stepper)
}

/// [`step`] with gradients gathered by parameter id (accumulated over micro-batches).
pub fn step_accumulated<B: AutodiffBackend, M: Module<B>>(
    module: M,
    grads: &burn::optim::GradientsParams,
    state: &mut OptimState,
    cfg: &OptimConfig,
    h: StepHyper,
) -> M {
    let mut stepper = Stepper::<B> {
        grads: Grads::ById(grads),
        state,
        cfg,
        h,
        path: Vec::new(),
    };
    module.map(&mut stepper)
}

/// Where a parameter's gradient comes from: one backward pass, or an accumulation.
enum Grads<'a, B: AutodiffBackend> {
    Raw(&'a B::Gradients),
    ById(&'a burn::optim::GradientsParams),
}

struct Stepper<'a, B: AutodiffBackend> {
    grads: Grads<'a, B>,
    state: &'a mut OptimState,
    cfg: &'a OptimConfig,
    h: StepHyper,
    path: Vec<String>,
}

fn host(t: Tensor<impl Backend, 1>) -> Vec<f32> {
    t.into_data().into_vec::<f32>().expect("f32 tensor")
}

impl<B: AutodiffBackend> ModuleMapper<B> for Stepper<'_, B> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let grad = match &self.grads {
            Grads::Raw(g) => tensor.grad(g),
            Grads::ById(g) => g.get::<B::InnerBackend, D>(id),
        };
        let Some(grad) = grad else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let path = self.path.join(".");
        let dims = tensor.dims();
        let n: usize = dims.iter().product();
        let device = grad.device();
        let mut p = host(tensor.inner().reshape([n]));
        let g = host(grad.reshape([n]));
        let (o, h) = (self.cfg, self.h);
        match group_of(&path) {
            Group::Muon { wd_mul } => {
                assert_eq!(D, 2, "{path}: Muon takes matrices");
                let slot = self
                    .state
                    .muon
                    .entry(path)
                    .or_insert_with(|| MuonSlot::new(n));
                let hyper = MuonStep {
                    lr: o.muon_lr * h.lr_mult,
                    momentum: h.momentum,
                    weight_decay: o.muon_weight_decay,
                    wd_mul: if wd_mul > 1.0 { o.muon_mlp_wd_mul } else { 1.0 },
                };
                slot.step::<B::InnerBackend>(&mut p, &g, dims[0], dims[1], &hyper, &device);
            }
            group => {
                let lr = match group {
                    Group::Embed => o.lr_embed,
                    Group::Head => o.lr_head,
                    _ => o.lr_scalar,
                } * h.lr_mult;
                let slot = self
                    .state
                    .adam
                    .entry(path)
                    .or_insert_with(|| AdamSlot::new(n));
                slot.step(&mut p, &g, lr, o.adam_beta1, o.adam_beta2, o.adam_eps);
            }
        }
        let updated = Tensor::<B::InnerBackend, D>::from_data(TensorData::new(p, dims), &device);
        Param::from_mapped_value(id, Tensor::from_inner(updated).require_grad(), mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_modded_nanogpt() {
        assert_eq!(group_of("embeds.2"), Group::Embed);
        assert_eq!(group_of("value_embeds.0"), Group::Embed);
        assert_eq!(group_of("lm_head"), Group::Head);
        assert_eq!(group_of("lambdas"), Group::Scalar);
        assert_eq!(group_of("skip_weights"), Group::Scalar);
        assert_eq!(group_of("blocks.3.attn.q"), Group::Muon { wd_mul: 1.0 });
        assert_eq!(group_of("blocks.3.mlp.fc"), Group::Muon { wd_mul: 2.0 });
    }
}
