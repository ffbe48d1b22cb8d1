//! The run checks, rule by rule: a well-formed run passes, and each broken rule is named with
//! its file and line (and a run with several problems lists them all).

mod common;
use common::{edit, eval, good, problems, write};
use runlog::check::check_dir;
use runlog::*;
use std::fs;

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
        // The bad byte lands in the experiment's name, which must then be a plain name.
        "experiment \"\u{fffd}xp\" is not a plain name: it holds a character outside the alphabet",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    assert_eq!(c.problems.len(), 5, "{text}");
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

#[test]
fn an_experiment_name_outside_the_alphabet_is_refused_where_run_json_is_read() {
    let d = tempfile::tempdir().unwrap();
    let dir = good(d.path());
    edit(
        &dir,
        RUN_FILE,
        "\"experiment\": \"exp\"",
        "\"experiment\": \"x\\ntouch PWNED #\"",
    );
    let text = problems(&dir);
    assert!(
        text.contains(
            "run.json, line 4: experiment \"x\\ntouch PWNED #\" is not a plain name: it holds a \
             line break (allowed: letters, digits, `.`, `_`, `-`; at most 100 characters; not \
             starting with `-` or `.`)"
        ),
        "{text}"
    );
}
