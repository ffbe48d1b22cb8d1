//! Power: what a comparison of these runs could have detected.
//!
//! The minimum detectable difference ([`mde`]) is the smallest true difference of means that a
//! two-sided Welch t-test at level `alpha` finds with probability `power`, given the spread the
//! runs show and how many there are per side. Under a true difference δ the Welch statistic
//! `t = (mean_a - mean_b) / SE`, `SE = sqrt(s_a²/n_a + s_b²/n_b)`, follows (approximately) a
//! noncentral t distribution with the Welch–Satterthwaite degrees of freedom ν and noncentrality
//! `δ / SE`; the test rejects when `|t| > t_{1-alpha/2, ν}`, so its power is
//!
//! ```text
//! power(δ) = 1 - F(t_c; ν, δ/SE) + F(-t_c; ν, δ/SE),   t_c = t_{1-alpha/2, ν}
//! ```
//!
//! with `F` the noncentral t CDF, and the MDE is the δ where `power(δ)` reaches `power` (found
//! by bisection: the power grows with δ). This is the textbook power of the t-test (Cohen,
//! *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., 1988, ch. 2), with the
//! Welch SE and ν standing in for the pooled ones. It comes close to Bloom's closed form
//! `MDE ≈ (t_{1-alpha/2, ν} + t_{power, ν}) · SE` (H. S. Bloom, "Minimum detectable effects",
//! Evaluation Review 19(5), 1995), which tests hold it to.
//!
//! statrs has the central t (its quantiles give `t_c`) but no noncentral t, so [`noncentral_t_cdf`]
//! integrates the definition `T = (Z + λ) / sqrt(V/ν)`, `V ~ χ²_ν`: `F(t) = E[Φ(t·U - λ)]` over
//! `U = sqrt(V/ν)`, by Simpson's rule on the density of `U`.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::gamma::ln_gamma;

/// Simpson intervals over U's range: a relative error far below the digits printed.
const INTERVALS: usize = 4000;

/// P(T <= t) for T noncentral t with `df` degrees of freedom and noncentrality `ncp`.
pub fn noncentral_t_cdf(t: f64, df: f64, ncp: f64) -> f64 {
    let normal = Normal::standard();
    // log of U's density up to u: ln 2 + (ν/2) ln(ν/2) - lnΓ(ν/2) + (ν-1) ln u - ν u²/2.
    let log_c = std::f64::consts::LN_2 + df / 2.0 * (df / 2.0).ln() - ln_gamma(df / 2.0);
    let density = |u: f64| {
        if u <= 0.0 {
            // ν = 1 is a half-normal, finite at 0; above it the density vanishes there.
            return if (df - 1.0).abs() < 1e-12 {
                log_c.exp()
            } else {
                0.0
            };
        }
        (log_c + (df - 1.0) * u.ln() - df * u * u / 2.0).exp()
    };
    // U concentrates around 1 with spread about 1/sqrt(2ν): past this its density is < e^-50.
    let hi = 1.0 + 10.0 * (2.0 / df).sqrt();
    let h = hi / INTERVALS as f64;
    let f = |u: f64| density(u) * normal.cdf(t * u - ncp);
    let mut sum = f(0.0) + f(hi);
    for i in 1..INTERVALS {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(i as f64 * h);
    }
    (sum * h / 3.0).clamp(0.0, 1.0)
}

/// The two-sided critical value `t_{1-alpha/2, df}`.
pub fn critical_t(df: f64, alpha: f64) -> Option<f64> {
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(dist.inverse_cdf(1.0 - alpha / 2.0))
}

/// Power of the two-sided t-test at level `alpha` when the true difference is `ncp` standard
/// errors (see the module docs).
pub fn power_at(ncp: f64, df: f64, alpha: f64) -> Option<f64> {
    let tc = critical_t(df, alpha)?;
    Some(1.0 - noncentral_t_cdf(tc, df, ncp) + noncentral_t_cdf(-tc, df, ncp))
}

/// The minimum detectable difference of a two-sided Welch t-test at level `alpha` with power
/// `power`, for standard error `se` and `df` degrees of freedom; `None` when `se` is not
/// positive and finite or `df` is not positive.
pub fn mde(se: f64, df: f64, alpha: f64, power: f64) -> Option<f64> {
    if !(se.is_finite() && se > 0.0 && df > 0.0 && df.is_finite()) {
        return None;
    }
    if !(0.0 < alpha && alpha < 1.0 && alpha < power && power < 1.0) {
        return None;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while power_at(hi, df, alpha)? < power {
        hi *= 2.0;
        if hi > 1e6 {
            return None;
        }
    }
    // Bisection on the noncentrality: power grows with it.
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if power_at(mid, df, alpha)? < power {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((lo + hi) / 2.0 * se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noncentral_t_cdf_matches_scipy() {
        // scipy 1.17.1, stats.nct.cdf(t, df, nc).
        for (t, df, nc, want) in [
            (2.0, 4.0, 1.5, 0.6189289251396548),
            (-1.0, 2.5, 0.7, 0.06843011368746857),
            (2.776, 4.0, 3.5, 0.2550213569760203),
            (1.5, 1.0, 2.0, 0.26293509619812555),
            (2.0, 30.0, 2.5, 0.3083344536475149),
        ] {
            let got = noncentral_t_cdf(t, df, nc);
            assert!(
                (got - want).abs() < 1e-7,
                "F({t}; {df}, {nc}) = {got}, not {want}"
            );
        }
        // No noncentrality: the central t.
        let central = StudentsT::new(0.0, 1.0, 5.0).unwrap().cdf(1.3);
        assert!((noncentral_t_cdf(1.3, 5.0, 0.0) - central).abs() < 1e-9);
    }

    #[test]
    fn power_is_alpha_at_no_difference() {
        assert!((power_at(0.0, 6.0, 0.05).unwrap() - 0.05).abs() < 1e-7);
    }
}
