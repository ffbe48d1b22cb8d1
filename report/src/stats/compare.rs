//! Two groups of runs compared: what their difference is, how sure the runs are of it, and what
//! they could have detected.
//!
//! - [`difference`]: `mean_a - mean_b` with its Welch confidence interval, the two-sided p and
//!   the minimum detectable difference ([`super::power::mde`]: two-sided Welch, alpha 0.05,
//!   power 0.8, from the observed spread and the runs per side).
//! - [`tost`]: two one-sided tests that the difference lies inside ±D (Schuirmann, "A comparison
//!   of the two one-sided tests procedure...", J. Pharmacokinetics and Biopharmaceutics 15(6),
//!   1987), with the Welch SE and degrees of freedom: equivalence at level alpha holds when
//!   both `(diff + D)/SE > t_{1-alpha, ν}` and `(diff - D)/SE < -t_{1-alpha, ν}`, which is the
//!   same as the `1 - 2·alpha` interval of the difference lying inside (-D, D). Not significant
//!   is not the same as equivalent: only this says "no difference larger than D".
//! - [`below_threshold`]: the one-sided one-sample t-test that a mean lies below a threshold,
//!   modded-nanogpt's rule for a record (the mean final val loss below the track's target).

use super::{power, Summary};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The level and power the minimum detectable difference is given for.
pub const MDE_ALPHA: f64 = 0.05;
pub const MDE_POWER: f64 = 0.8;

/// `a - b`, Welch: the difference, its standard error and degrees of freedom, the 95% interval,
/// the two-sided p, and the minimum detectable difference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub diff: f64,
    pub se: f64,
    pub df: f64,
    /// 95% confidence interval of `a - b`.
    pub ci95: (f64, f64),
    pub p: f64,
    /// See [`super::power::mde`]; `None` when it cannot be found.
    pub mde: Option<f64>,
    pub n: (usize, usize),
}

impl Difference {
    /// The `level` (e.g. 0.90) confidence interval of the difference.
    pub fn interval(&self, level: f64) -> Option<(f64, f64)> {
        let t = StudentsT::new(0.0, 1.0, self.df)
            .ok()?
            .inverse_cdf(0.5 + level / 2.0);
        Some((self.diff - t * self.se, self.diff + t * self.se))
    }
}

/// The Welch standard error and Welch–Satterthwaite degrees of freedom of `a - b`; `None` when
/// either side has fewer than two runs or both spreads are zero.
pub fn welch_se(a: &Summary, b: &Summary) -> Option<(f64, f64)> {
    let (sa, sb) = (a.std?, b.std?);
    let (va, vb) = (sa * sa / a.n as f64, sb * sb / b.n as f64);
    let se2 = va + vb;
    if !(se2 > 0.0 && se2.is_finite()) {
        return None;
    }
    // df = (va + vb)^2 / (va^2/(na-1) + vb^2/(nb-1)).
    let df = se2 * se2 / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    Some((se2.sqrt(), df))
}

/// `a - b` with its Welch interval, p and minimum detectable difference.
pub fn difference(a: &Summary, b: &Summary) -> Option<Difference> {
    let (se, df) = welch_se(a, b)?;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let diff = a.mean - b.mean;
    let t = diff / se;
    let half = dist.inverse_cdf(0.975) * se;
    Some(Difference {
        diff,
        se,
        df,
        ci95: (diff - half, diff + half),
        p: 2.0 * (1.0 - dist.cdf(t.abs())),
        mde: power::mde(se, df, MDE_ALPHA, MDE_POWER),
        n: (a.n, b.n),
    })
}

/// The outcome of two one-sided tests for equivalence within ±`within`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tost {
    pub within: f64,
    pub alpha: f64,
    pub diff: Difference,
    /// The larger of the two one-sided p-values: equivalence holds when it is below alpha.
    pub p: f64,
    /// The `1 - 2·alpha` interval of the difference: inside ±within exactly when equivalent.
    pub interval: (f64, f64),
}

impl Tost {
    pub fn holds(&self) -> bool {
        self.p < self.alpha
    }
}

/// TOST of `a - b` inside ±`within` at level `alpha`; `None` where no Welch test is possible.
pub fn tost(a: &Summary, b: &Summary, within: f64, alpha: f64) -> Option<Tost> {
    let diff = difference(a, b)?;
    let dist = StudentsT::new(0.0, 1.0, diff.df).ok()?;
    // H0 low: diff <= -within; H0 high: diff >= within.
    let p_low = 1.0 - dist.cdf((diff.diff + within) / diff.se);
    let p_high = dist.cdf((diff.diff - within) / diff.se);
    Some(Tost {
        within,
        alpha,
        p: p_low.max(p_high),
        interval: diff.interval(1.0 - 2.0 * alpha)?,
        diff,
    })
}

/// A one-sided one-sample t-test of "the mean is below `threshold`".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BelowThreshold {
    pub threshold: f64,
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub t: f64,
    /// P(t this low or lower | mean = threshold), df = n - 1.
    pub p: f64,
    /// The one-sided 95% upper confidence bound of the mean.
    pub upper95: f64,
}

/// The t-test of `s`'s mean below `threshold`; `None` with fewer than two values or no spread.
pub fn below_threshold(s: &Summary, threshold: f64) -> Option<BelowThreshold> {
    let std = s.std.filter(|sd| *sd > 0.0 && sd.is_finite())?;
    let se = std / (s.n as f64).sqrt();
    let dist = StudentsT::new(0.0, 1.0, (s.n - 1) as f64).ok()?;
    let t = (s.mean - threshold) / se;
    Some(BelowThreshold {
        threshold,
        n: s.n,
        mean: s.mean,
        std,
        t,
        p: dist.cdf(t),
        upper95: s.mean + dist.inverse_cdf(0.95) * se,
    })
}
