//! The run checks, rule by rule: a well-formed run passes, and each broken rule is named with
//! its file and line (and a run with several problems lists them all).

use runlog::check::{check_dir, check_set, Checked};
use runlog::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn info(variant: &str, seed: u64) -> RunInfo {
    RunInfo {
        config: serde_json::json!({
            "model": {"layers": 2, "dim": 8, "vocab": 247, "extra_embeddings": 1},
            "schedule": {"steps": 20},
            "seed": seed,
        }),
        data_hash: Some("d".into()),
        ..RunInfo::new("exp", Variant::parse(variant).unwrap(), seed)
    }
}

fn eval(step: u64) -> Metrics {
    let mut m = Metrics::new(step, step as f64 * 10.0, 5.0 - step as f64 / 10.0);
    m.total_steps = Some(20);
    m.lambdas = Some(BTreeMap::from([
        ("x".to_string(), vec![1.0, 0.9]),
        ("x00".to_string(), vec![0.0, 0.1]),
        ("x01".to_string(), vec![0.0, -0.1]),
    ]));
    m.x_norms = Some(vec![1.0, 2.0]);
    m
}

/// A finished x01 run of evaluations at steps 0, 10, 20 in `root/exp/<variant>-s<seed>`.
fn write(root: &Path, variant: &str, seed: u64, metrics: &[Metrics], status: Status) -> PathBuf {
    let dir = root.join("exp").join(run_dir_name(variant, seed));
    write_json_atomic(&dir.join(RUN_FILE), &info(variant, seed)).unwrap();
    let mut w = MetricsWriter::open(&dir.join(METRICS_FILE)).unwrap();
    for m in metrics {
        w.append(m).unwrap();
    }
    let last = metrics.last().unwrap();
    let s = Summary {
        status,
        final_val_loss: last.val_loss,
        train_time_ms: last.train_time_ms,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    write_json_atomic(&dir.join(SUMMARY_FILE), &s).unwrap();
    dir
}

fn good(root: &Path) -> PathBuf {
    write(
        root,
        "x01",
        0,
        &[eval(0), eval(10), eval(20)],
        Status::Finished,
    )
}

fn problems(dir: &Path) -> String {
    let c = check_dir(dir);
    c.problems.iter().map(|p| format!("{p}\n")).collect()
}

/// Replaces `from` by `to` in `dir/file` (the first occurrence).
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let t = fs::read_to_string(&p).unwrap();
    assert!(t.contains(from), "{from} not in {t}");
    fs::write(&p, t.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_well_formed_run_passes() {
    let d = tempfile::tempdir().unwrap();
    let c = check_dir(&good(d.path()));
    assert!(c.is_ok(), "{:?}", c.problems);
    assert_eq!(c.run.unwrap().recorded.layers, Some(2));
}

#[test]
fn every_problem_of_run_json_is_listed_with_its_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    edit(
        &dir,
        RUN_FILE,
        "\"schema_version\": 1",
        "\"schema_version\": 2",
    );
    edit(
        &dir,
        RUN_FILE,
        "\"variant\": \"x01\"",
        "\"variant\": \"x1\"",
    );
    edit(&dir, RUN_FILE, "\"seed\": 0,\n", "");
    let mut bytes = fs::read(dir.join(RUN_FILE)).unwrap();
    let at = bytes.windows(4).position(|w| w == b"exp\"").unwrap();
    bytes[at] = 0xff;
    fs::write(dir.join(RUN_FILE), bytes).unwrap();
    let c = check_dir(&dir);
    assert!(c.run.is_none());
    assert_eq!(c.experiment().as_deref(), Some("exp"), "from the folder");
    let text = problems(&dir);
    for want in [
        "run.json, line 2: schema_version 2 is not supported",
        "is not UTF-8",
        "`x1` is not `x` and two digits",
        "`seed` is missing",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    assert_eq!(c.problems.len(), 4, "{text}");
}

#[test]
fn a_config_field_of_the_wrong_type_is_a_problem_not_an_absent_field() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    edit(&dir, RUN_FILE, "\"layers\": 2", "\"layers\": \"2\"");
    let text = problems(&dir);
    assert!(
        text.contains("run.json: config.model.layers is \"2\", not a whole number"),
        "{text}"
    );
}

#[test]
fn the_folder_must_agree_with_run_json() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    let bak = d.path().join("exp/x01-s0.bak");
    fs::rename(&dir, &bak).unwrap();
    let text = problems(&bak);
    assert!(
        text.contains("folder is named `x01-s0.bak` but run.json says x01 seed 0"),
        "{text}"
    );
    let other = d.path().join("other");
    fs::create_dir_all(&other).unwrap();
    fs::rename(&bak, other.join("x01-s0")).unwrap();
    let text = problems(&other.join("x01-s0"));
    assert!(
        text.contains("sits in folder `other` but run.json says experiment `exp`"),
        "{text}"
    );
}

#[test]
fn steps_increase_and_times_are_sane() {
    let d = tempfile::tempdir().unwrap();
    let mut back = eval(5);
    back.train_time_ms = -5.0;
    let dir = write(
        d.path(),
        "x01",
        0,
        &[eval(0), eval(10), back, eval(20)],
        Status::Finished,
    );
    let text = problems(&dir);
    assert!(
        text.contains("metrics.jsonl, line 3: step 5 comes after step 10 (line 2)"),
        "{text}"
    );
    assert!(
        text.contains("line 3: train_time_ms goes back from 100"),
        "{text}"
    );
    assert!(
        text.contains("line 3: train_time_ms -5 is not a non-negative time"),
        "{text}"
    );
}

