//! Runs written here, with the faults real sweeps have: torn lines, missing summaries, NaN
//! losses, a different number of layers, an empty runs folder.

mod common;

use common::{v, write_run};
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
    // A run that crashed mid-write has no summary: the torn line is a warning.
    let summary = dir.join(runlog::SUMMARY_FILE);
    let finished = std::fs::read(&summary).unwrap();
    std::fs::remove_file(&summary).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert_eq!(runs.runs()[0].metrics.len(), 5);
    let w = &runs.warnings()[0];
    assert_eq!((w.path.as_path(), w.line), (metrics.as_path(), Some(6)));
    assert!(w.to_string().contains("line 6"), "{w}");
    // A summary saying finished after a torn line cannot be: the run is refused.
    std::fs::write(&summary, finished).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert!(runs.is_empty());
    let p = &runs.problems()[0];
    assert_eq!(
        (p.problem.path.as_path(), p.problem.line),
        (metrics.as_path(), Some(6))
    );
    assert!(p.to_string().contains("summary says finished"), "{p}");
}

#[test]
fn only_finished_runs_make_the_results_and_the_others_are_named() {
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
    assert_eq!(runs.seeds(v("x01")), [0, 1]);
    assert_eq!(runs.result_runs(v("x01")).len(), 1);
    assert_eq!(runs.unfinished().len(), 1);
    let table = stats::compute(&runs, None).unwrap();
    let x01 = table.row(v("x01")).unwrap();
    assert_eq!(x01.n, 1);
    assert!(
        x01.excluded[0].contains("x01-s1")
            && x01.excluded[0]
                .contains("not finished (no summary (still going, or crashed) at step 20)"),
        "{:?}",
        x01.excluded
    );
    // A variant whose only run is still going has no row and is not drawn; the others are.
    std::fs::remove_file(tmp.path().join("exp/x00-s0").join(runlog::SUMMARY_FILE)).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert!(runs.result_runs(v("x00")).is_empty());
    assert!(stats::compute(&runs, None).unwrap().row(v("x00")).is_none());
    let out = tempfile::tempdir().unwrap();
    figures::draw("val_loss-step.png", &runs, out.path()).unwrap();
    let err = figures::draw("lambdas-x00.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("x00: 0 of 1 finished"), "{err}");
}

/// x00-s1 with evaluation `at` made non-finite (null, as the trainer writes it).
fn null_loss_at(root: &std::path::Path, at: usize) -> std::path::PathBuf {
    let dir = write_run(root, "x00", 1, 6, 4, 3.0);
    let metrics = dir.join(runlog::METRICS_FILE);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut m: runlog::Metrics = serde_json::from_str(&lines[at]).unwrap();
    m.val_loss = None;
    lines[at] = serde_json::to_string(&m).unwrap();
    assert!(lines[at].contains("\"val_loss\":null"));
    std::fs::write(&metrics, lines.join("\n") + "\n").unwrap();
    dir
}

#[test]
fn a_null_loss_only_in_a_diverged_run_which_is_never_averaged() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x00", 0, 6, 4, 3.0);
    // A null loss in a run whose summary says finished: refused, naming file and line.
    let dir = null_loss_at(tmp.path(), 3);
    let runs = RunSet::load(tmp.path()).unwrap();
    let text: String = runs.problems().iter().map(|p| format!("{p}\n")).collect();
    assert!(
        text.contains("metrics.jsonl, line 4: val_loss is null"),
        "{text}"
    );
    assert_eq!(runs.runs().len(), 1);

    // The same run, diverged at that evaluation: kept, drawn up to it, never averaged.
    let metrics = dir.join(runlog::METRICS_FILE);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let kept: Vec<&str> = text.lines().take(4).collect();
    std::fs::write(&metrics, kept.join("\n") + "\n").unwrap();
    let last: runlog::Metrics = serde_json::from_str(kept[3]).unwrap();
    let summary = runlog::Summary {
        status: runlog::Status::Diverged,
        final_val_loss: None,
        train_time_ms: last.train_time_ms,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    runlog::write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &summary).unwrap();
    let runs = RunSet::load(tmp.path()).unwrap();
    assert!(runs.problems().is_empty(), "{:?}", runs.problems());
    let run = runs.run(v("x00"), 1).unwrap();
    let (xs, ys) = stats::run_curve(run, stats::Axis::Step);
    assert_eq!(xs, [0.0, 10.0, 20.0]);
    assert!(ys.iter().all(|y| y.is_finite()));
    let row = stats::compute(&runs, None).unwrap();
    let x00 = row.row(v("x00")).unwrap();
    assert_eq!(x00.n, 1);
    assert!(
        x00.excluded[0].contains("diverged at step 30"),
        "{:?}",
        x00.excluded
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
    let grid = stats::last_lambdas(runs.run(v("x01"), 1).unwrap()).unwrap();
    assert_eq!(grid.layers, 12);
    // The loss curves do not care about layers.
    figures::draw("val_loss-time.png", &runs, out.path()).unwrap();
}

#[test]
fn norm_weighted_lambdas_scale_only_the_residual() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "x01", 0, 3, 4, 3.0);
    let runs = RunSet::load(tmp.path()).unwrap();
    let rs = runs.runs_of(v("x01"));
    let raw = stats::mean_lambdas(&rs).unwrap();
    let normed = stats::norm_weighted(&rs).unwrap();
    // common::eval logs x_norms 1, 2, 3, 4 for layers 0..3.
    assert_eq!(normed.get("x", 3), Some(raw.get("x", 3).unwrap() * 4.0));
    assert_eq!(normed.get("x01", 3), raw.get("x01", 3));
    let out = tempfile::tempdir().unwrap();
    figures::draw("lambdas-norm-x01.png", &runs, out.path()).unwrap();
}

#[test]
fn a_run_folder_its_reader_may_not_open_is_an_error_not_a_silent_skip() {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;
    // Root reads any folder: the report then runs as `nobody`, for whom mode 000 holds.
    let as_root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if as_root && Command::new("setpriv").arg("--version").output().is_err() {
        common::missing::missing("setpriv", "Debian: apt-get install util-linux");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let runs = tmp.path().join("runs");
    write_run(&runs, "x00", 0, 5, 4, 3.0);
    write_run(&runs, "x01", 0, 5, 4, 2.9);
    let hidden = write_run(&runs, "x01", 1, 5, 4, 2.8);
    std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o000)).unwrap();
    let report = env!("CARGO_BIN_EXE_report");
    let args = ["stats", "--runs", "runs", "--experiment", "exp"];
    let out = if as_root {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(report)
            .args(args)
            .current_dir(tmp.path())
            .output()
    } else {
        Command::new(report)
            .args(args)
            .current_dir(tmp.path())
            .output()
    }
    .unwrap();
    std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "error: runs/exp/x01-s1: cannot be read (Permission denied (os error 13)): a run in \
             it would be left out unseen, so nothing is built from its experiment"
        ),
        "{stderr}"
    );
}
