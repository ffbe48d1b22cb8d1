//! A typed view of the config fields a run's reader needs, taken from run.json's free-form
//! `config` (which stays free-form so old and imported runs keep reading): steps, layers, width,
//! heads, vocabulary, batch, sequence length, embedding initialisation, and the data and
//! vocabulary hashes. A field that is absent is `None`; one that is present with the wrong type
//! is an error naming its path, never silently read as absent.

use crate::types::RunInfo;
use serde_json::Value;

/// What a run records about how it was made. Paths are those of the trainer's config
/// (`trainer/src/config.rs`) inside run.json's `config`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordedConfig {
    /// `config.schedule.steps`.
    pub steps: Option<u64>,
    /// `config.model.layers`.
    pub layers: Option<u64>,
    /// `config.model.dim`.
    pub dim: Option<u64>,
    /// `config.model.heads`.
    pub heads: Option<u64>,
    /// `config.model.vocab`: rows of each embedding table.
    pub vocab: Option<u64>,
    /// `config.data.batch_size`, sequences per step.
    pub batch_size: Option<u64>,
    /// `config.data.seq_len`.
    pub seq_len: Option<u64>,
    /// `config.model.embedding_init`, a phrase (`from N(0, 1)`).
    pub embedding_init: Option<String>,
    /// run.json's `data_hash`.
    pub data_hash: Option<String>,
    /// `config.data_info.vocab_hash`, when the vocabulary was compacted.
    pub vocab_hash: Option<String>,
    /// `config.imported_from`: the text log a run was imported from (it records no training
    /// config, only where it came from).
    pub imported_from: Option<String>,
    /// `config.source`: where an imported log was published (repository, file, section).
    pub source: Option<String>,
}

impl RecordedConfig {
    /// The view of `info`'s config; `Err` lists every field of the wrong type.
    pub fn of(info: &RunInfo) -> Result<RecordedConfig, Vec<String>> {
        let c = &info.config;
        let mut errors = Vec::new();
        let mut num = |path: &str| -> Option<u64> {
            match lookup(c, path) {
                None | Some(Value::Null) => None,
                Some(v) => v.as_u64().or_else(|| {
                    errors.push(format!("config.{path} is {v}, not a whole number"));
                    None
                }),
            }
        };
        let steps = num("schedule.steps");
        let layers = num("model.layers");
        let dim = num("model.dim");
        let heads = num("model.heads");
        let vocab = num("model.vocab");
        let batch_size = num("data.batch_size");
        let seq_len = num("data.seq_len");
        let mut text = |path: &str| -> Option<String> {
            match lookup(c, path) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(v) => {
                    errors.push(format!("config.{path} is {v}, not a string"));
                    None
                }
            }
        };
        let view = RecordedConfig {
            steps,
            layers,
            dim,
            heads,
            vocab,
            batch_size,
            seq_len,
            embedding_init: text("model.embedding_init"),
            vocab_hash: text("data_info.vocab_hash"),
            imported_from: text("imported_from"),
            source: text("source"),
            data_hash: info.data_hash.clone(),
        };
        if !c.is_null() && !c.is_object() {
            errors.push(format!("config is {c}, not an object"));
        }
        if errors.is_empty() {
            Ok(view)
        } else {
            Err(errors)
        }
    }

    /// Whether the run was imported from a text log (it then records no training config).
    pub fn is_imported(&self) -> bool {
        self.imported_from.is_some()
    }
}

/// The value at a dotted path (`model.layers`); `None` where any part is missing.
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variant::Variant;

    #[test]
    fn fields_typed_and_wrong_types_named() {
        let mut info = RunInfo::new("e", Variant::BASELINE, 0);
        info.config = serde_json::json!({
            "model": {"layers": 16, "dim": 64, "heads": 1, "vocab": 247},
            "schedule": {"steps": 500},
            "data": {"batch_size": 8, "seq_len": 128},
            "data_info": {"vocab_hash": "abc"}
        });
        let v = RecordedConfig::of(&info).unwrap();
        assert_eq!(
            (v.layers, v.steps, v.vocab),
            (Some(16), Some(500), Some(247))
        );
        assert_eq!(v.vocab_hash.as_deref(), Some("abc"));
        assert!(!v.is_imported());
        info.config["model"]["layers"] = serde_json::json!("16");
        info.config["data"]["seq_len"] = serde_json::json!(-3);
        let e = RecordedConfig::of(&info).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("config.model.layers is \"16\""), "{e:?}");
        info.config = serde_json::Value::Null;
        assert_eq!(
            RecordedConfig::of(&info).unwrap(),
            RecordedConfig::default()
        );
    }
}
