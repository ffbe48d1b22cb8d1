//! Loss curves: one run's, by step or training time, and the mean ± std of several seeds.
//!
//! Seeds evaluate at slightly different times, so their curves are averaged by interpolating
//! each one linearly onto a common grid: every x any of them evaluated at, inside the range all
//! of them cover (never extrapolating a seed past its data).

use runlog::Run;

/// The x axis of a curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    Step,
    /// Training time in seconds (evaluation excluded).
    Time,
}

impl Axis {
    pub fn name(self) -> &'static str {
        match self {
            Axis::Step => "step",
            Axis::Time => "time",
        }
    }

    /// `step` or `time` (a directive's `axis=`).
    pub fn parse(name: &str) -> crate::Result<Axis> {
        match name {
            "step" => Ok(Axis::Step),
            "time" => Ok(Axis::Time),
            other => Err(crate::Error::Call(format!(
                "axis \"{other}\": it is \"step\" or \"time\""
            ))),
        }
    }
}

/// The mean of several runs' curves; `std` only when there are at least two.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCurve {
    pub n: usize,
    pub x: Vec<f64>,
    pub mean: Vec<f64>,
    pub std: Option<Vec<f64>>,
}

/// A run's validation loss by `axis`, skipping non-finite losses and any point that does not
/// move x forward (a resumed run that logged an evaluation twice).
pub fn run_curve(run: &Run, axis: Axis) -> (Vec<f64>, Vec<f64>) {
    let mut xs = Vec::with_capacity(run.metrics.len());
    let mut ys = Vec::with_capacity(run.metrics.len());
    for m in &run.metrics {
        let Some(y) = m.val_loss.filter(|y| y.is_finite()) else {
            continue;
        };
        let x = match axis {
            Axis::Step => m.step as f64,
            Axis::Time => m.train_time_ms / 1000.0,
        };
        if xs.last().is_some_and(|&last| x <= last) {
            continue;
        }
        xs.push(x);
        ys.push(y);
    }
    (xs, ys)
}

/// Linear interpolation of (xs, ys) at `x`; `None` outside `[xs[0], xs[last]]`.
pub fn interp(xs: &[f64], ys: &[f64], x: f64) -> Option<f64> {
    let (first, last) = (*xs.first()?, *xs.last()?);
    if !(first..=last).contains(&x) {
        return None;
    }
    let i = xs.partition_point(|&v| v < x);
    if xs[i] == x {
        return Some(ys[i]);
    }
    let (x0, x1, y0, y1) = (xs[i - 1], xs[i], ys[i - 1], ys[i]);
    Some(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
}

/// Mean ± std of the runs' curves on their common grid; `None` when they share no range.
pub fn mean_curve(runs: &[&Run], axis: Axis) -> Option<MeanCurve> {
    let curves: Vec<(Vec<f64>, Vec<f64>)> = runs
        .iter()
        .map(|r| run_curve(r, axis))
        .filter(|(x, _)| !x.is_empty())
        .collect();
    if curves.is_empty() {
        return None;
    }
    let lo = curves
        .iter()
        .map(|c| c.0[0])
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = curves
        .iter()
        .map(|c| *c.0.last().unwrap_or(&f64::NAN))
        .fold(f64::INFINITY, f64::min);
    if lo > hi {
        return None;
    }
    let mut grid: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.0.iter().copied())
        .filter(|x| (lo..=hi).contains(x))
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let n = curves.len();
    let mut mean = Vec::with_capacity(grid.len());
    let mut std = Vec::with_capacity(grid.len());
    for &x in &grid {
        let ys: Vec<f64> = curves
            .iter()
            .filter_map(|(cx, cy)| interp(cx, cy, x))
            .collect();
        // Overflow-safe for any finite losses (a 1e200 in one seed must not make the band
        // infinite: the figure's axis could not be ticked).
        let (m, s) = super::mean_std(&ys);
        mean.push(m);
        if let (true, Some(s)) = (n > 1, s) {
            std.push(s);
        }
    }
    Some(MeanCurve {
        n,
        x: grid,
        mean,
        std: (n > 1).then_some(std),
    })
}
