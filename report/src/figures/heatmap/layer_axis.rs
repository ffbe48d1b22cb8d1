//! The heatmap's layer axis: layer numbers and the axis title, and the layer without attention
//! (layer 7 of the 16-layer pattern) outlined, with a note where the axis title cannot hold it.

use super::{HeatmapPlot, Layout};
use crate::figures::look::Look;
use crate::figures::style::{self, FONT, TEXT};
use crate::stats::no_attention;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

impl HeatmapPlot {
    /// Layer numbers below the columns and "layer" under them (wide), or left of the rows
    /// with "layer" above them (phone).
    pub(super) fn draw_layer_labels<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        lay: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let tick = (FONT, look.tick).into_font().color(&TEXT);
        let label = (FONT, look.label).into_font().color(&TEXT);
        let (_, _, grid_r, grid_b) = lay.rect(
            self.grid.components.len().saturating_sub(1),
            self.grid.layers.saturating_sub(1),
        );
        for layer in 0..self.grid.layers {
            let (l, t, rgt, b) = lay.rect(0, layer);
            let (at, pos) = if lay.layers_across {
                (
                    (((l + rgt) / 2), grid_b + 14),
                    Pos::new(HPos::Center, VPos::Top),
                )
            } else {
                let y = style::centre_y((t + b) / 2, look.tick);
                ((lay.left - 14, y), Pos::new(HPos::Right, VPos::Center))
            };
            root.draw(&Text::new(layer.to_string(), at, tick.clone().pos(pos)))?;
        }
        let (at, pos) = if lay.layers_across {
            (
                ((lay.left + grid_r) / 2, grid_b + 66),
                Pos::new(HPos::Center, VPos::Top),
            )
        } else {
            let y = style::centre_y(lay.top - look.label as i32, look.label);
            ((lay.left - 14, y), Pos::new(HPos::Right, VPos::Center))
        };
        let axis = match no_attention(self.grid.layers) {
            Some(l) if lay.layers_across => format!("layer ({l}, outlined: no attention)"),
            _ => "layer".to_string(),
        };
        root.draw(&Text::new(axis, at, label.pos(pos)))
    }

    /// Layer 7's cells outlined, and under the grid of the turned (narrow) layout a note: the
    /// wide one says it in the axis title.
    pub(super) fn outline_no_attention<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
        lay: &Layout,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let Some(l) = no_attention(self.grid.layers) else {
            return Ok(());
        };
        let (x0, y0, _, _) = lay.rect(0, l);
        let last = self.grid.components.len().saturating_sub(1);
        let (_, _, x1, y1) = lay.rect(last, l);
        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], TEXT.stroke_width(4)))?;
        if lay.layers_across {
            return Ok(());
        }
        let (_, _, grid_r, grid_b) = lay.rect(last, self.grid.layers.saturating_sub(1));
        let note = (FONT, look.tick).into_font().color(&TEXT);
        root.draw(&Text::new(
            format!("layer {l} (outlined): no attention"),
            ((lay.left + grid_r) / 2, grid_b + 12),
            note.pos(Pos::new(HPos::Center, VPos::Top)),
        ))
    }
}
