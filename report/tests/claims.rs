//! Claims end to end: equivalence on the committed CPU runs, layer 0 refused on the committed
//! medium runs, the record rule and its figure on synthetic record runs, configurations on
//! synthetic runs of several step counts, words of absence, and `report check --claims`.

mod site_common;
use report::build::BuildOptions;
use report::post::Kind;
use report::runs::RunSet;
use report::stats::configurations;
use runlog::{Metrics, Run, RunInfo, Status, Summary};
use site_common::{listed, report, write_run, Project};
use std::path::{Path, PathBuf};

/// Builds `draft` (as posts/p.md) against the repository's committed runs.
fn on_committed_runs(draft: &str) -> (tempfile::TempDir, report::build::Outcome) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().unwrap();
    let posts: PathBuf = tmp.path().join("posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(posts.join("p.md"), draft).unwrap();
    let mut o = BuildOptions::new(posts, repo.join("runs"), Some(tmp.path().join("out")));
    o.config = repo.join("site.toml");
    o.templates = repo.join("templates");
    let out = report::build::build(&o).unwrap();
    (tmp, out)
}

#[test]
fn a_too_tight_equivalence_on_the_cpu_runs_fails_with_its_interval_and_a_loose_one_holds() {
    let draft = |within: &str| {
        format!(
            "---\nexperiment: embeddings-extravaganza-1\n---\n# P\n\nx01 and the baseline end \
             alike.\n{{{{ check(claim=\"x01 ends like the baseline\", that=\"equivalent\", \
             variant=\"x01\", within={within}) }}}}\n"
        )
    };
    let (tmp, o) = on_committed_runs(&draft("0.0001"));
    assert!(o.failed());
    let text = listed(&o);
    assert!(
        text.contains(
            "p.md:7: claim failed: claim \"x01 ends like the baseline\" is false: x01 - x00 on \
             final_loss = "
        ),
        "{text}"
    );
    assert!(text.contains(", 90% interval ["), "{text}");
    assert!(text.contains("TOST against ±0.0001: p = "), "{text}");
    assert!(
        text.contains("the interval is not inside ±0.0001 (alpha 0.05)"),
        "{text}"
    );
    assert!(!tmp.path().join("out/p/index.html").exists());
    let (tmp, o) = on_committed_runs(&draft("0.5"));
    assert!(o.problems.is_empty(), "{}", listed(&o));
    assert!(tmp.path().join("out/p/index.html").exists());
}

