//! `finals-<experiment>.png`: every configuration's final val losses, one row each, ordered by
//! step count: each run a point, the mean with its 95% interval (t, n - 1 degrees of freedom),
//! and above the row its name, n, mean training time and, with a threshold
//! (`finals-<experiment>-below-2.92.png`), the one-sided t-test of its mean below it (the record
//! rule), drawn as a dashed line. Rows (not columns) so that many configurations and their
//! labels read on a phone as on a desktop.

use super::look::{Key, Look};
use super::plot::{self, Plot, PlotError};
use super::range::padded;
use super::style::{self, Cue, Dash, Marker, BACKGROUND, FONT, GRID, TEXT};
use crate::stats::{below_threshold, Configuration, Summary};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The threshold's line.
const THRESHOLD: RGBColor = RGBColor(200, 30, 30);

/// One configuration's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub variant: String,
    pub losses: Vec<f64>,
    pub mean: f64,
    /// The 95% interval of the mean; `None` with one run.
    pub ci: Option<(f64, f64)>,
    /// One-sided p of the mean below the threshold.
    pub p: Option<f64>,
    /// Mean training time, seconds.
    pub time: Option<f64>,
}

pub struct FinalsPlot {
    title: String,
    rows: Vec<Row>,
    threshold: Option<f64>,
}

