//! Look of every figure that does not depend on the rendition: font, colours, colour scales,
//! tick decimals. Sizes per rendition are in `look.rs`, file encoding in `encode.rs`.
//!
//! Text uses DejaVu Sans from the `dejavu` crate, registered once with plotters' ab_glyph
//! backend, so no system font library is needed and every machine draws the same pixels.

use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

pub const FONT: &str = "sans-serif";

/// Opaque light background, so figures stay readable on a dark page.
pub const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
pub const TEXT: RGBColor = RGBColor(30, 30, 30);
pub const GRID: RGBColor = RGBColor(225, 225, 225);

static FONT_ONCE: Once = Once::new();

/// Registers DejaVu Sans (regular and bold) as plotters' `sans-serif`.
pub fn init_fonts() {
    FONT_ONCE.call_once(|| {
        // The font bytes ship inside the binary; a failure here is a build defect, not input.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Okabe–Ito colours (colour-blind safe), baseline in black; variant xNN always gets entry NN,
/// so a variant has the same colour in every figure.
const VARIANT_COLOURS: [RGBColor; 8] = [
    RGBColor(0, 0, 0),       // x00 baseline: black
    RGBColor(230, 159, 0),   // x01 orange
    RGBColor(86, 180, 233),  // x02 sky blue
    RGBColor(0, 158, 115),   // x03 bluish green
    RGBColor(213, 94, 0),    // x04 vermillion
    RGBColor(0, 114, 178),   // x05 blue
    RGBColor(204, 121, 167), // x06 reddish purple
    RGBColor(120, 120, 120), // x07 grey
];

/// A line's dash pattern: lengths of dash, gap, dash, gap, ... in multiples of its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Long,
    Short,
    DashDot,
    Dotted,
    LongShort,
}

impl Dash {
    pub fn pattern(self) -> &'static [f64] {
        match self {
            Dash::Solid => &[],
            Dash::Long => &[5.0, 2.5],
            Dash::Short => &[2.0, 1.6],
            Dash::DashDot => &[4.5, 1.5, 0.9, 1.5],
            Dash::Dotted => &[0.9, 1.3],
            Dash::LongShort => &[5.0, 1.5, 2.0, 1.5],
        }
    }
}

/// The shape that marks a line's points, its end and its legend key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    InvertedTriangle,
    Pentagon,
}

/// How one series (a variant, a lambda component) is told apart from the others: its colour
/// and, for readers who cannot tell the colours apart or print in grey, a dash pattern and a
/// marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub colour: RGBColor,
    pub dash: Dash,
    pub marker: Marker,
}

const DASHES: [Dash; 6] = [
    Dash::Solid,
    Dash::Long,
    Dash::Short,
    Dash::DashDot,
    Dash::Dotted,
    Dash::LongShort,
];
const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::InvertedTriangle,
    Marker::Pentagon,
];

