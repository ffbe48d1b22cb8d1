use crate::floats;
use crate::identity::{run_dir_name, Replica, RunIdentity};
use crate::variant::Variant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of a run.json that names a seed: what the trainer writes, readable by every
/// reader of this contract.
pub const SCHEMA_VERSION: u32 = 1;
/// Version 2 adds runs that set no seed: `"seed": null` and `"repeat": N` (the N-th repeat of
/// its configuration). Only such runs are written as version 2; the reader reads both.
pub const REPEAT_SCHEMA_VERSION: u32 = 2;
pub const RUN_FILE: &str = "run.json";
pub const METRICS_FILE: &str = "metrics.jsonl";
pub const SUMMARY_FILE: &str = "summary.json";

/// `run.json`: what the run is, written once when it starts. Imported logs know little, so
/// everything past the identity is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub schema_version: u32,
    pub run_id: String,
    pub experiment: String,
    /// `x00` (baseline) .. `x99`; a run.json with any other name does not read.
    pub variant: Variant,
    /// Always the variant's number; recorded for tools that do not parse names.
    pub extra_embeddings: u32,
    /// The random seed; `None` (written `null`) for a run that set none, which has a `repeat`.
    #[serde(deserialize_with = "seed_or_null")]
    pub seed: Option<u64>,
    /// A run that set no seed: which repeat of its configuration it is (schema version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// The whole config (model, optimiser, schedule, data); free-form so old runs stay readable.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub config: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Params>,
}

impl RunInfo {
    /// A run's identity with nothing else recorded (imported logs, tests): the run id is
    /// `<experiment>/<variant>-s<seed>`, the number of extra embeddings the variant's.
    pub fn new(experiment: &str, variant: Variant, seed: u64) -> Self {
        RunInfo {
            schema_version: SCHEMA_VERSION,
            run_id: format!("{experiment}/{}", run_dir_name(variant, seed)),
            experiment: experiment.to_owned(),
            variant,
            extra_embeddings: variant.extra_embeddings(),
            seed: Some(seed),
            repeat: None,
            preset: None,
            config: serde_json::Value::Null,
            config_hash: None,
            data_hash: None,
            commit: None,
            device: None,
            threads: None,
            host: None,
            started_at: None,
            params: None,
        }
    }

    /// A run that set no seed, the `repeat`-th of its configuration (imported logs whose runs
    /// were repeated without a seed): run id `<experiment>/<variant>-r<repeat>`, version 2.
    pub fn repeated(experiment: &str, variant: Variant, repeat: u64) -> Self {
        let replica = Replica::Repeat(repeat);
        RunInfo {
            schema_version: REPEAT_SCHEMA_VERSION,
            run_id: format!("{experiment}/{}", replica.dir_name(variant)),
            seed: None,
            repeat: Some(repeat),
            ..RunInfo::new(experiment, variant, 0)
        }
    }

    /// Its seed, or which repeat it is (a run.json with both or neither does not read; a
    /// value built in code with neither counts as seed 0's absence: repeat 0 is never assumed).
    pub fn replica(&self) -> Replica {
        match (self.seed, self.repeat) {
            (_, Some(r)) => Replica::Repeat(r),
            (Some(s), None) => Replica::Seed(s),
            (None, None) => Replica::Seed(0),
        }
    }

    /// What makes two runs the same run: experiment, variant, seed or repeat.
    pub fn identity(&self) -> RunIdentity {
        RunIdentity {
            experiment: self.experiment.clone(),
            variant: self.variant,
            replica: self.replica(),
        }
    }
}

/// Parameter counts; `total` and `embeddings` always, any other group by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub total: u64,
    pub embeddings: u64,
    #[serde(flatten)]
    pub other: BTreeMap<String, u64>,
}

/// One line of `metrics.jsonl`: the state of the run at one evaluation.
/// Only `step`, `val_loss` and `train_time_ms` are required; a non-finite loss is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub step: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_steps: Option<u64>,
    /// Training time so far, evaluation excluded (as modded-nanogpt counts it).
    pub train_time_ms: f64,
    /// `None` when the loss was NaN or infinite (written as `null`).
    #[serde(deserialize_with = "required_nullable")]
    pub val_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// Per-layer lambdas keyed `x`, `x00`, `x01`, ...
    ///
    /// In this list and the three below, a value that is not finite is written as `null` (JSON
    /// has no NaN) and read back as NaN, so whatever the writer wrote reads back; the run
    /// checks then refuse NaN lambdas and norms in a run that did not diverge.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::lambdas"
    )]
    pub lambdas: Option<BTreeMap<String, Vec<f64>>>,
    /// Per layer: RMS of the residual stream entering that layer's weighted sum.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::list"
    )]
    pub x_norms: Option<Vec<f64>>,
    /// U-net skip weights, in the order the skips are applied.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::list"
    )]
    pub skip_weights: Option<Vec<f64>>,
    /// Per value-embedding layer: [weight of v, weight of ve]. A log that printed only one of
    /// the two (`v_lambdas` without `ve_lambdas`) has NaN, written `null`, in the other half.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::pairs"
    )]
    pub ve_lambdas: Option<Vec<[f64; 2]>>,
}

impl Metrics {
    /// A metrics line with only the required fields; a non-finite loss becomes `None`.
    pub fn new(step: u64, train_time_ms: f64, val_loss: f64) -> Self {
        Metrics {
            step,
            total_steps: None,
            train_time_ms,
            val_loss: val_loss.is_finite().then_some(val_loss),
            train_loss: None,
            tokens: None,
            lambdas: None,
            x_norms: None,
            skip_weights: None,
            ve_lambdas: None,
        }
    }
}

/// `seed` must be present (version 1 requires a number; [`crate::read_info`] says so by
/// version), and may be `null` in a run that records a `repeat`.
fn seed_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(d)
}

/// `val_loss` must be present (a line without it is no evaluation), but may be `null`.
fn required_nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Finished,
    Diverged,
    Interrupted,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Finished => "finished",
            Status::Diverged => "diverged",
            Status::Interrupted => "interrupted",
        })
    }
}

/// `summary.json`: how the run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub status: Status,
    pub final_val_loss: Option<f64>,
    pub train_time_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_avg_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_mb: Option<f64>,
}
