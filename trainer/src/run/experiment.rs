//! One config per experiment: a run goes into an experiment folder only when its config is the
//! one the runs already there share, seed and extra embeddings aside (the report compares the
//! runs of an experiment with each other, so they must differ in the variant only). Checked at
//! the start, before anything is written; the refusal prints the difference as the report's run
//! checks do (`runlog::diff`).

use super::plan::{Expected, PlanError};
use runlog::diff::{config_diff, render, shared_config};
use runlog::RUN_FILE;
use std::path::{Path, PathBuf};

/// `Err` when a run folder beside `dir` (in the same experiment folder) records another config
/// than `expected`, seed and extra embeddings aside; `dir` itself is not compared (the run plan
/// decides about it).
pub fn check_experiment(dir: &Path, expected: &Expected) -> Result<(), PlanError> {
    let Some(exp_dir) = dir.parent() else {
        return Ok(());
    };
    let entries = match std::fs::read_dir(exp_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(PlanError::Unreadable(runlog::Error::Io {
                path: exp_dir.to_owned(),
                source: e,
            }))
        }
    };
    let mut others: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name() != dir.file_name() && p.join(RUN_FILE).is_file())
        .collect();
    others.sort();
    let mine = shared_config(&expected.config, expected.data_hash.as_deref());
    for other in others {
        let info = runlog::read_info(&other.join(RUN_FILE)).map_err(|mut problems| {
            let p = problems.remove(0);
            runlog::Error::Parse {
                path: p.path,
                line: p.line,
                message: format!(
                    "{} (a run beside {}; the experiment's config cannot be compared)",
                    p.message,
                    dir.display()
                ),
            }
        })?;
        super::plan::check_info_names(&other.join(RUN_FILE), &info)?;
        let theirs = shared_config(&info.config, info.data_hash.as_deref());
        let diffs = config_diff(&theirs, &mine);
        if !diffs.is_empty() {
            let name = other
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            return Err(PlanError::ExperimentDiffers {
                dir: dir.to_owned(),
                experiment: info.experiment,
                other,
                diff: render(&diffs, &name, "requested"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use runlog::{write_json_atomic, RunInfo, Variant};
    use serde_json::json;

    fn expected(vocab: u64, extra: u64, seed: u64) -> Expected {
        Expected {
            config: json!({"model": {"vocab": vocab, "extra_embeddings": extra}, "seed": seed}),
            config_hash: format!("h{vocab}-{extra}-{seed}"),
            data_hash: Some("d".into()),
        }
    }

    #[test]
    fn a_run_of_another_config_is_refused_one_of_another_seed_or_variant_is_not() {
        let root = tempfile::tempdir().unwrap();
        let e = expected(247, 0, 0);
        let info = RunInfo {
            config: e.config.clone(),
            data_hash: e.data_hash.clone(),
            ..RunInfo::new("t", Variant::BASELINE, 0)
        };
        write_json_atomic(&root.path().join("t/x00-s0").join(RUN_FILE), &info).unwrap();
        let dir = root.path().join("t/x02-s1");
        check_experiment(&dir, &expected(247, 2, 1)).unwrap();
        // Its own folder is the plan's business, not this check's.
        check_experiment(&root.path().join("t/x00-s0"), &expected(3, 0, 0)).unwrap();
        let err = check_experiment(&dir, &expected(3, 2, 1))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x02-s1: the runs of experiment `t` share one config"),
            "{err}"
        );
        assert!(
            err.contains("config.model.vocab:  247 (x00-s0) -> 3 (requested)"),
            "{err}"
        );
    }
}
