//! Statistics over a [`RunSet`]: the numbers the article quotes.
//!
//! - [`compute`] gives one [`VariantStats`] per variant: final val loss and train time as
//!   [`Summary`] (mean ± std, min, max, n), a Welch t-test against the baseline
//!   ([`TTest`], p-value from statrs' Student t distribution), and the same for the val loss
//!   at a fixed training time (by default the earliest final time among the runs compared,
//!   since modded-nanogpt is about loss per second). With one run there is no std and no test.
//! - [`curve`]: a run's loss curve by step or time, linear interpolation, and the mean ± std
//!   of several seeds on a common grid inside the range all of them cover.
//! - [`lambdas`]: lambdas per layer and component at the last evaluation (one run or the mean
//!   over seeds), the same weighted by activation norms, and lambdas over training.
//! - [`shares`]: each component's share of a layer's input, lambda × norm over the summed
//!   magnitudes, from logged or imported norms.
//! - [`lens`]: a logit-lens rate of one component across a variant's lenses.
//! - [`compare`]: a difference of means with its Welch interval and minimum detectable
//!   difference ([`power`]), equivalence (TOST), and the record rule's one-sided t-test.
//! - [`configs`]: the runs grouped by configuration (variant + what else differs in the config).
//!
//! Only runs whose summary says `finished` count as results ([`RunSet::result_runs`]); a
//! variant with no finished run has no row (its runs are listed as left out elsewhere).

pub mod compare;
pub mod configs;
pub mod curve;
pub mod lambdas;
pub mod lens;
pub mod power;
pub mod shares;

pub use compare::{below_threshold, difference, tost, BelowThreshold, Difference, Tost};
pub use configs::{configurations, run_name, select, several_configurations, Configuration};
pub use curve::{interp, mean_curve, run_curve, Axis, MeanCurve};
pub use lambdas::{
    align_sign, coincide_at_0, last_lambdas, mean_lambdas, no_attention, norm_weighted,
    over_training, sign_is_free, spread, LambdaGrid, LambdaSpread, SUM0,
};
pub use shares::{norm_source, run_shares, share_spread, ComponentNorms, NormSource};

use crate::runs::{describe, RunSet};
use crate::{Error, Result};
use runlog::{Run, Variant};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean ± std (sample, n-1) and range of some numbers; `std` is `None` for n = 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub std: Option<f64>,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no values. Finite values of any magnitude give finite results: the sums
    /// are taken over scaled values, so 1e200 does not overflow to infinity.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let (mean, std) = mean_std(values);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Summary {
            n,
            mean,
            std,
            min,
            max,
        })
    }

    /// `2.9171 ± 0.0010 (n=5)`, or `2.9158 (n=1)`, with `digits` decimals.
    pub fn display(&self, digits: usize) -> String {
        match self.std {
            Some(s) => format!("{:.digits$} ± {:.digits$} (n={})", self.mean, s, self.n),
            None => format!("{:.digits$} (n=1)", self.mean),
        }
    }
}

/// Mean, and the sample std (n - 1) when there are two values or more. Values are divided by
/// the largest magnitude first, so squares and sums stay finite for any finite input; for
/// ordinary numbers this is the plain formula to the last few bits.
pub fn mean_std(values: &[f64]) -> (f64, Option<f64>) {
    let n = values.len() as f64;
    let plain_mean = values.iter().sum::<f64>() / n;
    let plain_std =
        |m: f64| (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let big = values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let (mean, std) = if big < 1e150 {
        (plain_mean, plain_std(plain_mean))
    } else {
        let scaled: Vec<f64> = values.iter().map(|v| v / big).collect();
        let m = scaled.iter().sum::<f64>() / n;
        let ss: f64 = scaled.iter().map(|v| (v - m).powi(2)).sum();
        (m * big, (ss / (n - 1.0)).sqrt() * big)
    };
    (mean, (values.len() > 1).then_some(std))
}

/// Welch's t-test of one variant against the baseline (two-sided).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    pub p: f64,
}

/// Welch's unequal-variance t-test of `a` against `b`; `None` when either has fewer than two
/// values or both have zero variance (no t defined).
pub fn welch(a: &Summary, b: &Summary) -> Option<TTest> {
    let (se, df) = compare::welch_se(a, b)?;
    let t = (a.mean - b.mean) / se;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = 2.0 * (1.0 - dist.cdf(t.abs()));
    Some(TTest { t, df, p })
}

/// Everything the article says about one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantStats {
    pub variant: Variant,
    /// Runs counted (finished ones, or all when none finished).
    pub n: usize,
    pub final_loss: Summary,
    pub train_time_s: Summary,
    /// Welch test of final loss against the baseline; `None` for the baseline itself and
    /// wherever a side has n = 1.
    pub t_test_vs_baseline: Option<TTest>,
    /// The final loss's difference to the baseline with its 95% interval and minimum
    /// detectable difference; `None` where `t_test_vs_baseline` is.
    pub vs_baseline: Option<Difference>,
    /// Val loss at [`StatsTable::at_time_s`], interpolated on each run's curve.
    pub loss_at_time: Option<Summary>,
    pub t_test_at_time: Option<TTest>,
    /// Runs of the variant left out, each with why (`x01-s3 (dir): no finite final loss`).
    pub excluded: Vec<String>,
}