impl FinalsPlot {
    /// The rows of `configs` (already ordered by step count); `Err` when none has a finished run.
    pub fn new(
        configs: &[Configuration],
        threshold: Option<f64>,
        title: String,
    ) -> Result<Self, PlotError> {
        let mut rows = Vec::new();
        for c in configs {
            let losses = c.final_losses();
            let Some(s) = Summary::of(&losses) else {
                continue;
            };
            rows.push(Row {
                label: c.label.clone(),
                variant: c.variant.to_string(),
                mean: s.mean,
                ci: interval95(&s),
                p: threshold.and_then(|t| below_threshold(&s, t)).map(|r| r.p),
                time: c.train_time().map(|t| t.mean),
                losses,
            });
        }
        if rows.is_empty() {
            return Err(PlotError::Data(
                "no configuration has a finished run with a final val loss".into(),
            ));
        }
        Ok(FinalsPlot {
            title,
            rows,
            threshold,
        })
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// `x01, 5690 steps · n=19 · p=0.00036 · 1412.4 s`: what stands above a row.
    fn row_text(&self, r: &Row) -> String {
        let mut parts = vec![r.label.clone(), format!("n={}", r.losses.len())];
        if self.threshold.is_some() {
            parts.push(r.p.map_or("p: –".into(), |p| format!("p={}", p_text(p))));
        }
        if let Some(t) = r.time {
            parts.push(format!("{} s", style::number(t, 1)));
        }
        parts.join(" · ")
    }

    fn legend(&self) -> Vec<Key> {
        let cue = |colour, dash, marker| Cue {
            colour,
            dash,
            marker,
        };
        let mut l = vec![
            // Points take their variant's colour; the key only says what a point is.
            Key::new(
                "a run's final val loss",
                cue(RGBColor(120, 120, 120), Dash::Solid, Marker::Circle),
            ),
            Key::new(
                "mean, 95% interval",
                cue(TEXT, Dash::Solid, Marker::Diamond),
            ),
        ];
        if let Some(t) = self.threshold {
            l.push(Key::new(
                format!("threshold {t}"),
                cue(THRESHOLD, Dash::Long, Marker::Square),
            ));
        }
        l
    }

    fn row_height(look: &Look) -> i32 {
        3 * look.label as i32 + 30
    }

    fn axis_height(look: &Look) -> i32 {
        2 * look.tick as i32 + look.label as i32 + 40
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl FinalsPlot {
    /// The losses' range with the intervals and the threshold, padded; `None` when no axis can
    /// tick it.
    fn x_range(&self) -> Option<(f64, f64)> {
        let xs = self
            .rows
            .iter()
            .flat_map(|r| {
                r.losses
                    .iter()
                    .copied()
                    .chain(r.ci.into_iter().flat_map(|c| [c.0, c.1]))
            })
            .chain(self.threshold);
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        padded(lo, hi, 0.08, 1e-4)
    }

    /// Row `i`: its text, its runs as points, its mean with the 95% interval.
    fn draw_row<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        look: &Look,
        i: usize,
        r: &Row,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let k = self.rows.len() as f64;
        let x0 = chart.x_range().start;
        let text = (FONT, look.label)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        // First row at the top: row i spans [k-i-1, k-i]; its strip sits in the lower part.
        let y = k - i as f64 - 0.62;
        chart.draw_series(std::iter::once(Text::new(
            self.row_text(r),
            (x0, k - i as f64 - 0.3),
            text,
        )))?;
        let colour = style::variant_colour(&r.variant, i);
        let n = r.losses.len().max(2) as f64 - 1.0;
        // The runs spread a little up and down, in run order, so equal losses stay apart.
        let points = r
            .losses
            .iter()
            .enumerate()
            .map(|(j, x)| (*x, y - 0.12 + 0.24 * j as f64 / n));
        chart.draw_series(points.map(|p| Circle::new(p, 7, colour.stroke_width(3))))?;
        if let Some((a, b)) = r.ci {
            for seg in [
                vec![(a, y), (b, y)],
                vec![(a, y - 0.1), (a, y + 0.1)],
                vec![(b, y - 0.1), (b, y + 0.1)],
            ] {
                chart.draw_series(LineSeries::new(seg, TEXT.stroke_width(3)))?;
            }
        }
        chart.draw_series(LineSeries::new(
            vec![(r.mean, y - 0.2), (r.mean, y + 0.2)],
            TEXT.stroke_width(7),
        ))?;
        Ok(())
    }
}

/// The two-sided 95% interval of the mean, t with n - 1 degrees of freedom.
fn interval95(s: &Summary) -> Option<(f64, f64)> {
    let sd = s.std?;
    let t = StudentsT::new(0.0, 1.0, (s.n - 1) as f64)
        .ok()?
        .inverse_cdf(0.975);
    let half = t * sd / (s.n as f64).sqrt();
    Some((s.mean - half, s.mean + half))
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

impl Plot for FinalsPlot {
    fn size(&self, look: &Look) -> (u32, u32) {
        let head = look.head_height(&self.title, &self.legend());
        let body = self.rows.len() as i32 * Self::row_height(look) + Self::axis_height(look) + 30;
        (look.width, (head + body) as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError> {
        let area = plot::open(root, look, &self.title, Some(&self.legend()))?;
        let Some((x0, x1)) = self.x_range() else {
            return Ok(root.present()?);
        };
        let k = self.rows.len() as f64;
        let mut chart = ChartBuilder::on(&area)
            .margin(if look.is_phone() { 16 } else { 36 })
            .margin_top(8)
            .x_label_area_size(Self::axis_height(look))
            .build_cartesian_2d(x0..x1, 0.0..k)?;
        let dx = style::decimals_for(x0, x1, if look.is_phone() { 4 } else { 8 });
        chart
            .configure_mesh()
            .x_desc("final val loss")
            .axis_desc_style((FONT, look.label).into_font().color(&TEXT))
            .label_style((FONT, look.tick).into_font().color(&TEXT))
            .x_label_formatter(&|v| style::number(*v, dx))
            .x_labels(if look.is_phone() { 4 } else { 8 })
            .disable_y_mesh()
            .disable_y_axis()
            .bold_line_style(GRID.stroke_width(2))
            .light_line_style(BACKGROUND)
            .axis_style(TEXT.stroke_width(2))
            .draw()?;
        if let Some(t) = self.threshold {
            chart.draw_series(DashedLineSeries::new(
                vec![(t, 0.0), (t, k)],
                14,
                10,
                THRESHOLD.stroke_width(3),
            ))?;
        }
        for (i, r) in self.rows.iter().enumerate() {
            self.draw_row(&mut chart, look, i, r)?;
        }
        Ok(root.present()?)
    }

    fn gist(&self) -> String {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let ci =
                    r.ci.map_or(String::new(), |(a, b)| format!(" [{a:.5}, {b:.5}]"));
                format!("{}: mean {:.5}{ci}", self.row_text(r), r.mean)
            })
            .collect();
        let against = self.threshold.map_or(String::new(), |t| {
            format!(", a dashed line at {t}, p of a one-sided t-test of the mean below it")
        });
        format!(
            "Dot plot ({}): one row per configuration, ordered by step count, each run's final \
             val loss a point, the mean with its 95% interval{against}. {}.",
            self.title,
            rows.join("; ")
        )
    }
}
