//! The renditions every figure is drawn in, their text sizes, and the pieces of text every
//! kind shares: the title (wrapped to the width), notes, and legends whose keys show each
//! series' [`Cue`] (colour, dash, marker), across the top or in a corner of a chart that
//! [`Look::free_corner`] finds free of data.
//!
//! A figure is saved in three renditions (see [`super::draw_figure`]), each shown by the page on
//! its own range of viewport widths (`<picture>` media queries, [`Look::max_viewport`]):
//! [`PHONE`] up to 559 CSS px, [`TABLET`] up to 959 px and [`WIDE`] above (desktop screens and
//! print). Each look's text is sized so that, across the narrowest column it is shown in
//! ([`figure_width`], which mirrors templates/style.css), its smallest text is at least
//! [`MIN_CSS_PX`] CSS px: text px in the image / [`SIZE_PER_EM`] (plotters sizes text by ascent +
//! descent, CSS by the em) x displayed width / image width. Every kind draws from the [`Look`]
//! it is given, so a new kind gets all three renditions by drawing with it.

use super::series;
use super::style::{self, Cue, BACKGROUND, FONT, GRID, TEXT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    Wide,
    Tablet,
    Phone,
}

/// A rendition's canvas width and text sizes, in image pixels, and where the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub rendition: Rendition,
    pub width: u32,
    pub title: u32,
    pub label: u32,
    pub tick: u32,
    /// Numbers written inside a figure (heatmap cells).
    pub value: u32,
    /// The widest viewport (CSS px) the page shows this rendition on; `None`: any wider one.
    pub max_viewport: Option<u32>,
    /// The narrowest viewport it is shown on.
    pub min_viewport: u32,
}

/// Text is never shown smaller than this (CSS px, the em of the font).
pub const MIN_CSS_PX: f64 = 9.0;

/// plotters draws text of size s with an ascent + descent of s px; DejaVu Sans's ascent +
/// descent is 1.164 em ((1901 + 483) / 2048 font units), so its em is s / 1.164.
pub const SIZE_PER_EM: f64 = 1.1641;

/// A desktop browser's classic scrollbar takes this much of the viewport from the page.
pub const SCROLLBAR: f64 = 17.0;

/// Desktop screens and print: 1800 px shown 912-992 CSS px wide (smallest text 11.3 CSS px).
pub const WIDE: Look = Look {
    rendition: Rendition::Wide,
    width: 1800,
    title: 44,
    label: 36,
    tick: 30,
    value: 26,
    max_viewport: None,
    min_viewport: 960,
};

/// Tablets, phones held sideways, narrow windows: 1080 px shown 508-701 CSS px wide (smallest
/// text 9.7 CSS px).
pub const TABLET: Look = Look {
    rendition: Rendition::Tablet,
    width: 1080,
    title: 34,
    label: 29,
    tick: 26,
    value: 24,
    max_viewport: Some(959),
    min_viewport: 560,
};

/// Phones: 640 px shown 285-524 CSS px wide (smallest text 9.2 CSS px on a 320 px screen;
/// 1.2 to 2.2 image px per CSS px, a size that keeps the page under 500 KB on a phone).
pub const PHONE: Look = Look {
    rendition: Rendition::Phone,
    width: 640,
    title: 30,
    label: 27,
    tick: 25,
    value: 24,
    max_viewport: Some(559),
    min_viewport: 320,
};

/// Every rendition, wide first, then narrower and narrower.
pub const RENDITIONS: [Look; 3] = [WIDE, TABLET, PHONE];

/// Pages show the phone rendition on viewports up to this width (CSS px).
pub const PHONE_MAX_VIEWPORT: u32 = 559;

/// The width (CSS px) a figure is shown at on a 390 px screen.
pub const PHONE_COLUMN: f64 = 390.0 - 2.0 * 1.1 * 16.0;

/// The width (CSS px) the page gives a figure in a viewport `viewport` px wide of which
/// `scrollbar` px are a scrollbar (templates/style.css): the body's column, at most 46rem with
/// 1.1rem padding each side; from 60rem on, min(62rem, 100vw - 3rem), where 100vw counts the
/// scrollbar.
pub fn figure_width(viewport: f64, scrollbar: f64) -> f64 {
    if viewport >= 960.0 {
        (viewport - 48.0).min(992.0)
    } else {
        (viewport - scrollbar).min(736.0) - 2.0 * 1.1 * 16.0
    }
}