/// The statistics of every variant of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsTable {
    pub baseline: Variant,
    /// The training time (seconds) at which `loss_at_time` is taken.
    pub at_time_s: f64,
    pub rows: Vec<VariantStats>,
}

impl StatsTable {
    pub fn row(&self, variant: Variant) -> Option<&VariantStats> {
        self.rows.iter().find(|r| r.variant == variant)
    }
}

/// A run's final loss and time: the summary's, else its last evaluation's (a run in progress).
fn final_point(run: &Run) -> Option<(f64, f64)> {
    match &run.summary {
        Some(s) => Some((s.final_val_loss?, s.train_time_ms / 1000.0)),
        None => {
            let m = run.metrics.last()?;
            Some((m.val_loss?, m.train_time_ms / 1000.0))
        }
    }
}

/// A variant's name, its counted runs with (final loss, final time in s), and the left-out runs.
type Group<'a> = (Variant, Vec<(&'a Run, f64, f64)>, Vec<String>);

/// Statistics of every variant. `at_time_s` picks the time for the loss-at-time comparison;
/// `None` takes the earliest final time among the runs compared.
pub fn compute(runs: &RunSet, at_time_s: Option<f64>) -> Result<StatsTable> {
    let baseline = runs
        .baseline()
        .ok_or_else(|| Error::Stats("no runs to compute statistics from".into()))?;
    // Per variant statistics pool a variant's runs: refused where they are of several
    // configurations (an imported experiment's step counts or recorded settings).
    if let Some(why) = several_configurations(runs).into_values().next() {
        return Err(Error::Stats(why));
    }
    let groups: Vec<Group> = runs
        .variants()
        .into_iter()
        .map(|v| group(runs, v))
        .collect();
    let at = match at_time_s {
        Some(t) => t,
        None => groups
            .iter()
            .flat_map(|(_, k, _)| k.iter().map(|(_, _, t)| *t))
            .fold(f64::INFINITY, f64::min),
    };
    let mut rows: Vec<VariantStats> = groups.into_iter().filter_map(|g| row(g, at)).collect();
    if rows.is_empty() {
        return Err(Error::Stats(format!(
            "{}: no run has a finite final val loss",
            runs.root().display()
        )));
    }
    if let Some(base) = rows.iter().find(|r| r.variant == baseline).cloned() {
        for r in rows.iter_mut().filter(|r| r.variant != baseline) {
            r.t_test_vs_baseline = welch(&r.final_loss, &base.final_loss);
            r.vs_baseline = difference(&r.final_loss, &base.final_loss);
            r.t_test_at_time = match (&r.loss_at_time, &base.loss_at_time) {
                (Some(a), Some(b)) => welch(a, b),
                _ => None,
            };
        }
    }
    Ok(StatsTable {
        baseline,
        at_time_s: at,
        rows,
    })
}

/// One variant's runs counted, each with its (final loss, final time), and those left out with
/// why.
fn group(runs: &RunSet, variant: Variant) -> Group<'_> {
    let counted = runs.result_runs(variant);
    let mut kept = Vec::new();
    let mut excluded = Vec::new();
    for &run in &counted {
        match final_point(run) {
            Some((loss, t)) => kept.push((run, loss, t)),
            None => excluded.push(format!("{}: no finite final val loss", describe(run))),
        }
    }
    for run in runs.runs_of(variant) {
        if !counted.iter().any(|r| std::ptr::eq(*r, run)) {
            excluded.push(format!(
                "{}: not finished ({})",
                describe(run),
                crate::runs::standing(run)
            ));
        }
    }
    (variant, kept, excluded)
}

/// A variant's row before the comparisons with the baseline (its loss at `at` seconds
/// interpolated per run); `None` when no run is counted.
fn row((variant, kept, excluded): Group, at: f64) -> Option<VariantStats> {
    let losses: Vec<f64> = kept.iter().map(|(_, l, _)| *l).collect();
    let times: Vec<f64> = kept.iter().map(|(_, _, t)| *t).collect();
    let (final_loss, train_time_s) = (Summary::of(&losses)?, Summary::of(&times)?);
    let at_losses: Vec<f64> = kept
        .iter()
        .filter_map(|(r, _, _)| {
            let c = run_curve(r, Axis::Time);
            interp(&c.0, &c.1, at)
        })
        .collect();
    Some(VariantStats {
        variant,
        n: kept.len(),
        final_loss,
        train_time_s,
        t_test_vs_baseline: None,
        vs_baseline: None,
        loss_at_time: Summary::of(&at_losses),
        t_test_at_time: None,
        excluded,
    })
}
