//! Where a lens is made and written: `trainer lens --run DIR` decodes a finished (or stopped)
//! run's checkpoint; [`crate::lens::after_training`] decodes the model in memory at the end of every finished
//! run. Either way the lens goes to `<run>/lens.json`, written atomically.

use crate::config::Config;
use crate::data::{self, Dataset};
use crate::device::{self, DeviceKind, TrainBackend, WithBackend};
use crate::error::{Error, Result};
use crate::kernels::Ops;
use crate::lens::{compute, LensInput, LensOptions};
use crate::run::checkpoint;
use crate::run::lock::RunLock;
use burn::module::AutodiffModule;
use runlog::{Lens, LENS_FILE};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `trainer lens`: the logit lens of a run, from its checkpoint.
#[derive(Debug, Clone, clap::Args)]
pub struct LensArgs {
    /// The run folder, e.g. runs/embeddings-extravaganza-1/x02-s0 (its checkpoint is decoded).
    #[arg(long)]
    pub run: PathBuf,
    /// Decode the start of this text file in the sample, instead of the validation split's.
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// Most probable tokens kept per component and position of the sample.
    #[arg(long, default_value_t = LensOptions::default().top_k)]
    pub top_k: usize,
    /// Positions of the sample (at most the run's sequence length).
    #[arg(long, default_value_t = LensOptions::default().sample_len)]
    pub sample: usize,
    /// Write the lens here instead of <run>/lens.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// burn's plain ops instead of the fused kernels (the kernels' oracle).
    #[arg(long)]
    pub plain_ops: bool,
    /// Rows per validation batch, as the run evaluated (default: its batch; 2 for medium).
    #[arg(long)]
    pub micro_batch: Option<usize>,
    #[arg(long, value_enum, default_value = "flex")]
    pub device: DeviceKind,
    /// CPU threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where `make corpus` put the registry corpora, for a run trained on one (`--corpus`).
    #[arg(long, default_value = "data/corpus")]
    pub corpus_dir: PathBuf,
}

impl LensArgs {
    /// Defaults for `run` (tests).
    pub fn new(run: impl Into<PathBuf>) -> Self {
        LensArgs {
            run: run.into(),
            text: None,
            top_k: LensOptions::default().top_k,
            sample: LensOptions::default().sample_len,
            out: None,
            plain_ops: false,
            micro_batch: None,
            device: DeviceKind::Flex,
            threads: None,
            corpus_dir: PathBuf::from("data/corpus"),
        }
    }
}

/// A lens made from a checkpoint: where it went, and what it cost.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub path: PathBuf,
    pub lens: Lens,
    /// Wall time of the whole command: data, checkpoint, lens, file.
    pub seconds: f64,
}

/// `trainer lens --run DIR`: prints where the lens went and its anchor.
pub fn main(args: &LensArgs) -> Result<()> {
    let Some(d) = from_checkpoint(args)? else {
        println!(
            "{}: no checkpoint to decode again; its lens.json stays as it is",
            args.run.display()
        );
        return Ok(());
    };
    let x_out = d.lens.components.get("x-out");
    let ce = x_out.and_then(|s| s.cross_entropy).unwrap_or(f64::NAN);
    println!(
        "{}: {} components of step {} over {} tokens; x-out cross-entropy {ce:.6} (the run's \
         val loss at that step); {:.1} s",
        d.path.display(),
        d.lens.components.len(),
        d.lens.step.unwrap_or(0),
        x_out.map_or(0, |s| s.tokens),
        d.seconds
    );
    Ok(())
}

/// Decodes the checkpoint of the run in `args.run` and writes its lens; `None` when the run has
/// no checkpoint but a lens.json already (nothing to do). A run with neither is an error naming
/// the checkpoint's file.
pub fn from_checkpoint(args: &LensArgs) -> Result<Option<Decoded>> {
    let t0 = Instant::now();
    let run = runlog::read_run(&args.run)?;
    let ckpt = checkpoint::path(&args.run);
    if !ckpt.exists() {
        if args.run.join(LENS_FILE).exists() {
            return Ok(None);
        }
        return Err(Error::Data {
            path: ckpt,
            message: format!(
                "missing: the run has no checkpoint to decode, and no {LENS_FILE} (checkpoints \
                 are never committed: train the run here, and its lens is written when it ends)"
            ),
        });
    }
    let _lock = RunLock::acquire(&args.run).map_err(|e| Error::Usage(e.to_string()))?;
    let run_json = args.run.join(runlog::RUN_FILE);
    let cfg: Config = serde_json::from_value(run.info.config.clone()).map_err(|e| Error::Data {
        path: run_json.clone(),
        message: format!("config is not this trainer's: {e}"),
    })?;
    let data = data::load(&cfg.data, &args.corpus_dir)?;
    if run.info.data_hash.as_deref() != Some(data.info.hash.as_str()) {
        return Err(Error::Data {
            path: run_json,
            message: format!(
                "the run trained on data of hash {}, but its config loads data of hash {} now: \
                 its validation tokens are not the ones its val loss was taken on",
                run.info.data_hash.as_deref().unwrap_or("(none)"),
                data.info.hash
            ),
        });
    }
    device::init_threads(args.threads);
    let batch = cfg.data.batch_size;
    let medium = run.info.preset.as_deref() == Some(crate::Preset::Medium.name());
    let eval_rows = args
        .micro_batch
        .or(medium.then_some(crate::run::operations::MEDIUM_MICRO_BATCH))
        .unwrap_or(batch)
        .clamp(1, batch);
    let job = Job {
        dir: &args.run,
        config: &cfg,
        data: &data,
        opts: LensOptions {
            top_k: args.top_k,
            sample_len: args.sample,
            text: args.text.clone(),
        },
        ops: if args.plain_ops {
            Ops::Plain
        } else {
            Ops::Fused
        },
        eval_rows,
    };
    let lens = device::with_backend(args.device, job)??;
    let path = args.out.clone().unwrap_or_else(|| args.run.join(LENS_FILE));
    runlog::write_lens(&path, &lens)?;
    Ok(Some(Decoded {
        path,
        lens,
        seconds: t0.elapsed().as_secs_f64(),
    }))
}

struct Job<'a> {
    dir: &'a Path,
    config: &'a Config,
    data: &'a Dataset,
    opts: LensOptions,
    ops: Ops,
    eval_rows: usize,
}

impl WithBackend for Job<'_> {
    type Output = Result<Lens>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        let state = checkpoint::load::<B>(self.dir, self.config, &device)?;
        let model = state.model.valid();
        let input = LensInput {
            config: self.config,
            data: self.data,
            step: state.step as u64,
            eval_rows: self.eval_rows,
            ops: self.ops,
        };
        device::in_pool(|| compute(&model, &input, &self.opts, &device))
    }
}
