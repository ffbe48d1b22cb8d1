//! Where a val-loss figure's pieces go in one look ([`Frame`], computed before drawing so the
//! canvas' height is known: the legend sits inside the chart only where it covers no data, else
//! under it), and the drawing itself.

use super::super::look::{sample, Corner, Look, Rect};
use super::super::plot::{self, PlotError};
use super::super::series::{self, Chart};
use super::super::style::{self, BACKGROUND, FONT, GRID, TEXT};
use super::ValLossPlot;
use crate::stats::Axis;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// A marker on the chart: the line's end (filled) or the seeds' mean final point (hollow),
/// where it belongs and where it is drawn (moved apart from the others).
pub(super) struct Placed {
    line: usize,
    hollow: bool,
    at: (i32, i32),
    drawn: (i32, i32),
}

/// The layout of one look.
pub(super) struct Frame {
    pub height: i32,
    /// Top of the chart (below title and note) and its height.
    chart_top: i32,
    chart_h: i32,
    /// The plotting area, canvas pixels, and the margins that make plotters put it there.
    plot: Rect,
    margins: (i32, i32, i32, i32),
    labels: (i32, i32),
    x_ticks: usize,
    /// The legend's corner inside the chart; `None`: under it.
    corner: Option<Corner>,
    markers: Vec<Placed>,
}

fn chart_height(look: &Look) -> i32 {
    match look.rendition {
        super::super::look::Rendition::Wide => 930,
        super::super::look::Rendition::Tablet => 700,
        super::super::look::Rendition::Phone => 570,
    }
}

impl ValLossPlot {
    fn decimals(&self, x_ticks: usize) -> (usize, usize) {
        let ((x0, x1), (y0, y1)) = (self.x_range, self.y_range);
        (
            style::decimals_for(x0, x1, x_ticks),
            style::decimals_for(y0, y1, 8),
        )
    }

    /// Where everything goes in `look`.
    pub(super) fn frame(&self, look: &Look) -> Frame {
        style::init_fonts();
        let width = look.width as i32;
        let title_h = look.title_height(&self.title());
        let note_h = self.note.map_or(0, |n| look.note_height(n));
        let chart_top = title_h + note_h;
        let chart_h = chart_height(look);
        let x_ticks = match look.rendition {
            super::super::look::Rendition::Wide => 8,
            super::super::look::Rendition::Tablet => 6,
            super::super::look::Rendition::Phone => 5,
        };
        let (dx, dy) = self.decimals(x_ticks);
        let font = (FONT, look.tick).into_font();
        let text_w = |s: &str| font.box_size(s).map_or(0, |(w, _)| w as i32);
        let ((x0, x1), (y0, y1)) = (self.x_range, self.y_range);
        let last_x = RangedCoordf64::from(x0..x1)
            .key_points(x_ticks)
            .last()
            .map_or(String::new(), |v| style::number(*v, dx));
        let widest_y = RangedCoordf64::from(y0..y1)
            .key_points(8)
            .iter()
            .map(|v| text_w(&style::number(*v, dy)))
            .max()
            .unwrap_or(0);
        let m = if look.is_narrow() { 16 } else { 36 };
        let margins = (m, look.edge_room(&last_x).max(m), look.tick as i32 / 2, m);
        // A loss of 1e200 writes tick labels wider than the canvas: at most a quarter of it.
        let labels = (
            look.tick as i32 + look.label as i32 + 44,
            (widest_y + look.label as i32 + 40).min(width / 4),
        );
        let plot = (
            margins.0 + labels.1,
            chart_top + margins.2,
            width - margins.1,
            chart_top + chart_h - margins.3 - labels.0,
        );
        let map = |(x, y): (f64, f64)| {
            (
                plot.0 + ((x - x0) / (x1 - x0) * (plot.2 - plot.0) as f64).round() as i32,
                plot.3 - ((y - y0) / (y1 - y0) * (plot.3 - plot.1) as f64).round() as i32,
            )
        };
        let markers = self.place_markers(look, plot, &map);
        let ink = self.ink(look, &markers, &map);
        let legend = self.legend();
        let corner = look.free_corner(plot, &legend, &ink);
        let below = match corner {
            Some(_) => 0,
            None => look.legend_height(&legend, width),
        };
        Frame {
            height: chart_top + chart_h + below,
            chart_top,
            chart_h,
            plot,
            margins,
            labels,
            x_ticks,
            corner,
            markers,
        }
    }

    /// The pixels the lines, bands and markers cover (sampled), where the legend must not go.
    fn ink(
        &self,
        look: &Look,
        markers: &[Placed],
        map: &dyn Fn((f64, f64)) -> (i32, i32),
    ) -> Vec<(i32, i32)> {
        let mut ink: Vec<(i32, i32)> = Vec::new();
        for l in &self.lines {
            let px: Vec<(i32, i32)> = l.mean.iter().map(|p| map(*p)).collect();
            ink.extend(sample(&px, 6.0));
            for edge in l.band.iter().flat_map(|b| [&b.upper, &b.lower]) {
                let px: Vec<(i32, i32)> = edge.iter().map(|p| map(*p)).collect();
                ink.extend(sample(&px, 6.0));
            }
        }
        let r = look.marker_radius();
        for m in markers {
            let (x, y) = m.drawn;
            ink.extend([
                (x - r, y - r),
                (x + r, y - r),
                (x - r, y + r),
                (x + r, y + r),
            ]);
        }
        ink
    }

