//! Lambda heatmaps: one cell per component (`x`, `x00`, `x01`, ...) and layer, coloured on a
//! diverging scale centred on zero (symmetric: ± the largest |value|), with a colour bar, and
//! the value written in the cell when it fits. The wide rendition has layers across; the phone
//! rendition turns the grid so layers run down, which leaves room for the numbers.
//!
//! At layer 0 the `x` and `x00` cells are one cell, labelled `x+x00`, holding λx + λ00: the
//! residual is x00 there, so only the sum is learned (`stats::lambdas`); neither lambda is
//! shown alone. In the 16-layer pattern, layer 7 (no attention) is outlined, and a note says so.
//!
//! The layout is computed here in pixels (not by a plotters chart) so that cells, labels and
//! the colour bar sit exactly where [`HeatmapPlot::cell_rect`] says, which the pixel-level
//! test relies on.

use super::look::{Look, WIDE};
use super::plot::{self, Plot, PlotError};
use super::style::{self, FONT, TEXT};
use crate::stats::{no_attention, LambdaGrid, SUM0};

mod layer_axis;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// White gap between cells, so neighbouring cells of similar colour stay distinct.
const GAP: i32 = 2;
/// Steps of the colour bar: one per tenth of the half-range.
const BAR_STEPS: i32 = 40;

pub struct HeatmapPlot {
    grid: LambdaGrid,
    title: String,
    limit: f64,
}

/// Where the grid sits in one rendition.
struct Layout {
    /// Layers across and components down (wide), or the other way round (phone).
    layers_across: bool,
    left: i32,
    top: i32,
    cell_w: i32,
    cell_h: i32,
    /// Left edge of the colour bar.
    bar_x: i32,
    bar_w: i32,
    size: (u32, u32),
}

impl Layout {
    fn rect(&self, component: usize, layer: usize) -> (i32, i32, i32, i32) {
        let (col, row) = if self.layers_across {
            (layer, component)
        } else {
            (component, layer)
        };
        let (l, t) = (
            self.left + col as i32 * self.cell_w,
            self.top + row as i32 * self.cell_h,
        );
        (l, t, l + self.cell_w, t + self.cell_h)
    }
}

