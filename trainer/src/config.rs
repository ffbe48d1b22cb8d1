//! Presets and the run configuration. Everything that decides what a run computes lives in
//! [`Config`] (model, optimiser, schedule, data, training shape, seed); [`Config::config_hash`]
//! covers exactly that, never the commit, host, device, threads or time.

use crate::data::corpora::TDAVID;
use runlog::Variant;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The GPT's shape. The 16-layer pattern (no attention in layer 7, skips 6/4/2 -> 9/10/11, value
/// embeddings on 0-2 and 13-15) is fixed in model.rs; only the width and vocabulary vary.
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
    /// `default` (the generated corpus), a registry corpus (`corpus <name>`, see `corpus`), or
    /// the folder of `fineweb_{train,val}_*.bin` shards.
    pub source: String,
    /// A registry corpus (`make corpus`) pinned by package, version and token hash; absent for
    /// the generated corpus and shard folders (so their configs hash as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<crate::data::corpora::CorpusRef>,
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

/// Everything that decides what a run computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub model: ModelConfig,
    pub optim: OptimConfig,
    pub schedule: ScheduleConfig,
    pub data: DataConfig,
    pub seed: u64,
}

impl Config {
    /// sha256 of the config's canonical JSON. Two runs with the same hash are the same run.
    pub fn config_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("config serialises");
        hex(&Sha256::digest(&json))
    }

    pub fn tokens_per_step(&self) -> usize {
        self.data.batch_size * self.data.seq_len
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Named starting points; `--steps` and friends override single fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Narrow enough to train x04 in about half a minute on two CPU cores (500 steps).
    Tiny,
    /// The article's CPU experiment: the tiny model's shape on real text (the `tdavid` corpus,
    /// `make corpus`), its vocabulary compacted to 4094 tokens; sized by a pilot
    /// (docs/cpu-experiment.md).
    Cpu,
    /// The benchmark's reference: dim 128, 2 heads of 64, vocabulary 8192, batch 4 x 256.
    Reference,
    /// modded-nanogpt's medium track sizes (a GPU job; here for completeness).
    Medium,
}

impl Preset {
    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Cpu => "cpu",
            Preset::Reference => "reference",
            Preset::Medium => "medium",
        }
    }

    /// The preset's config for `extra` extra embeddings and `seed`.
    pub fn config(self, extra: usize, seed: u64) -> Config {
        let (model, schedule, data) = match self {
            Preset::Tiny => (
                ModelConfig {
                    layers: 16,
                    dim: 64,
                    // One head of 64: a second head doubles attention's small ops on CPU.
                    heads: 1,
                    head_dim: 64,
                    vocab: 0, // set from the compacted vocabulary when data loads
                    extra_embeddings: extra,
                },
                ScheduleConfig {
                    steps: 500,
                    cooldown_frac: 0.7,
                },
                DataConfig {
                    source: "default".into(),
                    corpus: None,
                    compact_vocab: Some(1022),
                    batch_size: 8,
                    seq_len: 128,
                    val_tokens: 8 * 128 * 4,
                    eval_every: 25,
                },
            ),
            Preset::Cpu => (
                ModelConfig {
                    layers: 16,
                    dim: 64,
                    heads: 1,
                    head_dim: 64,
                    vocab: 0, // set from the compacted vocabulary when data loads
                    extra_embeddings: extra,
                },
                ScheduleConfig {
                    steps: CPU_STEPS,
                    cooldown_frac: 0.7,
                },
                DataConfig {
                    source: format!("corpus {}", TDAVID.name),
                    corpus: Some(TDAVID.reference()),
                    // 4094 kept tokens (+ end-of-text and unknown: 4096 rows) leave 8% of the
                    // corpus's tokens unknown; 1022 would leave 20%.
                    compact_vocab: Some(4094),
                    batch_size: 8,
                    seq_len: 128,
                    val_tokens: CPU_VAL_TOKENS,
                    eval_every: CPU_EVAL_EVERY,
                },
            ),
            Preset::Reference => (
                ModelConfig {
                    layers: 16,
                    dim: 128,
                    heads: 2,
                    head_dim: 64,
                    vocab: 8192,
                    extra_embeddings: extra,
                },
                ScheduleConfig {
                    steps: 500,
                    cooldown_frac: 0.7,
                },
                DataConfig {
                    source: "default".into(),
                    corpus: None,
                    compact_vocab: Some(8190),
                    batch_size: 4,
                    seq_len: 256,
                    val_tokens: 4 * 256 * 4,
                    eval_every: 25,
                },
            ),
            // train_gpt_medium.py: 5960 steps (the x0 experiment), 8 GPUs x 64Ki tokens per
            // step, 10485760 validation tokens, evaluation every 125 steps. The 524288 tokens
            // are cut into 128 document-masked rows of 4096 (burn's attention materialises
            // T x T scores; modded-nanogpt's window never exceeds 3456 tokens), taken a few
            // rows at a time with gradient accumulation (launch.rs, MEDIUM_MICRO_BATCH).
            Preset::Medium => (
                ModelConfig {
                    layers: 16,
                    dim: 1024,
                    heads: 8,
                    head_dim: 128,
                    vocab: 50257,
                    extra_embeddings: extra,
                },
                ScheduleConfig {
                    steps: 5960,
                    cooldown_frac: 0.7,
                },
                DataConfig {
                    source: "data/fineweb10B".into(),
                    corpus: None,
                    compact_vocab: None,
                    batch_size: 128,
                    seq_len: 4096,
                    val_tokens: 10_485_760,
                    eval_every: 125,
                },
            ),
        };
        Config {
            model,
            optim: OptimConfig::default(),
            schedule,
            data,
            seed,
        }
    }
}

