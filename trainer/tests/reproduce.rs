//! The committed CPU runs are reproducible: re-training a run's first steps with today's trainer
//! (the same preset, seed and thread count, stopped early by `--stop-after-step`, which keeps
//! the run's schedule and config) gives its committed metrics.jsonl lines exactly.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The committed run re-trained, and how far.
const RUN: &str = "embeddings-extravaganza-1/x01-s0";
const STOP_AFTER: u64 = 100;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The metrics lines up to `STOP_AFTER`, without the wall-clock time (the one field a machine's
/// speed decides).
fn lines_until_stop(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|m| m["step"].as_u64().unwrap() <= STOP_AFTER)
        .map(|mut m| {
            m.as_object_mut().unwrap().remove("train_time_ms");
            m
        })
        .collect()
}

#[test]
fn a_committed_cpu_run_repeats_its_first_steps_exactly() {
    let committed = root().join("runs").join(RUN);
    let corpus = root().join("data").join("corpus");
    if !corpus.join("tdavid").join("corpus.json").exists() {
        assert!(
            !in_ci(),
            "the tdavid corpus is missing under {} and CI is set: run `make corpus` first",
            corpus.display()
        );
        println!("skipped: the tdavid corpus is missing (make corpus)");
        return;
    }
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(committed.join("run.json")).unwrap())
            .unwrap();
    let threads = info["threads"].as_u64().unwrap().to_string();
    let seed = info["seed"].as_u64().unwrap().to_string();
    let out = tempfile::tempdir().unwrap();
    let status = common::trainer(
        &[
            "run",
            "--preset",
            info["preset"].as_str().unwrap(),
            "--variant",
            info["variant"].as_str().unwrap(),
            "--seed",
            &seed,
            "--threads",
            &threads,
            "--experiment",
            info["experiment"].as_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "--corpus-dir",
            corpus.to_str().unwrap(),
            "--stop-after-step",
            &STOP_AFTER.to_string(),
            "--checkpoint-every",
            "0",
            "--quiet",
        ],
        &[],
    )
    .status()
    .unwrap();
    assert!(status.success(), "trainer run exited with {status}");
    let again = out.path().join(RUN);
    let new_info: Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("run.json")).unwrap()).unwrap();
    // The early stop changes neither the config nor the data.
    assert_eq!(new_info["config_hash"], info["config_hash"]);
    assert_eq!(new_info["data_hash"], info["data_hash"]);
    let want = lines_until_stop(&committed.join("metrics.jsonl"));
    let got = lines_until_stop(&again.join("metrics.jsonl"));
    assert!(
        want.len() >= 2,
        "the committed run logs step 0 and {STOP_AFTER}"
    );
    assert_eq!(got.len(), want.len(), "evaluations up to step {STOP_AFTER}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "step {}: re-trained != committed", w["step"]);
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["status"], "interrupted");
}
