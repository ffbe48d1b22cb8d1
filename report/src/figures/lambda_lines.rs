//! Lambdas over training: for each chosen layer a panel with one line per component (`x`,
//! `x00`, `x01`, ...) by step; for a variant, the mean over its seeds at the steps all of them
//! logged. The components' legend runs along the top, shared by the panels; panels sit two
//! abreast in the wide rendition and one under another in the phone one. The layer-0 panel
//! draws `x+x00`, λx + λ00, in place of x and x00: they are the same vector there, and only
//! their sum is learned.

use super::look::{Key, Look};
use super::plot::{self, Plot, PlotError};
use super::series;
use super::style::{self, BACKGROUND, FONT, GRID, TEXT};
use crate::runs::describe;
use crate::stats::{coincide_at_0, over_training, SUM0};
use plotters::coord::Shift;
use plotters::prelude::*;
use runlog::Run;

/// The layers drawn when the figure name picks none: first, two inner, last.
pub fn default_layers(layers: usize) -> Vec<usize> {
    let last = layers.saturating_sub(1);
    let mut l = vec![0, last / 3, 2 * last / 3, last];
    l.dedup();
    l
}

/// A line's (step, value) points.
type Points = Vec<(f64, f64)>;

pub struct LambdaLinesPlot {
    title: String,
    components: Vec<String>,
    /// Per chosen layer: (layer, per component the (step, value) points).
    panels: Vec<(usize, Vec<Points>)>,
}

impl LambdaLinesPlot {
    /// `Err(message)` when the runs log no lambdas or a chosen layer does not exist.
    pub fn new(runs: &[&Run], layers: &[usize], title: String) -> Result<Self, PlotError> {
        let grid = crate::stats::mean_lambdas(runs).map_err(|e| PlotError::Data(e.to_string()))?;
        if let Some(bad) = layers.iter().find(|&&l| l >= grid.layers) {
            return Err(PlotError::Data(format!(
                "layer {bad} does not exist: the runs have layers 0-{}",
                grid.layers - 1
            )));
        }
        let chosen = if layers.is_empty() {
            default_layers(grid.layers)
        } else {
            layers.to_vec()
        };
        let mut components = grid.components.clone();
        let sum0 = grid.sum0().is_some() && chosen.contains(&0);
        if sum0 {
            components.push(SUM0.to_string());
        }
        let mut panels = Vec::new();
        for &layer in &chosen {
            let mut lines = Vec::new();
            for comp in &components {
                // At layer 0 the sum stands for x and x00; elsewhere it is not drawn.
                let own = if comp == SUM0 {
                    layer == 0
                } else {
                    !(sum0 && coincide_at_0(comp, layer))
                };
                let per_run: Vec<Vec<(f64, f64)>> = if own {
                    runs.iter().map(|r| points(r, comp, layer)).collect()
                } else {
                    Vec::new()
                };
                lines.push(mean_at_common_steps(&per_run));
            }
            panels.push((layer, lines));
        }
        if panels.iter().all(|(_, ls)| ls.iter().all(|l| l.len() < 2)) {
            let who: Vec<String> = runs.iter().map(|r| describe(r)).collect();
            return Err(PlotError::Data(format!(
                "fewer than two evaluations with lambdas in {}",
                who.join(", ")
            )));
        }
        Ok(LambdaLinesPlot {
            title,
            components,
            panels,
        })
    }
}

/// One run's (step, value) of `comp` at `layer`; [`SUM0`] adds x's and x00's at each step.
fn points(run: &Run, comp: &str, layer: usize) -> Vec<(f64, f64)> {
    if comp != SUM0 {
        return over_training(run, comp, layer);
    }
    let x00 = over_training(run, "x00", layer);
    over_training(run, "x", layer)
        .into_iter()
        .filter_map(|(step, a)| {
            let b = x00.iter().find(|p| p.0 == step)?.1;
            Some((step, a + b))
        })
        .collect()
}

/// The mean over runs at the steps every run logged (seeds of a sweep log the same steps).
fn mean_at_common_steps(per_run: &[Vec<(f64, f64)>]) -> Vec<(f64, f64)> {
    let Some(first) = per_run.first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter_map(|&(step, _)| {
            let vals: Vec<f64> = per_run
                .iter()
                .filter_map(|pts| pts.iter().find(|p| p.0 == step).map(|p| p.1))
                .collect();
            (vals.len() == per_run.len())
                .then(|| (step, vals.iter().sum::<f64>() / vals.len() as f64))
        })
        .collect()
}

