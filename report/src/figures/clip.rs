//! Cutting lines exactly at a window's edges. plotters clamps points outside the axis range to
//! the border instead of clipping them, which draws false flat lines; so before drawing, each
//! line is interpolated at the window's edges and everything outside is dropped.

/// The part of the polyline (xs increasing) inside [a, b], with points added exactly at `a`
/// and `b` where the line crosses them.
pub fn clip(xs: &[f64], ys: &[f64], a: f64, b: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for i in 0..xs.len().min(ys.len()) {
        if i > 0 {
            let (x0, y0, x1, y1) = (xs[i - 1], ys[i - 1], xs[i], ys[i]);
            let at = |x: f64| y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            if x0 < a && x1 > a {
                out.push((a, at(a)));
            }
            if x0 < b && x1 > b {
                out.push((b, at(b)));
            }
        }
        if (a..=b).contains(&xs[i]) {
            out.push((xs[i], ys[i]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn cuts_at_both_edges_and_drops_the_rest() {
        let xs = [0.0, 10.0, 20.0, 30.0];
        let ys = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(
            clip(&xs, &ys, 5.0, 25.0),
            vec![(5.0, 0.5), (10.0, 1.0), (20.0, 2.0), (25.0, 2.5)]
        );
    }

    #[test]
    fn a_window_inside_one_segment_gives_its_two_edges() {
        assert_eq!(
            clip(&[0.0, 10.0], &[0.0, 10.0], 2.0, 3.0),
            vec![(2.0, 2.0), (3.0, 3.0)]
        );
    }

    #[test]
    fn a_window_past_the_data_keeps_what_overlaps() {
        // Steps 5500-6000 of a 5960-step run: the line ends at the data's end, not the window's.
        assert_eq!(
            clip(
                &[5000.0, 5875.0, 5960.0],
                &[3.0, 2.92, 2.91],
                5500.0,
                6000.0
            )
            .last(),
            Some(&(5960.0, 2.91))
        );
        assert!(clip(&[0.0, 1.0], &[0.0, 1.0], 2.0, 3.0).is_empty());
    }
}
