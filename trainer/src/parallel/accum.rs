//! A step's forward and backward passes over its rows, shared out two ways. Peers: on the CPU,
//! the rows are split among as many peers as there are threads, each running the model on its
//! share, in its own pool ([`crate::parallel::peers`]), with its own copy of the parameters' leaves (so
//! their autodiff graphs stay apart), side by side; their gradients are summed in peer order, as
//! an all-reduce would, before the one optimiser step. Micro-batches: `micro` rows at a time, one after another, so that a GPU
//! holding fewer rows still steps on modded-nanogpt's 8 x 64Ki tokens. Each share's mean loss is
//! weighted by its part of the rows, so the step's loss and gradient are the whole batch's mean
//! (up to float rounding). With one peer and no micro-batch size this is the plain single pass.

use crate::data::loader::HostBatch;
use crate::device::TrainBackend;
use crate::kernels::Ops;
use crate::model::{Batch, Gpt};
use crate::optim::HostGrads;
use crate::parallel::peers::Peers;
use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{ElementConversion, Tensor};

/// Rows `r0..r1` of a host batch.
pub fn rows(host: &HostBatch, r0: usize, r1: usize) -> HostBatch {
    let (a, b) = (r0 * host.seq, r1 * host.seq);
    HostBatch {
        batch: r1 - r0,
        seq: host.seq,
        inputs: host.inputs[a..b].to_vec(),
        targets: host.targets[a..b].to_vec(),
        docs: host.docs[a..b].to_vec(),
    }
}

/// One peer's forward pass: its copy of the model and its weighted loss.
pub struct Pass<B: TrainBackend> {
    model: Gpt<B>,
    loss: Tensor<B, 1>,
    value: f64,
}

/// The model with fresh autodiff leaves over the same values (no copy): a peer's own graph.
fn leaves<B: AutodiffBackend>(model: &Gpt<B>) -> Gpt<B> {
    struct Fresh;
    impl<B: AutodiffBackend> ModuleMapper<B> for Fresh {
        fn map_float<const D: usize>(&mut self, p: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let (id, t, mapper) = p.consume();
            Param::from_mapped_value(id, Tensor::from_inner(t.inner()).require_grad(), mapper)
        }
    }
    model.clone().map(&mut Fresh)
}

/// Forward passes over `host`, a part of a step of `step_rows` rows, one share per peer.
pub fn forward<B: TrainBackend>(
    model: &Gpt<B>,
    host: &HostBatch,
    step_rows: usize,
    peers: &Peers,
    ops: Ops,
    device: &B::Device,
) -> Vec<Pass<B>> {
    let n = peers.len().clamp(1, host.batch);
    let shares = (0..n)
        .map(|p| {
            let (r0, r1) = (p * host.batch / n, (p + 1) * host.batch / n);
            if n == 1 {
                host.clone()
            } else {
                rows(host, r0, r1)
            }
        })
        .collect();
    peers.run(shares, |_, part: HostBatch| {
        let model = leaves(model);
        let batch = Batch::<B>::new(&part, model.heads, model.head_dim, ops, device);
        let mut loss = model.forward(&batch, false).loss;
        if part.batch != step_rows {
            loss = loss.mul_scalar(part.batch as f64 / step_rows as f64);
        }
        let value = loss.clone().into_scalar().elem::<f64>();
        Pass { model, loss, value }
    })
}

/// The backward passes, each in its peer's pool: the summed loss and gradients, in peer order.
pub fn backward<B: TrainBackend>(passes: Vec<Pass<B>>, peers: &Peers) -> (f64, HostGrads) {
    let value = passes.iter().map(|p| p.value).sum();
    let grads = peers.run(passes, |_, p| HostGrads::of(&p.model, p.loss.backward()));
    let mut grads = grads.into_iter();
    let mut total = grads.next().unwrap_or_default();
    for g in grads {
        total.accumulate(g);
    }
    (value, total)
}

