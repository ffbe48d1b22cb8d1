//! Runs written here, with the faults real sweeps have: torn lines, missing summaries, NaN
//! losses, a different number of layers, an empty runs folder.

mod common;

use common::write_run;
use report::runs::RunSet;
use report::{figures, stats, Error};
use std::io::Write;

#[test]
fn an_empty_or_missing_runs_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = RunSet::load(tmp.path()).unwrap_err();
    assert!(matches!(err, Error::NoRuns { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains(&tmp.path().display().to_string()) && msg.contains("no run"),
        "{msg}"
    );
    let missing = tmp.path().join("nope");
    let msg = RunSet::load(&missing).unwrap_err().to_string();
    assert!(
        msg.contains("nope") && msg.contains("does not exist"),
        "{msg}"
    );
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_run(tmp.path(), "x01", 0, 5, 4, 3.0);
    let metrics = dir.join(runlog::METRICS_FILE);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&metrics)
        .unwrap();
    f.write_all(br#"{"step": 50, "train_time_ms": 50"#).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert_eq!(runs.runs()[0].metrics.len(), 5);
    let w = &runs.warnings()[0];
    assert_eq!((w.path.as_path(), w.line), (metrics.as_path(), Some(6)));
    assert!(w.to_string().contains("line 6"), "{w}");
}

#[test]
fn a_run_without_summary_still_draws_but_finished_runs_make_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x00", 0, 6, 4, 3.0);
    write_run(tmp.path(), "x01", 0, 6, 4, 2.9);
    let running = write_run(tmp.path(), "x01", 1, 3, 4, 2.9);
    std::fs::remove_file(running.join(runlog::SUMMARY_FILE)).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert!(runs
        .warnings()
        .iter()
        .any(|w| w.path == running.join(runlog::SUMMARY_FILE) && w.message.contains("missing")));
    assert_eq!(runs.seeds("x01"), [0, 1]);
    assert_eq!(runs.result_runs("x01").len(), 1);
    let table = stats::compute(&runs, None).unwrap();
    let x01 = table.row("x01").unwrap();
    assert_eq!(x01.n, 1);
    assert!(x01.excluded[0].contains("x01-s1") && x01.excluded[0].contains("not finished"));
    // A variant whose only run is still going is drawn from that run.
    std::fs::remove_file(tmp.path().join("exp/x00-s0").join(runlog::SUMMARY_FILE)).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert_eq!(runs.result_runs("x00").len(), 1);
    let out = tempfile::tempdir().unwrap();
    figures::draw("val_loss-step.png", &runs, out.path()).unwrap();
}

#[test]
fn a_nan_loss_is_left_out_of_curves_and_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x00", 0, 6, 4, 3.0);
    let dir = write_run(tmp.path(), "x00", 1, 6, 4, 3.0);
    // Evaluation 3 diverged: written as null, as the trainer does for a non-finite loss.
    let metrics = dir.join(runlog::METRICS_FILE);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut m: runlog::Metrics = serde_json::from_str(&lines[3]).unwrap();
    m = runlog::Metrics {
        val_loss: runlog::Metrics::new(0, 0.0, f64::NAN).val_loss,
        ..m
    };
    lines[3] = serde_json::to_string(&m).unwrap();
    assert!(lines[3].contains("\"val_loss\":null"));
    std::fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    let run = runs.run("x00", 1).unwrap();
    let (xs, ys) = stats::run_curve(run, stats::Axis::Step);
    assert_eq!(xs, [0.0, 10.0, 20.0, 40.0, 50.0]);
    assert!(ys.iter().all(|y| y.is_finite()));
    let mean = stats::mean_curve(&runs.runs_of("x00"), stats::Axis::Step).unwrap();
    assert!(mean.mean.iter().all(|y| y.is_finite()));
    assert_eq!(
        stats::compute(&runs, None).unwrap().row("x00").unwrap().n,
        2
    );
    let out = tempfile::tempdir().unwrap();
    figures::draw("val_loss-step-15-45.png", &runs, out.path()).unwrap();
}

#[test]
fn a_run_with_a_different_number_of_layers_draws_alone_but_not_in_a_mean() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x01", 0, 4, 16, 3.0);
    write_run(tmp.path(), "x01", 1, 4, 12, 3.0);
    let runs = RunSet::load(tmp.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = figures::draw("lambdas-x01.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("16") && err.contains("12") && err.contains("x01-s1"),
        "{err}"
    );
    figures::draw("lambdas-x01-s1.png", &runs, out.path()).unwrap();
    let grid = stats::last_lambdas(runs.run("x01", 1).unwrap()).unwrap();
    assert_eq!(grid.layers, 12);
    // The loss curves do not care about layers.
    figures::draw("val_loss-time.png", &runs, out.path()).unwrap();
}

#[test]
fn norm_weighted_lambdas_scale_only_the_residual() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x01", 0, 3, 4, 3.0);
    let runs = RunSet::load(tmp.path()).unwrap();
    let rs = runs.runs_of("x01");
    let raw = stats::mean_lambdas(&rs).unwrap();
    let normed = stats::norm_weighted(&rs).unwrap();
    // common::eval logs x_norms 1, 2, 3, 4 for layers 0..3.
    assert_eq!(normed.get("x", 3), Some(raw.get("x", 3).unwrap() * 4.0));
    assert_eq!(normed.get("x01", 3), raw.get("x01", 3));
    let out = tempfile::tempdir().unwrap();
    figures::draw("lambdas-norm-x01.png", &runs, out.path()).unwrap();
}
