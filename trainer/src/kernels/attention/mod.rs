//! Causal, document-masked self-attention, fused: from the raw q, k, v projections to the heads'
//! outputs, with QK norm, rotary, the value-embedding mix and the softmax, one task per
//! (row, head) spread over the cores. The mask comes from document ids (query i sees keys
//! `start(i)..=i`, where `start(i)` begins i's document), so no `[seq, seq]` bias exists, and
//! queries go in blocks whose keys start at the block's first document: most masked scores are
//! never computed. The backward pass recomputes the scores instead of storing them.
//!
//! Per head, as model.rs's plain path computes it (x's rows are the head's slice of q, k or v):
//! q = 0.12·rope(norm(xq)), k = rope(norm(xk)), v = λv·norm(xv) + λve·ve,
//! p_ij = exp(q_i·k_j) over the allowed j (no max subtracted: |q_i·k_j| <= 0.12·head_dim after
//! the norms, so exp cannot overflow), y_i = Σ_j p_ij v_j / Σ_j p_ij.

mod backward;

use super::gemm::{matmul, Mat, MatMut};
use super::norm;
use super::rotary::Rotary;
use super::simd::{exp, sum, vectorized};
pub use backward::backward;
use rayon::prelude::*;

/// Attention logits are scaled by a constant instead of head_dim^-0.5 (@leloykun).
pub const SCALE: f32 = 0.12;
/// Queries per block of scores.
const BLOCK: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub seq: usize,
    pub heads: usize,
    pub head_dim: usize,
}

impl Dims {
    pub fn hdim(&self) -> usize {
        self.heads * self.head_dim
    }
    pub fn rows(&self) -> usize {
        self.batch * self.seq
    }
}

/// What the kernel reads; `qkv` is `[rows, 3·hdim]` (q, then k, then v), `ve` `[rows, hdim]`.
pub struct Inputs<'a> {
    pub dims: Dims,
    pub qkv: &'a [f32],
    pub ve: Option<&'a [f32]>,
    /// λv and λve.
    pub lam: [f32; 2],
    /// The document id of every token, `[rows]`.
    pub docs: &'a [u32],
    pub rotary: &'a Rotary,
}

/// The forward result: `y` `[rows, hdim]`, and every query's softmax denominator
/// `[batch, heads, seq]` for the backward pass.
pub struct Forward {
    pub y: Vec<f32>,
    pub denom: Vec<f32>,
}

/// The gradients of the inputs: `dqkv` like `qkv`, `dve` like `ve`, and of λv, λve.
pub struct Grads {
    pub dqkv: Vec<f32>,
    pub dve: Option<Vec<f32>>,
    pub dlam: [f64; 2],
}

/// One (row, head): its q, k, v as the softmax uses them, `[seq, head_dim]` each, and what the
/// backward pass needs to get back to the inputs.
struct Head {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    /// The normed (pre-rotary, pre-mix) rows and their norm factors.
    nq: Vec<f32>,
    nk: Vec<f32>,
    nv: Vec<f32>,
    r: [Vec<f32>; 3],
    /// First position of each position's document.
    start: Vec<usize>,
}

impl Inputs<'_> {
    // Inlined into the vectorised task (see simd.rs), as is everything a task calls.
    #[inline(always)]
    fn head(&self, b: usize, h: usize) -> Head {
        let Dims {
            seq, head_dim: d, ..
        } = self.dims;
        let hdim = self.dims.hdim();
        let n = seq * d;
        let mut hd = Head {
            q: vec![0.0; n],
            k: vec![0.0; n],
            v: vec![0.0; n],
            nq: vec![0.0; n],
            nk: vec![0.0; n],
            nv: vec![0.0; n],
            r: [vec![0.0; seq], vec![0.0; seq], vec![0.0; seq]],
            start: vec![0; seq],
        };
        let docs = &self.docs[b * seq..(b + 1) * seq];
        for t in 0..seq {
            let row = (b * seq + t) * 3 * hdim + h * d;
            let at = |part: usize| &self.qkv[row + part * hdim..row + part * hdim + d];
            let o = t * d..(t + 1) * d;
            // QK norm by @Grad62304977, then rotary; the attention scale rides on q.
            hd.r[0][t] = norm::row(at(0), &mut hd.nq[o.clone()]);
            self.rotary
                .apply(t, &hd.nq[o.clone()], SCALE, &mut hd.q[o.clone()]);
            hd.r[1][t] = norm::row(at(1), &mut hd.nk[o.clone()]);
            self.rotary
                .apply(t, &hd.nk[o.clone()], 1.0, &mut hd.k[o.clone()]);
            // v normed too, value embeddings mixed in (@KoszarskyB, @Grad62304977).
            hd.r[2][t] = norm::row(at(2), &mut hd.nv[o.clone()]);
            let [lv, le] = self.lam;
            match self.ve {
                Some(ve) => {
                    let e = &ve[(b * seq + t) * hdim + h * d..][..d];
                    for ((v, &x), &e) in hd.v[o.clone()].iter_mut().zip(&hd.nv[o.clone()]).zip(e) {
                        *v = lv * x + le * e;
                    }
                }
                None => {
                    for (v, &x) in hd.v[o.clone()].iter_mut().zip(&hd.nv[o]) {
                        *v = lv * x;
                    }
                }
            }
            hd.start[t] = if t > 0 && docs[t] == docs[t - 1] {
                hd.start[t - 1]
            } else {
                t
            };
        }
        hd
    }
}

