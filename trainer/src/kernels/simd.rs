//! Vectorised arithmetic for the fused kernels. Loops written plainly inside [`vectorized`] are
//! compiled for the widest instruction set the CPU offers (AVX-512, AVX2 or the baseline), picked
//! at run time by pulp: the binary stays portable and the kernels still get wide registers. Only
//! code inlined into that context gets them, so the closures given to [`vectorized`] are marked
//! `#[inline(always)]`, as are the helpers here and every function a kernel calls inside one.

/// Runs `f` compiled for the best SIMD level of this CPU.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// Lanes of the partial sums below: one AVX-512 register of f32.
const LANES: usize = 16;

/// `Σ a[i]·b[i]`, summed in 16 lanes (the order differs from a serial sum only by rounding).
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `Σ x[i]`, summed in 16 lanes.
#[inline(always)]
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let c = x.chunks_exact(LANES);
    let tail: f32 = c.remainder().iter().sum();
    for x in c {
        for l in 0..LANES {
            acc[l] += x[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// `Σ a[i]·b[i]` in f64, for the gradients of scalars summed over many elements.
#[inline(always)]
pub fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; LANES / 2];
    let (ca, cb) = (a.chunks_exact(LANES / 2), b.chunks_exact(LANES / 2));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| x as f64 * y as f64)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES / 2 {
            acc[l] += x[l] as f64 * y[l] as f64;
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// e^x to within 2 ulp, without branches or calls, so that loops over it vectorise (libm's
/// `expf` does not). Cephes' `expf`: x = n·ln2 + r with ln2 split in two parts
/// (0.693359375 - 2.12194440e-4) for an exact reduction, then its degree-5 polynomial for e^r
/// on |r| <= ln2/2, scaled by 2^n through the exponent bits. Inputs are clamped to
/// [-87, 88], where e^x is a normal f32.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // Round to the nearest integer by adding 1.5·2^23: at that magnitude one unit is one ulp, so
    // the integer n also sits in the low bits of t. Plain arithmetic on floats and their bits,
    // where `round` and `as i32` would not vectorise.
    const ROUND: f32 = 12_582_912.0;
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5; // Cephes' 5.0000001201e-1, which is 0.5 in f32
    let y = p * (r * r) + r + 1.0;
    // 2^n through the exponent bits; n is within [-126, 127] after the clamp.
    let n_bits = t.to_bits().wrapping_sub(ROUND.to_bits());
    y * f32::from_bits(n_bits.wrapping_add(127) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_over_the_kernels_range() {
        let mut worst = 0.0f64;
        let mut x = -60.0f32;
        while x < 60.0 {
            let want = (x as f64).exp();
            let got = vectorized(
                #[inline(always)]
                || exp(x),
            ) as f64;
            worst = worst.max(((got - want) / want).abs());
            x += 0.000_37;
        }
        // One f32 ulp is 2^-23 (1.19e-7) relative at most.
        assert!(worst < 2.5e-7, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn dots_sum_every_element_whatever_the_length() {
        for n in [0, 1, 15, 16, 17, 64, 100] {
            let a: Vec<f32> = (0..n).map(|i| i as f32 * 0.5).collect();
            let b: Vec<f32> = (0..n).map(|i| 3.0 - i as f32).collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| (x * y) as f64).sum();
            assert!((dot(&a, &b) as f64 - want).abs() <= 1e-3 * want.abs().max(1.0));
            assert!((dot_f64(&a, &b) - want).abs() <= 1e-9 * want.abs().max(1.0));
        }
    }
}
