//! Gradient accumulation: one optimiser step over the whole batch of `batch_size` rows, taken
//! `micro` rows at a time, so that a GPU holding fewer rows still steps on modded-nanogpt's
//! 8 x 64Ki tokens. Each micro-batch's mean loss is weighted by its share of the rows, so the
//! step's loss and gradient are the whole batch's mean (up to float rounding).
//! Without a micro-batch size (or one >= the batch) this is the plain single pass.

use crate::data::loader::HostBatch;
use crate::device::TrainBackend;
use crate::kernels::Ops;
use crate::model::{Batch, Gpt};
use crate::optim::HostGrads;
use burn::tensor::ElementConversion;

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

/// Forward and backward over `host`, `micro` rows at a time: the step's mean loss (non-finite
/// as soon as a micro-batch's is: the caller stops) and its gradients on the host, ready for
/// the optimiser (or, with several peers, for an all-reduce first).
pub fn forward_backward<B: TrainBackend>(
    model: &Gpt<B>,
    host: &HostBatch,
    micro: Option<usize>,
    ops: Ops,
    device: &B::Device,
) -> (f64, HostGrads) {
    let (heads, head_dim) = (model.heads, model.head_dim);
    let total_rows = host.batch;
    let micro = micro.unwrap_or(total_rows).clamp(1, total_rows);
    let mut grads = HostGrads::default();
    let mut total = 0.0;
    for r0 in (0..total_rows).step_by(micro) {
        let whole = micro == total_rows;
        let part = if whole {
            host.clone()
        } else {
            rows(host, r0, (r0 + micro).min(total_rows))
        };
        let weight = part.batch as f64 / total_rows as f64;
        let batch = Batch::<B>::new(&part, heads, head_dim, ops, device);
        let mut loss = model.forward(&batch, false).loss;
        if !whole {
            loss = loss.mul_scalar(weight);
        }
        let value: f64 = loss.clone().into_scalar().elem();
        total += value;
        if !value.is_finite() {
            break;
        }
        grads.accumulate(HostGrads::of(model, loss.backward()));
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
    fn micro_batches_give_the_whole_batch_loss_and_gradient() {
        let mut cfg = crate::Preset::Tiny.config(1, 0);
        cfg.model.vocab = 50;
        let device = Default::default();
        let mut model = Gpt::<B>::new(&cfg.model, 3, &device);
        let mut rng = crate::rng::Rng::new(9);
        let window: Vec<u16> = (0..5 * 16 + 1).map(|_| rng.below(50) as u16).collect();
        let host = HostBatch::from_window(&window, 5, 16, 0);
        // One step first: the zero-initialised head would leave every other gradient zero.
        let (_, g) = forward_backward(&model, &host, None, Ops::Fused, &device);
        let h = StepHyper::at(0, &cfg.optim, &cfg.schedule);
        model = optim::step(
            model,
            &g,
            &mut OptimState::default(),
            &cfg.optim,
            h,
            Ops::Fused,
        );
        let (whole_loss, whole) = forward_backward(&model, &host, None, Ops::Fused, &device);
        // 5 rows by 2: uneven micro-batches (2, 2, 1) weigh by their rows.
        let (acc_loss, acc) = forward_backward(&model, &host, Some(2), Ops::Fused, &device);
        assert!(
            (whole_loss - acc_loss).abs() < 1e-5,
            "{whole_loss} vs {acc_loss}"
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
        assert!(max_diff <= 1e-4 * max_abs, "{max_diff} vs {max_abs}");
    }

    #[test]
    fn medium_steps_on_eight_times_64ki_tokens_in_rows_of_4096() {
        let c = crate::Preset::Medium.config(2, 0);
        assert_eq!(c.tokens_per_step(), 8 * 64 * 1024);
        assert_eq!(c.data.seq_len, 4096);
        assert_eq!(c.data.batch_size % crate::launch::MEDIUM_MICRO_BATCH, 0);
    }
}
