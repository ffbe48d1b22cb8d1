//! What to do with one run folder, decided from what it holds: train it, resume it from its
//! checkpoint, skip it (it ended with this very config), or refuse (it holds another config,
//! which is never overwritten). `trainer run` and `trainer sweep` decide alike.

use runlog::diff::{config_diff, render, with_data_hash, Difference};
use runlog::{Status, RUN_FILE};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What this invocation would write into run.json: the identity of "the same run".
#[derive(Debug, Clone)]
pub struct Expected {
    pub config: Value,
    pub config_hash: String,
    pub data_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing there yet: train from step 0.
    Train,
    /// Started with this config but never ended and no checkpoint survived: train again from
    /// step 0, replacing its partial log.
    Restart,
    /// Interrupted or crashed with this config: continue from the checkpoint of `step`.
    Resume { step: u64 },
    /// Ended with this config (finished or diverged): nothing to do.
    Skip {
        status: Status,
        final_val_loss: Option<f64>,
    },
}

impl Action {
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Train => "train",
            Action::Restart => "restart",
            Action::Resume { .. } => "resume",
            Action::Skip { .. } => "skip",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "{dir}: holds a run with a different config (config_hash {old_hash} in {RUN_FILE}, \
         {new_hash} requested); it is never overwritten. The differences:\n{diff}\
         Choose another --experiment or --out, or delete the folder to train it anew."
    )]
    ConfigDiffers {
        dir: PathBuf,
        old_hash: String,
        new_hash: String,
        diff: String,
    },
    #[error(
        "{dir}: the runs of experiment `{experiment}` share one config (seed and extra \
         embeddings aside), and {other} records another; a run of this config does not go \
         into it. The differences:\n{diff}Choose another --experiment or --out."
    )]
    ExperimentDiffers {
        dir: PathBuf,
        experiment: String,
        other: PathBuf,
        diff: String,
    },
    #[error("{0}")]
    Unreadable(#[from] runlog::Error),
    #[error("{path}: {error}")]
    BadName {
        path: PathBuf,
        error: runlog::NameError,
    },
}

/// run.json's experiment as the trainer reads it: a name from the closed alphabet, like the one
/// `--experiment` gives (it reaches messages, tables and the folder of the runs beside it).
pub fn check_info_names(run_file: &Path, info: &runlog::RunInfo) -> Result<(), PlanError> {
    runlog::check_name("experiment", &info.experiment).map_err(|error| PlanError::BadName {
        path: run_file.to_owned(),
        error,
    })
}

