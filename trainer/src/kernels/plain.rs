//! The plain versions of the fused kernels, in burn tensor ops: what runs on backends without
//! the kernels (CUDA), what `--plain-ops` selects, and the oracle every fused kernel is tested
//! against. Each computes the same function as its kernel, step by step.

use super::attention::{Dims, SCALE};
use super::head::SOFTCAP;
use super::norm::EPS;
use super::rotary::Rotary;
use crate::data::loader::HostBatch;
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// RMS norm over the last dim, no weight (modded-nanogpt's `norm`).
pub fn rms_norm<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let ms = x.clone().square().mean_dim(D - 1);
    x * ms.add_scalar(EPS as f64).sqrt().recip()
}

/// Rows of `table` for `ids` (`[batch, seq]`), as `[batch·seq, dim]`.
pub fn embedding<B: Backend>(table: Tensor<B, 2>, ids: Tensor<B, 2, Int>) -> Tensor<B, 2> {
    let [b, t] = ids.dims();
    let d = table.dims()[1];
    burn::tensor::module::embedding(table, ids).reshape([b * t, d])
}

/// ReLU² of the MLP's hidden layer.
pub fn relu_square<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    relu(x).square()
}

/// `λ[0]·x + Σ_j λ[j+1]·x0s[j]` with `x0s` `[n, rows·dim]` (the embeddings stacked).
pub fn mix<B: Backend>(x: Tensor<B, 2>, x0s: &Tensor<B, 2>, lam: Tensor<B, 1>) -> Tensor<B, 2> {
    let [rows, dim] = x.dims();
    let weight = |j: usize| lam.clone().narrow(0, j, 1).reshape([1, 1]);
    let mut y = x * weight(0);
    for j in 0..x0s.dims()[0] {
        y = y + x0s.clone().narrow(0, j, 1).reshape([rows, dim]) * weight(j + 1);
    }
    y
}

/// The tensors the plain attention and loss need, built from the host batch.
#[derive(Debug, Clone)]
pub struct PlainBatch<B: Backend> {
    /// `[batch·seq, 1]`.
    pub targets: Tensor<B, 2, Int>,
    /// `[batch, seq, seq]`: 0 where attention is allowed, a large negative elsewhere.
    pub attn_bias: Tensor<B, 3>,
    /// Rotary tables `[batch, seq, head_dim]` for keys, and for queries times the scale.
    pub cos: Tensor<B, 3>,
    pub sin: Tensor<B, 3>,
    pub cos_q: Tensor<B, 3>,
    pub sin_q: Tensor<B, 3>,
}

impl<B: Backend> PlainBatch<B> {
    pub fn new(host: &HostBatch, rotary: &Rotary, head_dim: usize, device: &B::Device) -> Self {
        let (b, t) = (host.batch, host.seq);
        let targets: Vec<i32> = host.targets.iter().map(|&x| x as i32).collect();
        let f3 = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [b, t, head_dim]), device);
        let (cos, sin) = rotary.expanded(b, 1.0);
        let (cos_q, sin_q) = rotary.expanded(b, SCALE);
        PlainBatch {
            targets: Tensor::from_data(TensorData::new(targets, [b * t, 1]), device),
            attn_bias: Tensor::from_data(
                TensorData::new(host.attention_bias(1), [b, t, t]),
                device,
            ),
            cos: f3(cos),
            sin: f3(sin),
            cos_q: f3(cos_q),
            sin_q: f3(sin_q),
        }
    }
}

/// y1 = x1·cos + x2·sin, y2 = x2·cos - x1·sin (modded-nanogpt's `Rotary.forward`), with the
/// tables of [`Rotary::expanded`].
fn rope<B: Backend>(x: Tensor<B, 3>, cos: &Tensor<B, 3>, sin: &Tensor<B, 3>) -> Tensor<B, 3> {
    let h = x.dims()[2] / 2;
    let swapped = Tensor::cat(
        vec![x.clone().narrow(2, h, h), x.clone().narrow(2, 0, h)],
        2,
    );
    x * cos.clone() + swapped * sin.clone()
}

/// softmax(q·kᵀ + bias)·v over `[batch, seq, head_dim]` (q already scaled).
///
/// The softmax skips subtracting the row max: q and k are RMS-normed, so every score is at most
/// 0.12·head_dim in size and exp cannot overflow. Masked entries carry a large finite negative
/// (exp gives exactly 0). Normalising after the AV matmul divides `[seq, head_dim]` rows instead
/// of `[seq, seq]` ones.
pub fn attend<B: Backend>(
    q: Tensor<B, 3>,
    k: Tensor<B, 3>,
    v: Tensor<B, 3>,
    bias: &Tensor<B, 3>,
) -> Tensor<B, 3> {
    let p = (q.matmul(k.swap_dims(1, 2)) + bias.clone()).exp();
    p.clone().matmul(v) / p.sum_dim(2)
}

/// Causal, document-masked attention of every head, from `qkv` `[rows, 3·hdim]` to the heads'
/// outputs side by side, `[rows, hdim]`; `lam` holds λv and λve.
pub fn attention<B: Backend>(
    qkv: Tensor<B, 2>,
    ve: Option<Tensor<B, 2>>,
    lam: Tensor<B, 1>,
    dims: Dims,
    p: &PlainBatch<B>,
) -> Tensor<B, 2> {
    let Dims {
        batch: b,
        seq: t,
        head_dim: hd,
        ..
    } = dims;
    let hdim = dims.hdim();
    let lam_v = lam.clone().narrow(0, 0, 1).reshape([1, 1, 1]);
    let lam_ve = lam.narrow(0, 1, 1).reshape([1, 1, 1]);
    let heads = (0..dims.heads)
        .map(|h| {
            let cols = |part: usize| {
                qkv.clone()
                    .narrow(1, part * hdim + h * hd, hd)
                    .reshape([b, t, hd])
            };
            // QK norm by @Grad62304977, then rotary (the q tables carry the 0.12 scale).
            let q = rope(rms_norm(cols(0)), &p.cos_q, &p.sin_q);
            let k = rope(rms_norm(cols(1)), &p.cos, &p.sin);
            // v is normed too; value embeddings mixed in by @KoszarskyB & @Grad62304977, and
            // layers without one still scale v by their first lambda.
            let mut v = rms_norm(cols(2)) * lam_v.clone();
            if let Some(ve) = &ve {
                v = v + ve.clone().narrow(1, h * hd, hd).reshape([b, t, hd]) * lam_ve.clone();
            }
            attend(q, k, v, &p.attn_bias).reshape([b * t, hd])
        })
        .collect();
    Tensor::cat(heads, 1)
}

/// Mean cross-entropy of the softcapped logits `15·z/sqrt(z² + 225)` against `targets`.
pub fn softcap_cross_entropy<B: Backend>(
    z: Tensor<B, 2>,
    targets: &Tensor<B, 2, Int>,
) -> Tensor<B, 1> {
    let c = SOFTCAP as f64;
    let s = z.clone().mul_scalar(c) * z.square().add_scalar(c * c).sqrt().recip();
    log_softmax(s, 1).gather(1, targets.clone()).mean().neg()
}
