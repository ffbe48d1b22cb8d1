//! The run-log contract: round trips, the exact keys, torn lines, resume trimming.
use runlog::*;
use std::collections::BTreeMap;
use std::fs;

fn info() -> RunInfo {
    RunInfo {
        schema_version: SCHEMA_VERSION,
        run_id: "exp/x01-s0".into(),
        experiment: "exp".into(),
        variant: Variant::parse("x01").unwrap(),
        extra_embeddings: 1,
        seed: Some(0),
        repeat: None,
        preset: Some("tiny".into()),
        config: serde_json::json!({"model": {"dim": 64}}),
        config_hash: Some("abc".into()),
        data_hash: None,
        commit: None,
        device: Some("cpu".into()),
        threads: Some(2),
        host: None,
        started_at: None,
        params: Some(Params {
            total: 10,
            embeddings: 4,
            other: BTreeMap::new(),
        }),
    }
}

fn metrics(step: u64, loss: f64) -> Metrics {
    let mut m = Metrics::new(step, step as f64 * 10.0, loss);
    m.lambdas = Some(BTreeMap::from([
        ("x".to_string(), vec![1.0, 0.9]),
        ("x00".to_string(), vec![0.0, 0.1]),
    ]));
    m
}

fn write_run(dir: &std::path::Path, lines: &[Metrics]) {
    write_json_atomic(&dir.join(RUN_FILE), &info()).unwrap();
    let mut w = MetricsWriter::open(&dir.join(METRICS_FILE)).unwrap();
    for m in lines {
        w.append(m).unwrap();
    }
}

#[test]
fn round_trip_keeps_every_field() {
    let d = tempfile::tempdir().unwrap();
    write_run(d.path(), &[metrics(0, 5.0), metrics(10, 4.0)]);
    let summary = Summary {
        status: Status::Finished,
        final_val_loss: Some(4.0),
        train_time_ms: 100.0,
        step_avg_ms: Some(10.0),
        tokens_per_s: Some(1000.0),
        peak_rss_mb: Some(50.0),
    };
    write_json_atomic(&d.path().join(SUMMARY_FILE), &summary).unwrap();
    let run = read_run(d.path()).unwrap();
    assert_eq!(run.info, info());
    assert_eq!(run.metrics, vec![metrics(0, 5.0), metrics(10, 4.0)]);
    assert_eq!(run.summary, Some(summary));
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);
}

#[test]
fn keys_are_the_contracts() {
    let mut m = metrics(5, 3.0);
    m.x_norms = Some(vec![1.0]);
    m.ve_lambdas = Some(vec![[0.5, 0.5]]);
    let v = serde_json::to_value(&m).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "lambdas",
            "step",
            "train_time_ms",
            "val_loss",
            "ve_lambdas",
            "x_norms"
        ]
    );
    let s = serde_json::to_string(&Summary {
        status: Status::Diverged,
        final_val_loss: None,
        train_time_ms: 1.0,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    })
    .unwrap();
    assert_eq!(
        s,
        r#"{"status":"diverged","final_val_loss":null,"train_time_ms":1.0}"#
    );
}

#[test]
fn non_finite_loss_is_null() {
    let m = Metrics::new(3, 1.0, f64::NAN);
    let line = serde_json::to_string(&m).unwrap();
    assert!(line.contains(r#""val_loss":null"#), "{line}");
    let back: Metrics = serde_json::from_str(&line).unwrap();
    assert_eq!(back.val_loss, None);
}

#[test]
fn val_loss_key_is_required() {
    let err = serde_json::from_str::<Metrics>(r#"{"step":1,"train_time_ms":2}"#).unwrap_err();
    assert!(err.to_string().contains("val_loss"), "{err}");
}

#[test]
fn torn_last_line_keeps_whole_lines_and_warns() {
    let d = tempfile::tempdir().unwrap();
    write_run(d.path(), &[metrics(0, 5.0), metrics(10, 4.0)]);
    let path = d.path().join(METRICS_FILE);
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"step":20,"train_time_ms":200.0,"val_lo"#);
    fs::write(&path, text).unwrap();
    let run = read_run(d.path()).unwrap();
    assert_eq!(run.metrics.len(), 2);
    assert_eq!(run.metrics[1].step, 10);
    let torn = run
        .warnings
        .iter()
        .find(|w| w.line == Some(3))
        .expect("a warning for line 3");
    assert!(
        torn.to_string().contains("metrics.jsonl, line 3: torn"),
        "{torn}"
    );
    assert!(run.summary.is_none());
    assert!(run
        .warnings
        .iter()
        .any(|w| w.to_string().contains("summary.json: missing")));
}

#[test]
fn writer_reopened_after_a_crash_drops_the_torn_line() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(METRICS_FILE);
    fs::write(
        &path,
        "{\"step\":0,\"train_time_ms\":0,\"val_loss\":5.0}\n{\"step\":1",
    )
    .unwrap();
    let mut w = MetricsWriter::open(&path).unwrap();
    w.append(&Metrics::new(10, 1.0, 4.0)).unwrap();
    let (m, warn) = read_metrics(&path).unwrap();
    assert_eq!(m.iter().map(|m| m.step).collect::<Vec<_>>(), [0, 10]);
    assert!(warn.is_empty(), "{warn:?}");
}

#[test]
fn repair_trims_evaluations_after_a_checkpoint() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(METRICS_FILE);
    let mut w = MetricsWriter::open(&path).unwrap();
    for s in [0, 10, 20, 30] {
        w.append(&Metrics::new(s, s as f64, 1.0)).unwrap();
    }
    assert_eq!(repair_metrics(&path, Some(20)).unwrap(), 1);
    let (m, _) = read_metrics(&path).unwrap();
    assert_eq!(m.iter().map(|m| m.step).collect::<Vec<_>>(), [0, 10, 20]);
}

#[test]
fn missing_or_bad_run_json_is_an_error_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let err = read_run(d.path()).unwrap_err().to_string();
    assert!(err.contains("run.json"), "{err}");
    fs::write(d.path().join(RUN_FILE), "{\"schema_version\": 1}").unwrap();
    let err = read_run(d.path()).unwrap_err().to_string();
    assert!(err.contains("run.json") && err.contains("run_id"), "{err}");
    let mut i = info();
    i.schema_version = 9;
    write_json_atomic(&d.path().join(RUN_FILE), &i).unwrap();
    let err = read_run(d.path()).unwrap_err().to_string();
    assert!(err.contains("schema_version 9"), "{err}");
}

#[test]
fn atomic_write_leaves_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a/b/summary.json");
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"two");
    let names: Vec<_> = fs::read_dir(p.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn minimal_run_info_reads_the_variant() {
    let i = RunInfo::new("exp", Variant::parse("x03").unwrap(), 2);
    assert_eq!((i.run_id.as_str(), i.extra_embeddings), ("exp/x03-s2", 3));
    // A run.json naming a variant outside x00..x99 does not read.
    let bad = serde_json::to_string(&i)
        .unwrap()
        .replace("\"x03\"", "\"baseline\"");
    let err = serde_json::from_str::<RunInfo>(&bad).unwrap_err();
    assert!(err.to_string().contains("`baseline`"), "{err}");
    let text = serde_json::to_string(&i).unwrap();
    assert!(!text.contains("config") && !text.contains("null"), "{text}");
}
