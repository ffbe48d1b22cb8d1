//! Rotary position embedding, half-truncated (by @YouJiacheng, modded-nanogpt's `Rotary`): a
//! quarter of the head's frequencies are (1/1024)^linspace(0, 1), the other quarter zero (those
//! dims pass unrotated). With x = (x1, x2) the two halves of a head:
//! y1 = x1·cos + x2·sin, y2 = x2·cos - x1·sin. The tables are built once per (seq, head_dim).

use std::sync::{Arc, Mutex, OnceLock};

/// cos and sin of position t times frequency i, `[seq, head_dim / 2]` row-major.
#[derive(Debug, PartialEq)]
pub struct Rotary {
    pub seq: usize,
    pub half: usize,
    pub cos: Vec<f32>,
    pub sin: Vec<f32>,
}

impl Rotary {
    fn build(seq: usize, head_dim: usize) -> Self {
        let (half, quarter) = (head_dim / 2, head_dim / 4);
        let freq: Vec<f64> = (0..half)
            .map(|j| match j {
                j if j < quarter && quarter > 1 => {
                    (1.0f64 / 1024.0).powf(j as f64 / (quarter - 1) as f64)
                }
                j if j < quarter => 1.0,
                _ => 0.0,
            })
            .collect();
        let (mut cos, mut sin) = (
            Vec::with_capacity(seq * half),
            Vec::with_capacity(seq * half),
        );
        for t in 0..seq {
            for &f in &freq {
                let theta = t as f64 * f;
                cos.push(theta.cos() as f32);
                sin.push(theta.sin() as f32);
            }
        }
        Rotary {
            seq,
            half,
            cos,
            sin,
        }
    }

    /// The tables for `seq` positions of `head_dim`, shared: every batch of a run uses the same.
    pub fn get(seq: usize, head_dim: usize) -> Arc<Rotary> {
        static CACHE: OnceLock<Mutex<Vec<Arc<Rotary>>>> = OnceLock::new();
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(r) = cache
            .iter()
            .find(|r| r.seq == seq && r.half == head_dim / 2)
        {
            return r.clone();
        }
        let r = Arc::new(Rotary::build(seq, head_dim));
        cache.push(r.clone());
        r
    }

    /// Rotates one head's row at position `t`, times `scale`, into `out`.
    #[inline(always)]
    pub fn apply(&self, t: usize, x: &[f32], scale: f32, out: &mut [f32]) {
        let h = self.half;
        let (c, s) = (&self.cos[t * h..(t + 1) * h], &self.sin[t * h..(t + 1) * h]);
        let (x1, x2) = x.split_at(h);
        let (y1, y2) = out.split_at_mut(h);
        for i in 0..h {
            y1[i] = (x1[i] * c[i] + x2[i] * s[i]) * scale;
            y2[i] = (x2[i] * c[i] - x1[i] * s[i]) * scale;
        }
    }

    /// The transpose of [`Rotary::apply`] (its gradient): rotates by -θ, times `scale`.
    #[inline(always)]
    pub fn apply_transposed(&self, t: usize, dy: &[f32], scale: f32, dx: &mut [f32]) {
        let h = self.half;
        let (c, s) = (&self.cos[t * h..(t + 1) * h], &self.sin[t * h..(t + 1) * h]);
        let (g1, g2) = dy.split_at(h);
        let (d1, d2) = dx.split_at_mut(h);
        for i in 0..h {
            d1[i] = (g1[i] * c[i] - g2[i] * s[i]) * scale;
            d2[i] = (g1[i] * s[i] + g2[i] * c[i]) * scale;
        }
    }

    /// The plain path's tables `[rows, seq, head_dim]`: `[cos, cos]` and `[sin, -sin]` times
    /// `scale`, so that `rope(x) = x·cos + swap_halves(x)·sin` needs no broadcast.
    pub fn expanded(&self, rows: usize, scale: f32) -> (Vec<f32>, Vec<f32>) {
        let h = self.half;
        let (mut cos, mut sin) = (Vec::new(), Vec::new());
        for t in 0..self.seq {
            let (c, s) = (&self.cos[t * h..(t + 1) * h], &self.sin[t * h..(t + 1) * h]);
            cos.extend(c.iter().chain(c).map(|x| x * scale));
            sin.extend(s.iter().chain(s.iter()).enumerate().map(|(i, x)| {
                if i < h {
                    x * scale
                } else {
                    -x * scale
                }
            }));
        }
        (cos.repeat(rows), sin.repeat(rows))
    }
}
