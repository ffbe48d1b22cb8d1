//! Data: text -> GPT-2 tokens ([`tokenizer`]) -> shards ([`shard`]) -> an optional compacted
//! vocabulary ([`vocab`]) -> batches ([`loader`]). The default corpus ([`corpus`]) is generated,
//! so a run needs no download; a registry corpus ([`corpora`], installed by `make corpus` with
//! [`install`]) is real text; `--data DIR` reads modded-nanogpt's FineWeb shards.

pub mod corpora;
pub mod corpus;
pub mod install;
pub mod loader;
pub mod make;
pub mod shard;
pub mod tokenizer;
pub mod vocab;

use crate::error::{Error, Result};
use runlog::config::DataConfig;
use runlog::hex;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Stories in the default corpus's training and validation splits (disjoint story numbers).
pub const DEFAULT_TRAIN_STORIES: usize = 8000;
pub const DEFAULT_VAL_STORIES: usize = 200;

/// Tokens ready for training, in the model's token space (compacted or GPT-2).
#[derive(Debug, Clone)]
pub struct Dataset {
    pub train: Vec<u16>,
    pub val: Vec<u16>,
    /// Rows of the embeddings and the head (before padding).
    pub vocab: usize,
    pub eot: u16,
    pub info: DataInfo,
    /// The compacted vocabulary's mapping from GPT-2 tokens, when the vocabulary was compacted
    /// (decoding a model token, or encoding a text for it, goes through it).
    pub compaction: Option<vocab::Compaction>,
}

/// What run.json records about the data (the contract's type).
pub use runlog::config::DataInfo;

/// The default corpus as GPT-2 tokens: (train, val).
pub fn default_corpus() -> (Vec<u16>, Vec<u16>) {
    let bpe = tokenizer::gpt2();
    let encode = |stories: Vec<String>| -> Vec<u16> {
        stories
            .iter()
            .flat_map(|s| tokenizer::encode_document(bpe, s))
            .collect()
    };
    let train = encode(corpus::stories(0, DEFAULT_TRAIN_STORIES));
    let val = encode(corpus::stories(
        DEFAULT_TRAIN_STORIES as u64,
        DEFAULT_VAL_STORIES,
    ));
    (train, val)
}

/// sha256 over the tokens of the training then the validation split (little-endian u16).
pub fn token_hash(train: &[u16], val: &[u16]) -> String {
    let mut h = Sha256::new();
    for t in train.iter().chain(val.iter()) {
        h.update(t.to_le_bytes());
    }
    hex(&h.finalize())
}

/// The tokens `cfg` names; a registry corpus is read from its folder under `corpus_root`.
pub fn load(cfg: &DataConfig, corpus_root: &Path) -> Result<Dataset> {
    let (train, val, source) = if let Some(c) = &cfg.corpus {
        let (t, v) = corpora::read(c, corpus_root)?;
        let src = format!("corpus {} (Debian {} {})", c.name, c.package, c.version);
        (t, v, src)
    } else if cfg.source == "default" {
        let (t, v) = default_corpus();
        let src = format!(
            "generated stories (data/corpus.rs, seed {}, {} train + {} val)",
            corpus::CORPUS_SEED,
            DEFAULT_TRAIN_STORIES,
            DEFAULT_VAL_STORIES
        );
        (t, v, src)
    } else {
        let dir = Path::new(&cfg.source);
        shard::check_one_set(dir)?;
        (
            shard::read_all(dir, "train")?,
            shard::read_all(dir, "val")?,
            cfg.source.clone(),
        )
    };
    let need = cfg.batch_size * cfg.seq_len + 1;
    for (name, toks) in [("training", &train), ("validation", &val)] {
        if toks.len() < need {
            return Err(Error::Data {
                path: source.clone().into(),
                message: format!(
                    "the {name} split has {} tokens, fewer than one batch ({need})",
                    toks.len()
                ),
            });
        }
    }
    let hash = token_hash(&train, &val);
    let (train_len, val_len) = (train.len(), val.len());
    let compaction = cfg.compact_vocab.map(|k| vocab::Compaction::fit(&train, k));
    let (train, val, vocab, eot, vocab_hash, unknown_frac) = match &compaction {
        Some(c) => {
            let (t, v) = (c.apply(&train), c.apply(&val));
            let unk =
                t.iter().filter(|&&x| x == vocab::COMPACT_UNK).count() as f64 / t.len() as f64;
            (
                t,
                v,
                c.vocab(),
                vocab::COMPACT_EOT,
                Some(c.hash()),
                Some(unk),
            )
        }
        None => (
            train,
            val,
            tokenizer::GPT2_VOCAB,
            tokenizer::EOT,
            None,
            None,
        ),
    };
    let info = DataInfo {
        source,
        hash,
        train_tokens: train_len,
        val_tokens: val_len,
        vocab_size: vocab,
        vocab_hash,
        unknown_frac,
        unigram_entropy: unigram_entropy(&val),
    };
    Ok(Dataset {
        train,
        val,
        vocab,
        eot,
        info,
        compaction,
    })
}

/// Entropy in nats of the tokens' empirical unigram distribution.
pub fn unigram_entropy(tokens: &[u16]) -> f64 {
    let mut counts = vec![0u64; 65536];
    for &t in tokens {
        counts[t as usize] += 1;
    }
    let n = tokens.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unigram_entropy_of_uniform_is_ln_n() {
        let toks: Vec<u16> = (0..1000).map(|i| (i % 4) as u16).collect();
        assert!((unigram_entropy(&toks) - 4f64.ln()).abs() < 1e-12);
    }
}
