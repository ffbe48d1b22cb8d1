//! The renditions every figure is drawn in, their text sizes, and the two pieces of text every
//! kind shares: the title (wrapped to the width) and a legend of coloured keys.
//!
//! A figure is saved twice (see [`super::draw_figure`]): [`WIDE`], 1800 px across for desktop
//! screens and print, and [`PHONE`], 720 px across with its text scaled so that, shown across
//! a 390 px screen, its smallest text is at least 9 CSS px high (font px x displayed width /
//! image width). Pages show the phone rendition up to [`PHONE_MAX_VIEWPORT`] CSS px. Every kind
//! draws from the [`Look`] it is given, so a new kind gets both renditions by drawing with it.

use super::style::{self, BACKGROUND, FONT, TEXT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    Wide,
    Phone,
}

/// A rendition's canvas width and text sizes, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub rendition: Rendition,
    pub width: u32,
    pub title: u32,
    pub label: u32,
    pub tick: u32,
    /// Numbers written inside a figure (heatmap cells).
    pub value: u32,
}

pub const WIDE: Look = Look {
    rendition: Rendition::Wide,
    width: 1800,
    title: 44,
    label: 36,
    tick: 30,
    value: 26,
};

/// On a 390 px screen 720 px are shown at 354.8 CSS px: 22 px type reads as 10.8 CSS px.
pub const PHONE: Look = Look {
    rendition: Rendition::Phone,
    width: 720,
    title: 30,
    label: 26,
    tick: 24,
    value: 22,
};

/// Both renditions, wide first.
pub const RENDITIONS: [Look; 2] = [WIDE, PHONE];

/// Pages show the phone rendition on viewports up to this width (CSS px); above it the wide
/// one is at least 665 CSS px across, so its smallest text (26 px of 1800) stays above 9 CSS px.
pub const PHONE_MAX_VIEWPORT: u32 = 700;

/// The width (CSS px) a figure is shown at on a 390 px screen: the page's side padding
/// (1.1rem each side, templates/style.css) taken off.
pub const PHONE_COLUMN: f64 = 390.0 - 2.0 * 1.1 * 16.0;

impl Look {
    pub fn is_phone(&self) -> bool {
        self.rendition == Rendition::Phone
    }

    /// The smallest text this look draws, in image pixels.
    pub fn smallest_text(&self) -> u32 {
        self.title.min(self.label).min(self.tick).min(self.value)
    }

    /// The file this rendition of figure `name` is saved as: the wide one under the name
    /// itself, the phone one with `.phone` before the extension (`val_loss-step.phone.png`).
    pub fn file_name(&self, name: &str) -> String {
        match (self.rendition, name.rsplit_once('.')) {
            (Rendition::Phone, Some((stem, ext))) => format!("{stem}.phone.{ext}"),
            (Rendition::Phone, None) => format!("{name}.phone"),
            (Rendition::Wide, _) => name.to_owned(),
        }
    }

    /// Height of one line of title text.
    fn title_line(&self) -> i32 {
        (self.title as f64 * 1.3).round() as i32
    }

    /// The title split into lines no wider than the canvas (less a margin), breaking after
    /// `: ` or `, ` and else between words.
    pub fn title_lines(&self, title: &str) -> Vec<String> {
        self.wrap(title, self.title)
    }

    /// `text` at `size` px split into lines no wider than the canvas (less a margin).
    fn wrap(&self, title: &str, size: u32) -> Vec<String> {
        style::init_fonts();
        let max = self.width as i32 - 2 * self.title as i32;
        let font = (FONT, size).into_font();
        let fits = |s: &str| font.box_size(s).map_or(true, |(w, _)| (w as i32) <= max);
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        // A piece too wide for a line of its own is broken between its words.
        let pieces = pieces(title).into_iter().flat_map(|p| {
            if fits(p.trim()) {
                vec![p]
            } else {
                p.split_inclusive(' ').map(str::to_owned).collect()
            }
        });
        for piece in pieces {
            let candidate = format!("{line}{piece}");
            if line.is_empty() || fits(candidate.trim_end()) {
                line = candidate;
            } else {
                lines.push(line.trim_end().to_owned());
                line = piece.trim_start().to_owned();
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        lines
    }

    /// Height of the title block: its lines with padding above and below.
    pub fn title_height(&self, title: &str) -> i32 {
        let pad = self.title as i32 / 2 + 8;
        2 * pad + self.title_lines(title).len() as i32 * self.title_line()
    }

    /// Draws the title centred at the top of `area`; returns the height it took.
    pub fn draw_title<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        title: &str,
    ) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = area.dim_in_pixel();
        let style = (FONT, self.title)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let pad = self.title as i32 / 2 + 8;
        for (i, line) in self.title_lines(title).iter().enumerate() {
            let y = pad + i as i32 * self.title_line() + self.title_line() / 2;
            area.draw(&Text::new(
                line.clone(),
                (w as i32 / 2, style::centre_y(y, self.title)),
                style.clone(),
            ))?;
        }
        Ok(self.title_height(title))
    }

    /// Height of a note under the title (how to read the figure): its lines at tick size.
    pub fn note_height(&self, note: &str) -> i32 {
        let line = (self.tick as f64 * 1.3).round() as i32;
        self.wrap(note, self.tick).len() as i32 * line + self.tick as i32 / 2
    }

