//! RMS norm over rows, fused: modded-nanogpt's `norm(x) = F.rms_norm(x, (x.size(-1),))`, no
//! weight. Forward y = x·r with r = 1/sqrt(mean(x²) + eps); backward
//! dx = r·(dy - y·mean(dy·y)). Rows are independent, so chunks of rows go to the cores.

use super::simd::{dot, vectorized};
use rayon::prelude::*;

/// F.rms_norm's default eps: torch.finfo(float32).eps.
pub const EPS: f32 = f32::EPSILON;

/// Rows per parallel task: enough work to pay for the task (128 rows of 128 floats).
const ROWS_PER_TASK: usize = 128;

/// Normalises one row into `out`; returns its factor r.
#[inline(always)]
pub fn row(x: &[f32], out: &mut [f32]) -> f32 {
    let r = 1.0 / (dot(x, x) / x.len() as f32 + EPS).sqrt();
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v * r;
    }
    r
}

/// The gradient of one row's input, from its output `y`, factor `r` and output gradient `dy`.
#[inline(always)]
pub fn row_backward(y: &[f32], r: f32, dy: &[f32], dx: &mut [f32]) {
    let mean = dot(dy, y) / y.len() as f32;
    for ((o, &g), &v) in dx.iter_mut().zip(dy).zip(y) {
        *o = r * (g - v * mean);
    }
}

/// Every `d`-wide row of `x` normed: the output and each row's factor r (for the backward pass).
pub fn forward(x: &[f32], d: usize) -> (Vec<f32>, Vec<f32>) {
    let rows = x.len() / d;
    let mut y = vec![0.0; x.len()];
    let mut r = vec![0.0; rows];
    y.par_chunks_mut(ROWS_PER_TASK * d)
        .zip(r.par_chunks_mut(ROWS_PER_TASK))
        .zip(x.par_chunks(ROWS_PER_TASK * d))
        .for_each(|((y, r), x)| {
            vectorized(
                #[inline(always)]
                || {
                    for ((y, r), x) in y
                        .chunks_exact_mut(d)
                        .zip(r.iter_mut())
                        .zip(x.chunks_exact(d))
                    {
                        *r = row(x, y);
                    }
                },
            )
        });
    (y, r)
}

/// The input gradient of [`forward`], from its output `y`, factors `r` and the output gradient.
pub fn backward(y: &[f32], r: &[f32], dy: &[f32], d: usize) -> Vec<f32> {
    let mut dx = vec![0.0; y.len()];
    dx.par_chunks_mut(ROWS_PER_TASK * d)
        .zip(y.par_chunks(ROWS_PER_TASK * d))
        .zip(dy.par_chunks(ROWS_PER_TASK * d))
        .zip(r.par_chunks(ROWS_PER_TASK))
        .for_each(|(((dx, y), dy), r)| {
            vectorized(
                #[inline(always)]
                || {
                    let rows = dx.chunks_exact_mut(d).zip(y.chunks_exact(d));
                    for (((dx, y), dy), &r) in rows.zip(dy.chunks_exact(d)).zip(r) {
                        row_backward(y, r, dy, dx);
                    }
                },
            )
        });
    dx
}
