//! Validation loss by step or by training time: one line per variant (the mean over its
//! seeds, with a ± 1 std band where there are several), optionally zoomed into a window.
//!
//! In a zoom the x axis spans the window asked for (it may reach past the data: the draft asks
//! for steps 5500-6000 of 5960-step runs), the lines are cut exactly at the window's edges
//! ([`super::clip`]), and the y range is fitted to the data inside the window.
//!
//! By training time, seeds end at different times, and a mean curve exists only where all of
//! them have data: each variant's line ends where its fastest seed ends. The figure says so in a
//! note under its title, and marks with a diamond where the seeds end on average (their mean
//! final time and mean final loss), which lies past the line's end and below it.
//!
//! Each variant is drawn in its cue (colour, dash, marker; [`super::series`]): a marker of its
//! shape ends its line, the bands are light fills under thin edges, and markers that would
//! collide are moved apart with a thin leader to where they belong. The legend goes into a
//! corner of the chart that covers no data, else under the chart ([`draw`]).

mod draw;

use super::clip::clip;
use super::look::{Key, Look};
use super::plot::{Plot, PlotError};
use super::range::padded;
use super::series::Band;
use super::style::{self, Cue};
use crate::runs::RunSet;
use crate::stats::{mean_curve, Axis, MeanCurve};
use plotters::coord::Shift;
use plotters::prelude::*;
use runlog::Variant;

/// One variant's line, already cut to the window.
struct Line {
    label: String,
    cue: Cue,
    mean: Vec<(f64, f64)>,
    band: Option<Band>,
    /// By time: the seeds' mean final (time, loss), when inside the window.
    final_mark: Option<(f64, f64)>,
}

/// Under the title of a figure by training time.
const TIME_NOTE: &str = "Each mean line ends where its variant's fastest seed ends; a hollow \
                         marker of its shape marks the mean final time and loss of its seeds";

/// A val-loss figure ready to draw: lines cut to the window and the axis ranges.
pub struct ValLossPlot {
    axis: Axis,
    /// How to read the figure, under its title (by time: where the lines end).
    note: Option<&'static str>,
    window: Option<(f64, f64)>,
    lines: Vec<Line>,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

impl ValLossPlot {
    /// Prepares the figure; `Err(message)` when no variant has data, or the window overlaps
    /// none (the message gives the runs' range).
    pub fn new(runs: &RunSet, axis: Axis, window: Option<(f64, f64)>) -> Result<Self, PlotError> {
        let mut curves = Vec::new();
        for (i, variant) in runs.variants().into_iter().enumerate() {
            let rs = runs.result_runs(variant);
            if let Some(c) = mean_curve(&rs, axis) {
                curves.push((variant, i, c));
            }
        }
        if curves.is_empty() {
            return Err(PlotError::Data(
                "no run has a finite validation loss to draw".into(),
            ));
        }
        let data_lo = curves
            .iter()
            .map(|c| c.2.x[0])
            .fold(f64::INFINITY, f64::min);
        let data_hi = curves
            .iter()
            .map(|c| c.2.x[c.2.x.len() - 1])
            .fold(f64::NEG_INFINITY, f64::max);
        let (a, b) = window.unwrap_or((data_lo, data_hi));
        let unit = match axis {
            Axis::Step => "steps",
            Axis::Time => "seconds",
        };
        if b <= data_lo || a >= data_hi {
            return Err(PlotError::Data(format!(
                "the window {a}-{b} overlaps no data: the runs cover {unit} {data_lo}-{data_hi}"
            )));
        }
        let baseline = runs.baseline().unwrap_or(Variant::BASELINE);
        let lines: Vec<Line> = curves
            .iter()
            .filter_map(|(variant, i, c)| line(runs, axis, (*variant, *i), c, (a, b), baseline))
            .collect();
        let ys = lines.iter().flat_map(|l| {
            l.mean
                .iter()
                .chain(l.band.iter().flat_map(|b| b.upper.iter().chain(&b.lower)))
                .chain(l.final_mark.iter())
                .map(|p| p.1)
        });
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        let y_range = padded(lo, hi, 0.06, 1e-6).ok_or_else(|| PlotError::Data(too_large(runs)))?;
        let several = curves.iter().any(|c| c.2.n > 1);
        Ok(ValLossPlot {
            axis,
            note: (axis == Axis::Time && several).then_some(TIME_NOTE),
            window,
            lines,
            x_range: (a, b),
            y_range,
        })
    }

