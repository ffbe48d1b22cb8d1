//! The logit lens in the report: the study's printout imported with its quirks (what its tokens
//! support, what they do not), a printout whose positions disagree refused naming the
//! component, and a site built from lenses: the decoded table escaped with visible spaces, lens
//! numbers, the figure, and claims that stop the build when the lenses say otherwise.

mod site_common;
use report::runs::import::lens::{import_lens, LensImport};
use runlog::Lens;
use site_common::{fixture, listed, report, write_run, Project};
use std::path::{Path, PathBuf};

fn study_import(out: &Path) -> Option<PathBuf> {
    let file = fixture("x0-study")?.join("predictions.md");
    let opts = LensImport {
        experiment: "x0-experiment".into(),
        variant: None,
        source: "snimu/modded-nanogpt-experiments, experiments/00004-x0/predictions.md".into(),
        notes: vec!["a note of the import".into()],
        force: false,
    };
    Some(import_lens(&file, out, &opts).unwrap().0)
}

#[test]
fn the_studys_printout_imports_with_its_quirks() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(path) = study_import(tmp.path()) else {
        return;
    };
    assert_eq!(path, tmp.path().join("x0-experiment/lens-x01.json"));
    let lens: Lens = runlog::read_lens(&path).unwrap();
    assert_eq!(
        lens.variant.to_string(),
        "x01",
        "from the highest x0N component"
    );
    assert_eq!(lens.components.len(), 16 + 1 + 2 + 3 + 6);
    // x00 decodes to the next token (9 of 122 decidable positions), x01 to the input token
    // itself (59 of 117): positions where a `�` meets a `�` are left out.
    let x00 = &lens.components["x00"];
    assert_eq!(
        (x00.tokens, x00.next_top1, x00.copy_top1),
        (122, 9.0 / 122.0, 1.0 / 122.0)
    );
    let x01 = &lens.components["x01"];
    assert_eq!(
        (x01.tokens, x01.next_top1, x01.copy_top1),
        (117, 0.0, 59.0 / 117.0)
    );
    assert_eq!(lens.components["x-out"].next_top1, 59.0 / 118.0);
    // What 128 tokens of one run cannot give is absent, and said.
    assert!(x01.cross_entropy.is_none() && x01.bigram_top1.is_none() && x01.entropy.is_none());
    let notes = lens.notes.join("\n");
    for want in [
        "no bigram_top1",
        "no cross_entropy or entropy",
        "one run",
        "a note of the import",
    ] {
        assert!(notes.contains(want), "{want}: {notes}");
    }
    // The printout as printed: `�` tokens, and lists shortened by equal probabilities.
    assert_eq!(lens.sample.tokens.len(), 128);
    assert_eq!(lens.sample.tokens[21], "\u{FFFD}");
    assert_eq!(lens.sample.tokens[8], "\n");
    let x01_top = &lens.sample.top["x01"];
    assert!(
        x01_top.iter().any(|g| g.len() < 10),
        "some lists lost tied tokens"
    );
    assert_eq!(lens.sample.top["x-0"][0][0].0, " address");
    assert_eq!(lens.sample.top["x-0"][0][0].1, 0.2581206262111664);
    // The norms, with x00's (RMS-normed) as the unit: the residual grows about 100x.
    let norms = lens.norms.unwrap();
    assert_eq!(norms.per_element, 8192.0);
    assert_eq!(norms.x_rms()[0], 1.0);
    assert_eq!(norms.x_rms()[15], 97.0);
    assert_eq!(norms.input_rms("x01"), Some(1.0));
}

#[test]
fn a_component_whose_positions_disagree_with_the_tokens_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("predictions.md");
    std::fs::write(
        &file,
        "tokens={0: 'a', 1: ' b', 2: 'c'}\n\
         predictions={'x-0': {0: {0.5: ' b'}, 1: {0.5: 'c'}, 2: {0.5: 'd'}}, \
         'x00': {0: {0.5: ' b'}, 1: {0.5: 'c'}}}\n",
    )
    .unwrap();
    let (ok, text) = report(
        tmp.path(),
        &[
            "import-lens",
            "predictions.md",
            "--out",
            "runs",
            "--experiment",
            "e",
            "--source",
            "here",
        ],
    );
    assert!(!ok, "{text}");
    assert!(
        text.contains(
            "error: predictions.md, line 2: component `x00` has 2 positions (0..1), the token \
             list 3: its predictions are not of these tokens"
        ),
        "{text}"
    );
    assert!(!tmp.path().join("runs").exists(), "nothing written");
}

