//! `trainer export`: a run's trained weights as a safetensors file with modded-nanogpt's
//! parameter names and layouts, so a PyTorch user loads them into the GPT class of
//! records/track_2_medium/train_gpt_medium.py (the version of the run's variant) with
//! `model.load_state_dict(safetensors.torch.load_file(path), strict=False)` (strict=False
//! because the rotary buffers are not persistent).
//!
//! The names (PyTorch's `[out, in]` convention; burn's `[in, out]` weights are transposed):
//!
//! | name | shape | what |
//! | --- | --- | --- |
//! | `embed.weight` (x00 only) or `embed1.weight` .. `embed{N+1}.weight` | `[vocab, dim]` | x00, x01, ... as in 2025-04-22_Record8 (`embed`) and 2025-09-11_GPT2MediumX01 (`embed1`, `embed2`) |
//! | `value_embeds.{0,1,2}.weight` | `[vocab, dim]` | value embeddings (layers 0-2 and 13-15) |
//! | `blocks.{i}.attn.qkvo_w` | `[4, dim, dim]` | q, k, v, o stacked; no entry for layer 7 (no attention) |
//! | `blocks.{i}.mlp.fc_w`, `blocks.{i}.mlp.proj_w` | `[4dim, dim]`, `[dim, 4dim]` | MLP |
//! | `lm_head_w` | `[padded vocab, dim]` | head |
//! | `scalars` | `[16 + 16(N+2) + 16*2]` | skip weights (indexed by the layer they come from: 6, 4, 2; the others stay 1), then per layer the lambdas of x, x00..x0N, then per layer the value lambdas |
//!
//! Values are f32 (modded-nanogpt keeps the hidden matrices in bf16; `load_state_dict` casts).
//! The header's metadata says which run, step and variant the weights are from, and for a
//! compacted vocabulary `gpt2_token_of_row`: the GPT-2 token of each embedding row (-1: unknown).

use crate::config::{Config, DataConfig};
use crate::data;
use crate::error::{Error, Result};
use crate::model::{value_embed_of, LAYERS, NO_ATTENTION, SKIPS, VALUE_EMBEDS};
use crate::run::checkpoint;
use crate::tensorfile::{self, HostTensor, TensorFile};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What was exported.
#[derive(Debug, Clone)]
pub struct Exported {
    pub step: u64,
    pub tensors: usize,
    pub bytes: u64,
}

/// Exports the weights of the run in `run_dir` (its last checkpoint) to `out`.
pub fn export(run_dir: &Path, out: &Path) -> Result<Exported> {
    let run = runlog::read_run(run_dir)?;
    runlog::check_name("experiment", &run.info.experiment).map_err(|e| Error::Data {
        path: run_dir.join(runlog::RUN_FILE),
        message: e.to_string(),
    })?;
    let cfg: Config = serde_json::from_value(run.info.config.clone()).map_err(|e| Error::Data {
        path: run_dir.join(runlog::RUN_FILE),
        message: format!("config is not this trainer's: {e}"),
    })?;
    let ckpt = checkpoint::path(run_dir);
    if !ckpt.exists() {
        return Err(Error::Data {
            path: ckpt,
            message: "missing: the run has no checkpoint to export (was it trained here?)".into(),
        });
    }
    let mut file = tensorfile::read(&ckpt)?;
    let step: u64 = file.meta("step")?.parse().unwrap_or(0);
    let tensors = to_modded_nanogpt(&mut file, &cfg)?;
    let mut meta = HashMap::from([
        ("format".to_owned(), "pt".to_owned()),
        ("run_id".to_owned(), run.info.run_id.clone()),
        ("variant".to_owned(), run.info.variant.to_string()),
        ("step".to_owned(), step.to_string()),
        (
            "config_hash".to_owned(),
            run.info.config_hash.clone().unwrap_or_default(),
        ),
    ]);
    if let Some(rows) = gpt2_token_of_row(&cfg.data)? {
        meta.insert(
            "gpt2_token_of_row".to_owned(),
            serde_json::to_string(&rows).expect("ids serialise"),
        );
    }
    let n = tensors.len();
    let bytes = tensorfile::write(out, &tensors, meta)?;
    Ok(Exported {
        step,
        tensors: n,
        bytes,
    })
}

/// For a compacted vocabulary, the GPT-2 token of each row: end-of-text, unknown (-1), then the
/// kept tokens, refitted from the training split exactly as the run's data loading did.
fn gpt2_token_of_row(d: &DataConfig) -> Result<Option<Vec<i64>>> {
    let Some(k) = d.compact_vocab else {
        return Ok(None);
    };
    let train = if d.source == "default" {
        data::default_corpus().0
    } else {
        data::shard::read_all(Path::new(&d.source), "train")?
    };
    let c = data::vocab::Compaction::fit(&train, k);
    let mut rows = vec![i64::from(data::tokenizer::EOT), -1];
    rows.extend(c.kept.iter().map(|&t| i64::from(t)));
    Ok(Some(rows))
}

