//! `report import` on small logs written here, in the modded-nanogpt text format.

use report::runs::import::{import_logs, parse_log, ImportOptions};
use report::runs::RunSet;
use runlog::Variant;
use std::path::Path;

fn v(name: &str) -> Variant {
    Variant::parse(name).unwrap()
}

const X02_LOG: &str = "\
import torch  # the script's source comes first; this val_loss: is no log line
step:0/20 val_loss:10.825840 train_time:0ms step_avg:0.16ms
step:0/20 x_lambdas:[1.0, 1.0]
step:0/20 x00_lambdas:[0.0, 0.0]
step:0/20 x01_lambdas:[0.0, 0.0]
step:0/20 x02_lambdas:[0.0, 0.0]
step:0/20 unet_lambdas:[1.0, 1.0]
step:0/20 v_lambdas:[0.5, 0.5]
step:0/20 ve_lambdas:[0.5, 0.25]
step:1/20 train_time:100ms step_avg:100.00ms
step:20/20 val_loss:3.500000 train_time:2500ms step_avg:125.00ms
step:20/20 x_lambdas:[1.5, 0.5]
step:20/20 x00_lambdas:[0.25, -0.5]
step:20/20 x01_lambdas:[0.1, 0.2]
step:20/20 x02_lambdas:[0.3, 0.4]
peak memory allocated: 50380 MiB reserved: 55354 MiB
";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn variant_comes_from_the_highest_lambda_key_and_seed_from_the_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("old-study");
    std::fs::create_dir(&logs).unwrap();
    // The name says x01 but the log carries x02 lambdas: the log wins, and says so.
    let log = write(&logs, "x01-s3.txt", X02_LOG);
    let out = tmp.path().join("runs");
    let report::runs::import::Imported { dirs, warnings, .. } =
        report::runs::import::import_all(&[log], &out, &ImportOptions::default()).unwrap();
    assert_eq!(dirs, [out.join("old-study/x02-s3")]);
    assert!(
        warnings[0]
            .to_string()
            .contains("x01-s3.txt, line 6: the file name says x01"),
        "{warnings:?}"
    );
    let runs = RunSet::load(&out).unwrap();
    let run = runs.run(v("x02"), 3).unwrap();
    assert_eq!(
        (run.info.extra_embeddings, run.info.experiment.as_str()),
        (2, "old-study")
    );
    assert_eq!(run.metrics.len(), 2);
    let last = &run.metrics[1];
    assert_eq!(
        (last.step, last.train_time_ms, last.val_loss),
        (20, 2500.0, Some(3.5))
    );
    assert_eq!(last.lambdas.as_ref().unwrap()["x00"], [0.25, -0.5]);
    assert_eq!(run.metrics[0].ve_lambdas.as_ref().unwrap()[1], [0.5, 0.25]);
    let s = run.summary.as_ref().unwrap();
    assert_eq!(
        (s.status, s.final_val_loss, s.step_avg_ms),
        (runlog::Status::Finished, Some(3.5), Some(125.0))
    );
}

#[test]
fn options_override_and_name_what_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = X02_LOG
        .lines()
        .filter(|l| !l.contains("lambdas"))
        .collect::<Vec<_>>()
        .join("\n");
    let log = write(tmp.path(), "run.txt", &plain);
    let err = parse_log(&log, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("run.txt") && err.contains("--variant"),
        "{err}"
    );
    let opts = ImportOptions {
        variant: Some("x00".into()),
        ..Default::default()
    };
    let err = parse_log(&log, &opts).unwrap_err().to_string();
    assert!(err.contains("run.txt") && err.contains("--seed"), "{err}");
    let opts = ImportOptions {
        variant: Some("x00".into()),
        seed: Some(7),
        experiment: Some("records".into()),
        preset: Some("medium".into()),
        hardware: Some("8xH100".into()),
        source: Some("github.com/a/b, results.md, section ## 3".into()),
        ..Default::default()
    };
    let run = parse_log(&log, &opts).unwrap();
    assert_eq!((run.info.variant, run.info.seed), (v("x00"), 7));
    assert_eq!(run.info.preset.as_deref(), Some("medium"));
    // The preset gives the shape the log does not print (a baseline logs no lambdas, whose
    // length would give its layers), and --source says where the log was published.
    let rec = runlog::RecordedConfig::of(&run.info).unwrap();
    assert_eq!(
        (rec.layers, rec.dim, rec.heads, rec.vocab),
        (Some(16), Some(1024), Some(8), Some(50257))
    );
    assert_eq!(
        rec.source.as_deref(),
        Some("github.com/a/b, results.md, section ## 3")
    );
    assert_eq!(rec.imported_from.as_deref(), Some("run.txt"));
    for (preset, source, says) in [
        (
            Some("huge"),
            None,
            "--preset huge: not a preset an import knows; known: medium",
        ),
        (None, Some("a\nb"), "must be one line"),
    ] {
        let bad = ImportOptions {
            preset: preset.map(Into::into),
            source: source.map(Into::into),
            ..opts.clone()
        };
        let err = parse_log(&log, &bad).unwrap_err().to_string();
        assert!(err.contains("run.txt") && err.contains(says), "{err}");
    }
    let bad = ImportOptions {
        variant: Some("big".into()),
        seed: Some(0),
        ..Default::default()
    };
    let err = parse_log(&log, &bad).unwrap_err().to_string();
    assert!(
        err.contains("--variant: variant `big` is not `x` and two digits"),
        "{err}"
    );
}

