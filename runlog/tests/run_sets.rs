//! The checks across a set of runs: one run in two places is refused, and the runs of an
//! experiment must share one config.

mod common;
use common::{edit, eval, good, write};
use runlog::check::{check_dir, check_set, Checked};
use runlog::*;
use std::path::PathBuf;

fn checked(dirs: &[PathBuf]) -> Vec<Checked> {
    let mut c: Vec<Checked> = dirs.iter().map(|d| check_dir(d)).collect();
    check_set(&mut c);
    c
}

#[test]
fn a_copied_run_is_the_same_run_wherever_it_sits() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    let link = d.path().join("exp/x01-s7");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    let c = checked(&[dir.clone(), link.clone()]);
    assert!(c[0].is_ok(), "{:?}", c[0].problems);
    let text: String = c[1].problems.iter().map(|p| format!("{p}\n")).collect();
    assert!(
        text.contains(&format!(
            "x01-s7/run.json: the same run (x01 seed 0 of experiment `exp`) as {}",
            dir.display()
        )),
        "{text}"
    );
}

#[test]
fn the_runs_of_an_experiment_share_one_config() {
    let d = tempfile::tempdir().unwrap();
    let mut dirs = vec![good(d.path())];
    dirs.push(write(
        d.path(),
        "x00",
        0,
        &[eval0(0), eval0(10), eval0(20)],
        Status::Finished,
    ));
    dirs.push(write(
        d.path(),
        "x00",
        1,
        &[eval0(0), eval0(10), eval0(20)],
        Status::Finished,
    ));
    let odd = write(
        d.path(),
        "x00",
        3,
        &[eval0(0), eval0(10), eval0(20)],
        Status::Finished,
    );
    edit(&odd, RUN_FILE, "\"vocab\": 247", "\"vocab\": 3");
    dirs.push(odd);
    let c = checked(&dirs);
    for ok in &c[..3] {
        assert!(ok.is_ok(), "{:?}", ok.problems);
    }
    let text: String = c[3].problems.iter().map(|p| format!("{p}\n")).collect();
    assert!(
        text.contains("x00-s3/run.json: this run's config differs from that of")
            && text.contains("x01-s0/run.json (3 of the 4 runs"),
        "{text}"
    );
    assert!(
        text.contains("config.model.vocab:  247 (x01-s0) -> 3 (x00-s3)"),
        "{text}"
    );
}

/// An x00 evaluation (lambdas x and x00 only).
fn eval0(step: u64) -> Metrics {
    let mut m = eval(step);
    m.lambdas.as_mut().unwrap().remove("x01");
    m
}

/// `m` as a run of `total` steps logs it.
fn of_length(mut m: Metrics, total: u64) -> Metrics {
    m.total_steps = Some(total);
    m
}

#[test]
fn one_run_has_one_length_and_runs_of_two_lengths_are_two_configs() {
    let d = tempfile::tempdir().unwrap();
    // A log spliced from runs of two lengths.
    let spliced = write(
        d.path(),
        "x01",
        1,
        &[eval(0), of_length(eval(10), 30), eval(20)],
        Status::Finished,
    );
    let c = checked(std::slice::from_ref(&spliced));
    let text: String = c[0].problems.iter().map(|p| format!("{p}\n")).collect();
    assert!(
        text.contains(
            "metrics.jsonl, line 2: total_steps 30 differs from total_steps 20 (line 1): one run \
             has one length"
        ),
        "{text}"
    );
    // A length other than run.json's, said once.
    let long = |s: u64| of_length(eval(s), 30);
    let other = write(
        d.path(),
        "x01",
        2,
        &[long(0), long(10)],
        Status::Interrupted,
    );
    let text = common::problems(&other);
    assert_eq!(
        text.matches("total_steps 30 differs from config.schedule.steps 20 in run.json")
            .count(),
        1,
        "{text}"
    );
    // Runs whose run.json records no length (imported before imports recorded it) are told
    // apart by the total_steps their metrics log.
    let d = tempfile::tempdir().unwrap();
    let short = |s: u64| of_length(eval(s), 15);
    let long = write(d.path(), "x01", 0, &[eval(0), eval(20)], Status::Finished);
    let other = write(d.path(), "x01", 1, &[short(0), short(15)], Status::Finished);
    for dir in [&long, &other] {
        edit(dir, RUN_FILE, "\"steps\": 20", "\"warmup\": 0");
    }
    let c = checked(&[long, other]);
    assert!(c[0].is_ok(), "{:?}", c[0].problems);
    let text: String = c[1].problems.iter().map(|p| format!("{p}\n")).collect();
    assert!(
        text.contains("x01-s1/run.json: this run's config differs")
            && text.contains("config.schedule.steps:  20 (x01-s0) -> 15 (x01-s1)"),
        "{text}"
    );
}
