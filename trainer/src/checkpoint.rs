//! Checkpoints: everything a run needs to continue exactly where it stopped, so that a run
//! killed and resumed ends with the same weights and losses as one never interrupted.
//!
//! One safetensors file, `<run>/checkpoints/last.ckpt`, replaced atomically (a crash mid-write
//! leaves the previous one whole):
//! - `model/<path>`: every parameter (paths as in [`crate::params`]);
//! - `adam/<path>/m`, `adam/<path>/v`: Adam's moments; `muon/<path>/buf`: Muon's momentum;
//! - metadata `progress`: JSON of the step, the data loader's position, the RNG state, the
//!   clocks and counters, each Adam slot's step count, and the config hash it belongs to;
//! - metadata `checksum`: sha256 of every tensor (name, shape, values) and of `progress`,
//!   verified before a resume, so bytes changed on disk stop the run instead of training on.
//!
//! It is written every `--checkpoint-every` steps, on SIGINT/SIGTERM, and at the end of a
//! finished run (the export reads the final weights from it). Checkpoints are never committed.

use crate::config::{Config, ConfigHash};
use crate::data::loader::Loader;
use crate::error::{Error, Result};
use crate::model::Gpt;
use crate::optim::adam::AdamSlot;
use crate::optim::muon::MuonSlot;
use crate::optim::OptimState;
use crate::params;
use crate::rng::Rng;
use crate::tensorfile::{self, HostTensor};
use crate::train::TrainState;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const CHECKPOINT_DIR: &str = "checkpoints";
pub const CHECKPOINT_FILE: &str = "last.ckpt";
const FORMAT: &str = "extravaganza-checkpoint/1";

/// `<run dir>/checkpoints/last.ckpt`.
pub fn path(run_dir: &Path) -> PathBuf {
    run_dir.join(CHECKPOINT_DIR).join(CHECKPOINT_FILE)
}

/// Everything of [`TrainState`] that is not a tensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    format: String,
    config_hash: String,
    step: usize,
    loader: Loader,
    rng: Rng,
    train_time_ms: f64,
    tokens: u64,
    loss_sum: f64,
    loss_count: usize,
    /// Adam's step count per parameter (its bias corrections depend on it).
    adam_t: BTreeMap<String, u64>,
}

/// What writing a checkpoint cost.
#[derive(Debug, Clone, Copy)]
pub struct SaveStats {
    pub step: usize,
    pub bytes: u64,
    pub ms: f64,
}

/// Writes the checkpoint of `state` into `run_dir`.
pub fn save<B: AutodiffBackend>(
    run_dir: &Path,
    state: &TrainState<B>,
    config_hash: &str,
) -> Result<SaveStats> {
    let t0 = Instant::now();
    let mut tensors = BTreeMap::new();
    for (name, t) in params::collect(&state.model) {
        tensors.insert(format!("model/{name}"), t);
    }
    let mut adam_t = BTreeMap::new();
    for (name, slot) in &state.optim.adam {
        let n = slot.m.len();
        tensors.insert(
            format!("adam/{name}/m"),
            HostTensor::new(vec![n], slot.m.clone()),
        );
        tensors.insert(
            format!("adam/{name}/v"),
            HostTensor::new(vec![n], slot.v.clone()),
        );
        adam_t.insert(name.clone(), slot.t);
    }
    for (name, slot) in &state.optim.muon {
        let n = slot.buf.len();
        tensors.insert(
            format!("muon/{name}/buf"),
            HostTensor::new(vec![n], slot.buf.clone()),
        );
    }
    let progress = Progress {
        format: FORMAT.into(),
        config_hash: config_hash.into(),
        step: state.step,
        loader: state.loader.clone(),
        rng: state.rng,
        train_time_ms: state.train_time_ms,
        tokens: state.tokens,
        loss_sum: state.loss_sum,
        loss_count: state.loss_count,
        adam_t,
    };
    let progress = serde_json::to_string(&progress).expect("progress serialises");
    let meta = HashMap::from([
        ("format".to_owned(), FORMAT.to_owned()),
        ("step".to_owned(), state.step.to_string()),
        ("checksum".to_owned(), checksum(&tensors, &progress)),
        ("progress".to_owned(), progress),
    ]);
    let bytes = tensorfile::write(&path(run_dir), &tensors, meta)?;
    Ok(SaveStats {
        step: state.step,
        bytes,
        ms: t0.elapsed().as_secs_f64() * 1e3,
    })
}

