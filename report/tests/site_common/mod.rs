//! Helpers of the site tests (fill, site, browser): runs with exact numbers, drafts in a temporary project, builds.
#![allow(dead_code)]

#[path = "../common/missing.rs"]
pub mod missing;

pub mod chromium;

use report::build::{build, BuildOptions, Outcome};
use runlog::{Metrics, RunInfo, Status, Summary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// ../shared/fixtures/<name> when present (tests skip with a message otherwise; under CI they
/// fail).
pub fn fixture(name: &str) -> Option<PathBuf> {
    shared(&format!("fixtures/{name}"))
}

pub fn seed_draft() -> Option<PathBuf> {
    shared("seed/embeddings-extravaganza-1.md")
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        missing::missing(
            &p.display().to_string(),
            "CI lays ../shared/{fixtures,seed} out next to the checkout",
        );
        None
    }
}

/// A finished run of 4 layers: two evaluations (step 0 and 100), the last with `loss` at
/// `time_s`, lambdas for x and x00..x0N (N from the variant's number; none for a name that is
/// not x0N), initialised like the real runs (x 1, embeddings 0).
pub fn write_run(root: &Path, exp: &str, variant: &str, seed: u64, loss: f64, time_s: f64) {
    let dir = root.join(exp).join(runlog::run_dir_name(variant, seed));
    let extra: usize = variant
        .strip_prefix("x0")
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let lambdas = |t: f64| {
        let mut m = BTreeMap::new();
        m.insert("x".to_string(), vec![1.0 + t; 4]);
        for e in 0..=extra {
            m.insert(
                runlog::lambda_key(e),
                (0..4).map(|l| t * (l as f64 - e as f64)).collect(),
            );
        }
        m
    };
    let mut first = Metrics::new(0, 0.0, 10.8);
    first.total_steps = Some(100);
    first.lambdas = Some(lambdas(0.0));
    let mut last = Metrics::new(100, time_s * 1000.0, loss);
    last.total_steps = Some(100);
    last.lambdas = Some(lambdas(1.0));
    let text = format!(
        "{}\n{}\n",
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&last).unwrap()
    );
    let info = RunInfo {
        run_id: format!("{variant}-s{seed}"),
        extra_embeddings: extra as u32,
        preset: Some("tiny".into()),
        config: serde_json::json!({"model": {"layers": 4, "dim": 64}}),
        device: Some("cpu (2 threads)".into()),
        threads: Some(2),
        params: Some(runlog::Params {
            total: 1_000_000 + 1000 * extra as u64,
            embeddings: 1000,
            other: BTreeMap::new(),
        }),
        ..RunInfo::new(exp, runlog::Variant::parse(variant).unwrap(), seed)
    };
    runlog::write_json_atomic(&dir.join(runlog::RUN_FILE), &info).unwrap();
    runlog::write_atomic(&dir.join(runlog::METRICS_FILE), text.as_bytes()).unwrap();
    let summary = Summary {
        status: Status::Finished,
        final_val_loss: Some(loss),
        train_time_ms: time_s * 1000.0,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    runlog::write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &summary).unwrap();
}

/// Runs of x00, x01, x02 with two seeds each; final losses fall with every embedding
/// (x00 3.00/3.02, x01 2.95/2.96, x02 2.90/2.92), times rise (x00 fastest).
pub fn standard_runs(root: &Path) {
    for (v, losses, t) in [
        ("x00", [3.00, 3.02], 100.0),
        ("x01", [2.95, 2.96], 110.0),
        ("x02", [2.90, 2.92], 120.0),
    ] {
        for (seed, loss) in losses.iter().enumerate() {
            write_run(root, "exp", v, seed as u64, *loss, t + seed as f64);
        }
    }
}

/// A project in a temporary folder: posts/, runs/, site.toml; built into out/.
pub struct Project {
    pub dir: tempfile::TempDir,
}

pub const SITE_TOML: &str = "title = \"Test site\"\nauthor = \"A. Researcher\"\nbase_url = \"https://example.org/blog\"\n\n[links]\nmodded-nanogpt = \"https://github.com/KellerJordan/modded-nanogpt\"\n";

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("posts")).unwrap();
        std::fs::write(dir.path().join("site.toml"), SITE_TOML).unwrap();
        Project { dir }
    }

    pub fn with_runs() -> Project {
        let p = Project::new();
        standard_runs(&p.runs());
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn runs(&self) -> PathBuf {
        self.path().join("runs")
    }
    pub fn out(&self) -> PathBuf {
        self.path().join("out")
    }

    pub fn draft(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join("posts").join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn options(&self) -> BuildOptions {
        let mut o = BuildOptions::new(self.path().join("posts"), self.runs(), Some(self.out()));
        o.config = self.path().join("site.toml");
        o.templates = self.path().join("templates");
        o
    }

    pub fn build(&self) -> Outcome {
        build(&self.options()).unwrap()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

/// The problems of an outcome, one per line, for assertion messages.
pub fn listed(o: &Outcome) -> String {
    o.problems.iter().map(|p| format!("{p}\n")).collect()
}

/// `git -C dir args...`, which must succeed; its output, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The `report` binary run in `dir` as a user would: success, and stdout then stderr.
pub fn report(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_report"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
