//! Statistics on numbers worked out by hand or by an independent computation.

mod common;

use report::stats::{interp, mean_curve, welch, Axis, Summary};
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