impl HeatmapPlot {
    pub fn new(grid: LambdaGrid, title: String) -> Self {
        let max = grid
            .values
            .iter()
            .flatten()
            .copied()
            .chain(grid.sum0())
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

    fn layout(&self, look: &Look) -> Layout {
        let title = look.title_height(&self.title);
        let comps = self.grid.components.len().max(1) as i32;
        let layers = self.grid.layers.max(1) as i32;
        let width = look.width as i32;
        if look.is_narrow() {
            // Layers down: a column per component, its name above it.
            let (left, right) = (4 * look.tick as i32, 6 * look.tick as i32);
            let cell_h = 2 * look.value as i32;
            let top = title + 2 * look.label as i32;
            Layout {
                layers_across: false,
                left,
                top,
                cell_w: (width - left - right) / comps,
                cell_h,
                bar_x: width - right + look.tick as i32,
                bar_w: look.tick as i32,
                // The colour bar's lowest label is centred on the grid's bottom edge.
                size: (
                    look.width,
                    (top + layers * cell_h + look.label as i32 + look.tick as i32) as u32,
                ),
            }
        } else {
            let (left, right, bottom) = (150, 250, 140);
            let cell_w = (width - left - right) / layers;
            let cell_h = 110.min(cell_w);
            let top = title + 30;
            Layout {
                layers_across: true,
                left,
                top,
                cell_w,
                cell_h,
                bar_x: width - right + 60,
                bar_w: 44,
                size: (look.width, (top + comps * cell_h + bottom) as u32),
            }
        }
    }

    /// The pixel rectangle (left, top, right, bottom) of the cell of component `row`
    /// (0 = `x`) and `layer` in the wide rendition.
    pub fn cell_rect(&self, row: usize, layer: usize) -> (i32, i32, i32, i32) {
        self.layout(&WIDE).rect(row, layer)
    }

    /// The colour a value gets.
    pub fn colour_of(&self, v: f64) -> RGBColor {
        style::diverging(v / self.limit)
    }

    /// The rows of `x` and `x00` when layer 0 shows their sum in one cell (they are adjacent).
    fn merged_rows(&self) -> Option<(usize, usize)> {
        let row = |c: &str| self.grid.components.iter().position(|x| x == c);
        let (a, b) = (row("x")?, row("x00")?);
        self.grid.sum0()?;
        (b == a + 1).then_some((a, b))
    }

    /// The value the cell of component `row` at `layer` shows: λx + λ00 in the merged cell of
    /// layer 0, else its own.
    pub fn shown(&self, row: usize, layer: usize) -> f64 {
        match (self.merged_rows(), self.grid.sum0()) {
            (Some((a, b)), Some(sum)) if layer == 0 && (row == a || row == b) => sum,
            _ => self.grid.values[row][layer],
        }
    }

    /// Layer 0's merged cell: λx + λ00 over both rows, labelled `x+x00`.
    fn draw_sum0<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        lay: &Layout,
        (a, b): (usize, usize),
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let sum = self.shown(a, 0);
        let (l, t, _, _) = lay.rect(a, 0);
        let (_, _, rgt, bot) = lay.rect(b, 0);
        let fill = self.colour_of(sum);
        root.draw(&Rectangle::new(
            [(l + GAP / 2, t + GAP / 2), (rgt - GAP / 2, bot - GAP / 2)],
            fill.filled(),
        ))?;
        let style = (FONT, look.value)
            .into_font()
            .color(&style::text_on(fill))
            .pos(Pos::new(HPos::Center, VPos::Center));
        let (cx, cy) = ((l + rgt) / 2, (t + bot) / 2);
        // Two lines in a tall cell (wide rendition), one in a wide cell (phone).
        let lines = if bot - t > rgt - l {
            vec![SUM0.to_string(), style::number(sum, 2)]
        } else {
            vec![format!("{SUM0} {}", style::number(sum, 2))]
        };
        let step = (look.value as f64 * 1.3) as i32;
        let first = cy - step * (lines.len() as i32 - 1) / 2;
        for (i, text) in lines.into_iter().enumerate() {
            let y = style::centre_y(first + i as i32 * step, look.value);
            root.draw(&Text::new(text, (cx, y), style.clone()))?;
        }
        Ok(())
    }
}

impl Plot for HeatmapPlot {
    fn size(&self, look: &Look) -> (u32, u32) {
        self.layout(look).size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError> {
        plot::open(root, look, &self.title, None)?;
        let lay = self.layout(look);
        let centre = Pos::new(HPos::Center, VPos::Center);
        let value_font = (FONT, look.value).into_font();
        let merged = self.merged_rows();
        for (r, comp) in self.grid.components.iter().enumerate() {
            for layer in 0..self.grid.layers {
                if layer == 0 && merged.is_some_and(|(a, b)| r == a || r == b) {
                    continue;
                }
                let v = self.grid.values[r][layer];
                let (l, t, rgt, b) = lay.rect(r, layer);
                let fill = self.colour_of(v);
                root.draw(&Rectangle::new(
                    [(l + GAP / 2, t + GAP / 2), (rgt - GAP / 2, b - GAP / 2)],
                    fill.filled(),
                ))?;
                // The value, with fewer decimals if two do not fit, none if nothing does.
                let text = [style::number(v, 2), style::number(v, 1)]
                    .into_iter()
                    .find(|s| {
                        root.estimate_text_size(s, &TextStyle::from(value_font.clone()))
                            .is_ok_and(|(tw, _)| (tw as i32) < lay.cell_w - 10)
                    });
                if let Some(text) = text {
                    let style = value_font.clone().color(&style::text_on(fill)).pos(centre);
                    let y = style::centre_y((t + b) / 2, look.value);
                    root.draw(&Text::new(text, ((l + rgt) / 2, y), style))?;
                }
            }
            self.draw_component_label(root, look, &lay, r, comp)?;
        }
        if let Some(rows) = merged {
            self.draw_sum0(root, look, &lay, rows)?;
        }
        self.draw_layer_labels(root, look, &lay)?;
        self.outline_no_attention(root, look, &lay)?;
        self.draw_colour_bar(root, look, &lay)?;
        Ok(root.present()?)
    }

    fn gist(&self) -> String {
        let g = &self.grid;
        let merged = self.merged_rows();
        let mut parts = Vec::new();
        for (r, comp) in g.components.iter().enumerate() {
            let skip0 = merged.is_some_and(|(a, b)| r == a || r == b);
            let best = g.values[r]
                .iter()
                .enumerate()
                .filter(|(l, v)| v.is_finite() && !(skip0 && *l == 0))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)));
            if let Some((layer, v)) = best {
                parts.push(format!("{comp} at layer {layer} ({v:.2})"));
            }
        }
        let sum = match (merged, g.sum0()) {
            (Some(_), Some(s)) => format!(
                " Layer 0 shows λx + λ00 in one cell (x and x00 are the same vector there): \
                 {s:.2}."
            ),
            _ => String::new(),
        };
        let attn = no_attention(g.layers).map_or(String::new(), |l| {
            format!(" Layer {l}, outlined, has no attention.")
        });
        format!(
            "Heatmap ({}) by layer, 0 to {}, and component, {}; red positive, blue negative.\
             {sum} Largest in magnitude: {}.{attn}",
            self.title,
            g.layers.saturating_sub(1),
            g.components.join(", "),
            parts.join(", ")
        )
    }
}

