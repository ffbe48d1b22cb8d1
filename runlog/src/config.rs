//! run.json's `config`: one serde type for the trainer, which writes it, and every reader.
//!
//! [`Config`] is everything that decides what a run computes (model, optimiser, schedule, data,
//! seed); the trainer hashes its canonical JSON (fields in declaration order) into run.json's
//! `config_hash`. A trained run's `config` is a [`TrainedConfig`]: the config and, beside it,
//! what the run found in its data ([`DataInfo`], not hashed). Runs that record less (imports,
//! hand-made runs) read as [`crate::PartialConfig`]; [`crate::RunConfig`] tells them apart.
//!
//! Versioning: a new field that old runs lack is added as an `Option` with `#[serde(default,
//! skip_serializing_if = "Option::is_none")]` (as [`DataConfig::corpus`] was): absent, it
//! changes neither run.json's bytes nor the config hash, so committed runs keep reading and
//! finished runs keep being skipped. Renaming, removing or retyping a field, or adding one every
//! run must have, changes what old runs mean: it bumps [`crate::SCHEMA_VERSION`], and the reader
//! keeps the old type for the old version and converts it, never guessing.

use serde::{Deserialize, Serialize};

/// The GPT's shape. The 16-layer pattern (no attention in layer 7, skips 6/4/2 -> 9/10/11, value
/// embeddings on 0-2 and 13-15) is fixed in the trainer's model; only the width and vocabulary
/// vary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub layers: usize,
    pub dim: usize,
    pub heads: usize,
    pub head_dim: usize,
    /// Rows of each embedding table (50257 for GPT-2; smaller for a compacted vocabulary).
    pub vocab: usize,
    /// Extra embeddings beyond x00: 0 for `x00`, 4 for `x04`.
    pub extra_embeddings: usize,
}

impl ModelConfig {
    /// The head's output width: vocabulary padded to a multiple of 128 (modded-nanogpt's
    /// `next_multiple_of_n(vocab_size, n=128)`).
    pub fn padded_vocab(&self) -> usize {
        self.vocab.div_ceil(128) * 128
    }
}

/// modded-nanogpt's optimiser settings (records/track_2_medium, 2025-09-11_GPT2MediumX01).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimConfig {
    pub muon_lr: f64,
    pub muon_momentum: f64,
    pub muon_momentum_start: f64,
    pub muon_momentum_warmup_steps: usize,
    pub muon_weight_decay: f64,
    /// Weight-decay multiplier on the MLP matrices (`wd_mul = 2.0`).
    pub muon_mlp_wd_mul: f64,
    pub ns_steps: usize,
    pub adam_beta1: f64,
    pub adam_beta2: f64,
    pub adam_eps: f64,
    pub lr_embed: f64,
    pub lr_scalar: f64,
    pub lr_head: f64,
}

impl Default for OptimConfig {
    fn default() -> Self {
        OptimConfig {
            muon_lr: 0.025,
            muon_momentum: 0.95,
            muon_momentum_start: 0.85,
            muon_momentum_warmup_steps: 300,
            muon_weight_decay: 0.01,
            muon_mlp_wd_mul: 2.0,
            ns_steps: 5,
            adam_beta1: 0.8,
            adam_beta2: 0.95,
            adam_eps: 1e-10,
            lr_embed: 0.3,
            lr_scalar: 0.015,
            lr_head: 1.0 / 320.0,
        }
    }
}

/// Learning-rate schedule: flat, then linear to zero over the last `cooldown_frac` of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleConfig {
    pub steps: usize,
    pub cooldown_frac: f64,
}

/// Where tokens come from and how they are shaped into batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataConfig {
    /// `default` (the generated corpus), a registry corpus (`corpus <name>`), or the folder of
    /// `fineweb_{train,val}_*.bin` shards.
    pub source: String,
    /// A registry corpus (`make corpus`) pinned by package, version and token hash; absent for
    /// the generated corpus and shard folders (so their configs hash as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<CorpusRef>,
    /// Compact the vocabulary to this many most frequent training tokens (+ end-of-text and
    /// unknown); `None` keeps GPT-2's 50257.
    pub compact_vocab: Option<usize>,
    pub batch_size: usize,
    pub seq_len: usize,
    /// Validation tokens evaluated at every evaluation (fixed, so losses compare).
    pub val_tokens: usize,
    /// Evaluate every this many steps (plus step 0 and the last step).
    pub eval_every: usize,
}

/// A corpus as a run's config records it: which text, from which package, and its tokens' hash
/// (sha256 over the GPT-2 tokens of the training then the validation split, as
/// [`DataInfo::hash`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusRef {
    pub name: String,
    /// The Debian package the text comes from, and its version.
    pub package: String,
    pub version: String,
    pub hash: String,
}

/// Everything that decides what a run computes; two runs with the same config (the same hash)
/// are the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub model: ModelConfig,
    pub optim: OptimConfig,
    pub schedule: ScheduleConfig,
    pub data: DataConfig,
    pub seed: u64,
}

impl Config {
    pub fn tokens_per_step(&self) -> usize {
        self.data.batch_size * self.data.seq_len
    }
}

/// What a run found in its data (`config.data_info`): not part of the config's hash, but
/// recorded so that a run on other tokens is told apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    pub source: String,
    /// sha256 over the GPT-2 tokens of the training then the validation split.
    pub hash: String,
    pub train_tokens: usize,
    pub val_tokens: usize,
    /// Compacted vocabulary: its size (rows, with end-of-text and unknown) and a hash of the
    /// kept GPT-2 ids; absent when the full GPT-2 vocabulary is used.
    pub vocab_size: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocab_hash: Option<String>,
    /// Share of training tokens mapped to the unknown id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_frac: Option<f64>,
    /// Entropy (nats) of the validation tokens' unigram distribution: the loss a model that
    /// ignores context could reach at best.
    pub unigram_entropy: f64,
}

/// run.json's `config` as the trainer writes it: the [`Config`] and its data's [`DataInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedConfig {
    #[serde(flatten)]
    pub config: Config,
    pub data_info: DataInfo,
}

impl TrainedConfig {
    /// The JSON value run.json holds (keys sorted, as every committed run has them).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a config serialises")
    }
}
