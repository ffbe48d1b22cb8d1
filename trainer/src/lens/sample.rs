//! The decoded sample: a short text through the model (the start of the validation split, or
//! `--text FILE`), and per component and position the most probable next tokens with their
//! probabilities, decoded.

use super::vocab::Vocab;
use super::{components, head, LensInput, LensOptions};
use crate::data::loader::HostBatch;
use crate::error::{Error, Result};
use crate::kernels::Kernels;
use crate::model::{Batch, Gpt};
use burn::tensor::activation::softmax;
use runlog::{Guess, LensSample};
use std::collections::BTreeMap;

pub(super) fn decode<B: Kernels>(
    model: &Gpt<B>,
    input: &LensInput,
    opts: &LensOptions,
    device: &B::Device,
) -> Result<LensSample> {
    let vocab = Vocab::of(input.data);
    let (tokens, from) = match &opts.text {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (vocab.encode(&text), format!("the text of {name}"))
        }
        None => (input.data.val.clone(), "the validation split".to_string()),
    };
    let n = opts
        .sample_len
        .min(input.config.data.seq_len)
        .min(tokens.len().saturating_sub(1));
    if n == 0 {
        return Err(Error::Usage(format!(
            "{from} holds no token to decode after its first (a sample needs two tokens, and \
             --sample at least 1)"
        )));
    }
    let host = HostBatch::from_window(&tokens[..=n], 1, n, input.data.eot);
    let batch = Batch::new(&host, model.heads, model.head_dim, input.ops, device);
    let w = model.lm_head.val();
    let mut top = BTreeMap::new();
    for (name, h) in components::of(model, &batch) {
        let s = head::softcapped(h, w.clone(), &batch);
        let width = s.dims()[1];
        let p = head::floats(softmax(s, 1));
        let rows: Vec<Vec<Guess>> = p
            .chunks(width)
            .map(|row| best(row, opts.top_k, &vocab))
            .collect();
        top.insert(name, rows);
    }
    Ok(LensSample {
        text: format!("the first {n} tokens of {from}"),
        tokens: host.inputs.iter().map(|&t| vocab.text(t)).collect(),
        top,
    })
}

/// The `k` most probable tokens of one row of probabilities (ties: the lower id first).
fn best(p: &[f32], k: usize, vocab: &Vocab) -> Vec<Guess> {
    let mut ids: Vec<usize> = (0..p.len()).collect();
    let k = k.min(p.len());
    let order = |a: &usize, b: &usize| p[*b].total_cmp(&p[*a]).then(a.cmp(b));
    if k < ids.len() && k > 0 {
        ids.select_nth_unstable_by(k - 1, order);
    }
    ids.truncate(k);
    ids.sort_by(order);
    ids.into_iter()
        .map(|i| Guess(vocab.text(i as u32), short(p[i])))
        .collect()
}

/// An f32 as the f64 of its shortest decimal form (0.25812063, not 0.2581206262111664): the
/// digits the probability has.
fn short(p: f32) -> f64 {
    p.to_string().parse().unwrap_or(f64::from(p))
}
