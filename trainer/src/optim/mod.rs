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
pub mod split;

use crate::config::{OptimConfig, ScheduleConfig};
use crate::kernels::Ops;
use crate::model::Gpt;
use crate::params;
use crate::tensorfile::HostTensor;
use adam::AdamSlot;
use burn::module::{Module, Param};
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
    /// The gradients a backward pass left for `model`'s parameters (taken out of `grads`, so
    /// that most need no copy), brought to the host in parallel.
    pub fn of<B: AutodiffBackend, M: Module<B>>(model: &M, mut grads: B::Gradients) -> Self {
        let flat = visit_flat(model, Source::Grads(&mut grads));
        let by_path = flat
            .into_par_iter()
            .map(|(path, t, _)| (path, host(t)))
            .collect();
        HostGrads { by_path }
    }

    /// Zeros in the layout of `model`'s gradients: what a pass that went non-finite yields, so
    /// that a data-parallel peer still sends the others a sum of the same length.
    pub fn zeros<B: AutodiffBackend, M: Module<B>>(model: &M) -> Self {
        let by_path = visit_flat(model, Source::Values)
            .into_iter()
            .map(|(path, _, shape)| (path, vec![0.0; shape.iter().product()]))
            .collect();
        HostGrads { by_path }
    }

    /// Adds `other` in (peers' and micro-batches' gradients), over the cores.
    pub fn accumulate(&mut self, other: HostGrads) {
        const CHUNK: usize = 1 << 15;
        self.by_path.par_iter_mut().for_each(|(path, acc)| {
            if let Some(g) = other.by_path.get(path) {
                acc.par_chunks_mut(CHUNK)
                    .zip(g.par_chunks(CHUNK))
                    .for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a += b));
            }
        });
        for (path, g) in other.by_path {
            self.by_path.entry(path).or_insert(g);
        }
    }
}

/// What [`visit_flat`] takes from each parameter.
enum Source<'a, B: AutodiffBackend> {
    Values,
    /// Its gradient, taken out of these.
    Grads(&'a mut B::Gradients),
}

/// Every float parameter of `model` (values, or gradients where there is one), flattened: its
/// path, the tensor and its shape.
fn visit_flat<B: AutodiffBackend, M: Module<B>>(
    model: &M,
    source: Source<B>,
) -> Vec<(String, Tensor<B::InnerBackend, 1>, Vec<usize>)> {
    struct Flat<'a, B: AutodiffBackend> {
        source: Source<'a, B>,
        out: Vec<(String, Tensor<B::InnerBackend, 1>, Vec<usize>)>,
    }
    impl<B: AutodiffBackend> params::Visit<B> for Flat<'_, B> {
        fn float<const D: usize>(&mut self, path: String, param: &Param<Tensor<B, D>>) {
            let t = param.val();
            let shape = t.dims().to_vec();
            let n: usize = shape.iter().product();
            let inner = match &mut self.source {
                Source::Values => Some(t.inner()),
                Source::Grads(g) => t.grad_remove(g),
            };
            if let Some(t) = inner {
                self.out.push((path, t.reshape([n]), shape));
            }
        }
    }
    let flat = Flat::<B> {
        source,
        out: Vec::new(),
    };
    params::visit(model, flat).out
}

fn host<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().into_vec::<f32>().expect("f32 tensor")
}

/// One parameter's update: its values (on the device until the job runs), gradient, group and
/// optimiser slot.
struct Job<'a, B: Backend> {
    path: String,
    tensor: Option<Tensor<B, 1>>,
    param: HostTensor,
    grad: Option<&'a [f32]>,
    slot: Option<Slot>,
}

enum Slot {
    Muon { slot: MuonSlot, mlp: bool },
    Adam { slot: AdamSlot, lr: f64 },
}

/// The optimiser of one run: its settings and the model's parameter groups, listed and checked
/// once ([`groups::of`]).
pub struct Optimiser {
    cfg: OptimConfig,
    groups: BTreeMap<String, Group>,
}