/// Decides from `dir` (a run folder, present or not) and the checkpoint step saved there.
pub fn plan_run(
    dir: &Path,
    expected: &Expected,
    checkpoint_step: Option<u64>,
) -> Result<Action, PlanError> {
    if !dir.join(RUN_FILE).exists() {
        return Ok(Action::Train);
    }
    // An unreadable run.json is an error, never a reason to overwrite.
    let run = runlog::read_run(dir)?;
    check_info_names(&dir.join(RUN_FILE), &run.info)?;
    let old_hash = run
        .info
        .config_hash
        .clone()
        .unwrap_or_else(|| "(none)".into());
    if old_hash != expected.config_hash || run.info.data_hash != expected.data_hash {
        let recorded = with_data_hash(&run.info.config, run.info.data_hash.as_deref());
        let requested = with_data_hash(&expected.config, expected.data_hash.as_deref());
        let mut diffs = config_diff(&recorded, &requested);
        if diffs.is_empty() {
            // Same fields, other hash: the hash recipe changed (or run.json was edited).
            diffs.push(Difference {
                path: "config_hash".into(),
                old: Some(Value::String(old_hash.clone())),
                new: Some(Value::String(expected.config_hash.clone())),
            });
        }
        return Err(PlanError::ConfigDiffers {
            dir: dir.to_owned(),
            old_hash,
            new_hash: expected.config_hash.clone(),
            diff: render(&diffs, "recorded", "requested"),
        });
    }
    match run.summary.map(|s| (s.status, s.final_val_loss)) {
        Some((status @ (Status::Finished | Status::Diverged), final_val_loss)) => {
            Ok(Action::Skip {
                status,
                final_val_loss,
            })
        }
        // Interrupted, or no summary at all (killed): its checkpoint decides.
        _ => Ok(match checkpoint_step {
            Some(step) => Action::Resume { step },
            None => Action::Restart,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runlog::{write_json_atomic, RunInfo, Summary};
    use serde_json::json;

    fn expected(dim: u64) -> Expected {
        let config = json!({"model": {"dim": dim}, "seed": 0});
        Expected {
            config_hash: format!("hash-{dim}"),
            config,
            data_hash: Some("data-1".into()),
        }
    }

    fn write_run(dir: &Path, e: &Expected, status: Option<Status>) {
        let info = RunInfo {
            preset: Some("tiny".into()),
            config: e.config.clone(),
            config_hash: Some(e.config_hash.clone()),
            data_hash: e.data_hash.clone(),
            ..RunInfo::new("e", runlog::Variant::parse("x01").unwrap(), 0)
        };
        write_json_atomic(&dir.join(RUN_FILE), &info).unwrap();
        if let Some(status) = status {
            let s = Summary {
                status,
                final_val_loss: Some(3.25),
                train_time_ms: 1.0,
                step_avg_ms: None,
                tokens_per_s: None,
                peak_rss_mb: None,
            };
            write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &s).unwrap();
        }
    }

    #[test]
    fn each_state_of_a_folder_gets_its_action() {
        let root = tempfile::tempdir().unwrap();
        let e = expected(64);
        let dir = root.path().join("x01-s0");
        assert_eq!(plan_run(&dir, &e, None).unwrap(), Action::Train);
        write_run(&dir, &e, None);
        assert_eq!(plan_run(&dir, &e, None).unwrap(), Action::Restart);
        assert_eq!(
            plan_run(&dir, &e, Some(40)).unwrap(),
            Action::Resume { step: 40 }
        );
        write_run(&dir, &e, Some(Status::Interrupted));
        assert_eq!(
            plan_run(&dir, &e, Some(40)).unwrap(),
            Action::Resume { step: 40 }
        );
        write_run(&dir, &e, Some(Status::Finished));
        assert_eq!(
            plan_run(&dir, &e, Some(40)).unwrap(),
            Action::Skip {
                status: Status::Finished,
                final_val_loss: Some(3.25)
            }
        );
    }

    #[test]
    fn another_config_is_refused_with_its_differences() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("x01-s0");
        write_run(&dir, &expected(64), Some(Status::Finished));
        let err = plan_run(&dir, &expected(128), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("different config"), "{err}");
        assert!(
            err.contains("config.model.dim:  64 (recorded) -> 128 (requested)"),
            "{err}"
        );
        assert!(err.contains("x01-s0"), "{err}");
        let mut other_data = expected(64);
        other_data.data_hash = Some("data-2".into());
        let err = plan_run(&dir, &other_data, None).unwrap_err().to_string();
        assert!(err.contains("data_hash:"), "{err}");
    }

    #[test]
    fn a_run_json_whose_experiment_is_not_a_plain_name_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("x01-s0");
        let e = expected(64);
        let info = RunInfo {
            config: e.config.clone(),
            config_hash: Some(e.config_hash.clone()),
            data_hash: e.data_hash.clone(),
            ..RunInfo::new(
                "x\ntouch PWNED #",
                runlog::Variant::parse("x01").unwrap(),
                0,
            )
        };
        write_json_atomic(&dir.join(RUN_FILE), &info).unwrap();
        let err = plan_run(&dir, &e, None).unwrap_err().to_string();
        // runlog names the line of run.json that holds the name.
        assert!(err.contains("run.json, line 4: "), "{err}");
        assert!(
            err.contains("run.json, line 4: experiment \"x\\ntouch PWNED #\" is not a plain name: it holds a line break"),
            "{err}"
        );
    }

    #[test]
    fn an_unreadable_run_json_is_an_error_not_an_overwrite() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(RUN_FILE), "{ torn").unwrap();
        let err = plan_run(root.path(), &expected(64), None).unwrap_err();
        assert!(err.to_string().contains(RUN_FILE), "{err}");
    }
}