impl Head {
    /// The blocks of queries `i0..i1` and the keys `j0..i1` any of them may see.
    #[inline(always)]
    fn blocks(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let seq = self.start.len();
        (0..seq)
            .step_by(BLOCK)
            .map(move |i0| (i0, (i0 + BLOCK).min(seq), self.start[i0]))
    }

    /// Scores of queries `i0..i1` against keys `j0..i1` into `s` (`[i1-i0, i1-j0]`), turned into
    /// exp(score) where allowed and 0 elsewhere, each row times `inv[i]`; returns the row sums.
    #[inline(always)]
    fn probabilities(
        &self,
        d: usize,
        (i0, i1, j0): (usize, usize, usize),
        s: &mut [f32],
        inv: &[f32],
    ) -> Vec<f32> {
        let (qb, nk) = (i1 - i0, i1 - j0);
        let q = Mat::new(&self.q[i0 * d..i1 * d], qb, d);
        let k = Mat::new(&self.k[j0 * d..i1 * d], nk, d);
        matmul(MatMut::new(s, qb, nk), q, k.t(), 0.0, 1.0);
        let mut sums = vec![0.0; qb];
        for (ii, row) in s.chunks_exact_mut(nk).enumerate() {
            let i = i0 + ii;
            let (lo, hi) = (self.start[i] - j0, i - j0 + 1);
            row[..lo].fill(0.0);
            row[hi..].fill(0.0);
            let scale = inv[ii];
            for x in &mut row[lo..hi] {
                *x = exp(*x);
            }
            sums[ii] = sum(&row[lo..hi]);
            if scale != 1.0 {
                for x in &mut row[lo..hi] {
                    *x *= scale;
                }
            }
        }
        sums
    }
}

/// The forward pass of every (row, head).
pub fn forward(inp: &Inputs) -> Forward {
    let Dims {
        batch,
        seq,
        heads,
        head_dim: d,
    } = inp.dims;
    let tasks: Vec<(Vec<f32>, Vec<f32>)> = (0..batch * heads)
        .into_par_iter()
        .map(|task| {
            vectorized(
                #[inline(always)]
                || head_forward(inp, task / heads, task % heads),
            )
        })
        .collect();
    let hdim = inp.dims.hdim();
    let mut y = vec![0.0; inp.dims.rows() * hdim];
    scatter(&mut y, hdim, 0, seq, d, heads, tasks.iter().map(|t| &t.0));
    let denom = tasks.into_iter().flat_map(|t| t.1).collect();
    Forward { y, denom }
}

#[inline(always)]
fn head_forward(inp: &Inputs, b: usize, h: usize) -> (Vec<f32>, Vec<f32>) {
    let (seq, d) = (inp.dims.seq, inp.dims.head_dim);
    let hd = inp.head(b, h);
    let mut y = vec![0.0; seq * d];
    let mut denom = vec![0.0; seq];
    let mut s = vec![0.0; BLOCK * seq];
    let ones = [1.0; BLOCK];
    for blk @ (i0, i1, j0) in hd.blocks() {
        let (qb, nk) = (i1 - i0, i1 - j0);
        let s = &mut s[..qb * nk];
        let sums = hd.probabilities(d, blk, s, &ones);
        let v = Mat::new(&hd.v[j0 * d..i1 * d], nk, d);
        let out = &mut y[i0 * d..i1 * d];
        matmul(MatMut::new(out, qb, d), Mat::new(s, qb, nk), v, 0.0, 1.0);
        for ((row, &sum), den) in out.chunks_exact_mut(d).zip(&sums).zip(&mut denom[i0..i1]) {
            *den = sum;
            let inv = 1.0 / sum;
            for x in row {
                *x *= inv;
            }
        }
    }
    (y, denom)
}

/// Writes each (row, head) task's `[seq, d]` block into a `[rows, width]` matrix, at column
/// `offset + h·d`; tasks come in (row, head) order.
fn scatter<'a>(
    dst: &mut [f32],
    width: usize,
    offset: usize,
    seq: usize,
    d: usize,
    heads: usize,
    tasks: impl Iterator<Item = &'a Vec<f32>>,
) {
    let tasks: Vec<&Vec<f32>> = tasks.collect();
    dst.par_chunks_mut(seq * width)
        .enumerate()
        .for_each(|(b, rows)| {
            for h in 0..heads {
                let src = tasks[b * heads + h];
                for (t, row) in rows.chunks_exact_mut(width).enumerate() {
                    row[offset + h * d..offset + (h + 1) * d]
                        .copy_from_slice(&src[t * d..(t + 1) * d]);
                }
            }
        });
}
