//! Axis ranges plotters can tick. Its tick search (`key_points`) never ends on a range that is
//! infinite or NaN (a loss of 1e200 once made a ± std band infinite, and `report build` spun
//! forever), so every y range a figure draws passes through [`padded`], and a range it cannot
//! give is refused with the file and line of the value that made it.

/// `lo..hi` widened by `frac` of its width on each side (at least `min_pad`, and at least a
/// billionth of the values' magnitude, so a flat line at 1e200 still has a width); `None` when
/// the result is not a finite, non-empty range.
pub fn padded(lo: f64, hi: f64, frac: f64, min_pad: f64) -> Option<(f64, f64)> {
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return None;
    }
    let magnitude = lo.abs().max(hi.abs());
    let pad = ((hi - lo) * frac).max(min_pad).max(magnitude * 1e-9);
    let (a, b) = (lo - pad, hi + pad);
    (a.is_finite() && b.is_finite() && b > a).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::padded;
    use plotters::coord::ranged1d::Ranged;
    use plotters::coord::types::RangedCoordf64;

    #[test]
    fn every_range_it_gives_can_be_ticked() {
        for (lo, hi) in [
            (2.9, 3.1),
            (1e200, 1e200),
            (3.0, 1e200),
            (-1e300, 1e300),
            (0.0, 1e-300),
            (1e16, 1e16 + 4.0),
        ] {
            let (a, b) = padded(lo, hi, 0.06, 1e-6).unwrap();
            assert!(b > a, "{lo}..{hi}");
            let ticks = RangedCoordf64::from(a..b).key_points(8);
            assert!(
                !ticks.is_empty() && ticks.len() <= 8,
                "{lo}..{hi}: {ticks:?}"
            );
        }
        assert_eq!(padded(0.0, f64::MAX, 0.06, 1e-6), None);
        assert_eq!(padded(f64::NEG_INFINITY, 0.0, 0.06, 1e-6), None);
        assert_eq!(padded(1.0, f64::NAN, 0.06, 1e-6), None);
    }
}
