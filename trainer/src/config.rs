//! Presets and the run configuration. Everything that decides what a run computes lives in
//! [`Config`] (model, optimiser, schedule, data, training shape, seed; the type is run.json's, in
//! `runlog::config`, so the report reads what this writes); [`ConfigHash::config_hash`] covers
//! exactly that, never the commit, host, device, threads or time.

use crate::data::corpora::TDAVID;
pub use runlog::config::{
    Config, CorpusRef, DataConfig, DataInfo, ModelConfig, OptimConfig, ScheduleConfig,
    TrainedConfig,
};
pub(crate) use runlog::hex;
use runlog::Variant;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The config's hash, the trainer's to compute (runlog holds the type, not the hashing).
pub trait ConfigHash {
    /// sha256 of the config's canonical JSON (fields in declaration order). Two runs with the
    /// same hash are the same run.
    fn config_hash(&self) -> String;
}

impl ConfigHash for Config {
    fn config_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("config serialises");
        hex(&Sha256::digest(&json))
    }
}

/// run.json's `config` for a run of `config` on data described by `info`: what a run writes,
/// and what a run folder must hold to be that run (the one place the two are put together).
pub fn recorded(config: &Config, info: &DataInfo) -> serde_json::Value {
    TrainedConfig {
        config: config.clone(),
        data_info: info.clone(),
    }
    .to_value()
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
            Preset::Tiny => (tiny_model(extra), schedule(500), tiny_data()),
            Preset::Cpu => (tiny_model(extra), schedule(CPU_STEPS), cpu_data()),
            Preset::Reference => (reference_model(extra), schedule(500), reference_data()),
            Preset::Medium => (medium_model(extra), schedule(5960), medium_data()),
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

/// `steps` steps, the last 70% of them cooling down (every preset's schedule).
fn schedule(steps: usize) -> ScheduleConfig {
    ScheduleConfig {
        steps,
        cooldown_frac: 0.7,
    }
}

/// The tiny and cpu presets' model: 16 layers of width 64.
fn tiny_model(extra: usize) -> ModelConfig {
    ModelConfig {
        layers: 16,
        dim: 64,
        // One head of 64: a second head doubles attention's small ops on CPU.
        heads: 1,
        head_dim: 64,
        vocab: 0, // set from the compacted vocabulary when data loads
        extra_embeddings: extra,
    }
}

fn tiny_data() -> DataConfig {
    DataConfig {
        source: "default".into(),
        corpus: None,
        compact_vocab: Some(1022),
        batch_size: 8,
        seq_len: 128,
        val_tokens: 8 * 128 * 4,
        eval_every: 25,
    }
}

fn cpu_data() -> DataConfig {
    DataConfig {
        source: format!("corpus {}", TDAVID.name),
        corpus: Some(TDAVID.reference()),
        // 4094 kept tokens (+ end-of-text and unknown: 4096 rows) leave 8% of the corpus's
        // tokens unknown; 1022 would leave 20%.
        compact_vocab: Some(4094),
        batch_size: 8,
        seq_len: 128,
        val_tokens: CPU_VAL_TOKENS,
        eval_every: CPU_EVAL_EVERY,
    }
}

fn reference_model(extra: usize) -> ModelConfig {
    ModelConfig {
        layers: 16,
        dim: 128,
        heads: 2,
        head_dim: 64,
        vocab: 8192,
        extra_embeddings: extra,
    }
}

fn reference_data() -> DataConfig {
    DataConfig {
        source: "default".into(),
        corpus: None,
        compact_vocab: Some(8190),
        batch_size: 4,
        seq_len: 256,
        val_tokens: 4 * 256 * 4,
        eval_every: 25,
    }
}

fn medium_model(extra: usize) -> ModelConfig {
    ModelConfig {
        layers: 16,
        dim: 1024,
        heads: 8,
        head_dim: 128,
        vocab: 50257,
        extra_embeddings: extra,
    }
}

// train_gpt_medium.py: 5960 steps (the x0 experiment), 8 GPUs x 64Ki tokens per step, 10485760
// validation tokens, evaluation every 125 steps. The 524288 tokens are cut into 128
// document-masked rows of 4096 (burn's attention materialises T x T scores; modded-nanogpt's
// window never exceeds 3456 tokens), taken a few rows at a time with gradient accumulation
// (launch.rs, MEDIUM_MICRO_BATCH).
fn medium_data() -> DataConfig {
    DataConfig {
        source: "data/fineweb10B".into(),
        corpus: None,
        compact_vocab: None,
        batch_size: 128,
        seq_len: 4096,
        val_tokens: 10_485_760,
        eval_every: 125,
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

    /// The committed CPU experiment's run.json files.
    fn committed_runs() -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../runs/embeddings-extravaganza-1");
        let mut out: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path().join(runlog::RUN_FILE))
            .filter(|p| p.exists())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn committed_runs_keep_their_hash_and_bytes() {
        let files = committed_runs();
        assert_eq!(files.len(), 25);
        for f in files {
            let info = runlog::read_info(&f).unwrap();
            let runlog::RunConfig::Trained(t) = runlog::RunConfig::read(&info.config).unwrap()
            else {
                panic!("{}: not a trained config", f.display());
            };
            assert_eq!(
                Some(t.config.config_hash()),
                info.config_hash,
                "{}",
                f.display()
            );
            // What this trainer writes for that config and data is the committed file, byte
            // for byte.
            let written = runlog::RunInfo {
                config: recorded(&t.config, &t.data_info),
                ..info
            };
            let mut text = serde_json::to_string_pretty(&written).unwrap();
            text.push('\n');
            assert_eq!(
                text,
                std::fs::read_to_string(&f).unwrap(),
                "{}",
                f.display()
            );
        }
    }

    /// The leaves of a JSON value (every field of a config), by dotted path.
    fn leaves(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
        match v.as_object() {
            Some(m) => m
                .iter()
                .for_each(|(k, v)| leaves(v, format!("{path}.{k}"), out)),
            None => out.push(path),
        }
    }

    /// A config whose every field differs from the tiny preset's.
    fn every_field_set() -> (Config, DataInfo) {
        let mut c = Preset::Tiny.config(3, 11);
        c.model = ModelConfig {
            layers: 12,
            dim: 96,
            heads: 3,
            head_dim: 32,
            vocab: 777,
            extra_embeddings: 3,
        };
        let o = &mut c.optim;
        (o.muon_lr, o.muon_momentum, o.muon_momentum_start) = (0.02, 0.9, 0.8);
        (o.muon_momentum_warmup_steps, o.muon_weight_decay) = (100, 0.02);
        (o.muon_mlp_wd_mul, o.ns_steps, o.adam_beta1, o.adam_beta2) = (3.0, 4, 0.85, 0.99);
        (o.adam_eps, o.lr_embed, o.lr_scalar, o.lr_head) = (1e-8, 0.2, 0.01, 0.004);
        c.schedule = ScheduleConfig {
            steps: 321,
            cooldown_frac: 0.25,
        };
        c.data = DataConfig {
            source: format!("corpus {}", TDAVID.name),
            corpus: Some(TDAVID.reference()),
            compact_vocab: Some(775),
            batch_size: 6,
            seq_len: 64,
            val_tokens: 999,
            eval_every: 7,
        };
        let info = DataInfo {
            source: "somewhere".into(),
            hash: "abc".into(),
            train_tokens: 1234,
            val_tokens: 56,
            vocab_size: 777,
            vocab_hash: Some("def".into()),
            unknown_frac: Some(0.125),
            unigram_entropy: 6.5,
        };
        (c, info)
    }

    #[test]
    fn every_config_field_round_trips_from_trainer_to_report() {
        let (cfg, info) = every_field_set();
        let (mut set, mut base) = (Vec::new(), Vec::new());
        leaves(
            &serde_json::to_value(&cfg).unwrap(),
            "config".into(),
            &mut set,
        );
        let tiny = serde_json::to_value(Preset::Tiny.config(0, 0)).unwrap();
        leaves(&tiny, "config".into(), &mut base);
        let changed = runlog::diff::config_diff(&tiny, &serde_json::to_value(&cfg).unwrap());
        // Every field of the tiny preset (and the corpus it lacks) is set to another value.
        assert_eq!(changed.len(), base.len() + 1, "{changed:?}");
        assert_eq!(set.len(), base.len() + 4, "the corpus's four fields");
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("exp").join("x03-s11");
        std::fs::create_dir_all(&run).unwrap();
        let info_json = runlog::RunInfo {
            config: recorded(&cfg, &info),
            config_hash: Some(cfg.config_hash()),
            ..runlog::RunInfo::new("exp", Variant::new(3).unwrap(), 11)
        };
        runlog::write_json_atomic(&run.join(runlog::RUN_FILE), &info_json).unwrap();
        let read = runlog::read_run(&run).unwrap();
        assert!(read.damage.is_empty(), "{:?}", read.damage);
        let runlog::RunConfig::Trained(t) = runlog::RunConfig::read(&read.info.config).unwrap()
        else {
            panic!("not read as a trained config");
        };
        assert_eq!((&t.config, &t.data_info), (&cfg, &info));
        let seen = &read.recorded;
        let m = &cfg.model;
        assert_eq!(
            (seen.layers, seen.dim, seen.heads, seen.vocab),
            (Some(12), Some(96), Some(3), Some(777))
        );
        assert_eq!(
            (seen.steps, seen.batch_size, seen.seq_len),
            (Some(321), Some(6), Some(64))
        );
        assert_eq!(seen.vocab_hash.as_deref(), Some("def"));
        assert_eq!(m.padded_vocab(), 896);
    }

    #[test]
    fn a_renamed_field_in_run_json_is_named_not_absent() {
        let (cfg, info) = every_field_set();
        let mut v = recorded(&cfg, &info);
        let seq = v["data"]
            .as_object_mut()
            .unwrap()
            .remove("seq_len")
            .unwrap();
        v["data"]["sequence_length"] = seq;
        v["model"]["dim"] = serde_json::json!(-96);
        // A required field that does not read ends the list (`data` reads before `model`).
        assert_eq!(
            runlog::RunConfig::read(&v).unwrap_err(),
            ["config.data.seq_len is missing (the trainer records every field of its config)"]
        );
        v["data"]["seq_len"] = serde_json::json!(64);
        assert_eq!(
            runlog::RunConfig::read(&v).unwrap_err(),
            ["config.model.dim is -96, not a whole number"]
        );
        v["model"]["dim"] = serde_json::json!(96);
        assert_eq!(
            runlog::RunConfig::read(&v).unwrap_err(),
            [
                "config.data.sequence_length: not a field of the trainer's config (renamed, or \
                 from another version?)"
            ]
        );
    }

    #[test]
    fn medium_head_is_padded_like_modded_nanogpt() {
        assert_eq!(Preset::Medium.config(0, 0).model.padded_vocab(), 50304);
    }
}