/// Like run imports, an import of a lens never replaces another without `--force`: the same
/// import again leaves the file as it is, a different one is refused naming the file, and
/// `--force` replaces it, saying so.
#[test]
fn an_import_never_replaces_another_lens_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    // Every component a one-layer lens of x00 decodes; x00's first top-1 differs.
    let printout = |first: &str| {
        let one = |top: &str| format!("{{0: {{0.5: '{top}'}}, 1: {{0.5: 'c'}}, 2: {{0.5: 'd'}}}}");
        let parts: Vec<String> = ["x-0", "x-out", "x00", "ve0", "ve0_o0"]
            .iter()
            .map(|c| format!("'{c}': {}", one(if *c == "x00" { first } else { " b" })))
            .collect();
        format!(
            "tokens={{0: 'a', 1: ' b', 2: 'c'}}\npredictions={{{}}}\n",
            parts.join(", ")
        )
    };
    std::fs::write(tmp.path().join("one.md"), printout(" b")).unwrap();
    std::fs::write(tmp.path().join("two.md"), printout("a")).unwrap();
    let import = |file: &str, force: bool| {
        let mut args = vec![
            "import-lens",
            file,
            "--out",
            "runs",
            "--experiment",
            "e",
            "--source",
            "here",
        ];
        if force {
            args.push("--force");
        }
        report(tmp.path(), &args)
    };
    let lens = tmp.path().join("runs/e/lens-x00.json");
    let (ok, text) = import("one.md", false);
    assert!(ok, "{text}");
    let first = std::fs::read(&lens).unwrap();
    let (ok, text) = import("one.md", false);
    assert!(ok, "{text}");
    assert!(
        text.contains("already holds this import; unchanged"),
        "{text}"
    );
    let (ok, text) = import("two.md", false);
    assert!(!ok, "{text}");
    assert!(
        text.contains(
            "lens-x00.json: already holds a lens of x00 from here, which differs from this import \
             of two.md: an import never replaces a lens; pass --force to replace it"
        ),
        "{text}"
    );
    assert_eq!(std::fs::read(&lens).unwrap(), first, "left as it was");
    let (ok, text) = import("two.md", true);
    assert!(ok, "{text}");
    assert!(
        text.contains("replaced the lens there with two.md"),
        "{text}"
    );
    let now = runlog::read_lens(&lens).unwrap();
    // two.md's x00 copies 'a' at 1 of the 2 positions that have a next token.
    assert_eq!(now.components["x00"].copy_top1, 0.5);
}

/// A project whose runs are the committed medium runs of the study plus its imported lens.
fn study_project() -> Option<Project> {
    let p = Project::new();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runs/x0-experiment");
    let runs = p.runs().join("x0-experiment");
    for run in ["x01-r0", "x01-r1"] {
        std::fs::create_dir_all(runs.join(run)).unwrap();
        for f in ["run.json", "metrics.jsonl", "summary.json"] {
            std::fs::copy(committed.join(run).join(f), runs.join(run).join(f)).unwrap();
        }
    }
    study_import(&p.runs())?;
    Some(p)
}

const DRAFT: &str = "---
title: Lens
experiment: x0-experiment
---

# Lens