/// `[rows, cols]` -> `[cols, rows]`.
fn transpose(t: &HostTensor) -> HostTensor {
    let (r, c) = (t.shape[0], t.shape[1]);
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = t.data[i * c + j];
        }
    }
    HostTensor::new(vec![c, r], out)
}

/// Renames and reshapes the checkpoint's `model/<path>` tensors into modded-nanogpt's.
pub fn to_modded_nanogpt(
    file: &mut TensorFile,
    cfg: &Config,
) -> Result<BTreeMap<String, HostTensor>> {
    let m = &cfg.model;
    let dim = m.dim;
    if m.heads * m.head_dim != dim {
        return Err(Error::Data {
            path: file.path.clone(),
            message: format!(
                "qkvo_w stacks four [dim, dim] matrices: heads x head_dim ({} x {}) must equal dim {dim}",
                m.heads, m.head_dim
            ),
        });
    }
    let n = m.extra_embeddings;
    let mut out = BTreeMap::new();
    for e in 0..=n {
        let name = if n == 0 {
            "embed.weight".to_owned()
        } else {
            format!("embed{}.weight", e + 1)
        };
        out.insert(name, file.take(&format!("model/embeds.{e}"))?);
    }
    for v in 0..VALUE_EMBEDS {
        let t = file.take(&format!("model/value_embeds.{v}"))?;
        out.insert(format!("value_embeds.{v}.weight"), t);
    }
    for i in 0..LAYERS {
        if i != NO_ATTENTION {
            let mut qkvo = Vec::with_capacity(4 * dim * dim);
            for p in ["q", "k", "v", "o"] {
                qkvo.extend(transpose(&file.take(&format!("model/blocks.{i}.attn.{p}"))?).data);
            }
            out.insert(
                format!("blocks.{i}.attn.qkvo_w"),
                HostTensor::new(vec![4, dim, dim], qkvo),
            );
        }
        let fc = transpose(&file.take(&format!("model/blocks.{i}.mlp.fc"))?);
        let proj = transpose(&file.take(&format!("model/blocks.{i}.mlp.proj"))?);
        out.insert(format!("blocks.{i}.mlp.fc_w"), fc);
        out.insert(format!("blocks.{i}.mlp.proj_w"), proj);
    }
    out.insert(
        "lm_head_w".to_owned(),
        transpose(&file.take("model/lm_head")?),
    );
    // scalars = cat(skip_weights[16], lambdas[16, N+2], sa_lambdas[16, 2]) (GPT.__init__).
    let skips = file.take("model/skip_weights")?;
    let lambdas = file.take("model/lambdas")?;
    let sa = file.take("model/sa_lambdas")?;
    let mut scalars = vec![1.0f32; LAYERS];
    for (k, &(_, from)) in SKIPS.iter().enumerate() {
        // forward: x += skip_weights[skip_map[i]] * skip_connections[skip_map[i]].
        scalars[from] = skips.data[k];
    }
    scalars.extend(&lambdas.data);
    scalars.extend(&sa.data);
    let len = scalars.len();
    out.insert("scalars".to_owned(), HostTensor::new(vec![len], scalars));
    debug_assert!((0..LAYERS).filter_map(value_embed_of).count() == 2 * VALUE_EMBEDS);
    if let Some(left) = file.tensors.keys().find(|k| k.starts_with("model/")) {
        return Err(Error::Data {
            path: file.path.clone(),
            message: format!("parameter `{left}` has no modded-nanogpt name"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::FlexAutodiff;
    use crate::model::Gpt;

    fn exported(extra: usize) -> (BTreeMap<String, HostTensor>, usize) {
        let mut cfg = crate::Preset::Tiny.config(extra, 0);
        cfg.model.vocab = 40;
        let model = Gpt::<FlexAutodiff>::new(&cfg.model, 0, &Default::default());
        let params = crate::params::collect(&model);
        let total = params.values().map(|t| t.data.len()).sum();
        let mut file = TensorFile {
            path: "test.ckpt".into(),
            tensors: params
                .into_iter()
                .map(|(k, v)| (format!("model/{k}"), v))
                .collect(),
            metadata: HashMap::new(),
        };
        (to_modded_nanogpt(&mut file, &cfg).unwrap(), total)
    }

    #[test]
    fn every_parameter_gets_a_name_of_record8_or_the_x01_record() {
        for (extra, embeds) in [
            (0, vec!["embed.weight"]),
            (2, vec!["embed1.weight", "embed2.weight", "embed3.weight"]),
        ] {
            let (t, total) = exported(extra);
            let names: Vec<&str> = t
                .keys()
                .filter(|k| k.starts_with("embed"))
                .map(String::as_str)
                .collect();
            assert_eq!(names, embeds);
            // Nothing lost, nothing added but the 13 skip weights modded-nanogpt keeps at 1.
            let n: usize = t.values().map(|t| t.data.len()).sum();
            assert_eq!(n, total + LAYERS - SKIPS.len());
            assert_eq!(t["scalars"].data.len(), LAYERS * (1 + extra + 2 + 2));
            assert_eq!(t["blocks.0.mlp.fc_w"].shape, [256, 64]);
            assert_eq!(t["lm_head_w"].shape, [128, 64]);
        }
    }
}
