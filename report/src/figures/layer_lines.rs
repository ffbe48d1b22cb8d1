//! Lambdas across layers, the view the original study's article uses: the layer on the x axis,
//! one line per component (`x`, `x00`, `x01`, ...), the mean over seeds with a ± 1 std band
//! where there are several, at the runs' last evaluation. Trends across layers read directly,
//! where a heatmap gives colours to compare. The components' legend runs along the top; the
//! phone rendition draws the same chart narrower and taller. `x` and `x00` start at layer 1:
//! at layer 0 they are the same vector, so one marker there shows their sum, `x+x00`.
//! With [`LayerLinesPlot::as_shares`] the same chart shows each component's share of the
//! layer's input (`stats::shares`). In the medium track's 16-layer pattern, layer 7 has no
//! attention: its column is shaded and its tick says so, since the lambdas change there.

use super::look::{Key, Look};
use super::plot::{self, Plot, PlotError};
use super::range::padded;
use super::series::{self, Band};
use super::style::{self, BACKGROUND, FONT, GRID, TEXT};
use crate::stats::{coincide_at_0, no_attention, LambdaSpread, SUM0};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct LayerLinesPlot {
    spread: LambdaSpread,
    title: String,
    /// Shares of the layer's input rather than lambdas.
    shares: bool,
}

/// The note above the layer without attention: `layer 7: no attention`.
const NO_ATTN: &str = "no attention";

impl LayerLinesPlot {
    pub fn new(spread: LambdaSpread, title: String) -> Self {
        LayerLinesPlot {
            spread,
            title,
            shares: false,
        }
    }

    /// The values are shares of each layer's input (`stats::shares`), not lambdas.
    pub fn as_shares(self) -> Self {
        LayerLinesPlot {
            shares: true,
            ..self
        }
    }