/// The step of the checkpoint in `run_dir`, reading only its header; `None` when there is none.
pub fn saved_step(run_dir: &Path) -> Result<Option<u64>> {
    let p = path(run_dir);
    if !p.exists() {
        return Ok(None);
    }
    let meta = tensorfile::read_metadata(&p)?;
    let step = meta
        .get("step")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Data {
            path: p.clone(),
            message: "not a checkpoint of this trainer (no step in its header)".into(),
        })?;
    Ok(Some(step))
}

/// The training state saved in `run_dir`, on `device`, for a run of `cfg` (a checkpoint of any
/// other config is refused).
pub fn load<B: AutodiffBackend>(
    run_dir: &Path,
    cfg: &Config,
    device: &B::Device,
) -> Result<TrainState<B>> {
    let p = path(run_dir);
    let mut file = tensorfile::read(&p)?;
    let bad = |message: String| Error::Data {
        path: p.clone(),
        message,
    };
    let recorded = file.meta("checksum").map_err(|_| {
        bad("has no checksum (written by an older trainer); delete it to train anew".into())
    })?;
    let actual = checksum(&file.tensors, file.meta("progress")?);
    if recorded != actual {
        return Err(bad(format!(
            "is corrupted: its contents do not match the checksum written with them \
             ({recorded} recorded, {actual} now); it is not resumed. Delete it to train the run \
             anew (or restore it from a copy)"
        )));
    }
    let progress: Progress = serde_json::from_str(file.meta("progress")?)
        .map_err(|e| bad(format!("unreadable progress: {e}")))?;
    if progress.format != FORMAT {
        return Err(bad(format!("format {} is not {FORMAT}", progress.format)));
    }
    if progress.config_hash != cfg.config_hash() {
        return Err(bad(format!(
            "belongs to config {}, not to this run's {}; delete it to train anew",
            progress.config_hash,
            cfg.config_hash()
        )));
    }
    let fresh = Gpt::<B>::new(&cfg.model, cfg.seed, device);
    let model = params::load(fresh, &mut file.tensors, "model/", &p)?;
    let mut optim = OptimState::default();
    for (name, t) in progress.adam_t {
        let m = file.take(&format!("adam/{name}/m"))?.data;
        let v = file.take(&format!("adam/{name}/v"))?.data;
        optim.adam.insert(name, AdamSlot { m, v, t });
    }
    let muon: Vec<String> = file
        .tensors
        .keys()
        .filter_map(|k| {
            k.strip_prefix("muon/")?
                .strip_suffix("/buf")
                .map(String::from)
        })
        .collect();
    for name in muon {
        let buf = file.take(&format!("muon/{name}/buf"))?.data;
        optim.muon.insert(name, MuonSlot { buf });
    }
    if let Some(extra) = file.tensors.keys().next() {
        return Err(bad(format!(
            "holds a tensor this model does not have: `{extra}`"
        )));
    }
    Ok(TrainState {
        model,
        optim,
        step: progress.step,
        loader: progress.loader,
        rng: progress.rng,
        train_time_ms: progress.train_time_ms,
        tokens: progress.tokens,
        loss_sum: progress.loss_sum,
        loss_count: progress.loss_count,
    })
}

/// sha256 over every tensor in name order (name, shape, little-endian values) and the progress
/// record: what [`save`] writes and [`load`] verifies.
fn checksum(tensors: &BTreeMap<String, HostTensor>, progress: &str) -> String {
    let mut h = Sha256::new();
    for (name, t) in tensors {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((t.shape.len() as u64).to_le_bytes());
        for d in &t.shape {
            h.update((*d as u64).to_le_bytes());
        }
        if cfg!(target_endian = "little") {
            // One call for the whole buffer: per-value calls would dominate the save time.
            h.update(bytemuck::cast_slice::<f32, u8>(&t.data));
        } else {
            t.data.iter().for_each(|v| h.update(v.to_le_bytes()));
        }
    }
    h.update(progress.as_bytes());
    crate::config::hex(&h.finalize())
}

/// What a checkpoint costs for one config: its size, and the time to write and read it.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointCost {
    pub mb: f64,
    pub save_ms: f64,
    pub load_ms: f64,
}

