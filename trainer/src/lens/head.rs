//! One component through the language head, as the forward pass applies it to the last residual:
//! RMS norm, `·W` over the padded vocabulary, the softcap s = 15·z/sqrt(z² + 225). Per row:
//! the cross-entropy against the next token, the entropy of softmax(s), the most probable token.
//! Computed on the model's device, a chunk of rows at a time, so a medium model's 50304-wide
//! logits never exceed one chunk per component.

use crate::kernels::head::SOFTCAP;
use crate::kernels::{linear, norm, Kernels};
use crate::model::Batch;
use burn::tensor::{Int, Tensor, TensorData};

/// Logits per chunk at most (rows x padded vocabulary): 64 Mi floats, 256 MB.
const CHUNK_LOGITS: usize = 1 << 26;

/// Per row of a component: cross-entropy and entropy (nats), and the top-1 token.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    pub ce: Vec<f32>,
    pub entropy: Vec<f32>,
    pub top1: Vec<u32>,
}

/// The softcapped logits of `h` (`[rows, dim]`) through the head `w` (`[dim, padded vocab]`).
pub(super) fn softcapped<B: Kernels>(
    h: Tensor<B, 2>,
    w: Tensor<B, 2>,
    batch: &Batch<B>,
) -> Tensor<B, 2> {
    let c = f64::from(SOFTCAP);
    let z = linear(norm(h, batch), w, batch);
    z.clone().mul_scalar(c) * z.square().add_scalar(c * c).sqrt().recip()
}

/// [`Rows`] of `h` against `targets` (one per row).
pub(super) fn rows<B: Kernels>(
    h: Tensor<B, 2>,
    w: Tensor<B, 2>,
    targets: &[u32],
    batch: &Batch<B>,
) -> Rows {
    let [n, _] = h.dims();
    let width = w.dims()[1];
    let step = (CHUNK_LOGITS / width).clamp(1, n.max(1));
    let mut out = Rows::default();
    let device = h.device();
    for r0 in (0..n).step_by(step) {
        let r1 = (r0 + step).min(n);
        let t: Vec<i32> = targets[r0..r1].iter().map(|&t| t as i32).collect();
        let t = Tensor::<B, 2, Int>::from_data(TensorData::new(t, [r1 - r0, 1]), &device);
        let s = softcapped(h.clone().narrow(0, r0, r1 - r0), w.clone(), batch);
        let c = f64::from(SOFTCAP);
        // |s| < 15, so 15 serves as every row's max (as the fused loss has it): no overflow.
        let e = s.clone().sub_scalar(c).exp();
        let sum = e.clone().sum_dim(1);
        let lse = sum.clone().log().add_scalar(c);
        let ce = lse.clone() - s.clone().gather(1, t);
        // H = logsumexp(s) - E_p[s].
        let entropy = lse - (e * s.clone()).sum_dim(1) / sum;
        out.ce.extend(floats(ce));
        out.entropy.extend(floats(entropy));
        out.top1
            .extend(s.argmax(1).into_data().iter::<i64>().map(|v| v as u32));
    }
    out
}

/// A tensor's values on the host.
pub(super) fn floats<B: Kernels, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}
