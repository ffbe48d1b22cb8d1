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
    let (dirs, warnings) =
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
    // Re-importing replaces an imported run; a trainer's run is left alone.
    import_logs(std::slice::from_ref(&a), &out, &opts).unwrap();
    import_logs(std::slice::from_ref(&a), &out, &opts).unwrap();
    let run_json = out
        .join(tmp.path().file_name().unwrap())
        .join("x02-s0/run.json");
    let text = std::fs::read_to_string(&run_json)
        .unwrap()
        .replace("import:", "trainer:");
    std::fs::write(&run_json, text).unwrap();
    let err = import_logs(&[a], &out, &opts).unwrap_err().to_string();
    assert!(
        err.contains("run.json") && err.contains("refusing"),
        "{err}"
    );
}
