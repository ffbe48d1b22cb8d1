//! The whole pipeline on a tiny scale: train x00 and x01 (two seeds) with the trainer, then let
//! the report fill a draft from those runs and build the HTML page. What a researcher sees at the
//! end depends on every stage, so this is the test that says the stages fit together.

use report::build::{build, BuildOptions};
use std::fs;
use std::path::{Path, PathBuf};
use trainer::RunArgs;

const EXPERIMENT: &str = "e2e";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A run of 30 steps of 2 x 64 tokens: enough for a falling curve and moved lambdas.
fn train(runs: &Path, variant: &str, seed: u64) {
    let mut args = RunArgs::quick(runs, variant, seed, 30);
    args.experiment = EXPERIMENT.into();
    args.batch_size = Some(2);
    args.seq_len = Some(64);
    args.eval_every = Some(10);
    args.val_tokens = Some(512);
    trainer::run::launch::launch(&args, &Default::default())
        .unwrap_or_else(|e| panic!("training {variant}-s{seed}: {e}"));
}

const DRAFT: &str = "---
title: Tiny end to end
date: 2026-01-02
experiment: e2e
---

# Tiny end to end

Does an extra embedding help? See modded-nanogpt (LINK).

## The setup

TODO describe the runs

## Validation losses

![Validation loss by step](images/val_loss-step.png)

![The last steps](images/val_loss-step-20-30.png)

x01 ends at {{ final_loss(variant=\"x01\") }} over {{ n_seeds(variant=\"x01\") }} seeds.

## The lens

x-out's top-1 is the next token {{ lens_rate(variant=\"x01\", component=\"x-out\", rate=\"next\", percent=true, digits=1) }} of the time.

{{ lens_table(variant=\"x01\", seed=1, components=[\"x00\", \"x01\", \"x-out\"], positions=\"0..4\") }}

![What each component predicts](images/lens-x01.png)

## Lambdas

### x01

TODO

```python
x = lambdas[0] * x + {{ not_a_directive }}  # TODO in code stays
```
";

#[test]
fn tiny_training_to_html() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    for (variant, seed) in [("x00", 0), ("x01", 0), ("x01", 1)] {
        train(&runs, variant, seed);
    }

    // The trainer's logs honour the contract the report reads.
    let run = runlog::read_run(&runs.join(EXPERIMENT).join("x01-s1")).unwrap();
    assert_eq!(
        run.summary.as_ref().unwrap().status,
        runlog::Status::Finished
    );
    assert_eq!(run.metrics.first().unwrap().step, 0);
    assert_eq!(run.metrics.last().unwrap().step, 30);
    let lambdas = run.metrics.last().unwrap().lambdas.as_ref().unwrap();
    assert_eq!(lambdas.keys().collect::<Vec<_>>(), ["x", "x00", "x01"]);
    assert!(lambdas.values().all(|v| v.len() == 16));
    // Each finished run carries its logit lens, anchored at its final val loss.
    let lens = run.lens.as_ref().expect("lens.json");
    let ce = lens.components["x-out"].cross_entropy.unwrap();
    let final_loss = run.summary.as_ref().unwrap().final_val_loss.unwrap();
    assert!(
        (ce - final_loss).abs() <= 1e-5 * final_loss,
        "{ce} vs {final_loss}"
    );

    let posts = tmp.path().join("posts");
    fs::create_dir_all(&posts).unwrap();
    let draft = posts.join("tiny.md");
    fs::write(&draft, DRAFT).unwrap();
    let out = tmp.path().join("site");
    let mut opts = BuildOptions::new(posts, runs, Some(out.clone()));
    opts.config = repo().join("site.toml");
    opts.templates = repo().join("templates");
    let outcome = build(&opts).unwrap();
    assert!(!outcome.failed(), "{:#?}", outcome.problems);
    assert!(
        outcome.problems.is_empty(),
        "problems: {:#?}",
        outcome.problems
    );

    // The draft is untouched; the filled markdown has no TODO outside its code block.
    assert_eq!(fs::read_to_string(&draft).unwrap(), DRAFT);
    let filled = fs::read_to_string(out.join("tiny/tiny.md")).unwrap();
    let (prose, code) = filled.split_once("```python").unwrap();
    assert!(!prose.contains("TODO"), "{prose}");
    assert!(code.contains("# TODO in code stays") && code.contains("{{ not_a_directive }}"));
    assert!(prose.contains("over 2 seeds"), "{prose}");

    // Every image of the page exists and is a PNG; the x01 heatmap is among them.
    let html = fs::read_to_string(out.join("tiny/index.html")).unwrap();
    let images: Vec<&str> = html
        .split("<img src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert!(images.len() >= 3, "{images:?}");
    assert!(
        images.iter().any(|i| i.contains("lambdas-x01")),
        "{images:?}"
    );
    // The lens: its figure, a number, and the decoded table with the story's first tokens.
    assert!(images.iter().any(|i| i.contains("lens-x01")), "{images:?}");
    assert!(html.contains("% of the time."), "{html}");
    assert!(
        html.contains("<tr><td style=\"text-align: right\">0</td><td>&lt;|endoftext|&gt;</td>"),
        "{html}"
    );
    for src in &images {
        let bytes = fs::read(out.join("tiny").join(src)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG", "{src}");
    }
    assert!(
        html.contains("href=\"https://github.com/KellerJordan/modded-nanogpt\""),
        "link filled"
    );
}