impl HeatmapPlot {
    /// A component's name: left of its row (wide) or above its column (phone).
    fn draw_component_label<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        lay: &Layout,
        r: usize,
        comp: &str,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (l, t, rgt, b) = lay.rect(r, 0);
        let font = (FONT, look.label).into_font().color(&TEXT);
        let (at, pos) = if lay.layers_across {
            let y = style::centre_y((t + b) / 2, look.label);
            ((lay.left - 20, y), Pos::new(HPos::Right, VPos::Center))
        } else {
            let y = style::centre_y(lay.top - look.label as i32, look.label);
            (((l + rgt) / 2, y), Pos::new(HPos::Center, VPos::Center))
        };
        root.draw(&Text::new(comp.to_owned(), at, font.pos(pos)))
    }

    /// A vertical bar at the right, as tall as the grid: +limit at the top, -limit at the
    /// bottom, in [`BAR_STEPS`] steps, five ticks.
    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        lay: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (top, bottom) = (
            lay.top,
            lay.rect(
                self.grid.components.len().saturating_sub(1),
                self.grid.layers.saturating_sub(1),
            )
            .3,
        );
        let (x0, x1) = (lay.bar_x, lay.bar_x + lay.bar_w);
        let span = (bottom - top).max(1);
        // In even steps, each the colour of its middle: a few dozen flat colours that a
        // palette PNG holds exactly, where a smooth ramp would band unevenly.
        for k in 0..BAR_STEPS {
            let (y0, y1) = (top + span * k / BAR_STEPS, top + span * (k + 1) / BAR_STEPS);
            let t = 1.0 - (2 * k + 1) as f64 / BAR_STEPS as f64;
            root.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
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
        let font = (FONT, look.tick).into_font().color(&TEXT);
        let tick_len = look.tick as i32 / 3;
        for k in 0..=4 {
            let t = 1.0 - k as f64 / 2.0;
            let y = top + (span as f64 * k as f64 / 4.0).round() as i32;
            root.draw(&PathElement::new(
                vec![(x1, y), (x1 + tick_len, y)],
                TEXT.stroke_width(2),
            ))?;
            let style = font.clone().pos(Pos::new(HPos::Left, VPos::Center));
            let text = style::number(t * self.limit, decimals);
            root.draw(&Text::new(
                text,
                (x1 + 2 * tick_len, style::centre_y(y, look.tick)),
                style,
            ))?;
        }
        Ok(())
    }
}
