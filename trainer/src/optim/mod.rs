//! Optimisation: the step's gradients on the host by parameter path ([`HostGrads`]: what
//! data-parallel peers would all-reduce before stepping) -> parameter groups, listed explicitly
//! ([`groups`]) -> Muon (hidden matrices) or Adam (embeddings, head, scalars), every parameter a
//! task of its own, over the cores -> scheduled learning rates ([`schedule`]). All optimiser
//! state is plain host data in [`OptimState`], keyed by parameter path, so a checkpoint can
//! store it as is.

pub mod adam;
pub mod groups;
pub mod muon;
pub mod schedule;

use crate::config::{OptimConfig, ScheduleConfig};
use crate::kernels::Ops;
use crate::model::Gpt;
use crate::params;
use crate::tensorfile::HostTensor;
use adam::AdamSlot;
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
pub use groups::Group;
use muon::{MuonSlot, MuonStep};
use rayon::prelude::*;
use std::collections::BTreeMap;

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

/// One step's gradients on the host, by parameter path (parameters without one are absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostGrads {
    pub by_path: BTreeMap<String, Vec<f32>>,
}

impl HostGrads {
    /// The gradients a backward pass left for `model`'s parameters.
    pub fn of<B: AutodiffBackend, M: Module<B>>(model: &M, grads: &B::Gradients) -> Self {
        struct Take<'a, B: AutodiffBackend> {
            grads: &'a B::Gradients,
            path: Vec<String>,
            out: BTreeMap<String, Vec<f32>>,
        }
        impl<B: AutodiffBackend> ModuleVisitor<B> for Take<'_, B> {
            fn enter_module(&mut self, name: &str, _container: &str) {
                self.path.push(name.to_owned());
            }
            fn exit_module(&mut self, _name: &str, _container: &str) {
                self.path.pop();
            }
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
                if let Some(g) = param.val().grad(self.grads) {
                    self.out.insert(self.path.join("."), host(g));
                }
            }
        }
        let mut t = Take::<B> {
            grads,
            path: Vec::new(),
            out: BTreeMap::new(),
        };
        model.visit(&mut t);
        HostGrads { by_path: t.out }
    }

    /// Adds `other` in (gradient accumulation over micro-batches).
    pub fn accumulate(&mut self, other: HostGrads) {
        for (path, g) in other.by_path {
            match self.by_path.get_mut(&path) {
                Some(acc) => acc.iter_mut().zip(&g).for_each(|(a, b)| *a += b),
                None => {
                    self.by_path.insert(path, g);
                }
            }
        }
    }
}

fn host<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().into_vec::<f32>().expect("f32 tensor")
}

/// One parameter's update: its values, gradient, group and optimiser slot.
struct Job<'a> {
    path: String,
    param: HostTensor,
    grad: &'a [f32],
    slot: Slot,
}

enum Slot {
    Muon { slot: MuonSlot, mlp: bool },
    Adam { slot: AdamSlot, lr: f64 },
}

/// Applies one optimiser step to every parameter of `model` that has a gradient. With
/// [`Ops::Fused`] the parameters are updated in parallel, Newton–Schulz on the host; with
/// [`Ops::Plain`] one after another, Newton–Schulz in burn ops on the model's backend.
pub fn step<B: AutodiffBackend>(
    model: Gpt<B>,
    grads: &HostGrads,
    state: &mut OptimState,
    cfg: &OptimConfig,
    h: StepHyper,
    ops: Ops,
) -> Gpt<B> {
    let groups = groups::of(&model);
    let mut values = params::collect(&model);
    let mut jobs = Vec::new();
    for (path, group) in &groups {
        let Some(grad) = grads.by_path.get(path) else {
            continue;
        };
        let param = values
            .remove(path)
            .expect("groups are checked against the model");
        let n = param.data.len();
        let slot = match *group {
            Group::Muon { mlp } => Slot::Muon {
                slot: state.muon.remove(path).unwrap_or_else(|| MuonSlot::new(n)),
                mlp,
            },
            group => Slot::Adam {
                slot: state.adam.remove(path).unwrap_or_else(|| AdamSlot::new(n)),
                lr: h.lr_mult
                    * match group {
                        Group::Embed => cfg.lr_embed,
                        Group::Head => cfg.lr_head,
                        _ => cfg.lr_scalar,
                    },
            },
        };
        jobs.push(Job {
            path: path.clone(),
            param,
            grad,
            slot,
        });
    }
    let device = model.lm_head.val().device();
    match ops {
        Ops::Fused => jobs.par_iter_mut().for_each(|j| {
            let (r, c) = dims2(&j.param);
            j.run(cfg, h, |u| muon::newton_schulz_host(&u, r, c))
        }),
        Ops::Plain => jobs.iter_mut().for_each(|j| {
            let shape = dims2(&j.param);
            j.run(cfg, h, |u| {
                let u = Tensor::<B::InnerBackend, 2>::from_data(
                    TensorData::new(u, [shape.0, shape.1]),
                    &device,
                );
                host(muon::newton_schulz(u))
            })
        }),
    }
    for j in jobs {
        match j.slot {
            Slot::Muon { slot, .. } => {
                state.muon.insert(j.path.clone(), slot);
            }
            Slot::Adam { slot, .. } => {
                state.adam.insert(j.path.clone(), slot);
            }
        }
        values.insert(j.path, j.param);
    }
    params::load(
        model,
        &mut values,
        "",
        std::path::Path::new("the optimiser step"),
    )
    .expect("every parameter is written back with its shape")
}

/// `[rows, cols]` of a matrix (a vector counts as one row).
fn dims2(t: &HostTensor) -> (usize, usize) {
    match t.shape[..] {
        [r, c] => (r, c),
        _ => (1, t.data.len()),
    }
}

impl Job<'_> {
    fn run(
        &mut self,
        o: &OptimConfig,
        h: StepHyper,
        orthogonalise: impl FnOnce(Vec<f32>) -> Vec<f32>,
    ) {
        let shape = dims2(&self.param);
        match &mut self.slot {
            Slot::Muon { slot, mlp } => {
                assert_eq!(
                    self.param.shape.len(),
                    2,
                    "{}: Muon takes matrices",
                    self.path
                );
                let hyper = MuonStep {
                    lr: o.muon_lr * h.lr_mult,
                    momentum: h.momentum,
                    weight_decay: o.muon_weight_decay,
                    wd_mul: if *mlp { o.muon_mlp_wd_mul } else { 1.0 },
                };
                slot.step(
                    &mut self.param.data,
                    self.grad,
                    shape,
                    &hyper,
                    orthogonalise,
                );
            }
            Slot::Adam { slot, lr } => slot.step(
                &mut self.param.data,
                self.grad,
                *lr,
                o.adam_beta1,
                o.adam_beta2,
                o.adam_eps,
            ),
        }
    }
}
