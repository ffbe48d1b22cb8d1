//! Drawing one series of a line chart in its [`Cue`]: the line in its dash pattern, its
//! markers, its ± std band (a light fill under thin edges, so overlapping bands stay legible and
//! the mean lines drawn after them stay on top), and markers moved apart where they would
//! collide ([`spread`]). Every line chart draws its series through here, so a new kind of figure
//! gets the colour-blind cues by calling [`line`], [`band`] and [`marker`].

use super::style::{Cue, Marker, BACKGROUND};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::CoordTranslate;
use plotters::prelude::*;

/// A chart with f64 axes, as every line chart here builds it.
pub type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

type Fail<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

/// The pieces of `points` (data coordinates) that the dash pattern draws, `width` px thick:
/// the pattern runs along the line's length on screen, so dashes look alike at any slope.
pub fn dashes<DB: DrawingBackend>(
    chart: &Chart<DB>,
    points: &[(f64, f64)],
    pattern: &[f64],
    width: u32,
) -> Vec<Vec<(f64, f64)>> {
    if pattern.is_empty() || points.len() < 2 {
        return vec![points.to_vec()];
    }
    let lengths: Vec<f64> = pattern.iter().map(|m| m * width as f64).collect();
    let (mut k, mut left, mut on) = (0, lengths[0], true);
    let mut pieces = Vec::new();
    let mut cur = vec![points[0]];
    for w in points.windows(2) {
        let (a, b) = (chart.backend_coord(&w[0]), chart.backend_coord(&w[1]));
        let len = ((b.0 - a.0) as f64).hypot((b.1 - a.1) as f64);
        let at = |t: f64| {
            (
                w[0].0 + (w[1].0 - w[0].0) * t,
                w[0].1 + (w[1].1 - w[0].1) * t,
            )
        };
        let mut done = 0.0;
        while len - done > left {
            done += left;
            let p = at(done / len);
            if on {
                cur.push(p);
                pieces.push(std::mem::take(&mut cur));
            } else {
                cur = vec![p];
            }
            on = !on;
            k = (k + 1) % lengths.len();
            left = lengths[k];
        }
        left -= len - done;
        if on {
            cur.push(w[1]);
        }
    }
    if on && cur.len() > 1 {
        pieces.push(cur);
    }
    pieces
}

/// Draws `points` as a line in the cue's colour and dash pattern, `width` px thick.
pub fn line<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    points: &[(f64, f64)],
    cue: &Cue,
    width: u32,
) -> Result<(), Fail<DB>> {
    for piece in dashes(chart, points, cue.dash.pattern(), width) {
        chart.draw_series(std::iter::once(PathElement::new(
            piece,
            cue.colour.stroke_width(width),
        )))?;
    }
    Ok(())
}

/// A ± std band: its upper and lower edges over the same x values.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub upper: Vec<(f64, f64)>,
    pub lower: Vec<(f64, f64)>,
}

/// Draws a band as a light fill bounded by thin edges in the cue's colour: five overlapping
/// bands still show each edge, where stacked translucent fills merge into one brown area.
pub fn band<DB: DrawingBackend>(
    chart: &mut Chart<DB>,
    band: &Band,
    cue: &Cue,
    edge: u32,
) -> Result<(), Fail<DB>> {
    let outline: Vec<(f64, f64)> = band
        .upper
        .iter()
        .chain(band.lower.iter().rev())
        .copied()
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        cue.colour.mix(0.07).filled(),
    )))?;
    for e in [&band.upper, &band.lower] {
        chart.draw_series(std::iter::once(PathElement::new(
            e.clone(),
            cue.colour.mix(0.6).stroke_width(edge),
        )))?;
    }
    Ok(())
}

/// The corners of `marker` of radius `r` around (0, 0), in pixels.
fn outline(marker: Marker, r: i32) -> Vec<(i32, i32)> {
    let polygon = |n: usize, turn: f64, scale: f64| -> Vec<(i32, i32)> {
        (0..n)
            .map(|i| {
                let a = turn + i as f64 * std::f64::consts::TAU / n as f64;
                let d = r as f64 * scale;
                ((d * a.sin()).round() as i32, (-d * a.cos()).round() as i32)
            })
            .collect()
    };
    match marker {
        Marker::Circle => polygon(20, 0.0, 1.0),
        Marker::Square => polygon(4, std::f64::consts::FRAC_PI_4, 1.2),
        Marker::Diamond => polygon(4, 0.0, 1.3),
        Marker::Triangle => polygon(3, 0.0, 1.35),
        Marker::InvertedTriangle => polygon(3, std::f64::consts::PI, 1.35),
        Marker::Pentagon => polygon(5, 0.0, 1.15),
    }
}