impl LambdaLinesPlot {
    fn legend(&self) -> Vec<Key> {
        self.components
            .iter()
            .map(|c| Key::new(c.clone(), style::component_cue(c)))
            .collect()
    }

    /// Panels side by side: two in the wide rendition (one when there is one), one on a phone.
    fn columns(&self, look: &Look) -> usize {
        if look.is_narrow() || self.panels.len() == 1 {
            1
        } else {
            2
        }
    }

    fn panel_height(look: &Look) -> i32 {
        if look.is_phone() {
            410
        } else {
            560
        }
    }
}

impl Plot for LambdaLinesPlot {
    fn size(&self, look: &Look) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.columns(look)) as i32;
        let head = look.head_height(&self.title, &self.legend());
        (look.width, (head + rows * Self::panel_height(look)) as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError> {
        let panels_area = plot::open(root, look, &self.title, Some(&self.legend()))?;
        let cols = self.columns(look);
        let rows = self.panels.len().div_ceil(cols);
        let areas = panels_area.split_evenly((rows, cols));
        for ((layer, lines), area) in self.panels.iter().zip(&areas) {
            let pts = lines.iter().flatten();
            let (x0, x1, y0, y1) = pts.fold(
                (
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ),
                |(a, b, c, d), p| (a.min(p.0), b.max(p.0), c.min(p.1), d.max(p.1)),
            );
            if !x0.is_finite() || x1 <= x0 {
                continue;
            }
            // Finite lambdas of any magnitude; a range no axis can tick leaves the panel empty.
            let Some((y0, y1)) = super::range::padded(y0, y1, 0.08, 0.05) else {
                continue;
            };
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("layer {layer}"),
                    (FONT, look.label).into_font().color(&TEXT),
                )
                .margin(if look.is_narrow() { 12 } else { 24 })
                // Room for the last x label, centred on the right edge.
                .margin_right(look.edge_room(&format!("{x1:.0}")).max(24))
                .x_label_area_size(2 * look.tick as i32 + 10)
                .y_label_area_size(3 * look.tick as i32 + 20)
                .build_cartesian_2d(x0..x1, y0..y1)?;
            let dy = style::decimals_for(y0, y1, 6);
            chart
                .configure_mesh()
                .x_desc("step")
                .axis_desc_style((FONT, look.tick).into_font().color(&TEXT))
                .label_style((FONT, look.tick).into_font().color(&TEXT))
                .x_label_formatter(&|v| style::number(*v, 0))
                .y_label_formatter(&|v| style::number(*v, dy))
                .x_labels(if look.is_phone() { 4 } else { 5 })
                .y_labels(6)
                .bold_line_style(GRID.stroke_width(2))
                .light_line_style(BACKGROUND)
                .axis_style(TEXT.stroke_width(2))
                .draw()?;
            // Zero is where every embedding lambda starts: a reference line.
            if y0 < 0.0 && y1 > 0.0 {
                chart.draw_series(LineSeries::new(
                    vec![(x0, 0.0), (x1, 0.0)],
                    TEXT.mix(0.5).stroke_width(2),
                ))?;
            }
            for (comp, line) in self.components.iter().zip(lines) {
                let cue = style::component_cue(comp);
                series::line(&mut chart, line, &cue, look.line_width())?;
                if let Some(&end) = line.last() {
                    let r = look.marker_radius();
                    series::marker(
                        chart.plotting_area(),
                        end,
                        cue.marker,
                        r,
                        cue.colour,
                        BACKGROUND,
                    )?;
                }
            }
        }
        Ok(root.present()?)
    }
    fn gist(&self) -> String {
        let mut parts = Vec::new();
        for (layer, lines) in &self.panels {
            let ends: Vec<String> = self
                .components
                .iter()
                .zip(lines)
                .filter_map(|(c, l)| l.last().map(|p| format!("{c} {}", style::number(p.1, 2))))
                .collect();
            parts.push(format!("layer {layer}: {}", ends.join(", ")));
        }
        let last = self
            .panels
            .iter()
            .flat_map(|(_, ls)| ls.iter().filter_map(|l| l.last().map(|p| p.0)))
            .fold(0.0f64, f64::max);
        format!(
            "Line chart ({}): one panel per layer, one line per component, by step. At step \
             {last:.0}, {}.",
            self.title,
            parts.join("; ")
        )
    }
}
