//! The lens rules: a run's lens.json that decodes this run passes; one of another config or step,
//! with a NaN or out-of-range rate, a missing component or a sample of the wrong length is named
//! with its file; an experiment's imported lens must sit where its names say.

mod common;
use common::{good, info, problems};
use runlog::check::{check_dir, check_experiment_lens};
use runlog::*;
use std::collections::BTreeMap;
use std::path::Path;

fn stats(ce: f64) -> LensStats {
    LensStats {
        tokens: 64,
        cross_entropy: Some(ce),
        next_top1: 0.25,
        copy_top1: 0.5,
        bigram_top1: Some(0.125),
        entropy: Some(1.5),
    }
}

/// A lens of the common x01 run (2 layers), ending at step 20 with val loss 3.0.
fn lens() -> Lens {
    let names = lens_components(Variant::parse("x01").unwrap(), 2);
    let components = names
        .iter()
        .map(|c| (c.clone(), stats(if c == "x-out" { 3.0 } else { 5.0 })))
        .collect();
    let top = names
        .iter()
        .map(|c| {
            let guesses = vec![Guess(" the".into(), 0.5), Guess("\n".into(), 0.25)];
            (c.clone(), vec![guesses.clone(), guesses])
        })
        .collect();
    Lens {
        schema_version: LENS_SCHEMA_VERSION,
        variant: Variant::parse("x01").unwrap(),
        experiment: None,
        config_hash: Some("h1".into()),
        step: Some(20),
        measured_on: "the validation batches".into(),
        bigram_table: Some("the training split".into()),
        source: None,
        notes: Vec::new(),
        components,
        sample: LensSample {
            text: "validation split".into(),
            tokens: vec!["a".into(), " b".into()],
            top,
        },
        norms: None,
    }
}

/// The common good run, its run.json with config hash `h1`, and `lens` beside it.
fn run_with(root: &Path, lens: &Lens) -> std::path::PathBuf {
    let dir = good(root);
    let mut i = info("x01", 0);
    i.config_hash = Some("h1".into());
    write_json_atomic(&dir.join(RUN_FILE), &i).unwrap();
    write_json_atomic(&dir.join(LENS_FILE), lens).unwrap();
    dir
}

#[test]
fn a_lens_of_this_run_passes_and_reads_back() {
    let d = tempfile::tempdir().unwrap();
    let dir = run_with(d.path(), &lens());
    let c = check_dir(&dir);
    assert!(c.is_ok(), "{:?}", c.problems);
    assert_eq!(c.run.unwrap().lens, Some(lens()));
}

#[test]
fn another_config_or_step_or_weights_is_named() {
    let d = tempfile::tempdir().unwrap();
    let mut l = lens();
    l.config_hash = Some("h2".into());
    let text = problems(&run_with(d.path(), &l));
    assert!(
        text.contains(
            "lens.json, line 4: a lens of another config: config_hash h2, but run.json's is h1"
        ),
        "{text}"
    );
    let d = tempfile::tempdir().unwrap();
    let mut l = lens();
    l.step = Some(10);
    let text = problems(&run_with(d.path(), &l));
    assert!(
        text.contains("a lens of step 10, but the run ended at step 20"),
        "{text}"
    );
    // Step 10's val loss is 4.0: x-out's 3.0 is not it.
    assert!(
        text.contains("x-out's cross_entropy 3 is not the val loss 4 logged at step 10 (metrics.jsonl line 2)"),
        "{text}"
    );
    let d = tempfile::tempdir().unwrap();
    let mut l = lens();
    l.components.get_mut("x-out").unwrap().cross_entropy = Some(3.0001);
    let text = problems(&run_with(d.path(), &l));
    assert!(
        text.contains("x-out's cross_entropy 3.0001 is not the val loss 3"),
        "{text}"
    );
}

#[test]
fn nan_and_out_of_range_rates_and_missing_components_are_named() {
    let d = tempfile::tempdir().unwrap();
    let mut l = lens();
    l.components.get_mut("x01").unwrap().copy_top1 = f64::NAN;
    l.components.get_mut("x00").unwrap().next_top1 = 1.5;
    l.components.get_mut("x-1").unwrap().bigram_top1 = None;
    l.components.remove("ve1_o1");
    l.sample.top.get_mut("x-0").unwrap().pop();
    let dir = run_with(d.path(), &l);
    let text = problems(&dir);
    for want in [
        "lens.json, line 64: components.x01: copy_top1 is null (NaN), not a rate",
        "components.x00: next_top1 is 1.5, outside [0, 1]",
        "components.x-1: bigram_top1 is missing",
        "component `ve1_o1` is missing (a lens of x01 with 2 layers decodes x-0, x-1, x-out, x00, x01, ve0, ve1, ve0_o0, ve1_o1)",
        "sample.top.x-0 has 1 positions, the sample 2 tokens",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    assert!(!check_dir(&dir).is_ok());
}

#[test]
fn a_lens_that_does_not_read_is_damage_naming_its_line() {
    let d = tempfile::tempdir().unwrap();
    let dir = run_with(d.path(), &lens());
    common::edit(&dir, LENS_FILE, "\"tokens\": 64", "\"tokens\": \"64\"");
    let text = problems(&dir);
    assert!(text.contains("lens.json, line "), "{text}");
    assert!(
        text.contains("unreadable: invalid type: string \"64\""),
        "{text}"
    );
}

#[test]
fn an_experiment_lens_sits_where_its_names_say() {
    let d = tempfile::tempdir().unwrap();
    let mut l = lens();
    l.config_hash = None;
    l.step = None;
    l.experiment = Some("exp".into());
    l.source = Some("a repository, a file".into());
    for s in l.components.values_mut() {
        s.cross_entropy = None;
        s.bigram_top1 = None;
        s.entropy = None;
    }
    l.norms = Some(LensNorms {
        kind: "as printed".into(),
        x: vec![8192.0, 16384.0],
        inputs: BTreeMap::from([("x00".to_string(), 8192.0)]),
        per_element: 8192.0,
    });
    let path = d.path().join("exp").join(experiment_lens_file(l.variant));
    write_json_atomic(&path, &l).unwrap();
    let (read, problems) = check_experiment_lens(&path);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(read.unwrap().norms.unwrap().x_rms(), [1.0, 2.0]);

    let elsewhere = d.path().join("other").join("lens-x02.json");
    write_json_atomic(&elsewhere, &l).unwrap();
    let (_, problems) = check_experiment_lens(&elsewhere);
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let text = text.join("\n");
    assert!(
        text.contains(
            "a lens of x01 in a file named `lens-x02.json`: it belongs in `lens-x01.json`"
        ),
        "{text}"
    );
    assert!(
        text.contains("a lens of experiment `exp` in the folder `other`"),
        "{text}"
    );
}