/// Draws `marker` of radius `r` px at `at` (in the area's coordinates), filled with `fill` and
/// edged with `edge` (an edge in the background colour keeps it apart from the lines under it).
pub fn marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    r: i32,
    fill: RGBColor,
    edge: RGBColor,
) -> Result<(), Fail<DB>>
where
    CT::From: Clone + 'static,
{
    let corners = outline(marker, r);
    let mut closed = corners.clone();
    closed.push(corners[0]);
    let width = (r / 4).max(2) as u32;
    area.draw(
        &(EmptyElement::at(at)
            + Polygon::new(corners, fill.filled())
            + PathElement::new(closed, edge.stroke_width(width))),
    )
}

/// A hollow marker: the background inside, the colour as a thick edge.
pub fn hollow_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    m: Marker,
    r: i32,
    colour: RGBColor,
) -> Result<(), Fail<DB>>
where
    CT::From: Clone + 'static,
{
    let corners = outline(m, r);
    let mut closed = corners.clone();
    closed.push(corners[0]);
    area.draw(
        &(EmptyElement::at(at)
            + Polygon::new(corners, BACKGROUND.filled())
            + PathElement::new(closed, colour.stroke_width((r / 3).max(3) as u32))),
    )
}

/// Moves markers (pixel centres) apart vertically until no two closer than `gap` overlap,
/// each staying within `top..=bottom`; returns the new centres in the same order. Markers at
/// the same place spread evenly around it, so none hides another.
pub fn spread(at: &[(i32, i32)], gap: i32, top: i32, bottom: i32) -> Vec<(i32, i32)> {
    let mut ys: Vec<f64> = at.iter().map(|p| p.1 as f64).collect();
    let near = |i: usize, j: usize| (at[i].0 - at[j].0).abs() < gap;
    for _ in 0..200 {
        let mut moved = false;
        for i in 0..at.len() {
            for j in i + 1..at.len() {
                let d = ys[j] - ys[i];
                if !near(i, j) || d.abs() >= gap as f64 - 0.01 {
                    continue;
                }
                // Ties split by order, so the result never depends on float noise.
                let dir = if d > 0.0 || (d == 0.0 && at[j].1 >= at[i].1) {
                    1.0
                } else {
                    -1.0
                };
                let push = (gap as f64 - d.abs()) / 2.0 + 0.01;
                ys[i] -= dir * push;
                ys[j] += dir * push;
                moved = true;
            }
        }
        for y in &mut ys {
            *y = y.clamp(top as f64, bottom as f64);
        }
        if !moved {
            break;
        }
    }
    at.iter()
        .zip(ys)
        .map(|(p, y)| (p.0, y.round() as i32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_at_one_place_spread_and_stay_in_bounds() {
        let at = [(100, 50), (102, 51), (104, 50), (400, 50)];
        let out = spread(&at, 20, 0, 200);
        for i in 0..3 {
            for j in i + 1..3 {
                assert!((out[i].1 - out[j].1).abs() >= 19, "{out:?}");
            }
        }
        // One far away along x is left where it is.
        assert_eq!(out[3], (400, 50));
        let out = spread(&[(0, 0), (0, 0)], 20, 0, 200);
        assert!(out.iter().all(|p| (0..=200).contains(&p.1)), "{out:?}");
        assert!((out[0].1 - out[1].1).abs() >= 19, "{out:?}");
    }

    #[test]
    fn every_marker_is_a_closed_shape_of_its_own() {
        let shapes = [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
            Marker::InvertedTriangle,
            Marker::Pentagon,
        ];
        let outlines: Vec<_> = shapes.iter().map(|m| outline(*m, 10)).collect();
        for (i, a) in outlines.iter().enumerate() {
            assert!(a.len() >= 3);
            assert!(outlines[i + 1..].iter().all(|b| b != a));
        }
    }
}
