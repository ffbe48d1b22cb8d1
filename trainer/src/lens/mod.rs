//! The logit lens: what the model's own language head reads out of each vector that enters or
//! leaves its layers (the original study's analysis, experiments/00004-x0 of
//! snimu/modded-nanogpt-experiments, script 4-...-with-word-logging.py), written as the run's
//! `lens.json` (`runlog::Lens`).
//!
//! Pipeline, one module per stage: [`components`] (one batch through the layers, keeping the
//! residual entering each layer, `x-out`, the embeddings, the value embeddings raw and through
//! each attention output projection that uses them) -> [`head`] (each through the head exactly
//! as the forward pass applies it: RMS norm, the padded vocabulary's projection, the softcap;
//! per row the cross-entropy, entropy and top-1, a chunk of rows at a time) -> rates here (top-1
//! against the next token, the input token, and the training split's most frequent successor of
//! the input, [`bigram`]) -> [`sample`] (a decoded text's top-k per component and position).
//!
//! The validation tokens are the run's own, cut into the same batches as its val loss, so
//! `x-out`'s cross-entropy is that val loss (the anchor the run checks hold it to). It runs at
//! the end of every finished run on the model in memory (its time is not training time, and it
//! only reads the weights), and from a run's checkpoint with `trainer lens --run DIR`
//! (`run::lens`). Batch by batch: at most one batch's vectors, and one chunk of logits of one
//! component, are held at a time.

mod bigram;

mod components;
mod head;
mod sample;
pub mod vocab;

use crate::config::{Config, ConfigHash};
use crate::data::loader::val_batches;
use crate::data::Dataset;
use crate::device::{in_pool, TrainBackend};
use crate::error::Result;
use crate::kernels::{Kernels, Ops};
use crate::model::{Batch, Gpt, LAYERS};
use burn::module::AutodiffModule;
use runlog::{Lens, LensStats, Variant, LENS_FILE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use bigram::Bigrams;

/// How much of the decoded sample to keep.
#[derive(Debug, Clone)]
pub struct LensOptions {
    /// Most probable tokens kept per component and position.
    pub top_k: usize,
    /// Positions of the sample (at most the run's sequence length).
    pub sample_len: usize,
    /// A text file to decode instead of the start of the validation split.
    pub text: Option<PathBuf>,
}

impl Default for LensOptions {
    fn default() -> Self {
        // Enough to read what each component predicts, small enough to commit with every run
        // (about 100 KB for a tiny run's 31 components).
        LensOptions {
            top_k: 5,
            sample_len: 32,
            text: None,
        }
    }
}

/// What the lens reads besides the model: the run's config and data, and how its val loss was
/// evaluated (rows per batch, fused or plain ops).
pub struct LensInput<'a> {
    pub config: &'a Config,
    pub data: &'a Dataset,
    /// The training step of the weights.
    pub step: u64,
    /// Rows per validation batch: the run's micro-batch, else its batch.
    pub eval_rows: usize,
    pub ops: Ops,
}

/// One component's running sums over the validation tokens.
#[derive(Debug, Clone, Default)]
struct Tally {
    tokens: u64,
    ce: f64,
    entropy: f64,
    next: u64,
    copy: u64,
    bigram: u64,
}

impl Tally {
    fn stats(&self) -> LensStats {
        let n = self.tokens.max(1) as f64;
        LensStats {
            tokens: self.tokens,
            cross_entropy: Some(self.ce / n),
            next_top1: self.next as f64 / n,
            copy_top1: self.copy as f64 / n,
            bigram_top1: Some(self.bigram as f64 / n),
            entropy: Some(self.entropy / n),
        }
    }
}

/// The lens of a run that has just finished, from its model in memory, into `dir`'s lens.json.
pub fn after_training<B: TrainBackend>(
    dir: &Path,
    input: &LensInput,
    model: &Gpt<B>,
    device: &B::Device,
) -> Result<()> {
    let model = model.valid();
    let lens = in_pool(|| compute(&model, input, &LensOptions::default(), device))?;
    runlog::write_lens(&dir.join(LENS_FILE), &lens)?;
    Ok(())
}

/// The lens of `model` over the run's validation batches, with its decoded sample.
pub fn compute<B: Kernels>(
    model: &Gpt<B>,
    input: &LensInput,
    opts: &LensOptions,
    device: &B::Device,
) -> Result<Lens> {
    let cfg = input.config;
    let data = input.data;
    let variant = Variant::new(cfg.model.extra_embeddings as u32).expect("a parsed variant");
    let (seq, rows) = (cfg.data.seq_len, input.eval_rows);
    let val = val_batches(&data.val, rows, seq, cfg.data.val_tokens, data.eot);
    let bigrams = Bigrams::count(&data.train, data.vocab);
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let w = model.lm_head.val();
    for host in &val {
        let batch = Batch::new(host, model.heads, model.head_dim, input.ops, device);
        for (name, h) in components::of(model, &batch) {
            let r = head::rows(h, w.clone(), &host.targets, &batch);
            let t = tallies.entry(name).or_default();
            for (i, &top) in r.top1.iter().enumerate() {
                t.tokens += 1;
                t.ce += f64::from(r.ce[i]);
                t.entropy += f64::from(r.entropy[i]);
                t.next += u64::from(top == host.targets[i]);
                t.copy += u64::from(top == host.inputs[i]);
                t.bigram += u64::from(bigrams.of(host.inputs[i]) == Some(top));
            }
        }
    }
    let components = tallies
        .iter()
        .map(|(k, t)| (k.clone(), t.stats()))
        .collect();
    let sample = sample::decode(model, input, opts, device)?;
    let per = rows * seq;
    Ok(Lens {
        schema_version: runlog::LENS_SCHEMA_VERSION,
        variant,
        experiment: None,
        config_hash: Some(cfg.config_hash()),
        step: Some(input.step),
        measured_on: format!(
            "the run's validation tokens as its val loss takes them: {} batches of {rows} x \
             {seq} tokens ({} tokens)",
            val.len(),
            val.len() * per
        ),
        bigram_table: Some(format!(
            "the most frequent successor of each token in the training split ({} tokens; \
             ties: the lower token id)",
            data.train.len()
        )),
        source: None,
        notes: vec![
            "every component goes through the head as x-out does: RMS norm, the projection to \
             the padded vocabulary, the softcap 15·z/sqrt(z²+225)"
                .into(),
            format!(
                "ve{{i}}_o{{j}}: value embedding i times layer j's value-embedding lambda, \
                 through layer j's attention output projection, without the attention's mixing \
                 over positions (the model's {LAYERS} layers)"
            ),
        ],
        components,
        sample,
        norms: None,
    })
}
