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
    dirs.push(write(d.path(), "x00", 0, &seed0(0), Status::Finished));
    dirs.push(write(d.path(), "x00", 1, &seed0(1), Status::Finished));
    let odd = write(d.path(), "x00", 3, &seed0(3), Status::Finished);
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

/// The evaluations of an x00 run whose seed moved its losses a little.
fn seed0(seed: u64) -> Vec<Metrics> {
    [0, 10, 20]
        .into_iter()
        .map(|step| {
            let mut m = eval0(step);
            m.val_loss = m.val_loss.map(|l| l + seed as f64 / 1000.0);
            m
        })
        .collect()
}

/// An x00 evaluation (lambdas x and x00 only).
fn eval0(step: u64) -> Metrics {
    let mut m = eval(step);
    m.lambdas.as_mut().unwrap().remove("x01");
    m
}

/// `from` copied to `root/exp/<name>`, its run.json's `"seed": 0` made `"seed": <seed>`.
fn copy_as(from: &std::path::Path, name: &str, seed: u64) -> PathBuf {
    let to = from.parent().unwrap().join(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in [RUN_FILE, METRICS_FILE, SUMMARY_FILE] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    edit(&to, RUN_FILE, "\"seed\": 0", &format!("\"seed\": {seed}"));
    to
}

fn listed(c: &Checked) -> String {
    c.problems.iter().map(|p| format!("{p}\n")).collect()
}

#[test]
fn a_copy_with_its_seed_edited_is_the_same_run_not_another_seed() {
    let d = tempfile::tempdir().unwrap();
    let first = good(d.path());
    let copy = copy_as(&first, "x01-s3", 3);
    let c = checked(&[first.clone(), copy]);
    assert!(c[0].is_ok(), "{}", listed(&c[0]));
    assert_eq!(
        listed(&c[1]),
        format!(
            "{}/exp/x01-s3/run.json: the same run as {}: the same evaluations, number for \
             number; a copy of a run with its seed, variant or experiment edited is not another \
             run; remove one of them\n",
            d.path().display(),
            first.display()
        )
    );
}

#[test]
fn a_shared_config_hash_is_one_run_even_with_other_numbers() {
    let d = tempfile::tempdir().unwrap();
    let first = good(d.path());
    edit(
        &first,
        RUN_FILE,
        "\"seed\": 0",
        "\"config_hash\": \"abc\", \"seed\": 0",
    );
    let other = copy_as(&first, "x01-s4", 4);
    edit(&other, METRICS_FILE, "\"val_loss\":3.0", "\"val_loss\":3.5");
    edit(&other, SUMMARY_FILE, "3.0", "3.5");
    let both = copy_as(&first, "x01-s5", 5);
    let c = checked(&[first, other, both]);
    assert!(c[0].is_ok(), "{}", listed(&c[0]));
    assert!(
        listed(&c[1]).contains(
            "x01-s4/run.json: the same run as {d}/exp/x01-s0: the same config_hash (it covers \
             the seed and the whole config, so only one run has it)"
                .replace("{d}", &d.path().display().to_string())
                .as_str()
        ),
        "{}",
        listed(&c[1])
    );
    assert!(
        listed(&c[2])
            .contains("the same evaluations, number for number, and the same config_hash; a copy"),
        "{}",
        listed(&c[2])
    );
}

#[test]
fn runs_that_have_not_trained_yet_may_share_their_numbers() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "x01", 0, &[eval(0)], Status::Interrupted);
    let b = write(d.path(), "x01", 1, &[eval(0)], Status::Interrupted);
    let c = checked(&[a, b]);
    assert!(c.iter().all(|c| c.problems.is_empty()), "{}", listed(&c[1]));
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
