//! The model: modded-nanogpt's medium-track GPT with N extra input embeddings, in burn. Read top
//! to bottom: constants of the 16-layer pattern -> parameters -> init -> the pieces (attention,
//! MLP, the block with its weighted input sum) -> the forward pass -> the loss. The pieces' inner
//! parts (norm, rotary, attention's softmax, ReLU², the loss) are in [`crate::kernels`], fused
//! for the CPU, with the plain burn-ops versions beside them.
//!
//! The layer pattern (records/track_2_medium): 16 layers, no attention in layer 7, U-net skips
//! into 9, 10, 11. Value embeddings: 3, on layers 0-2 and 13-15 ("012 ... 012"), as in the medium
//! record the x0 experiment was built on (2025-04-22); the later GPT2MediumX01 record
//! (2025-09-11, whose optimiser settings config.rs uses) has 5, on layers 0-4 and 11-15.
//!
//! Differences from the PyTorch original, on purpose: no long/short sliding windows (our
//! sequences are short, every layer sees its whole document); a batch is `[batch, seq]` rows,
//! each attending within itself, instead of one 64Ki-token row; f32 throughout, no bf16.
//! Linear weights are stored `[in, out]` (x @ W), the transpose of PyTorch's `[out, in]`.

use crate::config::ModelConfig;
use crate::kernels::{self, linear, norm, Kernels};
use crate::rng::Rng;
use burn::module::{Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

pub use crate::kernels::Batch;

/// The layer pattern is defined for 16 layers (architecture.md, "Depth").
pub const LAYERS: usize = 16;
/// Skip attention of blocks.7 (the 8th layer) by @YouJiacheng.
pub const NO_ATTENTION: usize = 7;
/// U-net design by @brendanh0gan: (into layer, from the output of layer).
pub const SKIPS: [(usize, usize); 3] = [(9, 6), (10, 4), (11, 2)];
/// Three value embeddings, "012 ... 012" on layers 0-2 and 13-15 (by @YouJiacheng).
pub const VALUE_EMBEDS: usize = 3;

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
// Pieces: each calls a fused kernel or its plain version, as the batch says (see kernels).

impl<B: Kernels> Attention<B> {
    /// Causal, document-masked self-attention: q, k and v in one projection, then the fused
    /// per-head part (QK norm, rotary, value-embedding mix, softmax; see kernels::attention),
    /// then the output projection. `lam` holds this layer's λv and λve.
    ///
    /// The input needs no norm: q, k and v are RMS-normed after projecting, which undoes any
    /// per-token scale (modded-nanogpt calls `self.attn(x, ...)` on the raw residual).
    fn forward(
        &self,
        x: Tensor<B, 2>,
        ve: Option<Tensor<B, 2>>,
        lam: Tensor<B, 1>,
        batch: &Batch<B>,
    ) -> Tensor<B, 2> {
        let qkv_w = Tensor::cat(vec![self.q.val(), self.k.val(), self.v.val()], 1);
        let y = kernels::attention(linear(x, qkv_w, batch), ve, lam, batch);
        linear(y, self.o.val(), batch)
    }
}

impl<B: Kernels> Mlp<B> {
    fn forward(&self, x: Tensor<B, 2>, batch: &Batch<B>) -> Tensor<B, 2> {
        // ReLU² (https://arxiv.org/abs/2109.08668v2), suggested by @SKYLINEZ007 and @Grad62304977.
        let h = kernels::relu_square(linear(x, self.fc.val(), batch), batch);
        linear(h, self.proj.val(), batch)
    }
}

impl<B: Kernels> Block<B> {
    /// One layer, as modded-nanogpt's `Block.forward`: the weighted sum of the residual and the
    /// embeddings, then attention (where the layer has it) and the MLP, each added to the
    /// residual. `lambdas` holds this layer's λx, λ00, ..., λ0N; `sa_lambdas` its λv, λve.
    fn forward(
        &self,
        x: Tensor<B, 2>,
        x0s: &Tensor<B, 2>,
        ve: Option<Tensor<B, 2>>,
        lambdas: Tensor<B, 1>,
        sa_lambdas: Tensor<B, 1>,
        batch: &Batch<B>,
    ) -> Tensor<B, 2> {
        // x = λx·x + λ00·x00 + λ01·x01 + ... + λ0N·x0N (the x0 experiment's weighted sum)
        let x = kernels::mix(x, x0s, lambdas, batch);
        let x = match &self.attn {
            Some(attn) => x.clone() + attn.forward(x, ve, sa_lambdas, batch),
            None => x,
        };
        x.clone() + self.mlp.forward(norm(x, batch), batch)
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

/// What the layers leave before the head: the last residual, the vectors they mixed in, and
/// what was asked for along the way.
pub struct Trunk<B: Backend> {
    /// The residual after the last layer (`x-out` before the head's norm).
    pub x: Tensor<B, 2>,
    /// x00..x0N, RMS-normed, `[rows, dim]` each.
    pub x0s: Vec<Tensor<B, 2>>,
    /// The value embeddings as looked up, `[rows, dim]` each.
    pub ves: Vec<Tensor<B, 2>>,
    /// Per layer, when asked: the RMS of the residual entering its weighted sum.
    pub x_norms: Option<Vec<Tensor<B, 1>>>,
    /// Per layer, when asked (the logit lens): that residual itself.
    pub x_inputs: Option<Vec<Tensor<B, 2>>>,
}

impl<B: Kernels> Gpt<B> {
    pub fn forward(&self, batch: &Batch<B>, want_norms: bool) -> Output<B> {
        let t = self.trunk(batch, want_norms, false);
        // Head: norm, projection to the padded vocabulary, logits softcapped as 15·z/sqrt(z²+225)
        // (tanh-like softcap following Gemma 2, @Grad62304977; this form from the medium record),
        // then the cross-entropy.
        Output {
            loss: kernels::head_loss(norm(t.x, batch), self.lm_head.val(), batch),
            x_norms: t.x_norms,
        }
    }

    /// The embeddings and the 16 layers, up to the head. Asking for the layers' inputs adds no
    /// operation to the pass (they are the residual as it is), so the loss is the same either way.
    pub fn trunk(&self, batch: &Batch<B>, want_norms: bool, want_inputs: bool) -> Trunk<B> {
        let dims = batch.dims();
        let (rows, d) = (dims.rows(), self.heads * self.head_dim);
        let lookup = |table: &Param<Tensor<B, 2>>| kernels::embedding(table.val(), batch);
        // x00..x0N: every embedding RMS-normed (use of norm here by @Grad62304977), stacked
        // `[N+1, rows·dim]` for the layers' weighted sums.
        let x0s: Vec<Tensor<B, 2>> = self.embeds.iter().map(|e| norm(lookup(e), batch)).collect();
        let x0_stack = Tensor::cat(
            x0s.iter()
                .map(|x| x.clone().reshape([1, rows * d]))
                .collect(),
            0,
        );
        let ves: Vec<Tensor<B, 2>> = self.value_embeds.iter().map(lookup).collect();
        let n = x0s.len() + 1;
        let row = |t: &Param<Tensor<B, 2>>, i: usize, width: usize| {
            t.val().slice([i..i + 1, 0..width]).reshape([width])
        };
        let skip_w = self.skip_weights.val();

        // The residual starts as x00 itself (modded-nanogpt: `x = x0`), so at layer 0 the
        // weighted sum sees x00 twice, as x and as x00: λx[0] and λ00[0] get the very same
        // gradient, and their difference stays as initialised (the medium-track logs show it).
        let mut x = x0s[0].clone();
        let mut outputs: Vec<Tensor<B, 2>> = Vec::with_capacity(LAYERS);
        let mut norms = Vec::new();
        let mut inputs = Vec::new();
        for (i, block) in self.blocks.iter().enumerate() {
            // U-net skip connections (@brendanh0gan), weighted.
            if let Some(k) = SKIPS.iter().position(|&(into, _)| into == i) {
                let from = SKIPS[k].1;
                x = x + outputs[from].clone() * skip_w.clone().narrow(0, k, 1).reshape([1, 1]);
            }
            if want_norms {
                norms.push(x.clone().square().mean().sqrt());
            }
            if want_inputs {
                inputs.push(x.clone());
            }
            let ve = value_embed_of(i).map(|j| ves[j].clone());
            x = block.forward(
                x,
                &x0_stack,
                ve,
                row(&self.lambdas, i, n),
                row(&self.sa_lambdas, i, 2),
                batch,
            );
            outputs.push(x.clone());
        }
        Trunk {
            x,
            x0s,
            ves,
            x_norms: want_norms.then_some(norms),
            x_inputs: want_inputs.then_some(inputs),
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