    /// Each line's end marker and, by time, its seeds' mean final mark, moved apart where two
    /// would overlap.
    fn place_markers(
        &self,
        look: &Look,
        plot: Rect,
        map: &dyn Fn((f64, f64)) -> (i32, i32),
    ) -> Vec<Placed> {
        let mut placed = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            if let Some(&end) = l.mean.last() {
                placed.push((i, false, map(end)));
            }
            if let Some(at) = l.final_mark {
                placed.push((i, true, map(at)));
            }
        }
        let at: Vec<(i32, i32)> = placed.iter().map(|p| p.2).collect();
        let gap = 2 * look.marker_radius() + look.marker_radius() / 2 + 4;
        let drawn = series::spread(&at, gap, plot.1, plot.3);
        placed
            .into_iter()
            .zip(drawn)
            .map(|((line, hollow, at), drawn)| Placed {
                line,
                hollow,
                at,
                drawn,
            })
            .collect()
    }

    pub(super) fn draw_in<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError> {
        let f = self.frame(look);
        let below_title = plot::open(root, look, &self.title(), None)?;
        if let Some(note) = self.note {
            look.draw_note(&below_title, note)?;
        }
        let (_, rest) = root.split_vertically(f.chart_top);
        let (chart_area, legend_area) = rest.split_vertically(f.chart_h);
        let ((x0, x1), (y0, y1)) = (self.x_range, self.y_range);
        let mut chart = ChartBuilder::on(&chart_area)
            .margin_left(f.margins.0)
            .margin_right(f.margins.1)
            .margin_top(f.margins.2)
            .margin_bottom(f.margins.3)
            .x_label_area_size(f.labels.0)
            .y_label_area_size(f.labels.1)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        // The legend was placed for the plotting area the frame computed: plotters must agree.
        let (px, py) = chart.plotting_area().get_pixel_range();
        let built = (px.start, py.start, px.end, py.end);
        let off = [
            built.0 - f.plot.0,
            built.1 - f.plot.1,
            built.2 - f.plot.2,
            built.3 - f.plot.3,
        ];
        if off.iter().any(|d| d.abs() > 2) {
            return Err(PlotError::Data(format!(
                "the chart's plotting area {built:?} is not where the legend was placed for it \
                 ({:?})",
                f.plot
            )));
        }
        self.draw_mesh(&mut chart, look, f.x_ticks)?;
        self.draw_lines(&mut chart, look)?;
        self.draw_markers(root, look, &f)?;
        let legend = self.legend();
        match f.corner {
            Some(c) => look.draw_legend_box(root, look.legend_rect(f.plot, c, &legend), &legend)?,
            None => look.draw_legend(&legend_area, &legend)?,
        }
        Ok(root.present()?)
    }

    fn draw_mesh<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<DB>,
        look: &Look,
        x_ticks: usize,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (dx, dy) = self.decimals(x_ticks);
        let x_desc = match self.axis {
            Axis::Step => "step",
            Axis::Time => "training time (s)",
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("validation loss")
            .axis_desc_style((FONT, look.label).into_font().color(&TEXT))
            .label_style((FONT, look.tick).into_font().color(&TEXT))
            .x_label_formatter(&|v| style::number(*v, dx))
            .y_label_formatter(&|v| style::number(*v, dy))
            .x_labels(x_ticks)
            .y_labels(8)
            .bold_line_style(GRID.stroke_width(2))
            .light_line_style(BACKGROUND)
            .axis_style(TEXT.stroke_width(2))
            .draw()
    }

    /// Bands first, so no band covers another variant's line; then the mean lines.
    fn draw_lines<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<DB>,
        look: &Look,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        for l in &self.lines {
            if let Some(band) = &l.band {
                series::band(chart, band, &l.cue, 2)?;
            }
        }
        for l in &self.lines {
            series::line(chart, &l.mean, &l.cue, look.line_width())?;
        }
        Ok(())
    }

    /// End markers filled, mean final marks hollow; a marker moved off its place gets a thin
    /// leader back to it.
    fn draw_markers<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        f: &Frame,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let r = look.marker_radius();
        for m in &f.markers {
            let cue = &self.lines[m.line].cue;
            if (m.drawn.1 - m.at.1).abs() > 2 {
                root.draw(&PathElement::new(
                    vec![m.at, m.drawn],
                    cue.colour.stroke_width(2),
                ))?;
            }
            if m.hollow {
                series::hollow_marker(root, m.drawn, cue.marker, r + 2, cue.colour)?;
            } else {
                series::marker(root, m.drawn, cue.marker, r, cue.colour, BACKGROUND)?;
            }
        }
        Ok(())
    }
}
