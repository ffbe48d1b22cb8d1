//! Batches from a token stream, as modded-nanogpt's `distributed_data_generator` takes them:
//! `batch * seq + 1` consecutive tokens, inputs are all but the last, targets all but the first.
//! Here the buffer is cut into `batch` rows of `seq` tokens, each attending within itself.

/// One batch on the host: row-major `[batch, seq]` inputs and targets, plus the document id of
/// every input token (a count of end-of-text tokens so far in its row; attention stays inside a
/// document, as modded-nanogpt's `document_causal` mask does).
#[derive(Debug, Clone, PartialEq)]
pub struct HostBatch {
    pub batch: usize,
    pub seq: usize,
    pub inputs: Vec<u32>,
    pub targets: Vec<u32>,
    pub docs: Vec<u32>,
}

impl HostBatch {
    pub fn from_window(window: &[u16], batch: usize, seq: usize, eot: u16) -> Self {
        assert_eq!(
            window.len(),
            batch * seq + 1,
            "window must hold batch*seq+1 tokens"
        );
        let inputs: Vec<u32> = window[..batch * seq].iter().map(|&t| t as u32).collect();
        let targets: Vec<u32> = window[1..].iter().map(|&t| t as u32).collect();
        let mut docs = Vec::with_capacity(inputs.len());
        for row in inputs.chunks(seq) {
            let mut d = 0;
            for &t in row {
                d += u32::from(t == eot as u32);
                docs.push(d);
            }
        }
        HostBatch {
            batch,
            seq,
            inputs,
            targets,
            docs,
        }
    }

    /// Additive attention bias `[batch * heads, seq, seq]`, row-major: 0 where query i may see
    /// key j (j <= i, same document), a large negative elsewhere. Not -inf: on burn's Flex
    /// backend a -inf mask made softmax return NaN.
    pub fn attention_bias(&self, heads: usize) -> Vec<f32> {
        const MASKED: f32 = -1e9;
        let (b, t) = (self.batch, self.seq);
        let mut one = vec![MASKED; b * t * t];
        for r in 0..b {
            let docs = &self.docs[r * t..(r + 1) * t];
            for i in 0..t {
                for j in 0..=i {
                    if docs[j] == docs[i] {
                        one[(r * t + i) * t + j] = 0.0;
                    }
                }
            }
        }
        // Repeat per head so the scores need no broadcast (broadcasts are slow on CPU).
        let mut out = Vec::with_capacity(b * heads * t * t);
        for r in 0..b {
            for _ in 0..heads {
                out.extend_from_slice(&one[r * t * t..(r + 1) * t * t]);
            }
        }
        out
    }
}

/// Walks a token stream batch by batch; wraps to the start when it runs out (and counts epochs).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Loader {
    pub pos: usize,
    pub epoch: usize,
    pub batch: usize,
    pub seq: usize,
}

impl Loader {
    pub fn new(batch: usize, seq: usize) -> Self {
        Loader {
            pos: 0,
            epoch: 0,
            batch,
            seq,
        }
    }

    pub fn next_batch(&mut self, tokens: &[u16], eot: u16) -> HostBatch {
        let need = self.batch * self.seq + 1;
        if self.pos + need > tokens.len() {
            self.pos = 0;
            self.epoch += 1;
        }
        let b = HostBatch::from_window(
            &tokens[self.pos..self.pos + need],
            self.batch,
            self.seq,
            eot,
        );
        self.pos += need - 1;
        b
    }
}

/// The fixed validation batches: the first `val_tokens` tokens (rounded down to whole batches).
pub fn val_batches(
    tokens: &[u16],
    batch: usize,
    seq: usize,
    val_tokens: usize,
    eot: u16,
) -> Vec<HostBatch> {
    let per = batch * seq;
    let n = (val_tokens / per)
        .min(tokens.len().saturating_sub(1) / per)
        .max(1);
    (0..n)
        .map(|i| HostBatch::from_window(&tokens[i * per..i * per + per + 1], batch, seq, eot))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_shift_and_documents_mask() {
        // Row 0: [0 5 6 0], row 1: [7 8 0 9]; eot = 0.
        let w = [0u16, 5, 6, 0, 7, 8, 0, 9, 4];
        let b = HostBatch::from_window(&w, 2, 4, 0);
        assert_eq!(b.targets[..4], [5, 6, 0, 7]);
        assert_eq!(b.docs, vec![1, 1, 1, 2, 0, 0, 1, 1]);
        let bias = b.attention_bias(1);
        let at = |r: usize, i: usize, j: usize| bias[(r * 4 + i) * 4 + j];
        assert_eq!(at(0, 2, 0), 0.0); // same document, earlier
        assert!(at(0, 3, 2) < -1e8); // a new document starts at the end-of-text token
        assert!(at(0, 1, 2) < -1e8); // causal
        assert_eq!(at(1, 3, 2), 0.0);
    }

    #[test]
    fn loader_wraps_and_counts_epochs() {
        let toks: Vec<u16> = (0..20).collect();
        let mut l = Loader::new(2, 4);
        assert_eq!(l.next_batch(&toks, 99).inputs[0], 0);
        assert_eq!(l.next_batch(&toks, 99).inputs[0], 8);
        assert_eq!(l.next_batch(&toks, 99).inputs[0], 0);
        assert_eq!(l.epoch, 1);
    }
}
