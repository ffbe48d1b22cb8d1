//! The `report` binary's subcommands, run as a user would.

mod common;

use std::process::Command;

fn report(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_stats_and_figures_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    common::write_run(tmp.path(), "x00", 0, 6, 4, 3.0);
    common::write_run(tmp.path(), "x00", 1, 6, 4, 3.0);
    common::write_run(tmp.path(), "x01", 0, 6, 4, 2.9);
    let (ok, out, err) = report(&["stats", "--runs", root]);
    assert!(ok, "{err}");
    assert!(
        out.contains("x01") && out.contains("(n=1)") && out.contains("Welch"),
        "{out}"
    );
    let figs = tmp.path().join("figs");
    let figs = figs.to_str().unwrap();
    let (ok, out, err) = report(&[
        "figures",
        "--runs",
        root,
        "--out",
        figs,
        "val_loss-step.png",
        "results.md",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("val_loss-step.png") && out.contains("results.md"),
        "{out}"
    );
    let (ok, out, _) = report(&["figures", "--runs", root, "--list"]);
    assert!(
        ok && out.contains("val_loss-step-FROM-TO.png") && out.contains("lambdas-x01.png"),
        "{out}"
    );
    // One bad name: the good ones are still drawn, the run fails naming the bad one.
    let (ok, out, err) = report(&[
        "figures",
        "--runs",
        root,
        "--out",
        figs,
        "nope.png",
        "val_loss-time.png",
    ]);
    assert!(
        !ok && err.contains("unknown figure 'nope.png'") && out.contains("val_loss-time.png"),
        "{err}"
    );
}

#[test]
fn an_empty_runs_folder_fails_with_a_message_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, _, err) = report(&["stats", "--runs", tmp.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.starts_with("error: ") && err.contains("holds no run") && !err.contains("panicked"),
        "{err}"
    );
    let (ok, _, err) = report(&[
        "import",
        "--out",
        tmp.path().to_str().unwrap(),
        "/nonexistent/x01-s0.txt",
    ]);
    assert!(!ok && err.contains("/nonexistent/x01-s0.txt"), "{err}");
}

#[test]
fn stats_print_each_difference_with_its_interval_and_what_the_runs_could_detect() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_str().unwrap();
    // Final losses: the floor + 1/3 (six evaluations); x00 3.0 and 3.02, x01 2.9 and 2.93.
    for (v, seed, floor) in [
        ("x00", 0, 3.0),
        ("x00", 1, 3.02),
        ("x01", 0, 2.9),
        ("x01", 1, 2.93),
    ] {
        common::write_run(tmp.path(), v, seed, 6, 4, floor);
    }
    let (ok, out, err) = report(&["stats", "--runs", root, "--threshold", "3.3"]);
    assert!(ok, "{err}");
    let row = out
        .lines()
        .skip_while(|l| !l.starts_with("Final val loss against x00:"))
        .find(|l| l.starts_with("x01"))
        .unwrap_or_else(|| panic!("{out}"));
    // variant, n per side, difference, 95% interval, p, minimum detectable difference.
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..3], ["x01", "2+2", "-0.0950"], "{row}");
    assert!(
        cells[3].starts_with('[') && cells[4].ends_with(']'),
        "{row}"
    );
    let mde: f64 = cells[6].parse().unwrap();
    assert!(
        mde > 0.095,
        "two runs a side could not detect what they show: {row}"
    );
    assert!(out.contains("MDE: the smallest true difference a two-sided Welch t-test (alpha 0.05) detects with power 0.8"), "{out}");
    // The record test: each configuration's mean below 3.3, one-sided.
    let record = out
        .lines()
        .skip_while(|l| !l.starts_with("Record test against 3.3"))
        .find(|l| l.starts_with("x01 "))
        .unwrap_or_else(|| panic!("{out}"));
    let cells: Vec<&str> = record.split_whitespace().collect();
    assert_eq!(
        &cells[..5],
        ["x01", "2", "3.24833", "±", "0.02121"],
        "{record}"
    );
}
