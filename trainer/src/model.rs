//! The model: modded-nanogpt's medium-track GPT (records/track_2_medium, 2025-09-11
//! GPT2MediumX01, train_gpt_medium.py) with N extra input embeddings, in burn. Read top to bottom:
//! constants of the 16-layer pattern -> parameters -> init -> the pieces (norm, rotary, attention,
//! MLP) -> the forward pass -> the loss.
//!
//! Differences from the PyTorch original, on purpose: no long/short sliding windows (our
//! sequences are short, every layer sees its whole document); a batch is `[batch, seq]` rows,
//! each attending within itself, instead of one 64Ki-token row; f32 throughout, no bf16.
//! Linear weights are stored `[in, out]` (x @ W), the transpose of PyTorch's `[out, in]`.

use crate::config::ModelConfig;
use crate::data::loader::HostBatch;
use crate::rng::Rng;
use burn::module::{Module, Param};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};

/// The layer pattern is defined for 16 layers (architecture.md, "Depth").
pub const LAYERS: usize = 16;
/// Skip attention of blocks.7 (the 8th layer) by @YouJiacheng.
pub const NO_ATTENTION: usize = 7;
/// U-net design by @brendanh0gan: (into layer, from the output of layer).
pub const SKIPS: [(usize, usize); 3] = [(9, 6), (10, 4), (11, 2)];
/// Three value embeddings, "012 ... 012" on layers 0-2 and 13-15 (by @YouJiacheng).
pub const VALUE_EMBEDS: usize = 3;
/// Attention logits scaled by a constant instead of head_dim^-0.5 (@leloykun).
pub const ATTN_SCALE: f64 = 0.12;
/// F.rms_norm's default eps: torch.finfo(float32).eps.
const NORM_EPS: f64 = f32::EPSILON as f64;

/// Which value embedding feeds layer `i`, if any.
pub fn value_embed_of(i: usize) -> Option<usize> {
    match i {
        0..=2 => Some(i),
        13..=15 => Some(i - 13),
        _ => None,
    }
}

#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    pub q: Param<Tensor<B, 2>>,
    pub k: Param<Tensor<B, 2>>,
    pub v: Param<Tensor<B, 2>>,
    pub o: Param<Tensor<B, 2>>,
}

#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    pub fc: Param<Tensor<B, 2>>,
    pub proj: Param<Tensor<B, 2>>,
}

#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    pub attn: Option<Attention<B>>,
    pub mlp: Mlp<B>,
}

#[derive(Module, Debug)]
pub struct Gpt<B: Backend> {
    /// x00 (the usual x0), x01, ..., x0N: `[vocab, dim]` each.
    pub embeds: Vec<Param<Tensor<B, 2>>>,
    /// Token value embeddings by @KoszarskyB: `[vocab, dim]` each.
    pub value_embeds: Vec<Param<Tensor<B, 2>>>,
    pub blocks: Vec<Block<B>>,
    /// `[dim, padded_vocab]`, zero-initialised.
    pub lm_head: Param<Tensor<B, 2>>,
    /// Per layer: the weights of x, x00, ..., x0N in the sum entering the layer; `[16, N + 2]`.
    pub lambdas: Param<Tensor<B, 2>>,
    /// Per layer: the weights of v and of the value embedding; `[16, 2]`.
    pub sa_lambdas: Param<Tensor<B, 2>>,
    /// U-net skip weights, in the order of [`SKIPS`]; `[3]`.
    pub skip_weights: Param<Tensor<B, 1>>,
    pub heads: usize,
    pub head_dim: usize,
}

// ---------------------------------------------------------------------------------------------
// Initialisation

fn param<B: Backend, const D: usize>(
    data: Vec<f32>,
    shape: [usize; D],
    device: &B::Device,
) -> Param<Tensor<B, D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(data, shape), device))
}

/// modded-nanogpt's `init_linear`: uniform with bound sqrt(3) * 0.5 / sqrt(fan_in)
/// ("0.5 is a bit better than the default 1/sqrt(3)"); here fan_in is the first dim.
fn hidden<B: Backend>(
    rng: &mut Rng,
    fan_in: usize,
    fan_out: usize,
    device: &B::Device,
) -> Param<Tensor<B, 2>> {
    let bound = 3f64.sqrt() * 0.5 / (fan_in as f64).sqrt();
    param(
        rng.uniform_vec(fan_in * fan_out, bound),
        [fan_in, fan_out],
        device,
    )
}

fn zeros<B: Backend>(rows: usize, cols: usize, device: &B::Device) -> Param<Tensor<B, 2>> {
    param(vec![0.0; rows * cols], [rows, cols], device)
}

