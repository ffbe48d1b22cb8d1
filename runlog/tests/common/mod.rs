//! A small run log written for the check tests: an x01 run of three evaluations, and ways to
//! break it.
#![allow(dead_code)] // each test file uses some of these

use runlog::check::check_dir;
use runlog::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub fn info(variant: &str, seed: u64) -> RunInfo {
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

pub fn eval(step: u64) -> Metrics {
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
pub fn write(
    root: &Path,
    variant: &str,
    seed: u64,
    metrics: &[Metrics],
    status: Status,
) -> PathBuf {
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

pub fn good(root: &Path) -> PathBuf {
    write(
        root,
        "x01",
        0,
        &[eval(0), eval(10), eval(20)],
        Status::Finished,
    )
}

pub fn problems(dir: &Path) -> String {
    let c = check_dir(dir);
    c.problems.iter().map(|p| format!("{p}\n")).collect()
}

/// Replaces `from` by `to` in `dir/file` (the first occurrence).
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let t = fs::read_to_string(&p).unwrap();
    assert!(t.contains(from), "{from} not in {t}");
    fs::write(&p, t.replacen(from, to, 1)).unwrap();
}