/// Applies one optimiser step to every parameter of `model` that has a gradient (groups built
/// for this one step: a run keeps an [`Optimiser`]).
pub fn step<B: AutodiffBackend>(
    model: Gpt<B>,
    grads: &HostGrads,
    state: &mut OptimState,
    cfg: &OptimConfig,
    h: StepHyper,
    ops: Ops,
) -> Gpt<B> {
    Optimiser::new(&model, cfg)
        .step_shared(model, grads, state, h, ops, None)
        .expect("no peers, nothing to wait for")
}

impl Optimiser {
    pub fn new<B: Backend>(model: &Gpt<B>, cfg: &OptimConfig) -> Self {
        Optimiser {
            cfg: cfg.clone(),
            groups: groups::of(model),
        }
    }

    /// One step, as one of several data-parallel peers when `share` is given. With
    /// [`Ops::Fused`] the parameters are updated in parallel, Newton–Schulz on the host (each
    /// matrix's on one peer, a sum handing the results to all: [`split`]; an error when the
    /// others do not answer); with [`Ops::Plain`] one after another, Newton–Schulz in burn ops
    /// on the model's backend.
    pub fn step_shared<B: AutodiffBackend>(
        &self,
        model: Gpt<B>,
        grads: &HostGrads,
        state: &mut OptimState,
        h: StepHyper,
        ops: Ops,
        share: Option<&dyn split::Share>,
    ) -> crate::error::Result<Gpt<B>> {
        let cfg = &self.cfg;
        let mut jobs = self.jobs(&model, grads, state, h);
        let device = model.lm_head.val().device();
        match ops {
            Ops::Fused => {
                // Largest first, so that the cores finish together (Newton–Schulz dominates and
                // grows with the matrix); each job's result does not depend on when it runs.
                jobs.sort_by_key(|j| std::cmp::Reverse(j.param.shape.iter().product::<usize>()));
                match share {
                    Some(share) => split::step(&mut jobs, cfg, h, share)?,
                    None => jobs.par_iter_mut().with_max_len(1).for_each(|j| {
                        j.fetch();
                        let (r, c) = dims2(&j.param);
                        j.run(cfg, h, |u| muon::newton_schulz_host(&u, r, c))
                    }),
                }
            }
            Ops::Plain => jobs.iter_mut().for_each(|j| {
                j.fetch();
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
        Ok(write_back(model, jobs, state))
    }

    /// One job per parameter, with its gradient and its group's slot (taken out of `state`).
    fn jobs<'g, B: AutodiffBackend>(
        &self,
        model: &Gpt<B>,
        grads: &'g HostGrads,
        state: &mut OptimState,
        h: StepHyper,
    ) -> Vec<Job<'g, B::InnerBackend>> {
        let cfg = &self.cfg;
        visit_flat(model, Source::Values)
            .into_iter()
            .map(|(path, tensor, shape)| {
                let grad = grads.by_path.get(&path).map(Vec::as_slice);
                let n: usize = shape.iter().product();
                let slot = grad.map(|_| match self.groups[&path] {
                    Group::Muon { mlp } => Slot::Muon {
                        slot: state.muon.remove(&path).unwrap_or_else(|| MuonSlot::new(n)),
                        mlp,
                    },
                    group => Slot::Adam {
                        slot: state.adam.remove(&path).unwrap_or_else(|| AdamSlot::new(n)),
                        lr: h.lr_mult
                            * match group {
                                Group::Embed => cfg.lr_embed,
                                Group::Head => cfg.lr_head,
                                _ => cfg.lr_scalar,
                            },
                    },
                });
                Job {
                    path,
                    tensor: Some(tensor),
                    param: HostTensor::new(shape, Vec::new()),
                    grad,
                    slot,
                }
            })
            .collect()
    }
}

/// The slots back into `state` and the new values into `model`.
fn write_back<B: AutodiffBackend>(
    model: Gpt<B>,
    jobs: Vec<Job<B::InnerBackend>>,
    state: &mut OptimState,
) -> Gpt<B> {
    let mut values = BTreeMap::new();
    for j in jobs {
        match j.slot {
            Some(Slot::Muon { slot, .. }) => {
                state.muon.insert(j.path.clone(), slot);
            }
            Some(Slot::Adam { slot, .. }) => {
                state.adam.insert(j.path.clone(), slot);
            }
            None => {}
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

/// Muon's hyperparameters for one matrix at this step.
fn muon_step(o: &OptimConfig, h: StepHyper, mlp: bool) -> MuonStep {
    MuonStep {
        lr: o.muon_lr * h.lr_mult,
        momentum: h.momentum,
        weight_decay: o.muon_weight_decay,
        wd_mul: if mlp { o.muon_mlp_wd_mul } else { 1.0 },
    }
}

/// `[rows, cols]` of a matrix (a vector counts as one row).
fn dims2(t: &HostTensor) -> (usize, usize) {
    match t.shape[..] {
        [r, c] => (r, c),
        _ => (1, t.data.len()),
    }
}

impl<B: Backend> Job<'_, B> {
    /// Brings the parameter's values to the host (a copy: the model still holds them).
    fn fetch(&mut self) {
        if let Some(t) = self.tensor.take() {
            self.param.data = host(t);
        }
    }

    fn run(
        &mut self,
        o: &OptimConfig,
        h: StepHyper,
        orthogonalise: impl FnOnce(Vec<f32>) -> Vec<f32>,
    ) {
        let shape = dims2(&self.param);
        let (Some(slot), Some(grad)) = (&mut self.slot, self.grad) else {
            return; // no gradient: the parameter keeps its value
        };
        match slot {
            Slot::Muon { slot, mlp } => {
                assert_eq!(
                    self.param.shape.len(),
                    2,
                    "{}: Muon takes matrices",
                    self.path
                );
                let hyper = muon_step(o, h, *mlp);
                slot.step(&mut self.param.data, grad, shape, &hyper, orthogonalise);
            }
            Slot::Adam { slot, lr } => slot.step(
                &mut self.param.data,
                grad,
                *lr,
                o.adam_beta1,
                o.adam_beta2,
                o.adam_eps,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::loader::HostBatch;
    use crate::device::FlexAutodiff;
    use crate::model::Batch;

    #[test]
    fn host_gradients_are_every_parameters_gradient() {
        let mut cfg = crate::Preset::Tiny.config(2, 0).model;
        cfg.vocab = 30;
        let device = Default::default();
        let model = Gpt::<FlexAutodiff>::new(&cfg, 1, &device);
        let window: Vec<u16> = (0..2 * 16 + 1).map(|i| (i * 7 % 29) as u16).collect();
        let host_batch = HostBatch::from_window(&window, 2, 16, 0);
        let batch = Batch::new(&host_batch, 1, 64, Ops::Fused, &device);
        let grads = model.forward(&batch, false).loss.backward();
        let want = [
            ("lm_head", model.lm_head.val().grad(&grads)),
            ("embeds.1", model.embeds[1].val().grad(&grads)),
            ("lambdas", model.lambdas.val().grad(&grads)),
        ]
        .map(|(p, g)| (p, host(g.expect("a gradient"))));
        let fc = host(model.blocks[3].mlp.fc.val().grad(&grads).unwrap());
        let got = HostGrads::of(&model, grads);
        assert_eq!(got.by_path.len(), groups::paths(&model).len());
        for (path, g) in want {
            assert_eq!(got.by_path[path], g, "{path}");
        }
        assert_eq!(got.by_path["blocks.3.mlp.fc"], fc);
        assert!(got.by_path["lm_head"].iter().any(|&x| x != 0.0));
    }
}
