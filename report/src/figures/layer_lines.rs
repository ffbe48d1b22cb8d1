//! Lambdas across layers, the view the original study's article uses: the layer on the x axis,
//! one line per component (`x`, `x00`, `x01`, ...), the mean over seeds with a ± 1 std band
//! where there are several, at the runs' last evaluation. Trends across layers read directly,
//! where a heatmap gives colours to compare. The components' legend runs along the top; the
//! phone rendition draws the same chart narrower and taller.

use super::look::Look;
use super::range::padded;
use super::style::{self, BACKGROUND, FONT, GRID, TEXT};
use super::Plot;
use crate::stats::LambdaSpread;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct LayerLinesPlot {
    spread: LambdaSpread,
    title: String,
}

impl LayerLinesPlot {
    pub fn new(spread: LambdaSpread, title: String) -> Self {
        LayerLinesPlot { spread, title }
    }

    fn legend(&self) -> Vec<(String, RGBColor)> {
        self.spread
            .mean
            .components
            .iter()
            .map(|c| (c.clone(), style::component_colour(c)))
            .collect()
    }

    /// Each component's band (upper edge left to right, lower edge back), when there is a std.
    fn band(&self, c: usize) -> Option<Vec<(f64, f64)>> {
        let std = self.spread.std.as_ref()?;
        let mean = &self.spread.mean.values[c];
        let mut outline: Vec<(f64, f64)> = mean
            .iter()
            .zip(&std[c])
            .enumerate()
            .map(|(l, (m, s))| (l as f64, m + s))
            .collect();
        outline.extend(
            mean.iter()
                .zip(&std[c])
                .enumerate()
                .rev()
                .map(|(l, (m, s))| (l as f64, m - s)),
        );
        Some(outline)
    }

    fn chart_height(look: &Look) -> i32 {
        if look.is_phone() {
            760
        } else {
            900
        }
    }
}

impl Plot for LayerLinesPlot {
    fn size(&self, look: &Look) -> (u32, u32) {
        let head = look.head_height(&self.title, &self.legend());
        (look.width, (head + Self::chart_height(look)) as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), String> {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let chart_area = look
            .draw_head(root, &self.title, &self.legend())
            .map_err(e)?;
        let layers = self.spread.mean.layers;
        let bands: Vec<Option<Vec<(f64, f64)>>> = (0..self.spread.mean.components.len())
            .map(|c| self.band(c))
            .collect();
        let ys = self
            .spread
            .mean
            .values
            .iter()
            .flatten()
            .copied()
            .chain(bands.iter().flatten().flatten().map(|p| p.1));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        // Finite lambdas of any magnitude; a range no axis can tick leaves the chart empty.
        let Some((y0, y1)) = padded(lo, hi, 0.06, 0.05) else {
            return root.present().map_err(e);
        };
        let x1 = layers.saturating_sub(1).max(1) as f64;
        let (tick, label) = (look.tick as i32, look.label as i32);
        let mut chart = ChartBuilder::on(&chart_area)
            .margin(if look.is_phone() { 16 } else { 36 })
            .margin_top(8)
            .x_label_area_size(tick + label + 44)
            .y_label_area_size(3 * tick + label + 24)
            .build_cartesian_2d(-0.3..x1 + 0.3, y0..y1)
            .map_err(e)?;
        let dy = style::decimals_for(y0, y1, 8);
        chart
            .configure_mesh()
            .x_desc("layer")
            .y_desc("lambda at the last evaluation")
            .axis_desc_style((FONT, look.label).into_font().color(&TEXT))
            .label_style((FONT, look.tick).into_font().color(&TEXT))
            .x_label_formatter(&|v| style::number(*v, 0))
            .y_label_formatter(&|v| style::number(*v, dy))
            .x_labels(if look.is_phone() {
                layers.div_ceil(2)
            } else {
                layers
            })
            .y_labels(8)
            .bold_line_style(GRID.stroke_width(2))
            .light_line_style(BACKGROUND)
            .axis_style(TEXT.stroke_width(2))
            .draw()
            .map_err(e)?;
        // Zero: where every embedding's lambda starts, and where a sign changes.
        if y0 < 0.0 && y1 > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    vec![(-0.3, 0.0), (x1 + 0.3, 0.0)],
                    TEXT.mix(0.5).stroke_width(2),
                ))
                .map_err(e)?;
        }
        // Bands first, so no band covers another component's line.
        for (c, band) in self.spread.mean.components.iter().zip(&bands) {
            if let Some(band) = band {
                let colour = style::component_colour(c);
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band.clone(),
                        colour.mix(0.16).filled(),
                    )))
                    .map_err(e)?;
            }
        }
        for (c, values) in self
            .spread
            .mean
            .components
            .iter()
            .zip(&self.spread.mean.values)
        {
            let colour = style::component_colour(c);
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(l, v)| (l as f64, *v))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(4)))
                .map_err(e)?;
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 6, colour.filled())),
                )
                .map_err(e)?;
        }
        root.present().map_err(e)
    }

    fn gist(&self) -> String {
        let g = &self.spread.mean;
        let parts: Vec<String> = g
            .components
            .iter()
            .zip(&g.values)
            .filter_map(|(c, v)| {
                let (i, x) = v
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
                let first = v.first()?;
                let last = v.last()?;
                Some(format!(
                    "{c} from {first:.2} at layer 0 to {last:.2} at layer {}, largest in \
                     magnitude at layer {i} ({x:.2})",
                    v.len() - 1
                ))
            })
            .collect();
        let band = if self.spread.std.is_some() {
            ", with a band of ± one standard deviation over seeds"
        } else {
            ""
        };
        format!(
            "Line chart ({}): one line per component across the layers{band}. {}.",
            self.title,
            parts.join("; ")
        )
    }
}
