//! Lambda heatmaps: layers across, components (`x`, `x00`, `x01`, ...) down, each cell
//! coloured on a diverging scale centred on zero (symmetric: ± the largest |value|), with a
//! colour bar, and the value written in the cell when it fits.
//!
//! The layout is computed here in pixels (not by a plotters chart) so that cells, labels and
//! the colour bar sit exactly where [`HeatmapPlot::cell_rect`] says, which the pixel-level
//! test relies on.

use super::style::{self, BACKGROUND, FONT, LABEL, TEXT, TICK, TITLE};
use super::Plot;
use crate::stats::LambdaGrid;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const WIDTH: u32 = 1800;
const LEFT: i32 = 150;
const RIGHT: i32 = 250;
const TOP: i32 = 120;
const BOTTOM: i32 = 140;
const MAX_CELL_H: i32 = 110;
/// White gap between cells, so neighbouring cells of similar colour stay distinct.
const GAP: i32 = 2;
const VALUE: u32 = 26;

pub struct HeatmapPlot {
    grid: LambdaGrid,
    title: String,
    limit: f64,
}

impl HeatmapPlot {
    pub fn new(grid: LambdaGrid, title: String) -> Self {
        let max = grid
            .values
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        HeatmapPlot {
            grid,
            title,
            limit: style::nice_limit(max),
        }
    }

    /// The colour scale's half-range: values at ±limit get the scale's ends.
    pub fn limit(&self) -> f64 {
        self.limit
    }

    fn cell_size(&self) -> (i32, i32) {
        let w = (WIDTH as i32 - LEFT - RIGHT) / self.grid.layers.max(1) as i32;
        (w, MAX_CELL_H.min(w))
    }

    /// The pixel rectangle (left, top, right, bottom) of the cell of `component` row `row`
    /// (0 = `x`, top) and `layer`.
    pub fn cell_rect(&self, row: usize, layer: usize) -> (i32, i32, i32, i32) {
        let (w, h) = self.cell_size();
        let (l, t) = (LEFT + layer as i32 * w, TOP + row as i32 * h);
        (l, t, l + w, t + h)
    }

    /// The colour a value gets.
    pub fn colour_of(&self, v: f64) -> RGBColor {
        style::diverging(v / self.limit)
    }
}

impl Plot for HeatmapPlot {
    fn size(&self) -> (u32, u32) {
        let (_, h) = self.cell_size();
        let rows = self.grid.components.len() as i32;
        (WIDTH, (TOP + rows * h + BOTTOM) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&BACKGROUND).map_err(e)?;
        let (w, h) = self.cell_size();
        let rows = self.grid.components.len();
        let centre = Pos::new(HPos::Center, VPos::Center);
        let title = (FONT, TITLE).into_font().color(&TEXT).pos(centre);
        root.draw(&Text::new(
            self.title.clone(),
            (WIDTH as i32 / 2, style::centre_y(TOP / 2, TITLE)),
            title,
        ))
        .map_err(e)?;
        let value_font = (FONT, VALUE).into_font();
        for (r, comp) in self.grid.components.iter().enumerate() {
            for layer in 0..self.grid.layers {
                let v = self.grid.values[r][layer];
                let (l, t, rgt, b) = self.cell_rect(r, layer);
                let fill = self.colour_of(v);
                root.draw(&Rectangle::new(
                    [(l + GAP / 2, t + GAP / 2), (rgt - GAP / 2, b - GAP / 2)],
                    fill.filled(),
                ))
                .map_err(e)?;
                // The value, with fewer decimals if two do not fit, none if nothing does.
                let text = [format!("{v:.2}"), format!("{v:.1}")]
                    .into_iter()
                    .find(|s| {
                        root.estimate_text_size(s, &TextStyle::from(value_font.clone()))
                            .is_ok_and(|(tw, _)| (tw as i32) < w - 10)
                    });
                if let Some(text) = text {
                    let style = value_font.clone().color(&style::text_on(fill)).pos(centre);
                    let y = style::centre_y((t + b) / 2, VALUE);
                    root.draw(&Text::new(text, ((l + rgt) / 2, y), style))
                        .map_err(e)?;
                }
            }
            let label = (FONT, LABEL)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Right, VPos::Center));
            let y = style::centre_y(TOP + r as i32 * h + h / 2, LABEL);
            root.draw(&Text::new(comp.clone(), (LEFT - 20, y), label))
                .map_err(e)?;
        }
        let bottom = TOP + rows as i32 * h;
        let tick = (FONT, TICK).into_font().color(&TEXT);
        for layer in 0..self.grid.layers {
            let x = LEFT + layer as i32 * w + w / 2;
            let style = tick.clone().pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(layer.to_string(), (x, bottom + 14), style))
                .map_err(e)?;
        }
        let desc = (FONT, LABEL)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Top));
        let mid = LEFT + (self.grid.layers as i32 * w) / 2;
        root.draw(&Text::new("layer", (mid, bottom + 66), desc))
            .map_err(e)?;
        self.draw_colour_bar(root, TOP, bottom).map_err(e)?;
        root.present().map_err(e)
    }
}

impl HeatmapPlot {
    /// A vertical bar at the right: +limit at the top, -limit at the bottom, five ticks.
    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        top: i32,
        bottom: i32,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let x0 = WIDTH as i32 - RIGHT + 60;
        let x1 = x0 + 44;
        let span = (bottom - top).max(1);
        for y in top..bottom {
            let t = 1.0 - 2.0 * (y - top) as f64 / span as f64;
            root.draw(&Rectangle::new(
                [(x0, y), (x1, y + 1)],
                style::diverging(t).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x0, top), (x1, bottom)],
            TEXT.stroke_width(1),
        ))?;
        // Ticks at ±limit and ±limit/2: enough decimals to write limit/2 exactly.
        let decimals = (0..4)
            .find(|d| {
                let q = self.limit / 2.0 * 10f64.powi(*d);
                (q - q.round()).abs() < 1e-9
            })
            .unwrap_or(3) as usize;
        let font = (FONT, TICK).into_font().color(&TEXT);
        for k in 0..=4 {
            let t = 1.0 - k as f64 / 2.0;
            let y = top + (span as f64 * k as f64 / 4.0).round() as i32;
            root.draw(&PathElement::new(
                vec![(x1, y), (x1 + 10, y)],
                TEXT.stroke_width(2),
            ))?;
            let style = font.clone().pos(Pos::new(HPos::Left, VPos::Center));
            let text = format!("{:.decimals$}", t * self.limit);
            root.draw(&Text::new(text, (x1 + 22, style::centre_y(y, TICK)), style))?;
        }
        Ok(())
    }
}
