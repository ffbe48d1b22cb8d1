//! Gradient accumulation: one optimiser step over the whole batch of `batch_size` rows, taken
//! `micro` rows at a time, so that a GPU holding fewer rows still steps on modded-nanogpt's
//! 8 x 64Ki tokens. Each micro-batch's mean loss is weighted by its share of the rows, so the
//! step's loss and gradient are the whole batch's mean (up to float rounding).
//! Without a micro-batch size (or one >= the batch) this is the plain single pass.

use crate::config::OptimConfig;
use crate::data::loader::HostBatch;
use crate::model::{Batch, Gpt};
use crate::optim::{self, OptimState, StepHyper};
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::ElementConversion;

/// The gradients of one step.
pub enum StepGrads<B: AutodiffBackend> {
    /// One backward pass over the whole batch.
    Whole(B::Gradients),
    /// Summed over micro-batches.
    Accumulated(GradientsParams),
}

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
/// as soon as a micro-batch's is: the caller stops) and its gradients.
pub fn forward_backward<B: AutodiffBackend>(
    model: &Gpt<B>,
    host: &HostBatch,
    micro: Option<usize>,
    device: &B::Device,
) -> (f64, StepGrads<B>) {
    let (heads, head_dim) = (model.heads, model.head_dim);
    let total_rows = host.batch;
    let micro = micro.unwrap_or(total_rows).clamp(1, total_rows);
    if micro == total_rows {
        let batch = Batch::<B>::new(host, heads, head_dim, device);
        let loss = model.forward(&batch, false).loss;
        let value: f64 = loss.clone().into_scalar().elem();
        return (value, StepGrads::Whole(loss.backward()));
    }
    let mut acc = GradientsAccumulator::<Gpt<B>>::new();
    let mut total = 0.0;
    for r0 in (0..total_rows).step_by(micro) {
        let part = rows(host, r0, (r0 + micro).min(total_rows));
        let weight = part.batch as f64 / total_rows as f64;
        let batch = Batch::<B>::new(&part, heads, head_dim, device);
        let loss = model.forward(&batch, false).loss.mul_scalar(weight);
        let value: f64 = loss.clone().into_scalar().elem();
        total += value;
        if !value.is_finite() {
            break;
        }
        acc.accumulate(model, GradientsParams::from_grads(loss.backward(), model));
    }
    (total, StepGrads::Accumulated(acc.grads()))
}

/// The optimiser step with either kind of gradients.
pub fn apply<B: AutodiffBackend>(
    model: Gpt<B>,
    grads: &StepGrads<B>,
    state: &mut OptimState,
    cfg: &OptimConfig,
    h: StepHyper,
) -> Gpt<B> {
    match grads {
        StepGrads::Whole(g) => optim::step(model, g, state, cfg, h),
        StepGrads::Accumulated(g) => optim::step_accumulated(model, g, state, cfg, h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::FlexAutodiff;
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::tensor::Tensor;

    type B = FlexAutodiff;

    /// Largest |whole - accumulated| over every gradient, relative to the largest |whole|.
    struct Compare<'a> {
        whole: &'a <B as AutodiffBackend>::Gradients,
        acc: &'a GradientsParams,
        max_diff: f64,
        max_abs: f64,
        count: usize,
    }

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
        let (_, g) = forward_backward(&model, &host, None, &device);
        let h = StepHyper::at(0, &cfg.optim, &cfg.schedule);
        model = apply(model, &g, &mut OptimState::default(), &cfg.optim, h);
        let (whole_loss, whole) = forward_backward(&model, &host, None, &device);
        // 5 rows by 2: uneven micro-batches (2, 2, 1) weigh by their rows.
        let (acc_loss, acc) = forward_backward(&model, &host, Some(2), &device);
        assert!(
            (whole_loss - acc_loss).abs() < 1e-5,
            "{whole_loss} vs {acc_loss}"
        );
        let (StepGrads::Whole(whole), StepGrads::Accumulated(acc)) = (whole, acc) else {
            panic!("expected one whole pass and one accumulation");
        };
        let mut c = Compare {
            whole: &whole,
            acc: &acc,
            max_diff: 0.0,
            max_abs: 0.0,
            count: 0,
        };
        model.visit(&mut c);
        assert!(c.count > 90, "compared {} parameters", c.count);
        assert!(c.max_abs > 0.0);
        assert!(
            c.max_diff <= 1e-4 * c.max_abs,
            "{} vs {}",
            c.max_diff,
            c.max_abs
        );
    }

    #[test]
    fn medium_steps_on_eight_times_64ki_tokens_in_rows_of_4096() {
        let c = crate::Preset::Medium.config(2, 0);
        assert_eq!(c.tokens_per_step(), 8 * 64 * 1024);
        assert_eq!(c.data.seq_len, 4096);
        assert_eq!(c.data.batch_size % crate::launch::MEDIUM_MICRO_BATCH, 0);
    }

    impl ModuleVisitor<B> for Compare<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let w = param.val().grad(self.whole);
            let a = self
                .acc
                .get::<<B as AutodiffBackend>::InnerBackend, D>(param.id);
            let (Some(w), Some(a)) = (w, a) else {
                return;
            };
            let w = w.into_data().into_vec::<f32>().unwrap();
            let a = a.into_data().into_vec::<f32>().unwrap();
            for (x, y) in w.iter().zip(&a) {
                self.max_diff = self.max_diff.max((x - y).abs() as f64);
                self.max_abs = self.max_abs.max(x.abs() as f64);
            }
            self.count += 1;
        }
    }
}