#[test]
fn bad_logs_get_errors_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let log = write(tmp.path(), "x01-s0.txt", "step:5/10 x_lambdas:[1.0]\n");
    let err = parse_log(&log, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x01-s0.txt, line 1") && err.contains("no val_loss line"),
        "{err}"
    );
    let log = write(tmp.path(), "x01-s1.txt", "hello\n");
    let err = parse_log(&log, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x01-s1.txt") && err.contains("not a modded-nanogpt"),
        "{err}"
    );
    let log = write(
        tmp.path(),
        "x01-s2.txt",
        "step:0/10 val_loss:abc train_time:0ms\n",
    );
    let err = parse_log(&log, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1") && err.contains("abc"), "{err}");
}

#[test]
fn a_log_that_would_not_make_a_valid_run_is_refused_naming_its_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let back = "step:0/20 val_loss:5.0 train_time:0ms\nstep:20/20 val_loss:4.0 train_time:900ms\nstep:10/20 val_loss:4.5 train_time:950ms\n";
    let err = parse_log(
        &write(tmp.path(), "x00-s0.txt", back),
        &ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("x00-s0.txt, line 3: val_loss at step 10 after the one at step 20 (line 2)"),
        "{err}"
    );
    let negative =
        "step:0/20 val_loss:5.0 train_time:0ms\nstep:20/20 val_loss:-3.0 train_time:-5ms\n";
    let err = parse_log(
        &write(tmp.path(), "x00-s1.txt", negative),
        &ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("would not make a valid run: line 2: train_time_ms goes back")
            && err.contains("line 2: val_loss -3 is negative"),
        "{err}"
    );
    // Lambdas grouped after all the losses still land on their evaluations.
    let grouped =
        "step:0/20 val_loss:5.0 train_time:0ms\nstep:20/20 val_loss:4.0 train_time:900ms\n\
                   step:0/20 x_lambdas:[1.0]\nstep:20/20 x_lambdas:[0.5]\n\
                   step:0/20 x00_lambdas:[0.0]\nstep:20/20 x00_lambdas:[0.25]\n";
    let run = parse_log(
        &write(tmp.path(), "x00-s2.txt", grouped),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(run.metrics[1].lambdas.as_ref().unwrap()["x00"], [0.25]);
}

#[test]
fn a_diverged_or_cut_log_says_so_in_its_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let nan = "step:0/20 val_loss:10.8 train_time:0ms\nstep:10/20 val_loss:nan train_time:900ms\n";
    let run = parse_log(
        &write(tmp.path(), "x00-s0.txt", nan),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(run.summary.status, runlog::Status::Diverged);
    assert_eq!(run.metrics[1].val_loss, None);
    let cut = "step:0/20 val_loss:10.8 train_time:0ms\nstep:10/20 val_loss:4.0 train_time:900ms\n";
    let run = parse_log(
        &write(tmp.path(), "x00-s1.txt", cut),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(run.summary.status, runlog::Status::Interrupted);
}

#[test]
fn two_logs_for_one_run_and_overwriting_a_trainer_run_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write(tmp.path(), "x02-s0.txt", X02_LOG);
    let b = write(tmp.path(), "other.txt", X02_LOG);
    let opts = ImportOptions {
        seed: Some(0),
        ..Default::default()
    };
    let out = tmp.path().join("runs");
    let err = import_logs(&[a.clone(), b], &out, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("other.txt") && err.contains("x02-s0.txt"),
        "{err}"
    );
    assert!(
        !out.exists(),
        "nothing is written when the batch is refused"
    );
    // Importing the same log again changes nothing; a trainer's run is left alone.
    import_logs(std::slice::from_ref(&a), &out, &opts).unwrap();
    import_logs(std::slice::from_ref(&a), &out, &opts).unwrap();
    let run_json = out
        .join(tmp.path().file_name().unwrap())
        .join("x02-s0/run.json");
    let text = std::fs::read_to_string(&run_json)
        .unwrap()
        .replace("import:", "trainer:");
    std::fs::write(&run_json, text).unwrap();
    let force = ImportOptions {
        force: true,
        ..opts.clone()
    };
    for opts in [&opts, &force] {
        let err = import_logs(std::slice::from_ref(&a), &out, opts)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "x02-s0/run.json: already holds a run that was not imported; an import \
                          never replaces it, even with --force"
            ),
            "{err}"
        );
    }
}

