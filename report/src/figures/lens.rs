//! The logit lens of one variant, `lens-<variant>.png`: a grid of components (down, in the
//! original study's order: `x-0`.., `x-out`, `x00`.., `ve0`.., `ve0_o0`..) by rate (across: the
//! top-1 is the next token, the input token itself, the input's most frequent successor in the
//! training split), each cell the rate in percent, shaded from white (0) to red (100%); a rate a
//! lens does not measure (an imported lens has no bigram table) is a grey `n/a`. Both renditions
//! have the same shape: three columns fit a phone, and the components read down.

use super::look::Look;
use super::plot::{self, Plot, PlotError};
use super::style::{self, FONT, TEXT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The rates across, as the columns are headed.
pub const COLUMNS: [(&str, &str); 3] = [
    ("next", "= next"),
    ("copy", "= input"),
    ("bigram", "= bigram"),
];
const GAP: i32 = 2;
const NOT_MEASURED: RGBColor = RGBColor(225, 225, 225);

pub struct LensPlot {
    pub components: Vec<String>,
    /// Per component, per column: the rate (mean over the lenses), `None` when not measured.
    pub values: Vec<[Option<f64>; 3]>,
    pub title: String,
}

struct Layout {
    left: i32,
    top: i32,
    cell_w: i32,
    cell_h: i32,
    size: (u32, u32),
}

impl LensPlot {
    fn layout(&self, look: &Look) -> Layout {
        let rows = self.components.len().max(1) as i32;
        let (left, right) = if look.is_phone() {
            (150, 12)
        } else {
            (260, 120)
        };
        let cell_h = 2 * look.value as i32;
        let top = look.title_height(&self.title) + 2 * look.label as i32;
        Layout {
            left,
            top,
            cell_w: (look.width as i32 - left - right) / 3,
            cell_h,
            size: (look.width, (top + rows * cell_h + look.label as i32) as u32),
        }
    }

    fn colour_of(v: Option<f64>) -> RGBColor {
        v.map_or(NOT_MEASURED, style::diverging)
    }
}

/// A rate as a cell shows it: `51%`, `0.8%`, `n/a`.
pub fn percent(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v * 100.0 < 9.95 && v > 0.0 => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{:.0}%", v * 100.0),
    }
}

impl Plot for LensPlot {
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
        let label = (FONT, look.label).into_font().color(&TEXT);
        for (j, (_, head)) in COLUMNS.iter().enumerate() {
            let x = lay.left + j as i32 * lay.cell_w + lay.cell_w / 2;
            let y = style::centre_y(lay.top - look.label as i32, look.label);
            root.draw(&Text::new(*head, (x, y), label.clone().pos(centre)))?;
        }
        let value_font = (FONT, look.value).into_font();
        let tick = (FONT, look.tick).into_font().color(&TEXT);
        for (r, comp) in self.components.iter().enumerate() {
            let t = lay.top + r as i32 * lay.cell_h;
            let y = style::centre_y(t + lay.cell_h / 2, look.tick);
            let right = Pos::new(HPos::Right, VPos::Center);
            root.draw(&Text::new(
                comp.clone(),
                (lay.left - 14, y),
                tick.clone().pos(right),
            ))?;
            for j in 0..3 {
                let v = self.values[r][j];
                let l = lay.left + j as i32 * lay.cell_w;
                let fill = Self::colour_of(v);
                root.draw(&Rectangle::new(
                    [
                        (l + GAP, t + GAP),
                        (l + lay.cell_w - GAP, t + lay.cell_h - GAP),
                    ],
                    fill.filled(),
                ))?;
                let style = value_font.clone().color(&style::text_on(fill)).pos(centre);
                let y = style::centre_y(t + lay.cell_h / 2, look.value);
                root.draw(&Text::new(percent(v), (l + lay.cell_w / 2, y), style))?;
            }
        }
        Ok(root.present()?)
    }

    fn gist(&self) -> String {
        let mut parts = Vec::new();
        for (j, (_, head)) in COLUMNS.iter().enumerate() {
            let best = self
                .values
                .iter()
                .enumerate()
                .filter_map(|(r, v)| v[j].map(|x| (r, x)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            parts.push(match best {
                Some((r, x)) => format!(
                    "top-1 {head} most often from {} ({})",
                    self.components[r],
                    percent(Some(x))
                ),
                None => format!("top-1 {head} not measured"),
            });
        }
        format!(
            "Grid ({}) of {} components by three rates, the share of positions whose most \
             probable token is the next token, the input token, the input's most frequent \
             successor: {}.",
            self.title,
            self.components.len(),
            parts.join("; ")
        )
    }
}
