//! run.json's `config`, read by its kind ([`RunConfig`]): the trainer's whole config, or the part
//! an import or a hand-made run records ([`PartialConfig`]). Both are serde types; a field of the
//! wrong type is an error naming its path (`config.model.layers is "16", not a whole number`), a
//! field the trainer's config lacks is one too (a renamed field never reads as absent).
//! [`RecordedConfig`] is what readers ask of any run (steps, layers, width, ...), taken from it.

use crate::config::{Config, DataInfo, TrainedConfig};
use crate::fields::{read_typed, unknown_keys, FieldError};
use crate::types::RunInfo;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The sections of a config in [`Config`]'s order (then `data_info`): problems are listed in it.
pub const SECTIONS: [&str; 6] = ["model", "optim", "schedule", "data", "seed", "data_info"];

/// run.json's `config`, typed by what wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum RunConfig {
    /// No config recorded (`config` absent or `null`).
    None,
    /// Written by the trainer: every field of [`Config`], and its data's [`DataInfo`]. A config
    /// with an `optim` section is one (only the trainer writes it).
    Trained(Box<TrainedConfig>),
    /// Anything else: an imported log (`imported_from`), or a run that records part of a config.
    Partial(Box<PartialConfig>),
}

/// What an imported or hand-made run may record, each field typed; other keys are kept in
/// run.json (configurations compare them) but not read here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialConfig {
    /// The text log a run was imported from (it records no training config, only where it came
    /// from and what its preset and log say).
    pub imported_from: Option<String>,
    /// The log's format (`modded-nanogpt log`).
    pub format: Option<String>,
    /// Where an imported log was published (repository, file, section).
    pub source: Option<String>,
    /// The `## ` section of the file the log was cut from.
    pub section: Option<String>,
    /// `report import --config key=value`: settings the log does not print.
    pub settings: Option<BTreeMap<String, Value>>,
    pub model: Option<ModelShape>,
    pub schedule: Option<ScheduleShape>,
    pub data: Option<DataShape>,
    pub seed: Option<u64>,
    pub data_info: Option<VocabShape>,
}

