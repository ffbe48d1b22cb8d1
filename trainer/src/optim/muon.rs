//! Muon for the hidden matrices (MomentUm Orthogonalized by Newton–Schulz,
//! https://kellerjordan.github.io/posts/muon/), as modded-nanogpt's medium record
//! (2025-09-11_GPT2MediumX01) runs it:
//!
//! buf = m·buf + (1-m)·g;  u = m·buf + (1-m)·g            (Nesterov-style)
//! p  *= 1 - lr·wd·wd_mul                                  (wd 0.01; wd_mul 2 on MLP weights)
//! p  -= lr·sqrt(max(1, out/in)) · NS5(u)                   (shape in PyTorch's [out, in])
//!
//! burn stores our weights `[in, out]`, so out/in is cols/rows here. burn's own Muon differs
//! (coefficients, scaling, decay), hence this one.

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

    /// Updates `p` (`[rows, cols]`, row-major, `[in, out]`) in place.
    pub fn step<B: Backend>(
        &mut self,
        p: &mut [f32],
        g: &[f32],
        rows: usize,
        cols: usize,
        h: &MuonStep,
        device: &B::Device,
    ) {
        let m = h.momentum as f32;
        let mut u = Vec::with_capacity(g.len());
        for (b, &g) in self.buf.iter_mut().zip(g) {
            *b = m * *b + (1.0 - m) * g;
            u.push(m * *b + (1.0 - m) * g);
        }
        let u = Tensor::<B, 2>::from_data(burn::tensor::TensorData::new(u, [rows, cols]), device);
        let o = newton_schulz(u).into_data();
        let o = o.as_slice::<f32>().expect("f32 tensor");
        let decay = (1.0 - h.lr * h.weight_decay * h.wd_mul) as f32;
        let eff_lr = (h.lr * (cols as f64 / rows as f64).max(1.0).sqrt()) as f32;
        for (p, &o) in p.iter_mut().zip(o) {
            *p = *p * decay - eff_lr * o;
        }
    }
}
