//! The model's pieces, each in two versions: fused CPU kernels, and the plain burn ops they are
//! tested against ([`plain`]). The model calls the free functions here; each runs the kernel when
//! the batch asks for the fused ops and the backend has them (Flex, and `Autodiff<Flex>` with
//! hand-written backward passes), and the plain ops otherwise (`--plain-ops`, CUDA).
//!
//! Stages: host kernels on slices ([`norm`], [`rotary`], [`attention`], [`head`],
//! [`elementwise`], over [`linear`], [`gemm`] and [`simd`]) -> burn's backend extension ([`Kernels`],
//! implemented in `flex.rs` for the forward pass and `autodiff.rs` for the backward pass) ->
//! these dispatching functions.

pub mod attention;
mod autodiff;
pub mod elementwise;
mod flex;
pub mod gemm;
pub mod head;
pub mod linear;
pub mod norm;
pub mod plain;
pub mod rotary;
pub mod simd;

use crate::data::loader::HostBatch;
use attention::Dims;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use plain::PlainBatch;
use rotary::Rotary;
use std::sync::Arc;

/// Which version of the pieces a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ops {
    /// The fused CPU kernels where the backend has them.
    #[default]
    Fused,
    /// burn's own ops throughout (`--plain-ops`): the fused kernels' oracle.
    Plain,
}

/// burn's backend extension for the fused kernels. The default methods are the plain ops, so a
/// backend without kernels (CUDA) implements it with an empty block.
pub trait Kernels: Backend {
    /// Whether the methods below are fused kernels; when false, batches carry the plain ops'
    /// tensors and these methods are never called.
    const FUSED: bool = false;

    fn fused_rms_norm(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        plain::rms_norm(x)
    }

    fn fused_relu_square(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        plain::relu_square(x)
    }

    /// The rows of `table` for the batch's input tokens, `[rows, dim]`.
    fn fused_embedding(table: Tensor<Self, 2>, host: &Arc<HostSide>) -> Tensor<Self, 2> {
        let b = &host.batch;
        let ids: Vec<i32> = b.inputs.iter().map(|&x| x as i32).collect();
        let ids = Tensor::from_data(TensorData::new(ids, [b.batch, b.seq]), &table.device());
        plain::embedding(table, ids)
    }

    /// `x·w`: a linear layer (weights `[in, out]`).
    fn fused_linear(x: Tensor<Self, 2>, w: Tensor<Self, 2>) -> Tensor<Self, 2> {
        x.matmul(w)
    }

    fn fused_mix(
        x: Tensor<Self, 2>,
        x0s: Tensor<Self, 2>,
        lam: Tensor<Self, 1>,
    ) -> Tensor<Self, 2> {
        plain::mix(x, &x0s, lam)
    }

    fn fused_attention(
        qkv: Tensor<Self, 2>,
        ve: Option<Tensor<Self, 2>>,
        lam: Tensor<Self, 1>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 2> {
        let p = PlainBatch::new(&host.batch, &host.rotary, host.dims.head_dim, &qkv.device());
        plain::attention(qkv, ve, lam, host.dims, &p)
    }

    /// The head `x·w` and the loss against the batch's targets.
    fn fused_head_loss(
        x: Tensor<Self, 2>,
        w: Tensor<Self, 2>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 1> {
        let t: Vec<i32> = host.batch.targets.iter().map(|&x| x as i32).collect();
        let targets = Tensor::from_data(TensorData::new(t, [host.dims.rows(), 1]), &x.device());
        plain::softcap_cross_entropy(x.matmul(w), &targets)
    }
}

/// What the fused kernels read from the host: the batch itself (targets, document ids), its
/// shape and the rotary tables.
#[derive(Debug)]
pub struct HostSide {
    pub dims: Dims,
    pub batch: HostBatch,
    pub rotary: Arc<Rotary>,
}

impl HostSide {
    /// What the attention kernel reads for this batch.
    pub fn attention<'a>(
        &'a self,
        qkv: &'a [f32],
        ve: Option<&'a [f32]>,
        lam: [f32; 2],
    ) -> attention::Inputs<'a> {
        attention::Inputs {
            dims: self.dims,
            qkv,
            ve,
            lam,
            docs: &self.batch.docs,
            rotary: &self.rotary,
        }
    }
}