/// The cue of series number `i`: colour, dash and marker each cycle through their lists, so
/// two series share all three only 24 apart.
fn cue_at(i: usize) -> Cue {
    Cue {
        colour: VARIANT_COLOURS[i % VARIANT_COLOURS.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

/// The cue of a variant, fixed by its number (unknown names by their position), so a variant
/// looks the same in every figure.
pub fn variant_cue(variant: &str, position: usize) -> Cue {
    cue_at(runlog::Variant::parse(variant).map_or(position, |v| v.extra_embeddings() as usize))
}

/// The colour of a variant (see [`variant_cue`]).
pub fn variant_colour(variant: &str, position: usize) -> RGBColor {
    variant_cue(variant, position).colour
}

/// The cue of a lambda component in line plots: `xNN` as variant xNN (the embedding that
/// variant adds), `x` (the residual stream) grey, solid, with square markers.
pub fn component_cue(component: &str) -> Cue {
    if component == crate::stats::SUM0 {
        // λx + λ00 at layer 0: one marker of its own, apart from every component's cue.
        return Cue {
            colour: RGBColor(90, 90, 90),
            dash: Dash::Solid,
            marker: Marker::Diamond,
        };
    }
    match runlog::Variant::parse(component) {
        Ok(v) => cue_at(v.extra_embeddings() as usize),
        Err(_) => Cue {
            colour: RGBColor(120, 120, 120),
            dash: Dash::Solid,
            marker: Marker::Square,
        },
    }
}

pub fn component_colour(component: &str) -> RGBColor {
    component_cue(component).colour
}

/// Diverging colour scale centred on zero (ColorBrewer RdBu, 11 classes, reversed so that
/// positive is red): `t` in [-1, 1], clamped; 0 is near-white.
pub fn diverging(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 11] = [
        (5, 48, 97),
        (33, 102, 172),
        (67, 147, 195),
        (146, 197, 222),
        (209, 229, 240),
        (247, 247, 247),
        (253, 219, 199),
        (244, 165, 130),
        (214, 96, 77),
        (178, 24, 43),
        (103, 0, 31),
    ];
    let t = if t.is_finite() {
        t.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let pos = (t + 1.0) / 2.0 * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `bg` (relative luminance threshold).
pub fn text_on(bg: RGBColor) -> RGBColor {
    let l = 0.2126 * bg.0 as f64 + 0.7152 * bg.1 as f64 + 0.0722 * bg.2 as f64;
    if l > 140.0 {
        TEXT
    } else {
        RGBColor(255, 255, 255)
    }
}

/// The longest label a figure prints plainly: past it, a number is written `1.5e200`.
pub const PLAIN_LABEL: usize = 10;

/// `v` with `decimals` decimals, or in scientific notation with at most three significant
/// digits where that would take more than [`PLAIN_LABEL`] characters: a loss of 1e200 once
/// drew tick labels of 200 digits, and a figure never prints a label no one can read.
pub fn number(v: f64, decimals: usize) -> String {
    let mut plain = format!("{v:.decimals$}");
    // A tick a rounding error below zero reads `-0.0`: write it as zero.
    if plain.starts_with('-') && plain[1..].chars().all(|c| c == '0' || c == '.') {
        plain.remove(0);
    }
    if plain.len() <= PLAIN_LABEL || !v.is_finite() {
        return plain;
    }
    let sci = format!("{v:.2e}");
    match sci.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            let m = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{m}e{exp}")
        }
        _ => sci,
    }
}

/// Decimals for the tick labels plotters puts on an axis from `lo` to `hi` with at most
/// `ticks` labels: the fewest that write every tick exactly (0, 2, 4 or 2.915, 2.920).
pub fn decimals_for(lo: f64, hi: f64, ticks: usize) -> usize {
    use plotters::coord::ranged1d::Ranged;
    use plotters::coord::types::RangedCoordf64;
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return 2;
    }
    let points = RangedCoordf64::from(lo..hi).key_points(ticks);
    (0..=6)
        .find(|&d| {
            let scale = 10f64.powi(d as i32);
            points.iter().all(|v| {
                let q = v * scale;
                (q - q.round()).abs() < 1e-6 * scale.max(1.0)
            })
        })
        .unwrap_or(6)
}

/// The anchor y that puts text of `size` px visually centred on `y`. plotters' ab_glyph
/// backend puts the baseline 0.1 em below a centre anchor, so capitals sit 0.27 em high.
pub fn centre_y(y: i32, size: u32) -> i32 {
    y + (0.27 * size as f64).round() as i32
}

/// The smallest "nice" half-range (1, 2, 2.5, 3, 4, 5 x 10^k, doubled) covering `limit`, so a
/// colour bar's ticks at ±limit and ±limit/2 read as round numbers.
pub fn nice_limit(limit: f64) -> f64 {
    if !(limit.is_finite() && limit > 0.0) {
        return 1.0;
    }
    let half = limit / 2.0;
    let mag = 10f64.powf(half.log10().floor());
    let step = [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= half * (1.0 - 1e-12))
        .unwrap_or(10.0 * mag);
    2.0 * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_is_short_and_says_its_value() {
        assert_eq!(number(2.915, 3), "2.915");
        assert_eq!(number(5960.0, 0), "5960");
        assert_eq!(number(1e200, 0), "1e200");
        assert_eq!(number(1.5e200, 2), "1.5e200");
        assert_eq!(number(-2.25e17, 0), "-2.25e17");
        // The ticks of a loss axis from 3 to 1e200, as the val-loss figure labels them.
        let (lo, hi) = crate::figures::range::padded(3.0, 1e200, 0.06, 1e-6).unwrap();
        let d = decimals_for(lo, hi, 8);
        use plotters::coord::ranged1d::Ranged;
        let ticks = plotters::coord::types::RangedCoordf64::from(lo..hi).key_points(8);
        assert!(!ticks.is_empty());
        for t in ticks {
            let label = number(t, d);
            assert!(label.len() <= PLAIN_LABEL, "{t}: {label}");
        }
        for k in -300..=300 {
            for sign in [1.0, -1.0] {
                let v = sign * 1.2345 * 10f64.powi(k);
                for d in 0..=6 {
                    let label = number(v, d);
                    assert!(label.len() <= PLAIN_LABEL, "{v} ({d}): {label}");
                    let back: f64 = label.parse().unwrap();
                    // Plain labels round to their decimals; scientific ones to 3 digits.
                    let tolerance = (0.5 * 10f64.powi(-(d as i32))).max(v.abs() * 0.005);
                    assert!((back - v).abs() <= tolerance, "{v} ({d}): {label}");
                }
            }
        }
    }
}