#[test]
fn x00_alone_at_layer_0_is_refused_and_the_sum_is_given() {
    let draft = r#"---
experiment: x0-experiment
---
# P

Sum at layer 0: {{ lambda_mean(variant="x01", component="x+x00", layer=0) }}.
{{ check(claim="x00 is large at the first layer", that="lambda_positive", variant="x01", component="x00", layers=[0]) }}
{{ lambda_mean(variant="x01", component="x00", layer=0) }}
"#;
    let (tmp, o) = on_committed_runs(draft);
    let text = listed(&o);
    let why = "λx00 at layer 0 alone is not identifiable: the residual enters layer 0 as x00 \
               itself, so x and x00 are the same vector there and only λx + λ00 is learned; ask \
               for component=\"x+x00\" at layer 0";
    assert!(
        text.contains(&format!(
            "p.md:7: claim failed: claim \"x00 is large at the first layer\": {why}"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("p.md:8: error: {why}")), "{text}");
    assert_eq!(o.problems.len(), 2, "{text}");
    // The sum, from the five runs' own lambdas.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runs = RunSet::load(&repo.join("runs/x0-experiment")).unwrap();
    let sums: Vec<f64> = runs
        .result_runs(runlog::Variant::parse("x01").unwrap())
        .iter()
        .map(|r| {
            let l = r.metrics.last().unwrap().lambdas.as_ref().unwrap();
            l["x"][0] + l["x00"][0]
        })
        .collect();
    let (mean, std) = report::stats::mean_std(&sums);
    let want = format!("Sum at layer 0: {mean:.2} ± {:.2} (n=5).", std.unwrap());
    let ok = draft.replace(
        "{{ lambda_mean(variant=\"x01\", component=\"x00\", layer=0) }}\n",
        "",
    );
    let ok = ok.replace("layers=[0]", "layers=[1]");
    let (tmp2, o) = on_committed_runs(&ok);
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let md = std::fs::read_to_string(tmp2.path().join("out/p/p.md")).unwrap();
    assert!(md.contains(&want), "{want}\n{md}");
    drop(tmp);
}

/// The record's 19 final losses (the study's t-test-results.md, section 692 0..18).
const RECORD: [f64; 19] = [
    2.919502, 2.919760, 2.920582, 2.919331, 2.919008, 2.919827, 2.918785, 2.918519, 2.919297,
    2.920061, 2.918938, 2.919342, 2.918186, 2.920546, 2.919540, 2.919093, 2.918951, 2.919599,
    2.919956,
];

#[test]
fn a_false_record_claim_stops_the_build_and_a_true_one_is_drawn() {
    let p = Project::new();
    for (i, loss) in RECORD.iter().enumerate() {
        write_run(
            &p.runs(),
            "record",
            "x01",
            i as u64,
            *loss,
            1412.0 + i as f64 / 10.0,
        );
    }
    let draft = |t: &str| {
        format!(
            "---\nexperiment: record\n---\n# R\n\nThe record holds.\n{{{{ check(claim=\"x01 \
             sets a record\", that=\"mean_below\", threshold={t}) }}}}\n\n\
             ![Finals](images/finals-record-below-{t}.png)\n"
        )
    };
    p.draft("r.md", &draft("2.9190"));
    let o = p.build();
    assert!(o.failed());
    assert!(
        listed(&o).contains(
            "r.md:7: claim failed: claim \"x01 sets a record\" is false: x01: mean final val \
             loss 2.91941 (n = 19), upper 95% bound 2.91966; one-sided t-test against 2.919: t = \
             2.849, p = 0.99467 (alpha 0.05)"
        ),
        "{}",
        listed(&o)
    );
    p.draft("r.md", &draft("2.92"));
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let html = p.read("r/index.html");
    assert!(html.contains("finals-record-below-2.92.png"), "{html}");
    // The figure says what it shows: n, p against the threshold, the mean training time.
    assert!(
        html.contains("x01 · n=19 · p=3.6e-4 · 1412.9 s: mean 2.91941 [2.91911, 2.91972]"),
        "{html}"
    );
    // `report check` prints the record test's numbers.
    let (ok, text) = report(
        p.path(),
        &["check", "--out", "checked", "--config", "site.toml"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(
            "posts/r.md:7: claim \"x01 sets a record\": x01: mean final val loss 2.91941 (n = \
             19), upper 95% bound 2.91966; one-sided t-test against 2.92: t = -4.070, p = 0.00036"
        ),
        "{text}"
    );
}

/// A finished run in memory: `steps` total steps, config `config`, final loss `loss`.
fn run(variant: &str, seed: u64, config: serde_json::Value, steps: u64, loss: f64) -> Run {
    let info = RunInfo {
        config,
        ..RunInfo::new("hunt", runlog::Variant::parse(variant).unwrap(), seed)
    };
    let mut last = Metrics::new(steps, 1000.0, loss);
    last.total_steps = Some(steps);
    let summary = Summary {
        status: Status::Finished,
        final_val_loss: Some(loss),
        train_time_ms: 1000.0,
        step_avg_ms: None,
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    let dir = PathBuf::from(format!("hunt/{variant}-s{seed}"));
    Run::new(
        &dir,
        info,
        vec![Metrics::new(0, 0.0, 10.8), last],
        Some(summary),
    )
}

#[test]
fn a_configuration_is_a_variant_plus_what_differs_in_the_config() {
    use serde_json::json;
    // Imported runs (no schedule in the config): their step count is the log's. Two runs at
    // 5690 steps, one at 5640, and two at 5690 with another learning rate.
    let imported = |lr: f64| json!({"imported_from": "log.txt", "optimizer": {"lr": lr}});
    let runs = vec![
        run("x01", 0, imported(0.4), 5690, 2.9194),
        run("x01", 1, imported(0.4), 5690, 2.9196),
        run("x01", 2, imported(0.4), 5640, 2.9208),
        run("x01", 3, imported(0.3), 5690, 2.9190),
        run("x01", 4, imported(0.3), 5690, 2.9192),
        run("x00", 5, imported(0.4), 5690, 2.9210),
    ];
    let set = RunSet::from_runs(Path::new("runs"), runs, Vec::new());
    let configs = configurations(&set);
    let labels: Vec<&str> = configs.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "x01, 5640 steps, config.optimizer.lr=0.4",
            "x00, 5690 steps, config.optimizer.lr=0.4",
            "x01, 5690 steps, config.optimizer.lr=0.3",
            "x01, 5690 steps, config.optimizer.lr=0.4",
        ]
    );
    let counts: Vec<usize> = configs.iter().map(|c| c.runs.len()).collect();
    assert_eq!(counts, [1, 1, 2, 2]);
    let last = &configs[3];
    assert_eq!(last.run_names(), ["x01-s0", "x01-s1"]);
    assert!((last.final_loss().unwrap().mean - 2.9195).abs() < 1e-12);
    // The config's own step count wins over the log's; one step count is not in the label.
    let trained = |steps: u64| json!({"schedule": {"steps": steps}});
    let same = vec![
        run("x00", 0, trained(500), 500, 1.05),
        run("x01", 0, trained(500), 500, 1.06),
        run("x01", 1, trained(500), 500, 1.07),
    ];
    let set = RunSet::from_runs(Path::new("runs"), same, Vec::new());
    let labels: Vec<String> = configurations(&set).into_iter().map(|c| c.label).collect();
    assert_eq!(labels, ["x00", "x01"]);
}

#[test]
fn words_of_absence_need_an_equivalence_claim_in_their_paragraph() {
    let p = Project::with_runs();
    p.draft(
        "w.md",
        "---\nexperiment: exp\n---\n# W\n\nThe gain does not carry\nover to x01.\n\
         {{ check(claim=\"x01 not significant\", that=\"not_significant\", variant=\"x01\", alpha=0.001) }}\n\n\
         - The cost makes no difference.\n\n\
         No difference is significant here.\n\n\
         `no effect` in code is an example.\n",
    );
    let o = p.build();
    let wording: Vec<String> = o
        .problems
        .iter()
        .filter(|p| p.kind == Kind::Wording)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(wording.len(), 2, "{}", listed(&o));
    assert!(
        wording[0].contains(
            "w.md:6: unbacked wording: \"does not carry over\" says a difference is absent, and \
             not significant is not absent: back it with check(that=\"equivalent\", within=...)"
        ),
        "{wording:?}"
    );
    assert!(
        wording[1].contains("w.md:10: unbacked wording: \"no difference\" says"),
        "{wording:?}"
    );
    // Not fatal: the page is built; `report check` lists it as a problem.
    assert!(!o.failed());
    p.draft(
        "w.md",
        "---\nexperiment: exp\n---\n# W\n\nx02 makes no difference to the time.\n\
         {{ check(claim=\"same time\", that=\"equivalent\", variant=\"x02\", metric=\"train_time\", within=100) }}\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
}

#[test]
fn check_lists_each_claim_with_its_sentence_and_scope() {
    let p = Project::with_runs();
    p.draft(
        "c.md",
        "---\nexperiment: exp\n---\n# C\n\nFirst. x01 ends at {{ final_loss(variant=\"x01\") }}, \
         not significantly apart from the baseline.\n\
         {{ check(claim=\"x01 is not significant\", that=\"not_significant\", variant=\"x01\", alpha=0.001) }}\n\
         {{ check(claim=\"the loss falls\", that=\"falls\", variants=[\"x00\", \"x01\"]) }}\n",
    );
    let (ok, text) = report(
        p.path(),
        &["check", "--out", "checked", "--config", "site.toml"],
    );
    assert!(ok, "{text}");
    // Without --claims: the numbers of the test only.
    assert!(
        text.contains(
            "posts/c.md:7: claim \"x01 is not significant\": x01 - x00 on final_loss = -0.0550, \
             Welch t-test p = 0.0693; minimum detectable difference"
        ),
        "{text}"
    );
    assert!(!text.contains("the loss falls"), "{text}");
    let (ok, text) = report(
        p.path(),
        &[
            "check",
            "--claims",
            "--out",
            "checked",
            "--config",
            "site.toml",
        ],
    );
    assert!(ok, "{text}");
    for says in [
        "claims (2):",
        "posts/c.md:7: claim \"x01 is not significant\" (that=\"not_significant\"): holds",
        "  follows: \"x01 ends at 2.9550, not significantly apart from the baseline.\"",
        "  checked: variants x01 against x00; metric final_loss; 4 runs (x01-s0, x01-s1, x00-s0, x00-s1)",
        "posts/c.md:8: claim \"the loss falls\" (that=\"falls\"): holds",
        "  checked: variants x00, x01; metric final_loss; 4 runs (x00-s0, x00-s1, x01-s0, x01-s1)",
    ] {
        assert!(text.contains(says), "{says}\n{text}");
    }
}

#[test]
fn the_difference_and_what_the_runs_could_detect_are_directives() {
    let p = Project::with_runs();
    p.draft(
        "d.md",
        "---\nexperiment: exp\n---\n# D\n\nx01: {{ difference(variant=\"x01\") }}; \
         detectable: {{ mde(variant=\"x01\", digits=2) }}.\n\n{{ mde(variant=\"x00\") }}\n",
    );
    let o = p.build();
    // The baseline is not compared with itself.
    assert_eq!(o.problems.len(), 1, "{}", listed(&o));
    assert!(
        listed(&o).contains("d.md:8: error: x00 is the baseline: it is not compared with itself"),
        "{}",
        listed(&o)
    );
    p.draft(
        "d.md",
        "---\nexperiment: exp\n---\n# D\n\nx01: {{ difference(variant=\"x01\") }}; \
         detectable: {{ mde(variant=\"x01\", digits=2) }}.\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    // scipy: ttest_ind([2.95, 2.96], [3.00, 3.02], equal_var=False).confidence_interval(0.95)
    // = (-0.1242, 0.0142); the MDE solved with scipy's noncentral t (df 1.47): 0.08997.
    let md = p.read("d/d.md");
    assert!(
        md.contains("x01: -0.0550 (95% interval -0.1242 to +0.0142); detectable: 0.09."),
        "{md}"
    );
}
