//! `report import` on every form of evaluation line modded-nanogpt's records folder holds
//! (report/docs/import-formats.md): small logs written here, a few lines of each era's form,
//! each imported with its final loss and time exactly as its last `val_loss` line states them;
//! logs with neither time form refused naming file and line; files of many `## ` sections.

use report::runs::import::lines::time_ms;
use report::runs::import::{parse_log, write_run, ImportOptions};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn baseline() -> ImportOptions {
    ImportOptions {
        variant: Some("x00".into()),
        seed: Some(0),
        experiment: Some("records".into()),
        ..Default::default()
    }
}

/// One era's form: a small log, and what its last `val_loss` line states.
struct Era {
    name: &'static str,
    log: &'static str,
    loss: f64,
    ms: f64,
    step_avg: Option<f64>,
    evals: usize,
}

const ERAS: &[Era] = &[
    Era {
        name: "short-2024-q4.txt",
        log: "print0(f\"step:{step}/{train_steps} val_loss:{val_loss:.4f}\")  # the source\n\
              step:0/3200 val_loss:10.8258 train_time:0ms step_avg:nanms\n\
              step:1/3200 train_loss:10.8258 train_time:31ms step_avg:nanms\n\
              step:125/3200 val_loss:4.3802 train_time:13402ms step_avg:107.22ms\n\
              step:3200/3200 val_loss:3.2797 train_time:344127ms step_avg:107.54ms\n",
        loss: 3.2797,
        ms: 344127.0,
        step_avg: Some(107.54),
        evals: 3,
    },
    Era {
        name: "medium-2025.txt",
        log: "step:0/5960 val_loss:10.825840 train_time:0ms step_avg:0.16ms\n\
              step:5959/5960 train_time:1468651ms step_avg:246.50ms\n\
              step:5960/5960 val_loss:2.919750 train_time:1468898ms step_avg:246.46ms\n\
              peak memory allocated: 50380 MiB reserved: 55354 MiB\n",
        loss: 2.91975,
        ms: 1468898.0,
        step_avg: Some(246.46),
        evals: 2,
    },
    Era {
        name: "optimization-2026-04.txt",
        log: "step:0/3325 val_loss:10.82584 train_time:0.000s step_avg:0.13ms\n\
              step:1/3325 train_time:0.247s step_avg:247.30ms\n\
              step:125/3325 val_loss:4.83759 train_time:29.896s step_avg:239.17ms\n\
              step:3325/3325 val_loss:3.27836 train_time:505.319s step_avg:151.98ms\n",
        loss: 3.27836,
        ms: 505319.0,
        step_avg: Some(151.98),
        evals: 3,
    },
    Era {
        name: "optimization-nan-step-avg.txt",
        log: "step:0/3225 val_loss:10.82584 train_time:0.000s step_avg:nanms\n\
              step:125/3225 val_loss:4.64048 train_time:23.722s step_avg:189.77ms\n\
              step:3225/3225 val_loss:3.28011 train_time:261.770s step_avg:nanms\n",
        loss: 3.28011,
        ms: 261770.0,
        step_avg: None,
        evals: 3,
    },
    Era {
        name: "optimization-extra-fields.txt",
        log: "step:0/3000 val_loss:10.82584 val_avg_loss:10.82584 val_ema_loss:nan \
              train_time:0.000s step_avg:nanms\n\
              step:2900/3000 val_loss:3.28410 train_time:401.006s step_avg:138.28ms \
              ema_beta:0.9 ref_gamma:-0.5 ref_step:2850\n\
              step:3000/3000 val_loss:3.27702 train_time:414.823s step_avg:138.27ms \
              extrap_count:3 extrap_rel:0.0125 handoff:keep\n",
        loss: 3.27702,
        ms: 414823.0,
        step_avg: Some(138.27),
        evals: 3,
    },
];

#[test]
fn every_era_imports_with_its_last_val_loss_line_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    for era in ERAS {
        let path = write(tmp.path(), era.name, era.log);
        let run = parse_log(&path, &baseline()).unwrap();
        let s = &run.summary;
        // Exact: the numbers the log prints, not numbers near them.
        assert_eq!(
            (s.final_val_loss, s.train_time_ms, s.step_avg_ms),
            (Some(era.loss), era.ms, era.step_avg),
            "{}",
            era.name
        );
        assert_eq!(s.status, runlog::Status::Finished, "{}", era.name);
        assert_eq!(run.metrics.len(), era.evals, "{}", era.name);
        // `nanms` where the import does not need a number: no warning.
        assert!(run.warnings.is_empty(), "{}: {:?}", era.name, run.warnings);
        let dir = write_run(&run, &tmp.path().join("runs").join(era.name)).unwrap();
        let metrics = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
        let last = metrics.lines().last().unwrap();
        assert!(
            last.contains(&format!("\"train_time_ms\":{:?}", era.ms)),
            "{}: {last}",
            era.name
        );
        assert!(runlog::check::check_dir(&dir).problems.is_empty());
    }
}