/// A minimal finished log of `total` steps ending at `loss`.
fn log_of(total: u64, loss: f64) -> String {
    format!(
        "step:0/{total} val_loss:10.825840 train_time:0ms step_avg:0.16ms\n\
         step:{total}/{total} val_loss:{loss} train_time:{}ms step_avg:250.00ms\n",
        total * 250
    )
}

#[test]
fn an_import_never_replaces_a_run_without_force_and_says_what_it_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let s0 = write(tmp.path(), "x01-s0.txt", &log_of(5960, 2.918328));
    let s1 = write(tmp.path(), "x01-s1.txt", &log_of(5960, 2.915804));
    let out = tmp.path().join("runs");
    let opts = ImportOptions {
        experiment: Some("e".into()),
        ..Default::default()
    };
    import_logs(std::slice::from_ref(&s0), &out, &opts).unwrap();
    let summary = out.join("e/x01-s0/summary.json");
    let before = std::fs::read(&summary).unwrap();
    // x01-s1's log given seed 0: it would land on x01-s0.
    let as_seed_0 = ImportOptions {
        seed: Some(0),
        ..opts.clone()
    };
    let err = import_logs(std::slice::from_ref(&s1), &out, &as_seed_0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "x01-s0/run.json: already holds x01 seed 0 (imported from x01-s0.txt), which differs \
             from this import of x01-s1.txt: an import never replaces a run; pass --force"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(&summary).unwrap(), before, "nothing replaced");
    // The same import again: nothing to replace, nothing said but that.
    let again = report::runs::import::import_all(std::slice::from_ref(&s0), &out, &opts).unwrap();
    assert_eq!(
        (again.unchanged, again.replaced.len()),
        (vec![out.join("e/x01-s0")], 0)
    );
    let forced = ImportOptions {
        force: true,
        ..as_seed_0
    };
    let done = report::runs::import::import_all(&[s1], &out, &forced).unwrap();
    assert_eq!(done.replaced.len(), 1);
    assert!(
        done.replaced[0].contains("e/x01-s0: replaced x01 seed 0 (imported from x01-s0.txt) with ")
            && done.replaced[0].ends_with("x01-s1.txt"),
        "{:?}",
        done.replaced
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.contains("2.915804"), "{text}");
}

#[test]
fn runs_of_different_lengths_are_different_configs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let opts = |seed| ImportOptions {
        experiment: Some("t-test".into()),
        variant: Some("x01".into()),
        seed: Some(seed),
        ..Default::default()
    };
    let a = write(tmp.path(), "a.txt", &log_of(5790, 2.9183));
    let b = write(tmp.path(), "b.txt", &log_of(5640, 2.9208));
    import_logs(&[a], &out, &opts(0)).unwrap();
    let run = RunSet::load(&out).unwrap();
    let rec = runlog::RecordedConfig::of(&run.run(v("x01"), 0).unwrap().info).unwrap();
    assert_eq!(rec.steps, Some(5790), "the log's length is recorded");
    // Into the same experiment: refused before anything is written, the difference named.
    let err = import_logs(std::slice::from_ref(&b), &out, &opts(1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("b.txt: would not sit with the runs of experiment `t-test`")
            && err.contains("config.schedule.steps:  5790 (x01-s0) -> 5640 (x01-s1)"),
        "{err}"
    );
    assert!(!out.join("t-test/x01-s1").exists());
    // Runs imported before the length was recorded (their run.json says nothing of it) are
    // still told apart by the total_steps they log: the set check refuses to pool them.
    import_logs(&[b], &tmp.path().join("other"), &opts(1)).unwrap();
    std::fs::rename(
        tmp.path().join("other/t-test/x01-s1"),
        out.join("t-test/x01-s1"),
    )
    .unwrap();
    for seed in ["x01-s0", "x01-s1"] {
        let path = out.join("t-test").join(seed).join("run.json");
        let mut info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        info["config"].as_object_mut().unwrap().remove("schedule");
        std::fs::write(&path, info.to_string()).unwrap();
    }
    let runs = RunSet::load(&out).unwrap();
    let problems: Vec<String> = runs.problems().iter().map(|p| p.to_string()).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("x01-s1/run.json: this run's config differs")
                && p.contains("config.schedule.steps:  5790 (x01-s0) -> 5640 (x01-s1)")),
        "{problems:?}"
    );
}
