//! GPT-2 BPE (tiktoken's r50k_base, as modded-nanogpt's FineWeb shards use) and the end-of-text
//! token that leads every document.

use tiktoken_rs::CoreBPE;

/// `<|endoftext|>` in GPT-2's vocabulary; modded-nanogpt's document masks split on it.
pub const EOT: u16 = 50256;
pub const GPT2_VOCAB: usize = 50257;

pub fn gpt2() -> &'static CoreBPE {
    tiktoken_rs::r50k_base_singleton()
}

/// Tokens of one document: the end-of-text token, then the text's BPE tokens.
pub fn encode_document(bpe: &CoreBPE, text: &str) -> Vec<u16> {
    let mut out = Vec::with_capacity(text.len() / 3 + 1);
    out.push(EOT);
    // GPT-2 ranks are < 50257, so they fit in u16 (the shard format's token type).
    out.extend(bpe.encode_ordinary(text).into_iter().map(|t| t as u16));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_start_with_end_of_text_and_round_trip() {
        let bpe = gpt2();
        let toks = encode_document(bpe, "Hello world");
        assert_eq!(toks, vec![EOT, 15496, 995]);
        let ranks: Vec<u32> = toks[1..].iter().map(|&t| t as u32).collect();
        assert_eq!(bpe.decode(&ranks).unwrap(), "Hello world");
    }
}
