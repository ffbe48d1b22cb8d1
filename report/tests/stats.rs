//! Statistics on numbers worked out by hand or by an independent computation.

mod common;

use report::stats::{
    below_threshold, difference, interp, mean_curve, power, tost, welch, Axis, Summary,
};
use runlog::Run;

#[test]
fn summary_uses_the_sample_std_and_says_n_1() {
    let s = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!((s.n, s.mean, s.min, s.max), (5, 3.0, 1.0, 5.0));
    assert!((s.std.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
    let one = Summary::of(&[2.9158]).unwrap();
    assert_eq!(one.std, None);
    assert_eq!(one.display(4), "2.9158 (n=1)");
    assert!(Summary::of(&[]).is_none());
}

#[test]
fn welch_matches_an_independent_computation() {
    // Reference: t, Welch–Satterthwaite df, and p by numerically integrating the t density
    // (Python, no statrs): t = -1.8973665961, df = 5.8823529412, p = 0.1075311949.
    let a = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let b = Summary::of(&[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
    let t = welch(&a, &b).unwrap();
    assert!((t.t + 1.8973665961).abs() < 1e-9, "{t:?}");
    assert!((t.df - 5.8823529412).abs() < 1e-9, "{t:?}");
    assert!((t.p - 0.1075311949).abs() < 1e-6, "{t:?}");
    // n = 1 on either side: no test.
    assert!(welch(&a, &Summary::of(&[3.0]).unwrap()).is_none());
}

#[test]
fn interpolation_is_linear_and_never_extrapolates() {
    let (xs, ys) = ([0.0, 10.0, 20.0], [4.0, 2.0, 1.0]);
    assert_eq!(interp(&xs, &ys, 5.0), Some(3.0));
    assert_eq!(interp(&xs, &ys, 20.0), Some(1.0));
    assert_eq!(interp(&xs, &ys, 0.0), Some(4.0));
    assert_eq!(interp(&xs, &ys, 20.5), None);
    assert_eq!(interp(&xs, &ys, -1.0), None);
}

fn run_at(times_ms: &[f64], losses: &[f64]) -> Run {
    let metrics = times_ms
        .iter()
        .zip(losses)
        .enumerate()
        .map(|(i, (t, l))| runlog::Metrics::new(i as u64 * 100, *t, *l))
        .collect();
    Run::new(
        std::path::Path::new("r"),
        common::info("e", "x00", 0),
        metrics,
        None,
    )
}

#[test]
fn seeds_average_on_a_grid_inside_the_range_all_cover() {
    // Seed a evaluates at 0, 10, 20 s; seed b at 1, 11, 25 s.
    let a = run_at(&[0.0, 10_000.0, 20_000.0], &[4.0, 2.0, 1.0]);
    let b = run_at(&[1_000.0, 11_000.0, 25_000.0], &[5.0, 3.0, 1.0]);
    let m = mean_curve(&[&a, &b], Axis::Time).unwrap();
    assert_eq!(m.x, [1.0, 10.0, 11.0, 20.0]);
    // At 10 s: a = 2, b = 5 + (3 - 5) * 9/10 = 3.2.
    assert!((m.mean[1] - 2.6).abs() < 1e-12);
    let sd = m.std.as_ref().unwrap()[1];
    assert!((sd - (2.0f64 * 0.6 * 0.6).sqrt()).abs() < 1e-12);
    // By step both cover 0..200 at the same steps.
    let s = mean_curve(&[&a, &b], Axis::Step).unwrap();
    assert_eq!(s.x, [0.0, 100.0, 200.0]);
    // One run: its own curve, no band.
    let one = mean_curve(&[&a], Axis::Time).unwrap();
    assert_eq!((one.n, one.std.is_none()), (1, true));
}

/// A summary with this n, mean and std (the statistics only read these).
fn stat(n: usize, mean: f64, std: f64) -> Summary {
    Summary {
        n,
        mean,
        std: Some(std),
        min: mean,
        max: mean,
    }
}

#[test]
fn the_minimum_detectable_difference_matches_an_independent_computation() {
    // Reference: the MDE solved with scipy 1.17.1 (brentq on the two-sided power from the
    // noncentral t, its CDF integrated with quad), and Bloom's (t_{0.975,df} + t_{0.8,df}) SE.
    for (sa, na, sb, nb, want, bloom) in [
        (0.02, 3, 0.015, 3, 0.05582303576265967, 0.05505057174990989),
        (
            0.00095,
            5,
            0.00035,
            2,
            0.0017358315500421932,
            0.0017235598539838766,
        ),
        (1.0, 5, 1.0, 5, 2.0244393393845423, 2.0206281650809057),
        (0.01, 10, 0.02, 20, 0.0158973698486871, 0.015901060530270142),
    ] {
        let d = difference(&stat(na, 1.0, sa), &stat(nb, 1.0, sb)).unwrap();
        let mde = d.mde.unwrap();
        assert!((mde - want).abs() < 1e-6 * want, "{mde} against {want}");
        // Bloom's closed form is close (within 2% at these small df).
        assert!((mde - bloom).abs() < 0.02 * bloom, "{mde} against {bloom}");
        // At the MDE the power is 0.8.
        let p = power::power_at(mde / d.se, d.df, 0.05).unwrap();
        assert!((p - 0.8).abs() < 1e-6, "{p}");
    }
    // Two runs a side, df 1.47: U's density has a cusp at 0 and the integral must still hold.
    let two = difference(
        &Summary::of(&[2.95, 2.96]).unwrap(),
        &Summary::of(&[3.00, 3.02]).unwrap(),
    )
    .unwrap();
    let got = two.mde.unwrap();
    assert!((got - 0.08997367335900563).abs() < 1e-5, "{got}");
    // More runs, smaller MDE; no spread, no MDE.
    let few = difference(&stat(3, 1.0, 0.02), &stat(3, 1.0, 0.02)).unwrap();
    let many = difference(&stat(12, 1.0, 0.02), &stat(12, 1.0, 0.02)).unwrap();
    assert!(many.mde.unwrap() < few.mde.unwrap() / 2.0);
    assert!(difference(&stat(3, 1.0, 0.0), &stat(3, 1.0, 0.0)).is_none());
}

#[test]
fn intervals_and_equivalence_match_scipy() {
    // scipy: ttest_ind(a, b, equal_var=False).confidence_interval(0.95); TOST by hand from
    // stats.t with the Welch df.
    let a = Summary::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let b = Summary::of(&[2.0, 4.0, 6.0, 8.0, 10.0]).unwrap();
    let d = difference(&a, &b).unwrap();
    assert!((d.ci95.0 + 6.887741643736975).abs() < 1e-9, "{d:?}");
    assert!((d.ci95.1 - 0.887741643736975).abs() < 1e-9, "{d:?}");
    assert!((d.p - 0.1075311949).abs() < 1e-6);
    let t = tost(&a, &b, 5.0, 0.05).unwrap();
    assert!((t.p - 0.12685120310120884).abs() < 1e-9, "{t:?}");
    assert!((t.interval.0 + 6.083477767641137).abs() < 1e-9, "{t:?}");
    assert!((t.interval.1 - 0.08347776764113712).abs() < 1e-9, "{t:?}");
    assert!(!t.holds());
    // Inside a wide margin the 90% interval fits, and the test holds.
    let wide = tost(&a, &b, 7.0, 0.05).unwrap();
    assert!(wide.holds() && wide.interval.0 > -7.0, "{wide:?}");
}

#[test]
fn the_record_test_is_one_sided_against_the_threshold() {
    // scipy: ttest_1samp([...], 2.92, alternative="less") on the record's 19 runs (the study's
    // t-test-results.md, section 692): t = -4.069816643193549, p = 0.000359461149192406.
    let losses = [
        2.919502, 2.919760, 2.920582, 2.919331, 2.919008, 2.919827, 2.918785, 2.918519, 2.919297,
        2.920061, 2.918938, 2.919342, 2.918186, 2.920546, 2.919540, 2.919093, 2.918951, 2.919599,
        2.919956,
    ];
    let s = Summary::of(&losses).unwrap();
    let r = below_threshold(&s, 2.92).unwrap();
    assert!((r.t + 4.069816643193549).abs() < 1e-9, "{r:?}");
    assert!((r.p - 0.000359461149192406).abs() < 1e-9, "{r:?}");
    assert!((r.upper95 - 2.919662383449226).abs() < 1e-9, "{r:?}");
    let above = below_threshold(&s, 2.919).unwrap();
    assert!((above.p - 0.9946674484595449).abs() < 1e-9, "{above:?}");
    assert!(below_threshold(&Summary::of(&[2.9]).unwrap(), 2.92).is_none());
}