/// The `cpu` preset's length and evaluation, chosen by the pilot (docs/cpu-experiment.md).
pub const CPU_STEPS: usize = 500;
pub const CPU_EVAL_EVERY: usize = 50;
pub const CPU_VAL_TOKENS: usize = 16 * 1024;

/// The most extra embeddings the model builds (x08).
pub const MAX_EXTRA: usize = 8;

/// The number of extra embeddings of a variant the trainer builds (see [`variant`]).
pub fn parse_variant(variant: &str) -> Result<usize, String> {
    self::variant(variant).map(|v| v.extra_embeddings() as usize)
}

/// The variants the trainer builds: x00 (the baseline) .. x08. Names are read by
/// `runlog::Variant` (the one parser of `x` and two digits); this only adds the model's limit.
pub fn variant(variant: &str) -> Result<Variant, String> {
    let v = Variant::parse(variant)?;
    if v.extra_embeddings() as usize > MAX_EXTRA {
        return Err(format!(
            "variant `{variant}`: the trainer builds x00 (the baseline) up to x{MAX_EXTRA:02} \
             (x0N adds N embeddings)"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_seed_and_model_but_is_stable() {
        let a = Preset::Tiny.config(2, 0);
        assert_eq!(a.config_hash(), Preset::Tiny.config(2, 0).config_hash());
        assert_ne!(a.config_hash(), Preset::Tiny.config(2, 1).config_hash());
        assert_ne!(a.config_hash(), Preset::Tiny.config(3, 0).config_hash());
    }

    #[test]
    fn variants_parse_and_bad_ones_are_named() {
        assert_eq!(variant("x00"), Ok(Variant::BASELINE));
        assert_eq!(parse_variant("x04"), Ok(4));
        assert!(parse_variant("x4").unwrap_err().contains("`x4`"));
        // x10 is a name every tool reads alike, but more than this model builds.
        assert!(parse_variant("x09").unwrap_err().contains("up to x08"));
        assert!(parse_variant("x10").unwrap_err().contains("up to x08"));
    }

    #[test]
    fn medium_head_is_padded_like_modded_nanogpt() {
        assert_eq!(Preset::Medium.config(0, 0).model.padded_vocab(), 50304);
    }
}
