//! Elementwise kernels, fused and spread over the cores in fixed-size chunks (so that sums come
//! out the same whatever the thread count): the layer's input mix and the MLP's ReLU²; and the
//! embedding lookup, whose gradient is one dense table written once (burn's copies a zeroed one).

use super::simd::{dot_f64, vectorized};
use rayon::prelude::*;

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// The weighted sum entering a layer: `y = λ[0]·x + Σ_j λ[j+1]·x0s[j]`, where `x0s` holds the
/// `λ.len() - 1` embeddings one after another, each as long as `x`.
pub fn mix_forward(x: &[f32], x0s: &[f32], lam: &[f32]) -> Vec<f32> {
    let n = x.len();
    assert_eq!(
        x0s.len(),
        n * (lam.len() - 1),
        "one embedding per lambda after the first"
    );
    let mut y = vec![0.0; n];
    y.par_chunks_mut(CHUNK).enumerate().for_each(|(c, y)| {
        let at = c * CHUNK..c * CHUNK + y.len();
        vectorized(
            #[inline(always)]
            || {
                for (y, &x) in y.iter_mut().zip(&x[at.clone()]) {
                    *y = lam[0] * x;
                }
                for (j, &l) in lam[1..].iter().enumerate() {
                    let e = &x0s[j * n + at.start..j * n + at.end];
                    for (y, &e) in y.iter_mut().zip(e) {
                        *y += l * e;
                    }
                }
            },
        )
    });
    y
}

/// The gradients of [`mix_forward`]: of x, of the stacked embeddings, and of λ.
pub fn mix_backward(
    x: &[f32],
    x0s: &[f32],
    lam: &[f32],
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f64>) {
    let n = x.len();
    let scaled = |l: f32, out: &mut [f32]| {
        out.par_chunks_mut(CHUNK)
            .zip(dy.par_chunks(CHUNK))
            .for_each(|(o, g)| {
                vectorized(
                    #[inline(always)]
                    || scale(l, g, o),
                )
            });
    };
    let mut dx = vec![0.0; n];
    scaled(lam[0], &mut dx);
    let mut dx0s = vec![0.0; x0s.len()];
    for (&l, out) in lam[1..].iter().zip(dx0s.chunks_exact_mut(n)) {
        scaled(l, out);
    }
    // dλ_j = Σ input_j · dy, summed per chunk then in chunk order.
    let inputs: Vec<&[f32]> = std::iter::once(x).chain(x0s.chunks_exact(n)).collect();
    let dlam = inputs
        .iter()
        .map(|input| {
            let parts: Vec<f64> = input
                .par_chunks(CHUNK)
                .zip(dy.par_chunks(CHUNK))
                .map(|(a, g)| {
                    vectorized(
                        #[inline(always)]
                        || dot_f64(a, g),
                    )
                })
                .collect();
            parts.iter().sum()
        })
        .collect();
    (dx, dx0s, dlam)
}

#[inline(always)]
fn scale(l: f32, g: &[f32], out: &mut [f32]) {
    for (o, &g) in out.iter_mut().zip(g) {
        *o = l * g;
    }
}

/// ReLU² (https://arxiv.org/abs/2109.08668v2): `max(x, 0)²`.
pub fn relu_square_forward(x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            vectorized(
                #[inline(always)]
                || {
                    for (y, &x) in y.iter_mut().zip(x) {
                        let r = x.max(0.0);
                        *y = r * r;
                    }
                },
            )
        });
    y
}

/// Its gradient: `2·max(x, 0)·dy`.
pub fn relu_square_backward(x: &[f32], dy: &[f32]) -> Vec<f32> {
    let mut dx = vec![0.0; x.len()];
    dx.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .zip(dy.par_chunks(CHUNK))
        .for_each(|((dx, x), dy)| {
            vectorized(
                #[inline(always)]
                || {
                    for ((o, &x), &g) in dx.iter_mut().zip(x).zip(dy) {
                        *o = 2.0 * x.max(0.0) * g;
                    }
                },
            )
        });
    dx
}

/// An embedding lookup: row `ids[i]` of `table` (`[vocab, d]`) for each i.
pub fn embedding_forward(table: &[f32], d: usize, ids: &[u32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(ids.len() * d);
    for &t in ids {
        out.extend_from_slice(&table[t as usize * d..(t as usize + 1) * d]);
    }
    out
}

/// Its gradient: each row of `dy` added into the row of its token, the rest zero. Tokens are
/// taken in order, so repeated ones sum the same way every time.
pub fn embedding_backward(vocab: usize, d: usize, ids: &[u32], dy: &[f32]) -> Vec<f32> {
    let mut g = vec![0.0; vocab * d];
    for (&t, row) in ids.iter().zip(dy.chunks_exact(d)) {
        for (a, &b) in g[t as usize * d..(t as usize + 1) * d].iter_mut().zip(row) {
            *a += b;
        }
    }
    g
}