#[test]
fn seconds_become_milliseconds_by_moving_the_point_never_by_multiplying() {
    // The drift a multiplication would put into run.json and metrics.jsonl.
    assert_ne!(261.770f64 * 1000.0, 261770.0);
    for (text, ms) in [
        ("261.770s", 261770.0),
        ("505.319s", 505319.0),
        ("0.000s", 0.0),
        ("1.5s", 1500.0),
        ("12.3456s", 12345.6),
        ("-1.5s", -1500.0),
        ("28089ms", 28089.0),
        ("28089.5ms", 28089.5),
    ] {
        assert_eq!(time_ms(text), Some(ms), "{text}");
    }
    for bad in [
        "nans", "nanms", "infs", "1e3s", "", "s", "ms", ".5s", "5.s", "23.722", "1.5min",
    ] {
        assert_eq!(time_ms(bad), None, "{bad}");
    }
}

#[test]
fn a_log_without_a_time_it_needs_is_refused_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let first = "step:0/3225 val_loss:10.82584 train_time:0.000s step_avg:nanms\n";
    for (second, says) in [
        (
            "step:125/3225 val_loss:4.64048 step_avg:189.77ms",
            "t.txt, line 2: val_loss line without train_time:<N>ms or train_time:<F>s",
        ),
        (
            "step:125/3225 val_loss:4.64048 train_time:nans step_avg:189.77ms",
            "t.txt, line 2: train_time 'nans' is not a time like 28089ms or 505.319s",
        ),
        (
            "step:125/3225 val_loss:4.64048 train_time:23.722 step_avg:189.77ms",
            "t.txt, line 2: train_time '23.722' is not a time like 28089ms or 505.319s",
        ),
        (
            "step:nan/3225 val_loss:4.64048 train_time:23.722s",
            "t.txt, line 2: `step:nan/3225` is not step:<S>/<T> (whole numbers) in an \
             evaluation line",
        ),
    ] {
        let path = write(tmp.path(), "t.txt", &format!("{first}{second}\n"));
        let err = parse_log(&path, &baseline()).unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
    }
    // llm.c's form has a loss but no time at all.
    let path = write(
        tmp.path(),
        "main.log",
        "s:0 tel:10.9830\ns:250 tel:6.3097\n",
    );
    let err = parse_log(&path, &baseline()).unwrap_err().to_string();
    assert!(
        err.contains(
            "main.log: no `step:S/T val_loss:...` line: not a modded-nanogpt training log"
        ) && err.contains("llm.c's log form, print no training time"),
        "{err}"
    );
}

#[test]
fn runs_one_after_another_in_one_file_are_refused_where_the_second_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let log = "step:0/20 val_loss:10.8 train_time:0.000s\n\
               step:20/20 val_loss:3.5 train_time:2.000s\n\
               step:0/20 val_loss:10.8 train_time:0.000s\n\
               step:20/20 val_loss:3.4 train_time:2.100s\n";
    let err = parse_log(&write(tmp.path(), "two.txt", log), &baseline())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "two.txt, line 3: val_loss at step 0 after the run ended at step 20 (line 2): a \
             second run starts here"
        ),
        "{err}"
    );
}

const TWO_SECTIONS: &str = "# Results\n\
    \n\
    ## 0\n\
    \n\
    step:0/20 val_loss:10.825840 train_time:0ms step_avg:0.16ms\n\
    step:10/20 val_loss:4.5 train_time:1000ms step_avg:100.0ms\n\
    ## 0-1\n\
    step:15/20 val_loss:4.0 train_time:1500ms step_avg:100.0ms\n\
    step:20/20 val_loss:3.5 train_time:2000ms step_avg:100.0ms\n\
    ## 61 3step:0/20 val_loss:10.8 train_time:0ms step_avg:0.1ms\n\
    step:20/20 val_loss:3.25 train_time:2100ms step_avg:105.0ms\n";

#[test]
fn two_sections_are_never_spliced_and_one_is_picked_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "results.md", TWO_SECTIONS);
    // Steps 0, 10 | 15, 20 would read as one run going forward: the headers say otherwise.
    let err = parse_log(&path, &baseline()).unwrap_err().to_string();
    assert!(
        err.contains(
            "results.md, line 8: log lines under a second `## ` header (line 7 `## 0-1`; the \
             first: line 3 `## 0`): one run is one section"
        ),
        "{err}"
    );
    let pick = |name: &str| ImportOptions {
        section: Some(name.into()),
        ..baseline()
    };
    let run = parse_log(&path, &pick("0-1")).unwrap();
    let steps: Vec<u64> = run.metrics.iter().map(|m| m.step).collect();
    assert_eq!((steps, run.lines.clone()), (vec![15, 20], vec![8, 9]));
    assert_eq!(run.info.run_id, "import:records/results.md#0-1");
    assert_eq!(run.info.config["section"], "0-1");
    // A header glued to its first log line names its section; the warning still says so.
    let run = parse_log(&path, &pick("61 3")).unwrap();
    assert_eq!(run.summary.final_val_loss, Some(3.25));
    assert!(run.warnings[0]
        .to_string()
        .contains("line 10: a `step:` line glued"));
    let err = parse_log(&path, &pick("9")).unwrap_err().to_string();
    assert!(
        err.contains(
            "results.md: --section \"9\": no `## 9` header; its sections: `0`, `0-1`, `61 3`"
        ),
        "{err}"
    );
    // One header alone is a title: the file is one run.
    let one = write(
        tmp.path(),
        "one.md",
        &TWO_SECTIONS[..TWO_SECTIONS.find("## 0-1").unwrap()],
    );
    assert_eq!(parse_log(&one, &baseline()).unwrap().metrics.len(), 2);
}
