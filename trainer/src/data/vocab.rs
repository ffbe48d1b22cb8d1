//! Vocabulary compaction for small presets: the training split's most frequent GPT-2 tokens get
//! ids 2.., end-of-text is id 0 and every other token maps to the unknown id 1. The head and the
//! embeddings then have a few hundred rows instead of 50257, which a 2-core CPU can afford.

use crate::data::tokenizer::EOT;
use runlog::hex;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const COMPACT_EOT: u16 = 0;
pub const COMPACT_UNK: u16 = 1;

#[derive(Debug, Clone)]
pub struct Compaction {
    /// GPT-2 token of each compact id >= 2, most frequent first.
    pub kept: Vec<u16>,
    map: HashMap<u16, u16>,
}

impl Compaction {
    /// Keeps at most `max_kept` tokens, by training-split frequency (ties: lower GPT-2 id first).
    pub fn fit(train: &[u16], max_kept: usize) -> Self {
        let mut counts: HashMap<u16, u64> = HashMap::new();
        for &t in train.iter().filter(|&&t| t != EOT) {
            *counts.entry(t).or_default() += 1;
        }
        let mut by_freq: Vec<(u16, u64)> = counts.into_iter().collect();
        by_freq.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let kept: Vec<u16> = by_freq.into_iter().take(max_kept).map(|(t, _)| t).collect();
        let map = kept
            .iter()
            .enumerate()
            .map(|(i, &t)| (t, i as u16 + 2))
            .collect();
        Compaction { kept, map }
    }

    /// Rows of the compacted vocabulary: end-of-text, unknown, and the kept tokens.
    pub fn vocab(&self) -> usize {
        self.kept.len() + 2
    }

    pub fn apply(&self, tokens: &[u16]) -> Vec<u16> {
        tokens
            .iter()
            .map(|&t| match t {
                EOT => COMPACT_EOT,
                t => self.map.get(&t).copied().unwrap_or(COMPACT_UNK),
            })
            .collect()
    }

    /// sha256 of the kept GPT-2 ids in compact-id order: names the mapping in run.json.
    pub fn hash(&self) -> String {
        let bytes: Vec<u8> = self.kept.iter().flat_map(|t| t.to_le_bytes()).collect();
        hex(&Sha256::digest(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_kept_rest_unknown_eot_zero() {
        let train = [EOT, 7, 7, 7, 5, 5, 9, EOT, 7];
        let c = Compaction::fit(&train, 2);
        assert_eq!(c.kept, vec![7, 5]);
        assert_eq!(c.vocab(), 4);
        assert_eq!(c.apply(&[EOT, 7, 5, 9, 123]), vec![0, 2, 3, 1, 1]);
    }
}