/// Measures a checkpoint of `cfg` on the CPU backend, with every optimiser slot filled (as
/// after the first step), in a scratch folder under the system's temp dir. `trainer bench`
/// prints it.
pub fn bench(cfg: &Config) -> Result<CheckpointCost> {
    type B = crate::device::FlexAutodiff;
    let device = Default::default();
    let mut state = TrainState::<B>::fresh(cfg, &device);
    let groups = crate::optim::groups::of(&state.model);
    for (path, t) in params::collect(&state.model) {
        let n = t.data.len();
        match groups[&path] {
            crate::optim::Group::Muon { .. } => {
                state.optim.muon.insert(path, MuonSlot::new(n));
            }
            _ => {
                state.optim.adam.insert(path, AdamSlot::new(n));
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("trainer-bench-checkpoint-{}", std::process::id()));
    let result = (|| {
        let saved = save(&dir, &state, &cfg.config_hash())?;
        let t0 = Instant::now();
        load::<B>(&dir, cfg, &device)?;
        Ok(CheckpointCost {
            mb: saved.bytes as f64 / 1e6,
            save_ms: saved.ms,
            load_ms: t0.elapsed().as_secs_f64() * 1e3,
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `trainer bench`'s checkpoint lines: measured for the tiny and reference x04 runs, computed
/// for medium x04 (too large to build on a CPU machine).
pub fn print_bench(only: Option<crate::Preset>) -> Result<()> {
    use crate::Preset;
    println!("checkpoint (model + Adam moments + Muon momenta, x04):");
    for preset in [Preset::Tiny, Preset::Reference] {
        if only.is_some_and(|p| p != preset) {
            continue;
        }
        let (mut cfg, _) = crate::prepare(&crate::RunArgs {
            preset,
            ..crate::RunArgs::quick("unused", "x04", 0, 1)
        })?;
        if preset == Preset::Reference {
            cfg.model.vocab = 8192;
        }
        let c = bench(&cfg)?;
        println!(
            "{:<10} {:>8.1} MB  save {:>7.1} ms  load {:>7.1} ms",
            preset.name(),
            c.mb,
            c.save_ms,
            c.load_ms
        );
    }
    let medium = Preset::Medium.config(4, 0);
    println!(
        "{:<10} {:>8.0} MB  (computed; write time depends on the disk)",
        "medium",
        size_mb(&medium)
    );
    Ok(())
}

/// A checkpoint's size in MB for `cfg`, computed (for configs too large to build here): every
/// parameter, plus two Adam moments or one Muon momentum each.
pub fn size_mb(cfg: &Config) -> f64 {
    let m = &cfg.model;
    let (v, d, h) = (m.vocab as f64, m.dim as f64, (m.heads * m.head_dim) as f64);
    let layers = crate::model::LAYERS as f64;
    let adam = (m.extra_embeddings as f64 + 1.0 + crate::model::VALUE_EMBEDS as f64) * v * d
        + d * m.padded_vocab() as f64;
    let muon = (layers - 1.0) * 4.0 * d * h + layers * 8.0 * d * d;
    4.0 * (3.0 * adam + 2.0 * muon) / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_with_changed_bytes_is_refused_not_resumed() {
        type B = crate::device::FlexAutodiff;
        let mut cfg = crate::Preset::Tiny.config(1, 0);
        cfg.model.vocab = 50;
        let device = Default::default();
        let state = TrainState::<B>::fresh(&cfg, &device);
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &state, &cfg.config_hash()).unwrap();
        load::<B>(dir.path(), &cfg, &device).unwrap();
        // One bit of one float in the middle of the file: a file that still reads.
        let p = path(dir.path());
        let mut bytes = std::fs::read(&p).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x04;
        std::fs::write(&p, bytes).unwrap();
        let err = load::<B>(dir.path(), &cfg, &device)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("last.ckpt") && err.contains("is corrupted"),
            "{err}"
        );
    }

    #[test]
    fn measured_size_matches_the_computed_one() {
        let mut cfg = crate::Preset::Tiny.config(2, 0);
        cfg.model.vocab = 100;
        let cost = bench(&cfg).unwrap();
        let computed = size_mb(&cfg);
        // The file adds the scalars, the header and the metadata: well under 1%.
        assert!(
            cost.mb >= computed && cost.mb < computed * 1.01,
            "{} vs {computed}",
            cost.mb
        );
        assert!(cost.save_ms > 0.0 && cost.load_ms > 0.0);
    }
}
