//! Model tokens as text, and text as model tokens: through GPT-2's BPE, and the compacted
//! vocabulary's mapping when the run compacted it. A token whose bytes are not whole UTF-8 (half
//! of a character split over two tokens) reads as `�`, as tiktoken's decode shows it.

use crate::data::tokenizer::{self, EOT, GPT2_VOCAB};
use crate::data::vocab::{Compaction, COMPACT_EOT, COMPACT_UNK};
use crate::data::Dataset;

/// Decodes and encodes the model tokens of one run's data.
pub struct Vocab<'a> {
    compaction: Option<&'a Compaction>,
    /// Rows of the model's embeddings: ids from here up to the padded head are padding.
    rows: usize,
}

impl<'a> Vocab<'a> {
    pub fn of(data: &'a Dataset) -> Self {
        Vocab {
            compaction: data.compaction.as_ref(),
            rows: data.vocab,
        }
    }

    /// The text of model token `id`.
    pub fn text(&self, id: u32) -> String {
        if id as usize >= self.rows {
            return "<pad>".into();
        }
        let gpt2 = match self.compaction {
            Some(_) if id == u32::from(COMPACT_EOT) => u32::from(EOT),
            Some(_) if id == u32::from(COMPACT_UNK) => return "<unk>".into(),
            Some(c) => u32::from(c.kept[id as usize - 2]),
            None => id,
        };
        if gpt2 as usize >= GPT2_VOCAB {
            return "<pad>".into();
        }
        match tokenizer::gpt2().decode_bytes(&[gpt2]) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => format!("<token {gpt2}>"),
        }
    }

    /// `text` as a document of model tokens: end-of-text, then its BPE tokens (unknown ones
    /// mapped to the compacted vocabulary's unknown id).
    pub fn encode(&self, text: &str) -> Vec<u16> {
        let toks = tokenizer::encode_document(tokenizer::gpt2(), text);
        match self.compaction {
            Some(c) => c.apply(&toks),
            None => toks,
        }
    }
}
