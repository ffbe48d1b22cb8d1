//! The head and the loss, fused: logits z = x·W over the padded vocabulary, softcapped as
//! s = 15·z/sqrt(z² + 225), then cross-entropy against the targets, averaged over rows. One pass
//! per row (a row of logits stays in cache) gives the row's loss and, when training, at once its
//! gradient dz = (softmax(s) - onehot(target)) · 15·225/(z² + 225)^(3/2) / rows, written over
//! the logits: nothing logits-sized is kept but that one buffer, and it is reused from step to
//! step (a fresh 32 MB buffer costs more in page faults than the loss itself).

use super::gemm::Mat;
use super::linear::{product, product_into};
use super::simd::{exp, sum, vectorized};
use rayon::prelude::*;
use std::sync::Mutex;

/// Softcap constant of the medium record (tanh-like softcap following Gemma 2, @Grad62304977).
pub const SOFTCAP: f32 = 15.0;
/// Rows per parallel task.
const ROWS_PER_TASK: usize = 8;

/// Logits-sized buffers kept for the next step.
static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// A buffer of `rows x width` floats, taken from the pool and given back to it when dropped.
#[derive(Debug, Clone)]
pub struct Logits {
    pub data: Vec<f32>,
    pub rows: usize,
    pub width: usize,
}

impl Logits {
    fn new(rows: usize, width: usize) -> Self {
        let n = rows * width;
        let pooled = {
            let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
            let i = pool.iter().position(|v| v.capacity() >= n);
            i.map(|i| pool.swap_remove(i))
        };
        let mut data = pooled.unwrap_or_default();
        data.clear();
        data.resize(n, 0.0);
        Logits { data, rows, width }
    }
}

impl Drop for Logits {
    fn drop(&mut self) {
        let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
        // Two are enough: the training step's and the evaluation's.
        if pool.len() < 2 {
            pool.push(std::mem::take(&mut self.data));
        }
    }
}

/// Mean loss of `x` (`[rows, d]`, normed) through the head `w` (`[d, width]`) against
/// `targets`, and, if `want_grad`, the gradient with respect to the logits.
pub fn forward(
    x: &[f32],
    w: &[f32],
    d: usize,
    targets: &[u32],
    want_grad: bool,
) -> (f64, Option<Logits>) {
    let (rows, width) = (targets.len(), w.len() / d);
    let bad = targets.iter().find(|&&t| t as usize >= width);
    assert!(
        bad.is_none(),
        "target {bad:?} is outside the {width} logits"
    );
    let mut z = Logits::new(rows, width);
    product_into(&mut z.data, Mat::new(x, rows, d), Mat::new(w, d, width));
    let losses: Vec<f64> = z
        .data
        .par_chunks_mut(ROWS_PER_TASK * width)
        .zip(targets.par_chunks(ROWS_PER_TASK))
        .flat_map_iter(|(z, t)| {
            vectorized(
                #[inline(always)]
                || rows_loss(z, t, 1.0 / rows as f32, want_grad),
            )
        })
        .collect();
    // Summed in row order: the same loss whatever the thread count.
    let loss = losses.iter().sum::<f64>() / rows as f64;
    (loss, want_grad.then_some(z))
}

/// The losses of a few rows of logits; with `grad`, each row is replaced by its gradient
/// (times `inv_rows`, the mean's factor).
#[inline(always)]
fn rows_loss(z: &mut [f32], targets: &[u32], inv_rows: f32, grad: bool) -> Vec<f64> {
    let width = z.len() / targets.len();
    let mut s = vec![0.0f32; width];
    let mut losses = Vec::with_capacity(targets.len());
    for (z, &t) in z.chunks_exact_mut(width).zip(targets) {
        for (s, &z) in s.iter_mut().zip(z.iter()) {
            *s = SOFTCAP * z / (z * z + SOFTCAP * SOFTCAP).sqrt();
        }
        let target = s[t as usize];
        // |s| < 15, so 15 serves as the row's max: exp(s - 15) is in (e^-30, 1].
        for x in s.iter_mut() {
            *x = exp(*x - SOFTCAP);
        }
        let total = sum(&s);
        losses.push((SOFTCAP as f64 + (total as f64).ln()) - target as f64);
        if grad {
            let scale = inv_rows / total;
            // d softcap / dz = 15·225 / (z² + 225)^(3/2).
            let cap = |z: f32| {
                let u = z * z + SOFTCAP * SOFTCAP;
                SOFTCAP * SOFTCAP * SOFTCAP / (u * u.sqrt())
            };
            let zt = z[t as usize];
            for (z, &e) in z.iter_mut().zip(&s) {
                *z = e * scale * cap(*z);
            }
            z[t as usize] -= inv_rows * cap(zt);
        }
    }
    losses
}

/// The gradients of `x` and `w` from the logits' gradient `dz` and the loss's own gradient `g`:
/// dx = g·dz·Wᵀ, dW = g·xᵀ·dz.
pub fn backward(x: &[f32], w: &[f32], d: usize, dz: &Logits, g: f32) -> (Vec<f32>, Vec<f32>) {
    let (rows, width) = (dz.rows, dz.width);
    let dzm = Mat::new(&dz.data, rows, width);
    let mut dx = product(dzm, Mat::new(w, d, width).t());
    let mut dw = product(Mat::new(x, rows, d).t(), dzm);
    // The loss's own gradient is 1 in training; any other scales both.
    if g != 1.0 {
        dx.iter_mut().chain(dw.iter_mut()).for_each(|v| *v *= g);
    }
    (dx, dw)
}