impl<B: Backend> Gpt<B> {
    /// A freshly initialised model; the same seed gives the same weights on every machine.
    pub fn new(cfg: &ModelConfig, seed: u64, device: &B::Device) -> Self {
        assert_eq!(
            cfg.layers, LAYERS,
            "the layer pattern is defined for 16 layers"
        );
        assert_eq!(
            cfg.dim,
            cfg.heads * cfg.head_dim,
            "value embeddings are viewed as v"
        );
        let (d, v) = (cfg.dim, cfg.vocab);
        let hdim = cfg.heads * cfg.head_dim;
        let mut rng = Rng::new(seed);
        // nn.Embedding's default init: N(0, 1).
        let embedding = |rng: &mut Rng| param(rng.normal_vec(v * d), [v, d], device);
        let embeds = (0..=cfg.extra_embeddings)
            .map(|_| embedding(&mut rng))
            .collect();
        let value_embeds = (0..VALUE_EMBEDS).map(|_| embedding(&mut rng)).collect();
        let blocks = (0..LAYERS)
            .map(|i| Block {
                attn: (i != NO_ATTENTION).then(|| Attention {
                    q: hidden(&mut rng, d, hdim, device),
                    k: hidden(&mut rng, d, hdim, device),
                    v: hidden(&mut rng, d, hdim, device),
                    // Zero init of output projections suggested by @Grad62304977.
                    o: zeros(hdim, d, device),
                }),
                mlp: Mlp {
                    fc: hidden(&mut rng, d, 4 * d, device),
                    proj: zeros(4 * d, d, device),
                },
            })
            .collect();
        let n = cfg.extra_embeddings + 2;
        // Block lambdas start at [1, 0, ..., 0]: x only, as modded-nanogpt's [1.0, 0.0, 0.0].
        let lambdas = (0..LAYERS * n)
            .map(|j| if j % n == 0 { 1.0 } else { 0.0 })
            .collect();
        Gpt {
            embeds,
            value_embeds,
            blocks,
            lm_head: zeros(d, cfg.padded_vocab(), device),
            lambdas: param(lambdas, [LAYERS, n], device),
            sa_lambdas: param(vec![0.5; LAYERS * 2], [LAYERS, 2], device),
            skip_weights: param(vec![1.0; SKIPS.len()], [SKIPS.len()], device),
            heads: cfg.heads,
            head_dim: cfg.head_dim,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces

/// RMS norm over the last dim, no weight (modded-nanogpt's `norm`).
pub fn norm<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let ms = x.clone().square().mean_dim(D - 1);
    x * ms.add_scalar(NORM_EPS).sqrt().recip()
}

/// One batch on the device, with the per-batch constants the layers share.
pub struct Batch<B: Backend> {
    pub batch: usize,
    pub seq: usize,
    pub heads: usize,
    pub head_dim: usize,
    /// `[batch, seq]`.
    pub inputs: Tensor<B, 2, Int>,
    /// `[batch * seq, 1]`.
    pub targets: Tensor<B, 2, Int>,
    /// `[batch, seq, seq]`: 0 where attention is allowed, a large negative elsewhere.
    pub attn_bias: Tensor<B, 3>,
    /// Rotary tables `[batch, seq, head_dim]` for keys (see [`rotary_tables`]).
    pub cos: Tensor<B, 3>,
    pub sin: Tensor<B, 3>,
    /// The same for queries, times the attention scale: folding 0.12 into q costs nothing.
    pub cos_q: Tensor<B, 3>,
    pub sin_q: Tensor<B, 3>,
}

impl<B: Backend> Batch<B> {
    pub fn new(host: &HostBatch, heads: usize, head_dim: usize, device: &B::Device) -> Self {
        let (b, t) = (host.batch, host.seq);
        let ints = |v: &[u32], shape: [usize; 2]| {
            let data: Vec<i32> = v.iter().map(|&x| x as i32).collect();
            Tensor::<B, 2, Int>::from_data(TensorData::new(data, shape), device)
        };
        let (cos, sin) = rotary_tables(b, t, head_dim);
        let scaled = |v: &[f32]| v.iter().map(|&x| x * ATTN_SCALE as f32).collect::<Vec<_>>();
        let (cos_q, sin_q) = (scaled(&cos), scaled(&sin));
        let f3 =
            |v: Vec<f32>| Tensor::<B, 3>::from_data(TensorData::new(v, [b, t, head_dim]), device);
        Batch {
            batch: b,
            seq: t,
            heads,
            head_dim,
            inputs: ints(&host.inputs, [b, t]),
            targets: ints(&host.targets, [b * t, 1]),
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

/// Half-truncated RoPE by @YouJiacheng: a quarter of the frequencies are (1/1024)^linspace(0,1),
/// the rest zero (those dims pass unrotated). Returned expanded to `[rows, seq, head_dim]` as
/// `[cos, cos]` and `[sin, -sin]`, so that `rope(x) = x * cos + swap_halves(x) * sin` needs no
/// broadcast (broadcast elementwise ops are the slow path on CPU).
pub fn rotary_tables(rows: usize, seq: usize, head_dim: usize) -> (Vec<f32>, Vec<f32>) {
    let quarter = head_dim / 4;
    let freq: Vec<f64> = (0..head_dim / 2)
        .map(|j| {
            if j < quarter {
                let x = if quarter > 1 {
                    j as f64 / (quarter - 1) as f64
                } else {
                    0.0
                };
                (1.0f64 / 1024.0).powf(x)
            } else {
                0.0
            }
        })
        .collect();
    let (mut cos, mut sin) = (
        Vec::with_capacity(seq * head_dim),
        Vec::with_capacity(seq * head_dim),
    );
    for t in 0..seq {
        for half in 0..2 {
            for &f in &freq {
                let theta = t as f64 * f;
                cos.push(theta.cos() as f32);
                sin.push(if half == 0 { theta.sin() } else { -theta.sin() } as f32);
            }
        }
    }
    (cos.repeat(rows), sin.repeat(rows))
}

/// y1 = x1·cos + x2·sin, y2 = x2·cos - x1·sin (modded-nanogpt's `Rotary.forward`).
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

/// `[16, n]` zeros with a one at `[0, 0]`.
fn first_entry(n: usize) -> Vec<f32> {
    let mut v = vec![0.0; LAYERS * n];
    v[0] = 1.0;
    v
}

/// A scalar parameter entry `[1, 1]`, to scale a `[rows, dim]` tensor.
fn entry<B: Backend>(t: &Tensor<B, 2>, i: usize, j: usize) -> Tensor<B, 2> {
    t.clone().slice([i..i + 1, j..j + 1])
}

impl<B: Backend> Attention<B> {
    /// Causal, document-masked self-attention, one head at a time: each head projects with its
    /// slice of the weights straight into `[batch, seq, head_dim]`, so no tensor is transposed.
    ///
    /// The input needs no norm: q, k and v are RMS-normed after projecting, which undoes any
    /// per-token scale (modded-nanogpt calls `self.attn(x, ...)` on the raw residual).
    fn forward(
        &self,
        x: Tensor<B, 2>,
        ve: Option<Tensor<B, 2>>,
        lam: &Tensor<B, 2>,
        layer: usize,
        batch: &Batch<B>,
    ) -> Tensor<B, 2> {
        let (b, t, hd) = (batch.batch, batch.seq, batch.head_dim);
        let lam_v = entry(lam, layer, 0).reshape([1, 1, 1]);
        let lam_ve = entry(lam, layer, 1).reshape([1, 1, 1]);
        let mut out: Option<Tensor<B, 2>> = None;
        for h in 0..batch.heads {
            let cols = h * hd..(h + 1) * hd;
            let project = |w: &Param<Tensor<B, 2>>| {
                x.clone()
                    .matmul(w.val().narrow(1, cols.start, hd))
                    .reshape([b, t, hd])
            };
            // QK norm by @Grad62304977, then rotary (the q tables carry the 0.12 scale).
            let q = rope(norm(project(&self.q)), &batch.cos_q, &batch.sin_q);
            let k = rope(norm(project(&self.k)), &batch.cos, &batch.sin);
            // v is normed too; value embeddings mixed in by @KoszarskyB & @Grad62304977, and
            // layers without one still scale v by their first lambda.
            let mut v = norm(project(&self.v)) * lam_v.clone();
            if let Some(ve) = &ve {
                v = v + ve.clone().narrow(1, cols.start, hd).reshape([b, t, hd]) * lam_ve.clone();
            }
            let y = attend(q, k, v, &batch.attn_bias);
            let o = y
                .reshape([b * t, hd])
                .matmul(self.o.val().narrow(0, cols.start, hd));
            out = Some(match out {
                None => o,
                Some(acc) => acc + o,
            });
        }
        out.expect("at least one head")
    }
}

impl<B: Backend> Mlp<B> {
    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        // ReLU² (https://arxiv.org/abs/2109.08668v2), suggested by @SKYLINEZ007 and @Grad62304977.
        let h = relu(x.matmul(self.fc.val())).square();
        h.matmul(self.proj.val())
    }
}

// ---------------------------------------------------------------------------------------------
// Forward pass and loss

/// What a forward pass returns: the mean loss, and when asked, per layer the RMS of the residual
/// stream entering that layer's weighted sum.
pub struct Output<B: Backend> {
    pub loss: Tensor<B, 1>,
    pub x_norms: Option<Vec<Tensor<B, 1>>>,
}

impl<B: Backend> Gpt<B> {
    pub fn forward(&self, batch: &Batch<B>, want_norms: bool) -> Output<B> {
        let (b, t) = (batch.batch, batch.seq);
        let rows = b * t;
        let d = self.heads * self.head_dim;
        let lookup = |table: &Param<Tensor<B, 2>>| {
            burn::tensor::module::embedding(table.val(), batch.inputs.clone()).reshape([rows, d])
        };
        // x00..x0N: every embedding RMS-normed (use of norm here by @Grad62304977).
        let x0s: Vec<Tensor<B, 2>> = self.embeds.iter().map(|e| norm(lookup(e))).collect();
        let ves: Vec<Tensor<B, 2>> = self.value_embeds.iter().map(lookup).collect();
        let n = x0s.len();

        // The embedding part of every layer's weighted sum at once:
        // mix[i] = λ00[i]·x00 + ... + λ0N[i]·x0N, one matmul `[16, N+1] @ [N+1, rows*dim]`.
        // At layer 0, x is x00, so λx[0] joins λ00[0] inside the matmul: both then get the very
        // same gradient, as in PyTorch where `x` and `x00` are one tensor.
        let lambdas = self.lambdas.val();
        let x0_stack = Tensor::cat(
            x0s.iter()
                .map(|x| x.clone().reshape([1, rows * d]))
                .collect(),
            0,
        );
        let first = Tensor::<B, 2>::from_data(
            TensorData::new(first_entry(n), [LAYERS, n]),
            &lambdas.device(),
        );
        let mix_lambdas = lambdas.clone().narrow(1, 1, n) + first * entry(&lambdas, 0, 0);
        let mix = mix_lambdas.matmul(x0_stack);
        let sa = self.sa_lambdas.val();
        let skip_w = self.skip_weights.val();

        let mut x = x0s[0].clone(); // the residual starts as x00
        let mut outputs: Vec<Tensor<B, 2>> = Vec::with_capacity(LAYERS);
        let mut norms = Vec::new();
        for (i, block) in self.blocks.iter().enumerate() {
            if let Some(k) = SKIPS.iter().position(|&(into, _)| into == i) {
                let from = SKIPS[k].1;
                x = x + outputs[from].clone() * skip_w.clone().narrow(0, k, 1).reshape([1, 1]);
            }
            if want_norms {
                norms.push(x.clone().square().mean().sqrt());
            }
            // x = λx·x + λ00·x00 + ... + λ0N·x0N
            let embeds = mix
                .clone()
                .slice([i..i + 1, 0..rows * d])
                .reshape([rows, d]);
            x = if i == 0 {
                embeds
            } else {
                x * entry(&lambdas, i, 0) + embeds
            };
            if let Some(attn) = &block.attn {
                let ve = value_embed_of(i).map(|j| ves[j].clone());
                x = x.clone() + attn.forward(x, ve, &sa, i, batch);
            }
            x = x.clone() + block.mlp.forward(norm(x));
            outputs.push(x.clone());
        }

        // Head: norm, projection to the padded vocabulary, logits softcapped as 15·z/sqrt(z²+225)
        // (tanh-like softcap following Gemma 2, @Grad62304977; this form from the medium record).
        let z = norm(x).matmul(self.lm_head.val());
        let z = z.clone().mul_scalar(15.0) * z.square().add_scalar(225.0).sqrt().recip();
        let logp = log_softmax(z, 1);
        let loss = logp.gather(1, batch.targets.clone()).mean().neg();
        Output {
            loss,
            x_norms: want_norms.then_some(norms),
        }
    }
}

/// Parameter counts by group, for run.json.
pub fn param_counts<B: Backend>(m: &Gpt<B>) -> (u64, u64, Vec<(String, u64)>) {
    let count2 = |p: &Param<Tensor<B, 2>>| p.val().dims().iter().product::<usize>() as u64;
    let embeddings: u64 = m.embeds.iter().chain(&m.value_embeds).map(count2).sum();
    let hidden: u64 = m
        .blocks
        .iter()
        .map(|b| {
            count2(&b.mlp.fc)
                + count2(&b.mlp.proj)
                + b.attn.as_ref().map_or(0, |a| {
                    count2(&a.q) + count2(&a.k) + count2(&a.v) + count2(&a.o)
                })
        })
        .sum();
    let head = count2(&m.lm_head);
    let scalars =
        count2(&m.lambdas) + count2(&m.sa_lambdas) + m.skip_weights.val().dims()[0] as u64;
    let total = embeddings + hidden + head + scalars;
    (
        total,
        embeddings,
        vec![
            ("hidden".into(), hidden),
            ("head".into(), head),
            ("scalars".into(), scalars),
        ],
    )
}