/// The rendition the page shows on a viewport `viewport` CSS px wide.
pub fn look_for(viewport: u32) -> Look {
    RENDITIONS
        .iter()
        .rev()
        .find(|l| l.max_viewport.is_none_or(|m| viewport <= m))
        .copied()
        .unwrap_or(WIDE)
}

/// One legend entry: a series' name and how it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub label: String,
    pub cue: Cue,
}

impl Key {
    pub fn new(label: impl Into<String>, cue: Cue) -> Key {
        Key {
            label: label.into(),
            cue,
        }
    }
}

/// A rectangle in canvas pixels: left, top, right, bottom.
pub type Rect = (i32, i32, i32, i32);

/// The four corners a legend may take inside a chart, in the order they are preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

impl Look {
    pub fn is_phone(&self) -> bool {
        self.rendition == Rendition::Phone
    }

    /// Phone or tablet: a canvas whose text is large beside it, so layouts turn or stack
    /// (heatmaps with layers down, one panel per row, legends under charts more often).
    pub fn is_narrow(&self) -> bool {
        self.rendition != Rendition::Wide
    }

    /// The smallest text this look draws, in image pixels (plotters' size).
    pub fn smallest_text(&self) -> u32 {
        self.title.min(self.label).min(self.tick).min(self.value)
    }

    /// The CSS px (em) the smallest text has when the image is shown `shown` CSS px wide.
    pub fn smallest_css(&self, shown: f64) -> f64 {
        self.smallest_text() as f64 / SIZE_PER_EM * shown / self.width as f64
    }

    /// The media query of the page's `<source>` for this look (`None` for the widest).
    pub fn media(&self) -> Option<String> {
        self.max_viewport.map(|m| format!("(max-width: {m}px)"))
    }

