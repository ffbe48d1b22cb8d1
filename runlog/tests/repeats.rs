//! Runs that set no seed (imported logs repeated without one): identified by their repeat
//! number, written as schema version 2 (`"seed": null, "repeat": N`, folder `x01-rN`), read
//! beside version 1 runs; and imported runs of several recorded configurations in one
//! experiment, which trained runs may not be.

mod common;
use common::{edit, eval, write};
use runlog::check::{check_dir, check_set, Checked};
use runlog::*;
use std::path::{Path, PathBuf};

fn problems(c: &Checked) -> String {
    c.problems.iter().map(|p| format!("{p}\n")).collect()
}

/// An imported x01 run, repeat `n`, of `steps` steps with these settings, its losses moved by
/// `n` so that no two repeats hold the same numbers.
fn imported(root: &Path, n: u64, steps: u64, settings: serde_json::Value) -> PathBuf {
    let mut info = RunInfo::repeated("exp", Variant::parse("x01").unwrap(), n);
    info.run_id = format!("import:exp/log.md#{n}");
    info.config = serde_json::json!({
        "model": {"layers": 2, "dim": 8},
        "schedule": {"steps": steps},
        "settings": settings,
    });
    let dir = root.join("exp").join(info.identity().dir_name());
    write_json_atomic(&dir.join(RUN_FILE), &info).unwrap();
    let mut w = MetricsWriter::open(&dir.join(METRICS_FILE)).unwrap();
    let mut last = eval(0);
    for step in [0, steps] {
        last = eval(step);
        last.total_steps = Some(steps);
        last.val_loss = last.val_loss.map(|l| l + n as f64 / 1000.0);
        w.append(&last).unwrap();
    }
    let s = Summary {
        status: Status::Finished,
        final_val_loss: last.val_loss,
        train_time_ms: last.train_time_ms,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    write_json_atomic(&dir.join(SUMMARY_FILE), &s).unwrap();
    dir
}

#[test]
fn a_repeat_is_written_as_version_2_with_a_null_seed_and_reads_back() {
    let d = tempfile::tempdir().unwrap();
    let dir = imported(d.path(), 3, 20, serde_json::json!({"script": "692"}));
    assert!(dir.ends_with("exp/x01-r3"), "{}", dir.display());
    let text = std::fs::read_to_string(dir.join(RUN_FILE)).unwrap();
    for want in ["\"schema_version\": 2", "\"seed\": null", "\"repeat\": 3"] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    let c = check_dir(&dir);
    assert!(c.is_ok(), "{}", problems(&c));
    let info = &c.run.as_ref().unwrap().info;
    assert_eq!(info.replica(), Replica::Repeat(3));
    assert_eq!(info.identity().dir_name(), "x01-r3");
    assert_ne!(
        info.identity(),
        RunInfo::new("exp", info.variant, 3).identity(),
        "repeat 3 is not seed 3"
    );
}

#[test]
fn a_version_1_run_json_still_reads_with_its_seed() {
    let d = tempfile::tempdir().unwrap();
    let dir = write(
        d.path(),
        "x01",
        4,
        &[eval(0), eval(10), eval(20)],
        Status::Finished,
    );
    let text = std::fs::read_to_string(dir.join(RUN_FILE)).unwrap();
    assert!(text.contains("\"schema_version\": 1") && text.contains("\"seed\": 4"));
    assert!(!text.contains("repeat"), "{text}");
    let c = check_dir(&dir);
    assert!(c.is_ok(), "{}", problems(&c));
    assert_eq!(c.run.unwrap().info.replica(), Replica::Seed(4));
}

#[test]
fn seed_and_repeat_are_one_or_the_other_by_version() {
    let d = tempfile::tempdir().unwrap();
    // Version 1 names a seed; a repeat needs version 2.
    let v1 = write(
        d.path(),
        "x01",
        0,
        &[eval(0), eval(10), eval(20)],
        Status::Finished,
    );
    edit(
        &v1,
        RUN_FILE,
        "\"seed\": 0,",
        "\"seed\": null, \"repeat\": 0,",
    );
    let text = problems(&check_dir(&v1));
    assert!(text.contains("seed is null, not a whole number"), "{text}");
    assert!(
        text.contains("`repeat` needs schema_version 2 (version 1 runs name a seed)"),
        "{text}"
    );
    // Version 2: both, or neither, is refused.
    let both = imported(d.path(), 1, 20, serde_json::json!({}));
    edit(&both, RUN_FILE, "\"seed\": null", "\"seed\": 1");
    let text = problems(&check_dir(&both));
    assert!(
        text.contains("both a seed and a repeat: a run either set a seed or is a repeat"),
        "{text}"
    );
    let neither = imported(d.path(), 2, 20, serde_json::json!({}));
    edit(&neither, RUN_FILE, "\"repeat\": 2", "\"repeat\": null");
    let text = problems(&check_dir(&neither));
    assert!(
        text.contains("neither a seed nor a repeat: a run that set no seed records which repeat"),
        "{text}"
    );
}

fn checked(dirs: &[PathBuf]) -> Vec<Checked> {
    let mut c: Vec<Checked> = dirs.iter().map(|d| check_dir(d)).collect();
    check_set(&mut c);
    c
}

#[test]
fn imported_runs_of_recorded_configurations_share_an_experiment() {
    let d = tempfile::tempdir().unwrap();
    let dirs = vec![
        imported(d.path(), 0, 20, serde_json::json!({"script": "65"})),
        imported(d.path(), 1, 20, serde_json::json!({"script": "692"})),
        imported(d.path(), 2, 30, serde_json::json!({"script": "692"})),
    ];
    for c in checked(&dirs) {
        assert!(c.is_ok(), "{}", problems(&c));
    }
    // A difference no import records (the model's width) is still one config per experiment.
    let odd = imported(d.path(), 3, 20, serde_json::json!({"script": "65"}));
    edit(&odd, RUN_FILE, "\"dim\": 8", "\"dim\": 9");
    let c = checked(&[dirs[0].clone(), dirs[1].clone(), odd]);
    let text = problems(&c[2]);
    assert!(
        text.contains("config.model.dim:  8 (x01-r0) -> 9 (x01-r3)"),
        "{text}"
    );
}

#[test]
fn trained_runs_keep_one_config_per_experiment() {
    let d = tempfile::tempdir().unwrap();
    let a = write(
        d.path(),
        "x01",
        0,
        &[eval(0), eval(10), eval(20)],
        Status::Finished,
    );
    let mut other = vec![eval(0), eval(10), eval(20)];
    other[2].val_loss = Some(1.0);
    let b = write(d.path(), "x01", 1, &other, Status::Finished);
    // The same setting an import would record: trained runs do not get to differ in it.
    edit(
        &b,
        RUN_FILE,
        "\"steps\": 20",
        "\"steps\": 20}, \"settings\": {\"script\": \"692\"",
    );
    let c = checked(&[a, b]);
    let text = problems(&c[1]);
    assert!(
        text.contains("this run's config differs from that of")
            && text
                .contains("config.settings:  (absent) (x01-s0) -> {\"script\":\"692\"} (x01-s1)"),
        "{text}"
    );
}