/// Forward and backward over `host` (a step's `step_rows` rows, or a data-parallel peer's share
/// of them), `micro` rows at a time (`None`: all of `host`), each part shared out among the
/// peers: the step's mean loss (non-finite as soon as a pass's is: the
/// caller stops) and its gradients on the host, ready for the optimiser.
pub fn forward_backward<B: TrainBackend>(
    model: &Gpt<B>,
    host: &HostBatch,
    step_rows: usize,
    micro: Option<usize>,
    peers: &Peers,
    ops: Ops,
    device: &B::Device,
) -> (f64, HostGrads) {
    let total_rows = host.batch;
    let micro = micro.unwrap_or(total_rows).clamp(1, total_rows);
    let mut grads = HostGrads::default();
    let mut total = 0.0;
    for r0 in (0..total_rows).step_by(micro) {
        let part = if micro == total_rows {
            host.clone()
        } else {
            rows(host, r0, (r0 + micro).min(total_rows))
        };
        let passes = forward(model, &part, step_rows, peers, ops, device);
        if passes.iter().any(|p| !p.value.is_finite()) {
            // Full-size zeros: a data-parallel peer's share must still meet the others' sums.
            return (f64::NAN, HostGrads::zeros(model));
        }
        let (value, g) = backward(passes, peers);
        total += value;
        grads.accumulate(g);
    }
    (total, grads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::FlexAutodiff;
    use crate::optim::{self, OptimState, StepHyper};

    type B = FlexAutodiff;

    #[test]
    fn micro_batches_and_peers_give_the_whole_batch_loss_and_gradient() {
        let mut cfg = crate::Preset::Tiny.config(1, 0);
        cfg.model.vocab = 50;
        let device = Default::default();
        let mut model = Gpt::<B>::new(&cfg.model, 3, &device);
        let mut rng = crate::rng::Rng::new(9);
        let window: Vec<u16> = (0..5 * 16 + 1).map(|_| rng.below(50) as u16).collect();
        let host = HostBatch::from_window(&window, 5, 16, 0);
        // One step first: the zero-initialised head would leave every other gradient zero.
        let one = Peers::new(1, 1).unwrap();
        let (_, g) = forward_backward(&model, &host, 5, None, &one, Ops::Fused, &device);
        let h = StepHyper::at(0, &cfg.optim, &cfg.schedule);
        model = optim::step(
            model,
            &g,
            &mut OptimState::default(),
            &cfg.optim,
            h,
            Ops::Fused,
        );
        let (whole_loss, whole) =
            forward_backward(&model, &host, 5, None, &one, Ops::Fused, &device);
        // 5 rows by 2: uneven micro-batches (2, 2, 1) weigh by their rows; then 3 peers (1, 2,
        // 2 rows) side by side, and both at once.
        for s @ (peers, micro) in [(1, Some(2)), (3, None), (2, Some(4))] {
            let p = Peers::new(peers, peers).unwrap();
            let (acc_loss, acc) =
                forward_backward(&model, &host, 5, micro, &p, Ops::Fused, &device);
            compare(whole_loss, &whole, acc_loss, &acc, s);
        }
    }

    #[test]
    fn a_non_finite_pass_yields_zeros_in_the_layout_of_a_finite_ones_gradients() {
        let mut cfg = crate::Preset::Tiny.config(1, 0);
        cfg.model.vocab = 50;
        let device = Default::default();
        let mut model = Gpt::<B>::new(&cfg.model, 3, &device);
        let window: Vec<u16> = (0..4 * 16 + 1).map(|i| (i * 7 % 50) as u16).collect();
        let host = HostBatch::from_window(&window, 4, 16, 0);
        let two = Peers::new(2, 2).unwrap();
        let (_, finite) = forward_backward(&model, &host, 4, Some(2), &two, Ops::Fused, &device);
        let [r, c] = model.lm_head.val().dims();
        model.lm_head = burn::module::Param::from_tensor(burn::tensor::Tensor::from_data(
            burn::tensor::TensorData::new(vec![f32::NAN; r * c], [r, c]),
            &device,
        ));
        let (loss, nan) = forward_backward(&model, &host, 4, Some(2), &two, Ops::Fused, &device);
        assert!(loss.is_nan());
        // What a data-parallel peer sends the others must have the same length as theirs.
        let layout = |g: &HostGrads| -> Vec<(String, usize)> {
            g.by_path
                .iter()
                .map(|(p, v)| (p.clone(), v.len()))
                .collect()
        };
        assert_eq!(layout(&nan), layout(&finite));
        assert!(nan.by_path.values().flatten().all(|x| *x == 0.0));
    }

    fn compare(
        whole_loss: f64,
        whole: &HostGrads,
        acc_loss: f64,
        acc: &HostGrads,
        s: (usize, Option<usize>),
    ) {
        assert!(
            (whole_loss - acc_loss).abs() < 1e-5,
            "{s:?}: {whole_loss} vs {acc_loss}"
        );
        assert!(
            whole.by_path.len() > 90,
            "{} gradients",
            whole.by_path.len()
        );
        assert_eq!(
            whole.by_path.keys().collect::<Vec<_>>(),
            acc.by_path.keys().collect::<Vec<_>>()
        );
        let (mut max_diff, mut max_abs) = (0.0f32, 0.0f32);
        for (path, w) in &whole.by_path {
            for (x, y) in w.iter().zip(&acc.by_path[path]) {
                max_diff = max_diff.max((x - y).abs());
                max_abs = max_abs.max(x.abs());
            }
        }
        assert!(max_abs > 0.0);
        assert!(max_diff <= 1e-4 * max_abs, "{s:?}: {max_diff} vs {max_abs}");
    }

    #[test]
    fn medium_steps_on_eight_times_64ki_tokens_in_rows_of_4096() {
        let c = crate::Preset::Medium.config(2, 0);
        assert_eq!(c.tokens_per_step(), 8 * 64 * 1024);
        assert_eq!(c.data.seq_len, 4096);
        assert_eq!(
            c.data.batch_size % crate::run::launch::MEDIUM_MICRO_BATCH,
            0
        );
    }
}
