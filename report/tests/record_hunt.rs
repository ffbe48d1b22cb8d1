//! The x0 study's record hunt and record-codebase runs (runs/x0-record-hunt,
//! runs/x0-record-codebase): what the recorded imports write, the record's numbers, and the
//! configurations they hold, never pooled.

mod common;

use common::fixtures;
use report::runs::RunSet;
use report::stats;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_owned())
        .collect();
    v.sort();
    v
}

/// Runs `script` into a fresh folder and compares what it writes with runs/<experiment>, byte
/// for byte; `runs` is the number of runs it must write.
fn reimport(script: &str, experiment: &str, runs: usize) {
    let Some(study) = fixtures("x0-study") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(repo().join("scripts").join(script))
        .env("REPORT", env!("CARGO_BIN_EXE_report"))
        .env("FIXTURES", &study)
        .env("OUT", out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{script} failed");
    let fresh = out.path().join(experiment);
    let committed = repo().join("runs").join(experiment);
    let names = files_under(&fresh);
    assert_eq!(names.len(), runs * 3, "{names:?}");
    assert_eq!(names, files_under(&committed), "the same files");
    for name in &names {
        assert!(
            std::fs::read(fresh.join(name)).unwrap()
                == std::fs::read(committed.join(name)).unwrap(),
            "runs/{experiment}/{} differs from what `make import-x0` writes",
            name.display()
        );
    }
}

#[test]
fn the_committed_record_hunt_is_what_its_recorded_import_writes() {
    reimport("import-x0-record-hunt.sh", "x0-record-hunt", 198);
}

#[test]
fn the_committed_record_codebase_runs_are_what_their_recorded_import_writes() {
    // 36 sections, one of them (`## 61 4`) a copy of `## 61 3`: 35 runs.
    reimport("import-x0-record-codebase.sh", "x0-record-codebase", 35);
}

fn hunt() -> RunSet {
    let runs = RunSet::load(&repo().join("runs")).unwrap();
    assert!(runs.problems().is_empty(), "{:?}", runs.problems());
    runs.only_experiment("x0-record-hunt").unwrap()
}

#[test]
fn the_record_is_19_runs_at_5690_steps_below_2_92() {
    let runs = hunt();
    let configs = stats::configurations(&runs);
    let labels: Vec<(String, usize)> = configs
        .iter()
        .map(|c| (c.label.clone(), c.runs.len()))
        .collect();
    // Ten sections, nine configurations: `68 (old)` and `68` ran one script at one length.
    assert_eq!(configs.len(), 9, "{labels:?}");
    assert_eq!(configs.iter().map(|c| c.runs.len()).sum::<usize>(), 198);
    let record = stats::select(&runs, Some(5690), Some("script=692")).unwrap();
    let [c] = stats::configurations(&record)
        .try_into()
        .unwrap_or_else(|_| panic!("one"));
    assert_eq!(c.label, "x01, 5690 steps, script=692, ve_share=same");
    let s = c.final_loss().unwrap();
    assert_eq!(s.n, 19);
    assert_eq!(
        format!("{:.5} ± {:.5}", s.mean, s.std.unwrap()),
        "2.91941 ± 0.00063"
    );
    let t = stats::below_threshold(&s, 2.92).unwrap();
    assert_eq!(format!("{:.5}", t.p), "0.00036");
    assert!((c.train_time().unwrap().mean - 1412.4).abs() < 0.05);
    // 65 ran the same code at the same length; it is another configuration, not pooled in.
    let c65 = stats::select(&runs, Some(5690), Some("script=65")).unwrap();
    assert_eq!(stats::configurations(&c65)[0].runs.len(), 33);
}

#[test]
fn report_stats_shows_each_configurations_t_test_against_2_92() {
    let out = Command::new(env!("CARGO_BIN_EXE_report"))
        .args([
            "stats",
            "--experiment",
            "x0-record-hunt",
            "--threshold",
            "2.92",
            "--runs",
        ])
        .arg(repo().join("runs"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for row in [
        "x01, 5690 steps, script=692, ve_share=same   19      2.91941 ± 0.00063   2.91966   -4.070   0.00036    1412.4",
        "x01, 5640 steps, script=66, ve_share=same   12      2.92085 ± 0.00079   2.92127    3.728   0.99833    1451.5",
        "x01, 5690 steps, script=693, ve_share=inverse   17      2.91961 ± 0.00068",
    ] {
        assert!(text.contains(row), "{row}:\n{text}");
    }
    // No row pools the variant's 198 runs.
    assert!(!text.contains("n=198") && !text.contains(" 198 "), "{text}");
}

/// A site folder whose post draws on the committed hunt and says `body`; `report build`'s
/// status and stderr.
fn build(body: &str) -> (bool, String) {
    build_on("x0-record-hunt", body).0
}

/// A site folder whose post draws on the committed runs of `experiment` and says `body`:
/// `report build`'s status and stderr, and the folder (the filled markdown is in `out/`).
fn build_on(experiment: &str, body: &str) -> ((bool, String), tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    let runs = d.path().join("runs").join(experiment);
    std::fs::create_dir_all(&runs).unwrap();
    for name in files_under(&repo().join("runs").join(experiment)) {
        let to = runs.join(&name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("runs").join(experiment).join(&name), to).unwrap();
    }
    std::fs::create_dir_all(d.path().join("posts")).unwrap();
    std::fs::write(
        d.path().join("posts/p.md"),
        format!("---\ntitle: P\ndate: 2026-01-01\nexperiment: {experiment}\n---\n# P\n\n{body}\n"),
    )
    .unwrap();
    std::fs::write(d.path().join("site.toml"), "title = \"T\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_report"))
        .args(["build", "--out", "out"])
        .current_dir(d.path())
        .output()
        .unwrap();
    (
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        d,
    )
}

#[test]
fn a_false_record_claim_stops_the_build() {
    let (ok, err) = build(
        "The record holds below 2.9190.\n{{ check(claim=\"the record\", that=\"mean_below\", \
         variant=\"x01\", steps=5690, config=\"script=692\", threshold=2.9190) }}",
    );
    assert!(!ok, "{err}");
    assert!(
        err.contains(
            "claim \"the record\" is false: x01, 5690 steps, script=692, ve_share=same: mean \
             final val loss 2.91941 (n = 19), upper 95% bound 2.91966; one-sided t-test against \
             2.919: t = 2.849, p = 0.99467"
        ),
        "{err}"
    );
    // The true claim, against 2.92, builds.
    let (ok, err) = build(
        "The record holds.\n{{ check(claim=\"the record\", that=\"mean_below\", variant=\"x01\", \
         steps=5690, config=\"script=692\", threshold=2.92) }}\nIt pools \
         {{ n_runs(variant=\"x01\", steps=5690, config=\"script=692\") }} runs.",
    );
    assert!(ok, "{err}");
}

#[test]
fn record_p_prints_the_record_tests_p_and_bound_for_the_configuration_picked() {
    let ((ok, err), d) = build_on(
        "x0-record-hunt",
        "p {{ record_p(variant=\"x01\", threshold=2.92, steps=5690, config=\"script=692\") }}, \
         bound {{ record_p(variant=\"x01\", threshold=2.92, show=\"upper\", config=\"script=692\") }}, \
         65: {{ record_p(variant=\"x01\", threshold=2.92, config=\"script=65\") }}, \
         67: {{ record_p(variant=\"x01\", threshold=2.92, config=\"script=67\") }}.",
    );
    assert!(ok, "{err}");
    let md = std::fs::read_to_string(d.path().join("out/p/p.md")).unwrap();
    assert!(
        md.contains("p 0.00036, bound 2.91966, 65: 0.00022, 67: 0.177."),
        "{md}"
    );
    // Steps alone leave three configurations at 5690 steps: named, not pooled.
    let (ok, err) = build("{{ record_p(variant=\"x01\", threshold=2.92, steps=5690) }}");
    assert!(!ok);
    assert!(
        err.contains("x01 has 3 configurations here (x01, 5690 steps, script=65"),
        "{err}"
    );
    assert!(err.contains("pick one with steps= and/or config="), "{err}");
}

#[test]
fn a_number_naming_only_a_variant_of_several_configurations_is_refused() {
    let (ok, err) = build("x01 ends at {{ mean_std(variant=\"x01\") }}.");
    assert!(!ok);
    assert!(
        err.contains(
            "variant x01 has 9 configurations in experiment `x0-record-hunt`, never pooled: x01, \
             5640 steps, script=66, ve_share=same (n=12);"
        ) && err.contains(
            "name one with steps=N and/or config=\"key=value\" (e.g. steps=5640, \
             config=\"script=66\")"
        ),
        "{err}"
    );
    // Steps alone leave three configurations at 5690: still refused, listing those three.
    let (ok, err) = build("x01 ends at {{ mean_std(variant=\"x01\", steps=5690) }}.");
    assert!(!ok);
    assert!(
        err.contains("variant x01 has 3 configurations in experiment `x0-record-hunt`"),
        "{err}"
    );
    let (ok, err) = build(
        "x01 ends at {{ mean_std(variant=\"x01\", steps=5690, config=\"ve_share=inverse\") }}.",
    );
    assert!(ok, "{err}");
    let (ok, err) = build("{{ results_table() }}");
    assert!(!ok);
    assert!(
        err.contains("no results table by variant: variant x01 has 9 configurations"),
        "{err}"
    );
}

#[test]
fn runs_table_shows_each_runs_time_and_the_medium_runs_are_repeats() {
    let ((ok, err), d) = build_on(
        "x0-experiment",
        "{{ runs_table(variant=\"x01\") }}\n\n{{ setup() }}",
    );
    assert!(ok, "{err}");
    let md = std::fs::read_to_string(d.path().join("out/p/p.md")).unwrap();
    // The x01 run that took 1492 s, against 1457-1468 s for the others, is shown on its own row.
    for want in [
        "| run | configuration | steps | final val loss | train time (s) |",
        "| x01-r0 | x01 | 5960 | ",
        "| 1492.",
        "x01 (5 runs)",
        "The runs set no random seed: each is a repeat of its configuration",
    ] {
        assert!(md.contains(want), "{want}:\n{md}");
    }
    assert!(!md.contains("seeds: 0"), "{md}");
}
