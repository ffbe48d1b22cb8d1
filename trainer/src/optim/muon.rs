//! Muon for the hidden matrices (MomentUm Orthogonalized by Newton–Schulz,
//! https://kellerjordan.github.io/posts/muon/), as modded-nanogpt's medium record
//! (2025-09-11_GPT2MediumX01) runs it:
//!
//! buf = m·buf + (1-m)·g;  u = m·buf + (1-m)·g            (Nesterov-style)
//! p  *= 1 - lr·wd·wd_mul                                  (wd 0.01; wd_mul 2 on MLP weights)
//! p  -= lr·sqrt(max(1, out/in)) · NS5(u)                   (shape in PyTorch's [out, in])
//!
//! burn stores our weights `[in, out]`, so out/in is cols/rows here. burn's own Muon differs
//! (coefficients, scaling, decay), hence this one. Newton–Schulz comes twice: on the host with
//! gemm ([`newton_schulz_host`], one task per matrix, matrices in parallel as modded-nanogpt
//! spreads them over GPUs), and in burn ops ([`newton_schulz`], its oracle and `--plain-ops`).

use crate::kernels::gemm::{matmul, Mat, MatMut};
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor};

/// modded-nanogpt's per-iteration quintic coefficients (a, b, c) for five iterations.
pub const NS_COEFFS: [(f64, f64, f64); 5] = [
    (4.0848, -6.8946, 2.9270),
    (3.9505, -6.3029, 2.6377),
    (3.7418, -5.5913, 2.3037),
    (2.8769, -3.1427, 1.2046),
    (2.8366, -3.0525, 1.2012),
];

/// Newton–Schulz orthogonalisation `zeropower_via_newtonschulz5`: pushes the singular values of
/// `g` towards 1 (to about [0.9, 1.1] for these coefficients) keeping the singular vectors.
pub fn newton_schulz<B: Backend>(g: Tensor<B, 2>) -> Tensor<B, 2> {
    let [rows, cols] = g.dims();
    let tall = rows > cols;
    let mut x = if tall { g.transpose() } else { g };
    // Spectral norm at most 1: divide by the Frobenius norm.
    let fro: f32 = x.clone().square().sum().sqrt().into_scalar().elem();
    x = x.mul_scalar(1.0 / (fro as f64 + 1e-7));
    for &(a, b, c) in &NS_COEFFS {
        let gram = x.clone().matmul(x.clone().transpose());
        let poly = gram.clone().mul_scalar(b) + gram.clone().matmul(gram).mul_scalar(c);
        x = x.clone().mul_scalar(a) + poly.matmul(x);
    }
    if tall {
        x.transpose()
    } else {
        x
    }
}

/// [`newton_schulz`] on a row-major `[rows, cols]` matrix on the host, on the calling thread.
pub fn newton_schulz_host(g: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let tall = rows > cols;
    // X is wide, [m, n] with m <= n: the Gram matrices are the small side squared.
    let (m, n) = if tall { (cols, rows) } else { (rows, cols) };
    let mut x = if tall {
        transpose(g, rows, cols)
    } else {
        g.to_vec()
    };
    // Spectral norm at most 1: divide by the Frobenius norm.
    let fro = x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
    let s = (1.0 / (fro + 1e-7)) as f32;
    x.iter_mut().for_each(|v| *v *= s);
    let (mut gram, mut poly, mut next) = (vec![0.0; m * m], vec![0.0; m * m], vec![0.0; m * n]);
    for &(a, b, c) in &NS_COEFFS {
        let xm = Mat::new(&x, m, n);
        // gram = X·Xᵀ;  poly = b·gram + c·gram·gram;  X = a·X + poly·X
        matmul(MatMut::new(&mut gram, m, m), xm, xm.t(), 0.0, 1.0);
        poly.copy_from_slice(&gram);
        let gm = Mat::new(&gram, m, m);
        matmul(MatMut::new(&mut poly, m, m), gm, gm, b as f32, c as f32);
        next.copy_from_slice(&x);
        matmul(
            MatMut::new(&mut next, m, n),
            Mat::new(&poly, m, m),
            xm,
            a as f32,
            1.0,
        );
        std::mem::swap(&mut x, &mut next);
    }
    if tall {
        transpose(&x, m, n)
    } else {
        x
    }
}

/// The transpose of a row-major `[rows, cols]` matrix.
fn transpose(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; x.len()];
    for (i, row) in x.chunks_exact(cols).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            t[j * rows + i] = v;
        }
    }
    t
}

/// Muon's per-parameter state: the momentum buffer, flat, row-major.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MuonSlot {
    pub buf: Vec<f32>,
}

pub struct MuonStep {
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub wd_mul: f64,
}

impl MuonSlot {
    pub fn new(n: usize) -> Self {
        MuonSlot { buf: vec![0.0; n] }
    }

    /// Updates `p` (`[rows, cols]`, row-major, `[in, out]`) in place; `orthogonalise` is one
    /// of the two Newton–Schulz versions.
    pub fn step(
        &mut self,
        p: &mut [f32],
        g: &[f32],
        shape: (usize, usize),
        h: &MuonStep,
        orthogonalise: impl FnOnce(Vec<f32>) -> Vec<f32>,
    ) {
        let u = self.momentum(g, h);
        apply(p, &orthogonalise(u), shape, h);
    }

    /// The momentum update; returns the Nesterov direction to orthogonalise.
    pub fn momentum(&mut self, g: &[f32], h: &MuonStep) -> Vec<f32> {
        let m = h.momentum as f32;
        let mut u = Vec::with_capacity(g.len());
        for (b, &g) in self.buf.iter_mut().zip(g) {
            *b = m * *b + (1.0 - m) * g;
            u.push(m * *b + (1.0 - m) * g);
        }
        u
    }
}

/// Decays `p` and steps along the orthogonalised direction `o`, scaled for the matrix's shape.
pub fn apply(p: &mut [f32], o: &[f32], (rows, cols): (usize, usize), h: &MuonStep) {
    let decay = (1.0 - h.lr * h.weight_decay * h.wd_mul) as f32;
    let eff_lr = (h.lr * (cols as f64 / rows as f64).max(1.0).sqrt()) as f32;
    for (p, &o) in p.iter_mut().zip(o) {
        *p = *p * decay - eff_lr * o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::tensor::{Distribution, TensorData};

    #[test]
    fn host_newton_schulz_equals_the_burn_ops_version() {
        let device = Default::default();
        for (rows, cols) in [(64, 256), (256, 64), (96, 96)] {
            let g =
                Tensor::<Flex, 2>::random([rows, cols], Distribution::Normal(0.0, 1.0), &device);
            let host = g.to_data().into_vec::<f32>().unwrap();
            let want = newton_schulz(g).into_data().into_vec::<f32>().unwrap();
            let got = newton_schulz_host(&host, rows, cols);
            let max = want.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            let diff = want
                .iter()
                .zip(&got)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(diff <= 1e-5 * max, "{rows}x{cols}: {diff} vs {max}");
        }
        let t = Tensor::<Flex, 2>::from_data(
            TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]),
            &device,
        );
        assert_eq!(
            transpose(&t.to_data().into_vec::<f32>().unwrap(), 2, 3),
            [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
    }
}
