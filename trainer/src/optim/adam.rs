//! Adam for embeddings, head and scalars: torch.optim.AdamW with weight_decay 0, betas
//! (0.8, 0.95), eps 1e-10 (modded-nanogpt's `optimizer1`). Runs on the host over flat f32
//! slices: one fused loop is far cheaper on CPU than ten tensor ops, and the state is plain data.
//!
//! m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
//! p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)

use rayon::prelude::*;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamSlot {
    pub m: Vec<f32>,
    pub v: Vec<f32>,
    /// Steps taken by this parameter (`t`, for the bias corrections).
    pub t: u64,
}

impl AdamSlot {
    pub fn new(n: usize) -> Self {
        AdamSlot {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    pub fn step(&mut self, p: &mut [f32], g: &[f32], lr: f64, beta1: f64, beta2: f64, eps: f64) {
        self.t += 1;
        let bc1 = 1.0 - beta1.powi(self.t as i32);
        let bc2 = 1.0 - beta2.powi(self.t as i32);
        let step = (lr / bc1) as f32;
        let inv_sqrt_bc2 = (1.0 / bc2.sqrt()) as f32;
        let (b1, b2, eps) = (beta1 as f32, beta2 as f32, eps as f32);
        // Elementwise, so splitting across threads changes no result.
        const CHUNK: usize = 1 << 15;
        p.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .zip(self.m.par_chunks_mut(CHUNK))
            .zip(self.v.par_chunks_mut(CHUNK))
            .for_each(|(((p, g), m), v)| {
                for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *p -= step * *m / (v.sqrt() * inv_sqrt_bc2 + eps);
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_by_lr_times_sign() {
        // With bias correction, Adam's first update is lr·g/(|g| + eps) = lr·sign(g).
        let mut s = AdamSlot::new(3);
        let mut p = vec![1.0f32, 1.0, 1.0];
        s.step(&mut p, &[0.5, -2.0, 0.0], 0.1, 0.8, 0.95, 1e-10);
        assert!(
            (p[0] - 0.9).abs() < 1e-6 && (p[1] - 1.1).abs() < 1e-6 && p[2] == 1.0,
            "{p:?}"
        );
    }
}