    fn title(&self) -> String {
        let by = match self.axis {
            Axis::Step => "step",
            Axis::Time => "training time",
        };
        match (self.window, self.axis) {
            (None, _) => format!("Validation loss by {by}"),
            (Some((a, b)), Axis::Step) => format!("Validation loss by step, steps {a}–{b}"),
            (Some((a, b)), Axis::Time) => format!("Validation loss by training time, {a}–{b} s"),
        }
    }
}

/// The mean final (training time in s, val loss) of finished runs.
fn mean_final(runs: &[&runlog::Run]) -> Option<(f64, f64)> {
    let finals: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| {
            let s = r.summary.as_ref()?;
            Some((s.train_time_ms / 1000.0, s.final_val_loss?))
        })
        .collect();
    if finals.is_empty() {
        return None;
    }
    let n = finals.len() as f64;
    let t = finals.iter().map(|f| f.0).sum::<f64>() / n;
    let l = finals.iter().map(|f| f.1).sum::<f64>() / n;
    (t.is_finite() && l.is_finite()).then_some((t, l))
}

/// Why no axis spans the losses: the largest one, named by its run's file and line.
fn too_large(runs: &RunSet) -> String {
    let mut worst: Option<(f64, String)> = None;
    for r in runs.runs() {
        for (i, m) in r.metrics.iter().enumerate() {
            let v = m.val_loss.unwrap_or(0.0).abs();
            if worst.as_ref().is_none_or(|(w, _)| v > *w) {
                let (path, line) = r.metrics_line(i);
                let at = line.map_or(String::new(), |l| format!(", line {l}"));
                worst = Some((v, format!("{}{at}", path.display())));
            }
        }
    }
    let (v, at) = worst.unwrap_or((f64::NAN, "the runs".into()));
    format!("cannot draw: a validation loss of {v:e} ({at}) leaves no axis that spans the losses")
}

impl ValLossPlot {
    fn legend(&self) -> Vec<Key> {
        self.lines
            .iter()
            .map(|l| Key::new(l.label.clone(), l.cue))
            .collect()
    }
}

/// The line of one variant's mean curve `c` (its colour by index `i`), clipped to the window
/// `(a, b)`; `None` when none of it lies inside.
fn line(
    runs: &RunSet,
    axis: Axis,
    (variant, i): (Variant, usize),
    c: &MeanCurve,
    (a, b): (f64, f64),
    baseline: Variant,
) -> Option<Line> {
    let mean = clip(&c.x, &c.mean, a, b);
    if mean.is_empty() {
        return None;
    }
    let band = c.std.as_ref().map(|s| {
        let up: Vec<f64> = c.mean.iter().zip(s).map(|(m, s)| m + s).collect();
        let lo: Vec<f64> = c.mean.iter().zip(s).map(|(m, s)| m - s).collect();
        Band {
            upper: clip(&c.x, &up, a, b),
            lower: clip(&c.x, &lo, a, b),
        }
    });
    let final_mark = match axis {
        Axis::Step => None,
        Axis::Time => mean_final(&runs.result_runs(variant)),
    }
    .filter(|(t, _)| (a..=b).contains(t));
    let role = if variant == baseline { " baseline" } else { "" };
    // Runs that have not finished are left out; the legend says so where there are any.
    let left_out = runs.runs_of(variant).len() - c.n;
    let note = match left_out {
        0 => String::new(),
        k => format!(", {k} not finished"),
    };
    Some(Line {
        label: format!("{variant}{role} (n={}{note})", c.n),
        cue: style::variant_cue(&variant.to_string(), i),
        mean,
        band,
        final_mark,
    })
}

impl Plot for ValLossPlot {
    fn size(&self, look: &Look) -> (u32, u32) {
        let frame = self.frame(look);
        (look.width, frame.height as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError> {
        self.draw_in(root, look)
    }

    fn gist(&self) -> String {
        let mut ends: Vec<(&str, f64)> = self
            .lines
            .iter()
            .filter_map(|l| {
                let name = l.label.split(' ').next().unwrap_or(&l.label);
                l.mean.last().map(|p| (name, p.1))
            })
            .collect();
        ends.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
        let listed: Vec<String> = ends.iter().map(|(v, y)| format!("{v} {y:.4}")).collect();
        let band = if self.lines.iter().any(|l| l.band.is_some()) {
            " with a band of ± one standard deviation"
        } else {
            ""
        };
        let finals: Vec<String> = self
            .lines
            .iter()
            .filter_map(|l| {
                let (t, y) = l.final_mark?;
                let name = l.label.split(' ').next().unwrap_or(&l.label);
                Some(format!("{name} {y:.4} at {t:.1} s"))
            })
            .collect();
        let finals = if finals.is_empty() {
            String::new()
        } else {
            format!(
                " Each line ends where its fastest seed ends; the seeds' mean final loss and \
                 time: {}.",
                finals.join(", ")
            )
        };
        format!(
            "Line chart ({}): one line per variant, the mean over its seeds{band}. Where the \
             lines end, lowest first: {}.{finals}",
            self.title(),
            listed.join(", ")
        )
    }
}
