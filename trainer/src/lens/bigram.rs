//! The bigram table of the lens's `bigram_top1`: for each token, its most frequent successor in
//! the training split (ties: the lower token id). A small vocabulary counts every pair in one
//! dense table; GPT-2's 50257 tokens count only the pairs that occur.

use std::collections::HashMap;

/// Vocabularies up to this many tokens are counted densely (4096² counts: 64 MB).
const DENSE_MAX: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct Bigrams {
    /// Most frequent successor of each token; `u32::MAX` for a token never followed.
    next: Vec<u32>,
}

impl Bigrams {
    /// Counts the successors of every token of `tokens` (ids below `vocab`).
    pub fn count(tokens: &[u16], vocab: usize) -> Bigrams {
        Bigrams::count_with(tokens, vocab, vocab <= DENSE_MAX)
    }

    fn count_with(tokens: &[u16], vocab: usize, dense: bool) -> Bigrams {
        let mut best: Vec<(u64, u32)> = vec![(0, u32::MAX); vocab];
        // A count beats the best so far when higher, or equal with a lower successor.
        let mut offer = |a: usize, b: u32, n: u64| {
            let cur = &mut best[a];
            if n > cur.0 || (n == cur.0 && n > 0 && b < cur.1) {
                *cur = (n, b);
            }
        };
        if dense {
            let mut counts = vec![0u64; vocab * vocab];
            for w in tokens.windows(2) {
                counts[w[0] as usize * vocab + w[1] as usize] += 1;
            }
            for (i, &n) in counts.iter().enumerate() {
                offer(i / vocab, (i % vocab) as u32, n);
            }
        } else {
            let mut counts: HashMap<u32, u64> = HashMap::new();
            for w in tokens.windows(2) {
                *counts
                    .entry(u32::from(w[0]) << 16 | u32::from(w[1]))
                    .or_default() += 1;
            }
            for (k, n) in counts {
                offer((k >> 16) as usize, k & 0xffff, n);
            }
        }
        Bigrams {
            next: best.into_iter().map(|(_, b)| b).collect(),
        }
    }

    /// The most frequent successor of `token`; `None` when it is never followed.
    pub fn of(&self, token: u32) -> Option<u32> {
        self.next
            .get(token as usize)
            .copied()
            .filter(|&b| b != u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_successor_ties_to_the_lower_id() {
        // 1 -> 2 twice, 1 -> 3 twice (tie: 2), 2 -> 1 twice, 3 -> 1 and 3 -> 4 once (tie: 1); 4 is
        // never followed.
        let toks = [1u16, 2, 1, 3, 1, 2, 1, 3, 4];
        let dense = Bigrams::count_with(&toks, 5, true);
        assert_eq!(
            dense,
            Bigrams::count_with(&toks, 5, false),
            "both paths agree"
        );
        assert_eq!(dense.of(1), Some(2));
        assert_eq!(dense.of(2), Some(1));
        assert_eq!(dense.of(3), Some(1));
        assert_eq!(dense.of(4), None);
        assert_eq!(dense.of(99), None);
    }
}