    /// The file this rendition of figure `name` is saved as: the wide one under the name
    /// itself, the others with `.phone` or `.tablet` before the extension
    /// (`val_loss-step.phone.png`).
    pub fn file_name(&self, name: &str) -> String {
        let tag = match self.rendition {
            Rendition::Wide => return name.to_owned(),
            Rendition::Tablet => "tablet",
            Rendition::Phone => "phone",
        };
        match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{tag}.{ext}"),
            None => format!("{name}.{tag}"),
        }
    }

    /// Room (px) a chart needs past its plotting area for `label` centred on its edge (the last
    /// x tick label), so no glyph reaches the canvas' border.
    pub fn edge_room(&self, label: &str) -> i32 {
        style::init_fonts();
        let font = (FONT, self.tick).into_font();
        let w = font.box_size(label).map_or(0, |(w, _)| w as i32);
        w / 2 + self.tick as i32 / 2
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
    pub fn head_height(&self, title: &str, legend: &[Key]) -> i32 {
        self.title_height(title) + self.legend_height(legend, self.width as i32)
    }

    /// Fills the background and draws the title with a legend under it; returns the area below.
    pub fn draw_head<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        title: &str,
        legend: &[Key],
    ) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&BACKGROUND)?;
        let (w, _) = root.dim_in_pixel();
        let title_h = self.draw_title(root, title)?;
        let (_, body) = root.split_vertically(title_h);
        let (keys, below) = body.split_vertically(self.legend_height(legend, w as i32));
        self.draw_legend(&keys, legend)?;
        Ok(below)
    }

    fn widest_label(&self, entries: &[Key]) -> i32 {
        style::init_fonts();
        let font = (FONT, self.label).into_font();
        entries
            .iter()
            .map(|k| font.box_size(&k.label).map_or(0, |(w, _)| w as i32))
            .max()
            .unwrap_or(0)
    }

    /// Width of one legend entry: key, gap, the widest label, gap to the next entry.
    fn legend_slot(&self, entries: &[Key]) -> i32 {
        self.key_length() + self.label as i32 / 2 + self.widest_label(entries) + self.label as i32
    }

    /// A key is long enough to show two periods of any dash pattern.
    fn key_length(&self) -> i32 {
        self.label as i32 * 5 / 2
    }

    /// The thickness of series lines (and of their keys) in this look.
    pub fn line_width(&self) -> u32 {
        (self.tick / 7).max(3)
    }

    /// The radius of series markers in this look.
    pub fn marker_radius(&self) -> i32 {
        (self.tick as i32 * 3 / 10).max(6)
    }

    fn legend_columns(&self, entries: &[Key], width: i32) -> usize {
        ((width / self.legend_slot(entries).max(1)) as usize).clamp(1, entries.len().max(1))
    }

    fn legend_row(&self) -> i32 {
        (self.label as f64 * 1.7).round() as i32
    }

    /// Height of a legend of `entries` laid out across `width` pixels.
    pub fn legend_height(&self, entries: &[Key], width: i32) -> i32 {
        let rows = entries.len().div_ceil(self.legend_columns(entries, width));
        rows as i32 * self.legend_row() + self.label as i32 / 2
    }

    /// Draws one key: a short line in the cue's dash pattern with its marker in the middle.
    fn draw_key<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (x, y): (i32, i32),
        cue: &Cue,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let width = self.line_width() + 1;
        let len = self.key_length() as f64;
        let mut at = 0.0;
        let pattern = cue.dash.pattern();
        let mut k = 0;
        while at < len {
            let on = pattern
                .get(k % pattern.len().max(1))
                .map_or(len, |m| m * width as f64);
            let end = (at + on).min(len);
            area.draw(&PathElement::new(
                vec![(x + at as i32, y), (x + end as i32, y)],
                cue.colour.stroke_width(width),
            ))?;
            let off = pattern
                .get(k % pattern.len().max(1) + 1)
                .map_or(0.0, |m| m * width as f64);
            at = end + off;
            k += 2;
        }
        series::marker(
            area,
            (x + self.key_length() / 2, y),
            cue.marker,
            self.marker_radius(),
            cue.colour,
            BACKGROUND,
        )
    }

    /// Draws a legend (each entry's key and label) in as many centred columns as fit across
    /// `area`, row by row.
    pub fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        entries: &[Key],
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = area.dim_in_pixel();
        let cols = self.legend_columns(entries, w as i32);
        let slot = self.legend_slot(entries);
        let used = cols.min(entries.len()) as i32 * slot - self.label as i32;
        let start = (w as i32 - used) / 2;
        for (i, key) in entries.iter().enumerate() {
            let x = start + (i % cols) as i32 * slot;
            let y = (i / cols) as i32 * self.legend_row() + self.legend_row() / 2;
            self.draw_entry(area, (x, y), key)?;
        }
        Ok(())
    }

    fn draw_entry<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (x, y): (i32, i32),
        key: &Key,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let font = (FONT, self.label)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Center));
        self.draw_key(area, (x, y), &key.cue)?;
        area.draw(&Text::new(
            key.label.clone(),
            (
                x + self.key_length() + self.label as i32 / 2,
                style::centre_y(y, self.label),
            ),
            font,
        ))
    }

    /// Width and height of a legend box: one entry per row, with padding.
    pub fn legend_box(&self, entries: &[Key]) -> (i32, i32) {
        let pad = self.label as i32 / 2;
        let w = 2 * pad + self.key_length() + self.label as i32 / 2 + self.widest_label(entries);
        let h = 2 * pad + entries.len() as i32 * self.legend_row() - self.label as i32 / 3;
        (w, h)
    }

    /// The legend box's rectangle in `corner` of the plotting area `plot`.
    pub fn legend_rect(&self, plot: Rect, corner: Corner, entries: &[Key]) -> Rect {
        let (w, h) = self.legend_box(entries);
        let inset = self.label as i32 / 2;
        let (l, t, r, b) = plot;
        let x = match corner {
            Corner::UpperLeft | Corner::LowerLeft => l + inset,
            Corner::UpperRight | Corner::LowerRight => r - inset - w,
        };
        let y = match corner {
            Corner::UpperLeft | Corner::UpperRight => t + inset,
            Corner::LowerLeft | Corner::LowerRight => b - inset - h,
        };
        (x, y, x + w, y + h)
    }

    /// The corner of the plotting area `plot` where a legend box covers none of `ink` (pixels
    /// the chart draws on: lines sampled along their length, markers, band edges); among free
    /// corners the first of [`Corner`]'s order. `None` when every corner covers some ink: the
    /// legend then goes outside the chart. A margin of half a line of text counts as covered.
    pub fn free_corner(&self, plot: Rect, entries: &[Key], ink: &[(i32, i32)]) -> Option<Corner> {
        let margin = self.label as i32 / 2;
        let covered = |c: Corner| {
            let (l, t, r, b) = self.legend_rect(plot, c, entries);
            ink.iter()
                .filter(|p| {
                    p.0 >= l - margin && p.0 <= r + margin && p.1 >= t - margin && p.1 <= b + margin
                })
                .count()
        };
        let (w, h) = self.legend_box(entries);
        if w > (plot.2 - plot.0) || h > (plot.3 - plot.1) {
            return None;
        }
        [
            Corner::UpperRight,
            Corner::UpperLeft,
            Corner::LowerRight,
            Corner::LowerLeft,
        ]
        .into_iter()
        .map(|c| (covered(c), c))
        .min_by_key(|(n, _)| *n)
        .filter(|(n, _)| *n == 0)
        .map(|(_, c)| c)
    }

    /// Draws the legend box at `rect`: a light background, a border, one entry per row.
    pub fn draw_legend_box<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rect: Rect,
        entries: &[Key],
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (l, t, r, b) = rect;
        root.draw(&Rectangle::new([(l, t), (r, b)], BACKGROUND.filled()))?;
        root.draw(&Rectangle::new([(l, t), (r, b)], GRID.stroke_width(2)))?;
        let pad = self.label as i32 / 2;
        for (i, key) in entries.iter().enumerate() {
            let y = t + pad + i as i32 * self.legend_row() + self.legend_row() / 2
                - self.label as i32 / 6;
            self.draw_entry(root, (l + pad, y), key)?;
        }
        Ok(())
    }
}