x00 decodes to the next token {{ lens_rate(variant=\"x01\", component=\"x00\", rate=\"next\", percent=true, digits=1) }} of the time, x01 to the input token {{ lens_rate(variant=\"x01\", component=\"x01\", rate=\"copy\") }}.

{{ check(claim=\"x01 copies the input more than x00\", that=\"lens_rate_above\", component=\"x01\", rate=\"copy\", than=\"x00\") }}

{{ lens_table(variant=\"x01\", components=[\"x00\", \"x01\", \"x-out\"], positions=\"18..=22\", top=2) }}

![What each component predicts](images/lens-x01.png)
";

#[test]
fn a_page_shows_the_originals_lens_and_its_claims_hold() {
    let Some(p) = study_project() else {
        return;
    };
    p.draft("lens.md", DRAFT);
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    let html = p.read("lens/index.html");
    assert!(html.contains("next token 7.4% of the time"), "{html}");
    assert!(html.contains("input token 0.504."), "{html}");
    // The table: escaped, spaces and line breaks visible, one row per position.
    assert!(
        html.contains("<th style=\"text-align: right\">#</th><th>input</th><th>next</th><th>x00</th><th>x01</th><th>x-out</th>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td style=\"text-align: right\">20</td><td>␣We</td><td>�</td>"),
        "{html}"
    );
    assert_eq!(
        html.matches("<tr><td style=\"text-align: right\">").count(),
        5
    );
    assert!(!html.contains("<td> "), "no bare space starts a token");
    assert!(
        html.contains("&lt;|endoftext|&gt; 0.05</td>"),
        "markup in a token is shown as text"
    );
    assert!(
        html.contains("Logit lens of x01, imported: top-2 next tokens at positions 18 to 22"),
        "the table's caption"
    );
    for f in [
        "lens/lens-x01.png",
        "lens/lens-x01.tablet.png",
        "lens/lens-x01.phone.png",
    ] {
        assert!(p.out().join(f).exists(), "{f}");
    }
    assert!(
        html.contains("top-1 = input most often from ve2_o15 (91%)"),
        "the figure's gist"
    );
}

#[test]
fn a_false_lens_claim_about_the_original_stops_the_build() {
    let Some(p) = study_project() else {
        return;
    };
    let false_claim = DRAFT.replace(
        "component=\\\"x01\\\", rate=\\\"copy\\\", than=\\\"x00\\\"",
        "component=\\\"x00\\\", rate=\\\"copy\\\", than=\\\"x01\\\"",
    );
    let false_claim = false_claim.replace(
        "that=\"lens_rate_above\", component=\"x01\", rate=\"copy\", than=\"x00\"",
        "that=\"lens_rate_above\", component=\"x00\", rate=\"copy\", than=\"x01\"",
    );
    assert_ne!(false_claim, DRAFT);
    p.draft("lens.md", &false_claim);
    let o = p.build();
    assert!(o.failed());
    let text = listed(&o);
    assert!(
        text.contains(
            "claim failed: claim \"x01 copies the input more than x00\" is false: copy of x00 is \
             not above that of x01 in 1 of 1 lenses (x01, imported 0.008 vs 0.504)"
        ),
        "{text}"
    );
    assert!(!p.out().join("lens/index.html").exists());
    // A rate the import could not compute is no ground for a claim either.
    let bigram = DRAFT.replace("rate=\"copy\", than", "rate=\"bigram\", than");
    p.draft("lens.md", &bigram);
    let text = listed(&p.build());
    assert!(
        text.contains("the lens of x01, imported does not measure bigram (no bigram_top1: there is no bigram table"),
        "{text}"
    );
}

/// A run's own lens (as the trainer writes it) for the 4-layer runs of `site_common`.
fn run_lens(variant: &str, loss: f64, copy01: f64) -> Lens {
    let v = runlog::Variant::parse(variant).unwrap();
    let names = runlog::lens_components(v, 4);
    let stats = |c: &str| runlog::LensStats {
        tokens: 512,
        cross_entropy: Some(if c == "x-out" { loss } else { 5.0 }),
        next_top1: if c == "x00" { 0.3 } else { 0.1 },
        copy_top1: if c == "x01" { copy01 } else { 0.05 },
        bigram_top1: Some(if c == "x00" { 0.4 } else { 0.2 }),
        entropy: Some(2.0),
    };
    Lens {
        schema_version: runlog::LENS_SCHEMA_VERSION,
        variant: v,
        experiment: None,
        config_hash: None,
        step: Some(100),
        measured_on: "4 batches".into(),
        bigram_table: Some("the training split".into()),
        source: None,
        notes: Vec::new(),
        components: names.iter().map(|c| (c.clone(), stats(c))).collect(),
        sample: runlog::LensSample {
            text: "the first 2 tokens".into(),
            tokens: vec!["<|endoftext|>".into(), "Once".into()],
            top: names
                .iter()
                .map(|c| (c.clone(), vec![vec![runlog::Guess(" upon".into(), 0.5)]; 2]))
                .collect(),
        },
        norms: None,
    }
}

#[test]
fn claims_hold_in_every_runs_lens_and_numbers_average_them() {
    let p = Project::new();
    for (seed, loss, copy01) in [(0, 2.95, 0.6), (1, 2.96, 0.02)] {
        write_run(&p.runs(), "exp", "x01", seed, loss, 100.0);
        let dir = p.runs().join("exp").join(format!("x01-s{seed}"));
        runlog::write_json_atomic(&dir.join(runlog::LENS_FILE), &run_lens("x01", loss, copy01))
            .unwrap();
    }
    p.draft(
        "cpu.md",
        "# CPU\n\nx00's bigram rate is {{ lens_rate(variant=\"x01\", component=\"x00\", rate=\"bigram\", spread=true, digits=2) }}.\n\n\
         {{ check(claim=\"x00 holds the bigram\", that=\"lens_rate_above\", component=\"x00\", rate=\"bigram\", than=\"x01\") }}\n\n\
         ![lens](images/lens-x01.png)\n",
    );
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    assert!(p
        .read("cpu/index.html")
        .contains("bigram rate is 0.40 ± 0.00 (n=2)"));
    // Seed 1's x01 copies less than its x00 does: a claim over both runs fails on that one.
    p.draft(
        "cpu.md",
        "# CPU\n\n{{ check(claim=\"x01 copies\", that=\"lens_rate_above\", component=\"x01\", rate=\"copy\", than=\"x00\") }}\n",
    );
    let text = listed(&p.build());
    assert!(
        text.contains("is false: copy of x01 is not above that of x00 in 1 of 2 lenses (x01-s1 0.020 vs 0.050; holds in x01-s0 0.600 vs 0.050)"),
        "{text}"
    );
}