#[test]
fn a_null_loss_only_in_a_diverged_run_and_no_negative_loss() {
    let d = tempfile::tempdir().unwrap();
    let mut nan = eval(20);
    nan.val_loss = None;
    let dir = write(
        d.path(),
        "x01",
        0,
        &[eval(0), eval(10), nan.clone()],
        Status::Finished,
    );
    assert!(
        problems(&dir).contains("line 3: val_loss is null"),
        "{}",
        problems(&dir)
    );
    let dir = write(
        d.path(),
        "x01",
        1,
        &[eval(0), eval(10), nan],
        Status::Diverged,
    );
    // (the config of seed 1 records seed 1: nothing else differs)
    assert!(check_dir(&dir).is_ok(), "{}", problems(&dir));
    let mut neg = eval(20);
    neg.val_loss = Some(-3.0);
    let dir = write(
        d.path(),
        "x01",
        2,
        &[eval(0), eval(10), neg],
        Status::Finished,
    );
    let text = problems(&dir);
    assert!(text.contains("line 3: val_loss -3 is negative"), "{text}");
    assert!(text.contains("final_val_loss -3 is negative"), "{text}");
}

#[test]
fn lambdas_have_the_variants_keys_finite_values_and_the_configs_layers() {
    let d = tempfile::tempdir().unwrap();
    let mut m = eval(10);
    let l = m.lambdas.as_mut().unwrap();
    l.remove("x01");
    l.insert("x05".into(), vec![0.0, 0.0]);
    l.insert("x".into(), vec![1.0, f64::NAN]);
    let mut short = eval(20);
    short.x_norms = Some(vec![1.0]);
    for l in short.lambdas.as_mut().unwrap().values_mut() {
        l.truncate(1);
    }
    let dir = write(d.path(), "x01", 0, &[eval(0), m, short], Status::Finished);
    let text = problems(&dir);
    assert!(
        text.contains("line 2: lambdas has keys x, x00, x05 but a run of x01 logs x, x00, x01"),
        "{text}"
    );
    assert!(text.contains("line 2: lambdas `x` holds a null"), "{text}");
    assert!(
        text.contains("line 3: lambdas has 1 layers, but config.model.layers in run.json says 2"),
        "{text}"
    );
}

#[test]
fn the_summary_agrees_with_the_last_evaluation_and_a_finished_run_ran_all_steps() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    edit(
        &dir,
        SUMMARY_FILE,
        "\"final_val_loss\": 3.0",
        "\"final_val_loss\": -3.0",
    );
    edit(
        &dir,
        SUMMARY_FILE,
        "\"train_time_ms\": 200.0",
        "\"train_time_ms\": -5.0",
    );
    let text = problems(&dir);
    assert!(
        text.contains("final_val_loss is -3 but the last evaluation (metrics.jsonl line 3, step 20) has val_loss 3"),
        "{text}"
    );
    assert!(
        text.contains("summary.json: train_time_ms -5 is negative"),
        "{text}"
    );
    assert!(
        text.contains("train_time_ms is -5 but the last evaluation"),
        "{text}"
    );

    // An interrupted run relabelled finished: its last evaluation is not its last step.
    let dir = write(d.path(), "x01", 1, &[eval(0), eval(10)], Status::Finished);
    let text = problems(&dir);
    assert!(
        text.contains("says finished, but the last evaluation (metrics.jsonl line 2, step 10) is not the run's last step (20)"),
        "{text}"
    );
    let dir = write(
        d.path(),
        "x01",
        2,
        &[eval(0), eval(10)],
        Status::Interrupted,
    );
    assert!(check_dir(&dir).is_ok(), "{}", problems(&dir));
}

#[test]
fn lost_lines_and_an_unreadable_summary_are_problems_a_crash_is_not() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    edit(&dir, METRICS_FILE, "\"step\":10,", "\"step\":\"ten\",");
    edit(&dir, SUMMARY_FILE, "\"status\"", "\"statuss\"");
    let text = problems(&dir);
    assert!(text.contains("metrics.jsonl, line 2: bad line"), "{text}");
    assert!(text.contains("summary.json, line "), "{text}");

    // Crashed mid-write, no summary: the torn line is a warning, the run is not finished.
    let dir = write(
        d.path(),
        "x01",
        1,
        &[eval(0), eval(10)],
        Status::Interrupted,
    );
    fs::remove_file(dir.join(SUMMARY_FILE)).unwrap();
    let mut t = fs::read_to_string(dir.join(METRICS_FILE)).unwrap();
    t.push_str("{\"step\":20,\"tra");
    fs::write(dir.join(METRICS_FILE), t).unwrap();
    let c = check_dir(&dir);
    assert!(c.is_ok(), "{:?}", c.problems);
    assert_eq!(c.run.unwrap().warnings.len(), 2);
}

#[test]
fn nulls_the_writer_writes_read_back() {
    let d = tempfile::tempdir().unwrap();
    let mut m = eval(0);
    m.ve_lambdas = Some(vec![[0.5, f64::NAN], [0.7, f64::NAN]]);
    let dir = write(
        d.path(),
        "x01",
        0,
        &[m, eval(10), eval(20)],
        Status::Finished,
    );
    let text = fs::read_to_string(dir.join(METRICS_FILE)).unwrap();
    assert!(text.contains("[[0.5,null],[0.7,null]]"), "{text}");
    let run = read_run(&dir).unwrap();
    assert_eq!(run.metrics.len(), 3);
    let ve = run.metrics[0].ve_lambdas.as_ref().unwrap();
    assert!(ve[0][0] == 0.5 && ve[1][1].is_nan());
    assert!(check_dir(&dir).is_ok());
}

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
