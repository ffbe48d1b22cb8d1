//! The backward pass of the fused attention, per (row, head): the scores are recomputed block
//! by block from q and k (never stored), then flash-attention's gradient formulas (dv = pᵀ·dy,
//! ds = p·(dy·vᵀ - D) with D_i = dy_i·y_i, dq = ds·k, dk = dsᵀ·q), and back through rotary, the
//! value mix and the three norms.

use super::{scatter, Dims, Grads, Head, Inputs, BLOCK, SCALE};
use crate::kernels::gemm::{matmul, Mat, MatMut};
use crate::kernels::norm;
use crate::kernels::simd::{dot, dot_f64, vectorized};
use rayon::prelude::*;

/// The backward pass from the forward's `y` and `denom`; `dy` is the gradient of `y`.
pub fn backward(inp: &Inputs, y: &[f32], denom: &[f32], dy: &[f32]) -> Grads {
    let Dims {
        seq,
        heads,
        head_dim: d,
        ..
    } = inp.dims;
    let hdim = inp.dims.hdim();
    let tasks: Vec<HeadGrads> = (0..inp.dims.batch * heads)
        .into_par_iter()
        .map(|task| {
            vectorized(
                #[inline(always)]
                || head_backward(inp, (y, denom), dy, task / heads, task % heads),
            )
        })
        .collect();
    let mut dqkv = vec![0.0; inp.dims.rows() * 3 * hdim];
    for (part, offset) in [0, hdim, 2 * hdim].into_iter().enumerate() {
        scatter(
            &mut dqkv,
            3 * hdim,
            offset,
            seq,
            d,
            heads,
            tasks.iter().map(|t| &t.dx[part]),
        );
    }
    let dve = inp.ve.map(|_| {
        let mut dve = vec![0.0; inp.dims.rows() * hdim];
        scatter(
            &mut dve,
            hdim,
            0,
            seq,
            d,
            heads,
            tasks.iter().map(|t| &t.dve),
        );
        dve
    });
    // Summed in task order: the same result whatever the thread count.
    let dlam = tasks
        .iter()
        .fold([0.0; 2], |a, t| [a[0] + t.dlam[0], a[1] + t.dlam[1]]);
    Grads { dqkv, dve, dlam }
}

struct HeadGrads {
    dx: [Vec<f32>; 3],
    dve: Vec<f32>,
    dlam: [f64; 2],
}

#[inline(always)]
fn head_backward(
    inp: &Inputs,
    (y, denom): (&[f32], &[f32]),
    dy: &[f32],
    b: usize,
    h: usize,
) -> HeadGrads {
    let Dims {
        seq, head_dim: d, ..
    } = inp.dims;
    let hdim = inp.dims.hdim();
    let hd = inp.head(b, h);
    let gather = |src: &[f32]| -> Vec<f32> {
        let mut out = Vec::with_capacity(seq * d);
        for t in 0..seq {
            out.extend_from_slice(&src[(b * seq + t) * hdim + h * d..][..d]);
        }
        out
    };
    let (gy, y) = (gather(dy), gather(y));
    let denom = &denom[(b * inp.dims.heads + h) * seq..][..seq];
    let inv: Vec<f32> = denom.iter().map(|x| 1.0 / x).collect();
    // D_i = Σ_d dy_i·y_i, the softmax's own term.
    let big_d: Vec<f32> = gy
        .chunks_exact(d)
        .zip(y.chunks_exact(d))
        .map(|(g, y)| dot(g, y))
        .collect();
    let (mut dq, mut dk, mut dv) = (vec![0.0; seq * d], vec![0.0; seq * d], vec![0.0; seq * d]);
    let (mut p, mut dp) = (vec![0.0; BLOCK * seq], vec![0.0; BLOCK * seq]);
    for blk @ (i0, i1, j0) in hd.blocks() {
        let (qb, nk) = (i1 - i0, i1 - j0);
        let (p, dp) = (&mut p[..qb * nk], &mut dp[..qb * nk]);
        hd.probabilities(d, blk, p, &inv[i0..i1]);
        let gy_b = Mat::new(&gy[i0 * d..i1 * d], qb, d);
        // dv += pᵀ·dy;  dp = dy·vᵀ
        matmul(
            MatMut::new(&mut dv[j0 * d..i1 * d], nk, d),
            Mat::new(p, qb, nk).t(),
            gy_b,
            1.0,
            1.0,
        );
        matmul(
            MatMut::new(dp, qb, nk),
            gy_b,
            Mat::new(&hd.v[j0 * d..i1 * d], nk, d).t(),
            0.0,
            1.0,
        );
        // ds = p·(dp - D_i), written over dp (masked entries have p = 0).
        for ((dp, p), &di) in dp
            .chunks_exact_mut(nk)
            .zip(p.chunks_exact(nk))
            .zip(&big_d[i0..i1])
        {
            for (g, &p) in dp.iter_mut().zip(p) {
                *g = p * (*g - di);
            }
        }
        let ds = Mat::new(dp, qb, nk);
        // dq = ds·k;  dk += dsᵀ·q
        let k = Mat::new(&hd.k[j0 * d..i1 * d], nk, d);
        matmul(MatMut::new(&mut dq[i0 * d..i1 * d], qb, d), ds, k, 0.0, 1.0);
        let q = Mat::new(&hd.q[i0 * d..i1 * d], qb, d);
        matmul(
            MatMut::new(&mut dk[j0 * d..i1 * d], nk, d),
            ds.t(),
            q,
            1.0,
            1.0,
        );
    }
    through_inputs(inp, &hd, [&dq, &dk, &dv], b, h)
}

/// Back from the head's dq, dk, dv through rotary (and the scale on q), the value mix, and the
/// three norms.
#[inline(always)]
fn through_inputs(
    inp: &Inputs,
    hd: &Head,
    [dq, dk, dv]: [&[f32]; 3],
    b: usize,
    h: usize,
) -> HeadGrads {
    let Dims {
        seq, head_dim: d, ..
    } = inp.dims;
    let hdim = inp.dims.hdim();
    let mut out = HeadGrads {
        dx: [vec![0.0; seq * d], vec![0.0; seq * d], vec![0.0; seq * d]],
        dve: vec![0.0; if inp.ve.is_some() { seq * d } else { 0 }],
        dlam: [0.0; 2],
    };
    let [lv, le] = inp.lam;
    let mut tmp = vec![0.0; d];
    for t in 0..seq {
        let o = t * d..(t + 1) * d;
        inp.rotary
            .apply_transposed(t, &dq[o.clone()], SCALE, &mut tmp);
        norm::row_backward(
            &hd.nq[o.clone()],
            hd.r[0][t],
            &tmp,
            &mut out.dx[0][o.clone()],
        );
        inp.rotary
            .apply_transposed(t, &dk[o.clone()], 1.0, &mut tmp);
        norm::row_backward(
            &hd.nk[o.clone()],
            hd.r[1][t],
            &tmp,
            &mut out.dx[1][o.clone()],
        );
        let g = &dv[o.clone()];
        out.dlam[0] += dot_f64(&hd.nv[o.clone()], g);
        if let Some(ve) = inp.ve {
            let e = &ve[(b * seq + t) * hdim + h * d..][..d];
            out.dlam[1] += dot_f64(e, g);
            for (x, &g) in out.dve[o.clone()].iter_mut().zip(g) {
                *x = le * g;
            }
        }
        for (x, &g) in tmp.iter_mut().zip(g) {
            *x = lv * g;
        }
        norm::row_backward(&hd.nv[o.clone()], hd.r[2][t], &tmp, &mut out.dx[2][o]);
    }
    out
}