/// The model fields a partial config may record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelShape {
    pub layers: Option<u64>,
    pub dim: Option<u64>,
    pub heads: Option<u64>,
    pub head_dim: Option<u64>,
    pub vocab: Option<u64>,
    pub extra_embeddings: Option<u64>,
    /// How the extra embeddings are initialised, a phrase (`from N(0, 1)`).
    pub embedding_init: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScheduleShape {
    pub steps: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataShape {
    pub batch_size: Option<u64>,
    pub seq_len: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VocabShape {
    pub vocab_hash: Option<String>,
}

impl RunConfig {
    /// `config` read by its kind; `Err` lists every problem (`config.model.layers is "16", not
    /// a whole number`), in [`SECTIONS`]' order.
    pub fn read(config: &Value) -> Result<RunConfig, Vec<String>> {
        let obj = match config {
            Value::Null => return Ok(RunConfig::None),
            Value::Object(o) => o,
            c => return Err(vec![format!("config is {c}, not an object")]),
        };
        let mut errors = if obj.contains_key("optim") {
            match read_trained(config) {
                Ok(t) => return Ok(RunConfig::Trained(Box::new(t))),
                Err(e) => e,
            }
        } else {
            match read_typed::<PartialConfig>(config) {
                Ok(p) => return Ok(RunConfig::Partial(Box::new(p))),
                Err(e) => e,
            }
        };
        errors.sort_by_key(|e| rank(&e.path));
        Err(errors
            .iter()
            .map(|e| e.message("config", "the trainer records every field of its config"))
            .collect())
    }
}

/// The trainer's config: [`Config`] and `data_info` read apart (so each problem has its path),
/// then every key they do not write back named.
fn read_trained(config: &Value) -> Result<TrainedConfig, Vec<FieldError>> {
    let mut rest = config.clone();
    let info = rest
        .as_object_mut()
        .and_then(|o| o.remove("data_info"))
        .unwrap_or(Value::Null);
    let under = |mut e: FieldError| {
        e.path.insert(0, "data_info".into());
        e
    };
    let (cfg, info) = match (
        read_typed::<Config>(&rest),
        read_typed::<DataInfo>(&info).map_err(|e| e.into_iter().map(under).collect()),
    ) {
        (Ok(c), Ok(i)) => (c, i),
        (c, i) => {
            return Err([c.err(), i.err()].into_iter().flatten().flatten().collect());
        }
    };
    let typed = TrainedConfig {
        config: cfg,
        data_info: info,
    };
    let unknown: Vec<FieldError> = unknown_keys(config, &typed.to_value())
        .into_iter()
        .map(|path| FieldError {
            path,
            kind: crate::fields::FieldErrorKind::Other(
                "not a field of the trainer's config (renamed, or from another version?)".into(),
            ),
        })
        .collect();
    if unknown.is_empty() {
        Ok(typed)
    } else {
        Err(unknown)
    }
}

/// Where a problem at `path` sorts: by its section in [`SECTIONS`], others after.
fn rank(path: &[String]) -> usize {
    let first = path.first().map(String::as_str).unwrap_or_default();
    SECTIONS
        .iter()
        .position(|s| *s == first)
        .unwrap_or(SECTIONS.len())
}

/// What a run records about how it was made, whichever kind its config is: `None` where it
/// records nothing.
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
    /// `config.imported_from`: the text log a run was imported from.
    pub imported_from: Option<String>,
    /// `config.source`: where an imported log was published (repository, file, section).
    pub source: Option<String>,
}

impl RecordedConfig {
    /// The view of `info`'s config; `Err` lists every problem of it ([`RunConfig::read`]).
    pub fn of(info: &RunInfo) -> Result<RecordedConfig, Vec<String>> {
        let data_hash = info.data_hash.clone();
        Ok(match RunConfig::read(&info.config)? {
            RunConfig::None => RecordedConfig {
                data_hash,
                ..Default::default()
            },
            RunConfig::Trained(t) => Self::of_trained(&t, data_hash),
            RunConfig::Partial(p) => Self::of_partial(*p, data_hash),
        })
    }

    fn of_trained(t: &TrainedConfig, data_hash: Option<String>) -> RecordedConfig {
        let (m, d) = (&t.config.model, &t.config.data);
        let n = |v: usize| Some(v as u64);
        RecordedConfig {
            steps: n(t.config.schedule.steps),
            layers: n(m.layers),
            dim: n(m.dim),
            heads: n(m.heads),
            vocab: n(m.vocab),
            batch_size: n(d.batch_size),
            seq_len: n(d.seq_len),
            embedding_init: None,
            data_hash,
            vocab_hash: t.data_info.vocab_hash.clone(),
            imported_from: None,
            source: None,
        }
    }

    fn of_partial(p: PartialConfig, data_hash: Option<String>) -> RecordedConfig {
        let m = p.model.unwrap_or_default();
        let d = p.data.unwrap_or_default();
        RecordedConfig {
            steps: p.schedule.and_then(|s| s.steps),
            layers: m.layers,
            dim: m.dim,
            heads: m.heads,
            vocab: m.vocab,
            batch_size: d.batch_size,
            seq_len: d.seq_len,
            embedding_init: m.embedding_init,
            data_hash,
            vocab_hash: p.data_info.and_then(|i| i.vocab_hash),
            imported_from: p.imported_from,
            source: p.source,
        }
    }

    /// Whether the run was imported from a text log (it then records no training config).
    pub fn is_imported(&self) -> bool {
        self.imported_from.is_some()
    }
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

    #[test]
    fn sections_are_listed_in_the_configs_own_order() {
        let cfg = Config {
            model: crate::config::ModelConfig {
                layers: 1,
                dim: 1,
                heads: 1,
                head_dim: 1,
                vocab: 1,
                extra_embeddings: 0,
            },
            optim: Default::default(),
            schedule: crate::config::ScheduleConfig {
                steps: 1,
                cooldown_frac: 0.5,
            },
            data: crate::config::DataConfig {
                source: "default".into(),
                corpus: None,
                compact_vocab: None,
                batch_size: 1,
                seq_len: 1,
                val_tokens: 1,
                eval_every: 1,
            },
            seed: 0,
        };
        // The canonical (hashed) JSON names the sections in declaration order.
        let json = String::from_utf8(serde_json::to_vec(&cfg).unwrap()).unwrap();
        let at = |k: &str| json.find(&format!("\"{k}\":")).unwrap();
        let order: Vec<usize> = SECTIONS[..5].iter().map(|k| at(k)).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{json}");
    }
}
