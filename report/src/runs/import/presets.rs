//! What a preset name says about a run whose log does not: `report import --preset medium`
//! records the shape of modded-nanogpt's medium track in run.json's config, so an imported
//! baseline (its log prints no lambdas, which would give its layer count) still says how many
//! layers it has, and the run checks hold its lambdas against that count.
//!
//! The facts come from the medium track's training script (records/track_2_medium in
//! KellerJordan/modded-nanogpt, printed at the head of each of its logs): `GPT(vocab_size=50257,
//! num_layers=16, num_heads=8, model_dim=1024)`, heads of 128, and one sequence of
//! `train_seq_len = 64*1024` tokens per GPU on 8 GPUs per step. The trainer's `medium` preset has
//! the same model (a test in tests/ holds the two side by side); it cuts the step's tokens into
//! other rows, which is why only the product of batch and sequence length is compared there.

use super::fault::Fault;
use serde_json::{json, Value};

/// The shape a preset name stands for in an imported run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetShape {
    pub name: &'static str,
    pub layers: u64,
    pub dim: u64,
    pub heads: u64,
    pub head_dim: u64,
    pub vocab: u64,
    /// Sequences per step (one per GPU) and tokens per sequence.
    pub batch_size: u64,
    pub seq_len: u64,
    pub about: &'static str,
}

/// The presets an import knows.
pub const PRESETS: &[PresetShape] = &[PresetShape {
    name: "medium",
    layers: 16,
    dim: 1024,
    heads: 8,
    head_dim: 128,
    vocab: 50257,
    batch_size: 8,
    seq_len: 65536,
    about: "modded-nanogpt's medium track: 16 layers, dim 1024, 8 heads of 128, vocabulary \
            50257, 8 x 64Ki tokens per step",
}];

impl PresetShape {
    /// The preset `name`; an error listing the known ones.
    pub fn named(name: &str) -> Result<PresetShape, Fault> {
        PRESETS
            .iter()
            .find(|p| p.name == name)
            .copied()
            .ok_or_else(|| {
                let known: Vec<String> = PRESETS
                    .iter()
                    .map(|p| format!("{} ({})", p.name, p.about))
                    .collect();
                Fault(format!(
                    "--preset {name}: not a preset an import knows; known: {}",
                    known.join("; ")
                ))
            })
    }

    /// The config fields the preset fixes, at the paths the trainer's config uses.
    pub fn config(&self) -> Value {
        json!({
            "model": {
                "layers": self.layers,
                "dim": self.dim,
                "heads": self.heads,
                "head_dim": self.head_dim,
                "vocab": self.vocab,
            },
            "data": { "batch_size": self.batch_size, "seq_len": self.seq_len },
        })
    }
}
