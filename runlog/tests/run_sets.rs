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
