//! run.json's typed config against the committed runs: every one reads as its kind, and a
//! trained run's config writes back to the very JSON value it was read from.
use runlog::{read_info, RecordedConfig, RunConfig};
use std::path::{Path, PathBuf};

fn runs_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../runs")
}

/// Every run.json under `dir`, sorted.
fn run_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == runlog::RUN_FILE) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn trained_runs_read_typed_and_write_back_the_same_json() {
    let files = run_files(&runs_root().join("embeddings-extravaganza-1"));
    assert_eq!(files.len(), 25, "the CPU experiment's committed runs");
    for f in files {
        let info = read_info(&f).unwrap();
        let RunConfig::Trained(t) = RunConfig::read(&info.config).unwrap() else {
            panic!("{}: not read as a trained config", f.display());
        };
        assert_eq!(t.to_value(), info.config, "{}", f.display());
        assert_eq!(t.config.seed, info.seed.unwrap(), "{}", f.display());
        let seen = RecordedConfig::of(&info).unwrap();
        assert_eq!(seen.steps, Some(t.config.schedule.steps as u64));
        assert_eq!(seen.vocab_hash, t.data_info.vocab_hash);
    }
}

#[test]
fn every_committed_run_reads_as_its_kind() {
    let files = run_files(&runs_root());
    assert!(files.len() > 250, "{} runs", files.len());
    let (mut trained, mut imported) = (0, 0);
    for f in &files {
        let info = read_info(f).unwrap();
        match RunConfig::read(&info.config) {
            Ok(RunConfig::Trained(_)) => trained += 1,
            Ok(RunConfig::Partial(p)) => {
                assert!(p.imported_from.is_some(), "{}", f.display());
                assert!(
                    p.schedule.and_then(|s| s.steps).is_some(),
                    "{}",
                    f.display()
                );
                imported += 1;
            }
            other => panic!("{}: {other:?}", f.display()),
        }
    }
    assert_eq!((trained, imported), (25, files.len() - 25));
}

/// A committed trained run's config with `edit` applied.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<String> {
    let f = run_files(&runs_root().join("embeddings-extravaganza-1")).remove(0);
    let mut config = read_info(&f).unwrap().config;
    edit(&mut config);
    RunConfig::read(&config).unwrap_err()
}

#[test]
fn a_renamed_or_mistyped_trained_field_is_named() {
    let e = edited(|c| {
        let m = c["model"].as_object_mut().unwrap();
        let layers = m.remove("layers").unwrap();
        m.insert("n_layers".into(), layers);
    });
    assert_eq!(
        e,
        ["config.model.layers is missing (the trainer records every field of its config)"]
    );
    let e = edited(|c| {
        c["optim"]["muon_lr_typo"] = serde_json::json!(0.1);
        c["data_info"]["extra"] = serde_json::json!(1);
    });
    assert_eq!(
        e,
        [
            "config.optim.muon_lr_typo: not a field of the trainer's config (renamed, or from \
             another version?)",
            "config.data_info.extra: not a field of the trainer's config (renamed, or from \
             another version?)"
        ]
    );
    let e = edited(|c| c["schedule"]["steps"] = serde_json::json!("500"));
    assert_eq!(e, ["config.schedule.steps is \"500\", not a whole number"]);
    let e = edited(|c| c["data_info"]["vocab_hash"] = serde_json::json!(7));
    assert_eq!(e, ["config.data_info.vocab_hash is 7, not a string"]);
}