    /// Draws a note centred at the top of `area`, in the tick size; returns the height it took.
    pub fn draw_note<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        note: &str,
    ) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = area.dim_in_pixel();
        let style = (FONT, self.tick)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let line = (self.tick as f64 * 1.3).round() as i32;
        for (i, text) in self.wrap(note, self.tick).iter().enumerate() {
            let y = i as i32 * line + line / 2;
            area.draw(&Text::new(
                text.clone(),
                (w as i32 / 2, style::centre_y(y, self.tick)),
                style.clone(),
            ))?;
        }
        Ok(self.note_height(note))
    }

    /// Height of a figure's head: its title, then a legend across the canvas.
    pub fn head_height(&self, title: &str, legend: &[(String, RGBColor)]) -> i32 {
        self.title_height(title) + self.legend_height(legend, self.width as i32)
    }

    /// Fills the background and draws the title with a legend under it; returns the area below.
    pub fn draw_head<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        legend: &[(String, RGBColor)],
    ) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&BACKGROUND)?;
        let (w, _) = root.dim_in_pixel();
        let title_h = self.draw_title(root, title)?;
        let (_, body) = root.split_vertically(title_h);
        let (keys, below) = body.split_vertically(self.legend_height(legend, w as i32));
        self.draw_legend(&keys, legend)?;
        Ok(below)
    }

    /// Width of one legend entry: key line, gap, the widest label, gap to the next entry.
    fn legend_slot(&self, entries: &[(String, RGBColor)]) -> i32 {
        style::init_fonts();
        let font = (FONT, self.label).into_font();
        let widest = entries
            .iter()
            .map(|(l, _)| font.box_size(l).map_or(0, |(w, _)| w as i32))
            .max()
            .unwrap_or(0);
        self.key_length() + self.label as i32 / 2 + widest + self.label as i32
    }

    fn key_length(&self) -> i32 {
        self.label as i32 * 3 / 2
    }

    fn legend_columns(&self, entries: &[(String, RGBColor)], width: i32) -> usize {
        ((width / self.legend_slot(entries).max(1)) as usize).clamp(1, entries.len().max(1))
    }

    fn legend_row(&self) -> i32 {
        (self.label as f64 * 1.7).round() as i32
    }

    /// Height of a legend of `entries` laid out across `width` pixels.
    pub fn legend_height(&self, entries: &[(String, RGBColor)], width: i32) -> i32 {
        let rows = entries.len().div_ceil(self.legend_columns(entries, width));
        rows as i32 * self.legend_row() + self.label as i32 / 2
    }

    /// Draws a legend (a thick coloured line and a label per entry) in as many centred columns
    /// as fit across `area`, row by row.
    pub fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        entries: &[(String, RGBColor)],
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = area.dim_in_pixel();
        let cols = self.legend_columns(entries, w as i32);
        let slot = self.legend_slot(entries);
        let used = cols.min(entries.len()) as i32 * slot - self.label as i32;
        let start = (w as i32 - used) / 2;
        let font = (FONT, self.label)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, (label, colour)) in entries.iter().enumerate() {
            let x = start + (i % cols) as i32 * slot;
            let y = (i / cols) as i32 * self.legend_row() + self.legend_row() / 2;
            area.draw(&PathElement::new(
                vec![(x, y), (x + self.key_length(), y)],
                colour.stroke_width(6),
            ))?;
            area.draw(&Text::new(
                label.clone(),
                (
                    x + self.key_length() + self.label as i32 / 2,
                    style::centre_y(y, self.label),
                ),
                font.clone(),
            ))?;
        }
        Ok(())
    }
}

/// A title cut after each `: ` and `, ` (kept with the piece before), then into words.
fn pieces(title: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in title.split_inclusive(' ') {
        cur.push_str(word);
        if cur.ends_with(": ") || cur.ends_with(", ") || !title.contains([',', ':']) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_files_sit_next_to_the_wide_ones() {
        assert_eq!(
            PHONE.file_name("val_loss-step.png"),
            "val_loss-step.phone.png"
        );
        assert_eq!(
            PHONE.file_name("val_loss-time-0.5-5.svg"),
            "val_loss-time-0.5-5.phone.svg"
        );
        assert_eq!(WIDE.file_name("lambdas-x01.png"), "lambdas-x01.png");
    }

    #[test]
    fn the_phone_look_reads_at_nine_css_px_on_a_390_px_screen() {
        let css = PHONE.smallest_text() as f64 * PHONE_COLUMN / PHONE.width as f64;
        assert!(css >= 9.0, "{css}");
        // Just above the breakpoint the wide rendition is shown, across the text column.
        let column = PHONE_MAX_VIEWPORT as f64 + 1.0 - 2.0 * 1.1 * 16.0;
        let css = WIDE.smallest_text() as f64 * column / WIDE.width as f64;
        assert!(css >= 9.0, "{css}");
    }

    #[test]
    fn long_titles_wrap_at_commas_and_short_ones_stay_whole() {
        let t = "Lambdas × RMS of their input: x04, mean of 3 seeds, step 500";
        let lines = PHONE.title_lines(t);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.join(" "), t);
        assert_eq!(WIDE.title_lines(t), [t]);
        assert!(PHONE.title_height(t) > WIDE.title_lines(t).len() as i32 * PHONE.title as i32);
    }
}