    /// What the y axis shows.
    fn y_desc(&self) -> &'static str {
        if self.shares {
            "share of the layer's input, λ·RMS / Σ|λ·RMS|"
        } else {
            "lambda at the last evaluation"
        }
    }

    /// The layer drawn without attention, where the pattern has one.
    pub fn no_attention(&self) -> Option<usize> {
        no_attention(self.spread.mean.layers)
    }

    fn legend(&self) -> Vec<Key> {
        let sum = self
            .sum0()
            .map(|_| Key::new(format!("{SUM0} (layer 0)"), style::component_cue(SUM0)));
        self.spread
            .mean
            .components
            .iter()
            .map(|c| Key::new(c.clone(), style::component_cue(c)))
            .chain(sum)
            .collect()
    }

    /// λx + λ00 at layer 0 and its std over runs, when both are logged.
    fn sum0(&self) -> Option<(f64, f64)> {
        let m = self.spread.mean.sum0()?;
        Some((m, self.spread.sum0_std.unwrap_or(0.0)))
    }

    /// The layers a component is drawn from: 1 for `x` and `x00` when their sum stands in for
    /// them at layer 0.
    fn first_layer(&self, c: usize) -> usize {
        let comp = &self.spread.mean.components[c];
        usize::from(self.sum0().is_some() && coincide_at_0(comp, 0))
    }

    /// A component's points from its first drawn layer on.
    fn points(&self, c: usize) -> Vec<(f64, f64)> {
        self.spread.mean.values[c]
            .iter()
            .enumerate()
            .skip(self.first_layer(c))
            .map(|(l, v)| (l as f64, *v))
            .collect()
    }

    /// Each component's ± std band, when there is a std.
    fn band(&self, c: usize) -> Option<Band> {
        let std = self.spread.std.as_ref()?;
        let from = self.first_layer(c);
        let mean = &self.spread.mean.values[c];
        let edge = |sign: f64| -> Vec<(f64, f64)> {
            mean.iter()
                .zip(&std[c])
                .enumerate()
                .skip(from)
                .map(|(l, (m, s))| (l as f64, m + sign * s))
                .collect()
        };
        Some(Band {
            upper: edge(1.0),
            lower: edge(-1.0),
        })
    }

    /// The y range every line, band and the layer-0 sum fit in, padded.
    fn y_range(&self) -> Option<(f64, f64)> {
        let n = self.spread.mean.components.len();
        let bands: Vec<Band> = (0..n).filter_map(|c| self.band(c)).collect();
        let ys = (0..n)
            .flat_map(|c| self.points(c))
            .map(|p| p.1)
            .chain(
                bands
                    .iter()
                    .flat_map(|b| b.upper.iter().chain(&b.lower))
                    .map(|p| p.1),
            )
            .chain(self.sum0().into_iter().flat_map(|(m, s)| [m - s, m + s]));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        padded(lo, hi, 0.06, 0.05)
    }

    /// Bands, lines with their markers, and the layer-0 sum.
    fn draw_series<DB: DrawingBackend>(
        &self,
        chart: &mut series::Chart<'_, DB>,
        look: &Look,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let components = &self.spread.mean.components;
        // Bands first, so no band covers another component's line.
        for (i, c) in components.iter().enumerate() {
            if let Some(band) = self.band(i) {
                series::band(chart, &band, &style::component_cue(c), 2)?;
            }
        }
        let r = look.marker_radius();
        for (i, c) in components.iter().enumerate() {
            let cue = style::component_cue(c);
            let points = self.points(i);
            series::line(chart, &points, &cue, look.line_width())?;
            for p in points {
                series::marker(
                    chart.plotting_area(),
                    p,
                    cue.marker,
                    r,
                    cue.colour,
                    BACKGROUND,
                )?;
            }
        }
        if let Some((m, s)) = self.sum0() {
            // λx + λ00 at layer 0: its own marker with its ± std, joined to neither line.
            let cue = style::component_cue(SUM0);
            if s > 0.0 {
                let bar = [(0.0, m - s), (0.0, m + s)];
                series::line(chart, &bar, &cue, look.line_width())?;
            }
            series::marker(
                chart.plotting_area(),
                (0.0, m),
                cue.marker,
                r + 3,
                cue.colour,
                BACKGROUND,
            )?;
        }
        Ok(())
    }

    fn chart_height(look: &Look) -> i32 {
        if look.is_phone() {
            675
        } else if look.is_narrow() {
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
    ) -> Result<(), PlotError> {
        let chart_area = plot::open(root, look, &self.title, Some(&self.legend()))?;
        let layers = self.spread.mean.layers;
        // Finite lambdas of any magnitude; a range no axis can tick leaves the chart empty.
        let Some((y0, y1)) = self.y_range() else {
            return Ok(root.present()?);
        };
        let x1 = layers.saturating_sub(1).max(1) as f64;
        let (tick, label) = (look.tick as i32, look.label as i32);
        // Room above the chart for the note on the layer without attention.
        let note_room = self.no_attention().map_or(0, |_| tick + 12);
        let mut chart = ChartBuilder::on(&chart_area)
            .margin(if look.is_narrow() { 16 } else { 36 })
            .margin_top(tick / 2 + 8 + note_room)
            // Room for the last layer's label, centred on the right edge.
            .margin_right(
                look.edge_room(&format!("{}", layers.saturating_sub(1)))
                    .max(16),
            )
            .x_label_area_size(tick + label + 44)
            .y_label_area_size(3 * tick + label + 24)
            .build_cartesian_2d(-0.3..x1 + 0.3, y0..y1)?;
        let dy = style::decimals_for(y0, y1, 8);
        chart
            .configure_mesh()
            .x_desc("layer")
            .y_desc(self.y_desc())
            .axis_desc_style((FONT, look.label).into_font().color(&TEXT))
            .label_style((FONT, look.tick).into_font().color(&TEXT))
            .x_label_formatter(&|v| style::number(*v, 0))
            .y_label_formatter(&|v| style::number(*v, dy))
            .x_labels(if look.is_narrow() {
                layers.div_ceil(2)
            } else {
                layers
            })
            .y_labels(8)
            .bold_line_style(GRID.stroke_width(2))
            .light_line_style(BACKGROUND)
            .axis_style(TEXT.stroke_width(2))
            .draw()?;
        if let Some(l) = self.no_attention() {
            // A light column over the grid, and a note above it, for the article to point at.
            let (l, y) = (l as f64, (y0, y1));
            chart.draw_series([Rectangle::new(
                [(l - 0.5, y.0), (l + 0.5, y.1)],
                TEXT.mix(0.08).filled(),
            )])?;
            let (px, top) = chart.backend_coord(&(l, y1));
            let style = (FONT, look.tick)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            root.draw(&Text::new(
                format!("layer {}: {NO_ATTN}", l as usize),
                (px, top - 8),
                style,
            ))?;
        }
        // Zero: where every embedding's lambda starts, and where a sign changes.
        if y0 < 0.0 && y1 > 0.0 {
            chart.draw_series(LineSeries::new(
                vec![(-0.3, 0.0), (x1 + 0.3, 0.0)],
                TEXT.mix(0.5).stroke_width(2),
            ))?;
        }
        self.draw_series(&mut chart, look)?;
        Ok(root.present()?)
    }

    fn gist(&self) -> String {
        let g = &self.spread.mean;
        let mut parts: Vec<String> = g
            .components
            .iter()
            .zip(&g.values)
            .enumerate()
            .filter_map(|(k, (c, v))| {
                let from = self.first_layer(k);
                let (i, x) = v
                    .iter()
                    .enumerate()
                    .skip(from)
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
                let first = v.get(from)?;
                let last = v.last()?;
                Some(format!(
                    "{c} from {first:.2} at layer {from} to {last:.2} at layer {}, largest in \
                     magnitude at layer {i} ({x:.2})",
                    v.len() - 1
                ))
            })
            .collect();
        if let Some((m, _)) = self.sum0() {
            parts.push(format!(
                "at layer 0, where x and x00 are the same vector, their sum λx + λ00 {} {m:.2}",
                if self.shares { "has a share of" } else { "is" }
            ));
        }
        if let Some(l) = self.no_attention() {
            parts.push(format!("layer {l}, shaded, has no attention"));
        }
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