/// One batch on the device, with the per-batch constants every layer shares.
pub struct Batch<B: Backend> {
    pub host: Arc<HostSide>,
    /// `[batch, seq]` token ids.
    pub inputs: Tensor<B, 2, Int>,
    /// The plain ops' tensors; `None` when this batch runs the fused kernels.
    pub plain: Option<PlainBatch<B>>,
}

impl<B: Kernels> Batch<B> {
    pub fn new(
        host: &HostBatch,
        heads: usize,
        head_dim: usize,
        ops: Ops,
        device: &B::Device,
    ) -> Self {
        let (b, t) = (host.batch, host.seq);
        let rotary = Rotary::get(t, head_dim);
        let ids: Vec<i32> = host.inputs.iter().map(|&x| x as i32).collect();
        let fused = ops == Ops::Fused && B::FUSED;
        Batch {
            plain: (!fused).then(|| PlainBatch::new(host, &rotary, head_dim, device)),
            inputs: Tensor::from_data(TensorData::new(ids, [b, t]), device),
            host: Arc::new(HostSide {
                dims: Dims {
                    batch: b,
                    seq: t,
                    heads,
                    head_dim,
                },
                batch: host.clone(),
                rotary,
            }),
        }
    }

    pub fn dims(&self) -> Dims {
        self.host.dims
    }
}

/// RMS norm over the last dim, no weight (modded-nanogpt's `norm`).
pub fn norm<B: Kernels>(x: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 2> {
    match batch.plain {
        Some(_) => plain::rms_norm(x),
        None => B::fused_rms_norm(x),
    }
}

/// `x·w`, a linear layer with weights `[in, out]`.
pub fn linear<B: Kernels>(x: Tensor<B, 2>, w: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 2> {
    match batch.plain {
        Some(_) => x.matmul(w),
        None => B::fused_linear(x, w),
    }
}

/// The rows of `table` for the batch's input tokens, `[rows, dim]`.
pub fn embedding<B: Kernels>(table: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 2> {
    match batch.plain {
        Some(_) => plain::embedding(table, batch.inputs.clone()),
        None => B::fused_embedding(table, &batch.host),
    }
}

/// `max(x, 0)²`.
pub fn relu_square<B: Kernels>(x: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 2> {
    match batch.plain {
        Some(_) => plain::relu_square(x),
        None => B::fused_relu_square(x),
    }
}

/// `λ[0]·x + λ[1]·x0s[0] + ... + λ[n]·x0s[n-1]`, with the embeddings `x0s` stacked `[n, rows·dim]`.
pub fn mix<B: Kernels>(
    x: Tensor<B, 2>,
    x0s: &Tensor<B, 2>,
    lam: Tensor<B, 1>,
    batch: &Batch<B>,
) -> Tensor<B, 2> {
    match batch.plain {
        Some(_) => plain::mix(x, x0s, lam),
        None => B::fused_mix(x, x0s.clone(), lam),
    }
}

/// Causal, document-masked attention from `qkv` `[rows, 3·hdim]` to the heads' outputs
/// `[rows, hdim]`, with QK norm, rotary and the value embedding (`lam` = λv, λve).
pub fn attention<B: Kernels>(
    qkv: Tensor<B, 2>,
    ve: Option<Tensor<B, 2>>,
    lam: Tensor<B, 1>,
    batch: &Batch<B>,
) -> Tensor<B, 2> {
    match &batch.plain {
        Some(p) => plain::attention(qkv, ve, lam, batch.dims(), p),
        None => B::fused_attention(qkv, ve, lam, &batch.host),
    }
}

/// The head and the loss: logits `x·w` (padded vocabulary), softcapped, and their mean
/// cross-entropy against the batch's targets.
pub fn head_loss<B: Kernels>(x: Tensor<B, 2>, w: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 1> {
    match &batch.plain {
        Some(p) => plain::softcap_cross_entropy(x.matmul(w), &p.targets),
        None => B::fused_head_loss(x, w, &batch.host),
    }
}