/// Points every `step` px along the polyline `px` (pixels), its corners included: what a line
/// covers, for [`Look::free_corner`].
pub fn sample(px: &[(i32, i32)], step: f64) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = px.first().copied().into_iter().collect();
    for w in px.windows(2) {
        let (dx, dy) = ((w[1].0 - w[0].0) as f64, (w[1].1 - w[0].1) as f64);
        let n = (dx.hypot(dy) / step).ceil().max(1.0) as i32;
        for k in 1..=n {
            let t = k as f64 / n as f64;
            out.push((
                w[0].0 + (dx * t).round() as i32,
                w[0].1 + (dy * t).round() as i32,
            ));
        }
    }
    out
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
    fn narrower_renditions_sit_next_to_the_wide_one() {
        assert_eq!(
            PHONE.file_name("val_loss-step.png"),
            "val_loss-step.phone.png"
        );
        assert_eq!(
            TABLET.file_name("val_loss-time-0.5-5.svg"),
            "val_loss-time-0.5-5.tablet.svg"
        );
        assert_eq!(WIDE.file_name("lambdas-x01.png"), "lambdas-x01.png");
    }

    /// The smallest text of the rendition the page shows, at every viewport from 320 to 1600
    /// CSS px: font px / em ratio x displayed width / image width. From the tablet's range on
    /// also with a desktop's classic scrollbar (phones overlay theirs on the page).
    #[test]
    fn figure_text_is_never_below_nine_css_px_from_320_to_1600_px() {
        for viewport in 320..=1600u32 {
            let look = look_for(viewport);
            assert!(look.min_viewport <= viewport, "{viewport}: {look:?}");
            let bars: &[f64] = if viewport >= TABLET.min_viewport {
                &[0.0, SCROLLBAR]
            } else {
                &[0.0]
            };
            for &scrollbar in bars {
                let shown = figure_width(viewport as f64, scrollbar);
                let css = look.smallest_css(shown);
                assert!(
                    css >= MIN_CSS_PX,
                    "{viewport} px ({scrollbar} px scrollbar): {:?} shown {shown} px wide, \
                     smallest text {css:.2} CSS px",
                    look.rendition
                );
                // Never shown wider than it is drawn (the page would upscale it).
                assert!(shown <= look.width as f64, "{viewport}: {look:?}");
            }
        }
        assert_eq!(look_for(390).rendition, Rendition::Phone);
        assert_eq!(look_for(768).rendition, Rendition::Tablet);
        assert_eq!(look_for(1280).rendition, Rendition::Wide);
        // At 768 px: the tablet rendition, 700.8 CSS px wide, 24 px text: 13.4 CSS px.
        assert!((TABLET.smallest_css(figure_width(768.0, 0.0)) - 13.38).abs() < 0.01);
    }

    /// [`SIZE_PER_EM`] as drawn: a digit of DejaVu Sans is 0.73 em high (1493 of 2048 units,
    /// plus anti-aliasing), so at a plotters size of 116 px (an em of 100 px) its ink is ~73 px.
    #[test]
    fn plotters_text_size_is_ascent_plus_descent() {
        style::init_fonts();
        let (w, h) = (200u32, 200u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            let size = (100.0 * SIZE_PER_EM).round();
            root.draw(&Text::new(
                "0",
                (50, 20),
                (FONT, size).into_font().color(&BLACK),
            ))
            .unwrap();
            root.present().unwrap();
        }
        let rows: Vec<u32> = (0..h)
            .filter(|y| (0..w).any(|x| rgb[((y * w + x) * 3) as usize] < 128))
            .collect();
        let ink = rows.last().unwrap() - rows.first().unwrap() + 1;
        assert!(
            (71..=76).contains(&ink),
            "a digit 100 px to the em is {ink} px high"
        );
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
