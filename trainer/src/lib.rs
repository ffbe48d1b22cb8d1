//! trainer: trains one xNN variant of modded-nanogpt's GPT with burn and writes its run log.
//!
//! Read [`model`] first (the GPT with x00..x0N; [`kernels`] holds its fused CPU kernels and
//! their plain versions). Pipeline, one module per stage, each importing only those before it:
//! [`data`] (text -> GPT-2 tokens -> shards -> batches) -> [`model`] -> [`optim`] (Muon + Adam
//! groups, schedules) -> [`parallel`] (what a step shares among peers: rows, the all-reduce,
//! the node orchestrator) -> [`lens`] (the logit lens of a model's weights) -> [`train`] (loop,
//! step, evaluation, run log) -> [`run`], the run's lifecycle (launch, one loop per device, plan,
//! lock, checkpoint, sweep, slurm, the lens of a saved run; every run starts at
//! [`run::launch::launch`]: `trainer run`, each run of `trainer sweep`, and the tests) ->
//! [`bench`], [`export`] and the CLI (`main.rs`). Beside the stages, used by those after them:
//! [`config`] (presets and the config hash over runlog's typed config), [`device`] (the
//! backend), [`host`] (the machine's facts), [`error`]. `tests/layout/` fails on a cycle.

#[cfg(feature = "wgpu")]
pub mod adapters;
pub mod bench;
pub mod config;
pub mod data;
pub mod device;
pub mod error;
pub mod export;
pub mod host;
pub mod interrupt;
pub mod kernels;
pub mod lens;
pub mod model;
pub mod optim;
pub mod parallel;
pub mod params;
pub mod rng;
pub mod run;
pub mod tensorfile;
pub mod token;
pub mod train;

pub use config::{Config, ConfigHash, Preset};
pub use device::DeviceKind;
pub use error::{Error, Result};
pub use train::{RunOutcome, TrainState};

use std::path::PathBuf;
use train::RunContext;

/// `trainer run`: one variant, one seed, one preset.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Experiment name: runs go to OUT/<experiment>/<variant>-s<seed>/.
    #[arg(long, default_value = "embeddings-extravaganza-1")]
    pub experiment: String,
    /// x00 (baseline: x0 only) .. x08 (x00 plus eight extra embeddings).
    #[arg(long, default_value = "x00")]
    pub variant: String,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "tiny")]
    pub preset: Preset,
    /// Override the preset's number of training steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Folder of the run logs.
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// A folder of modded-nanogpt shards (fineweb_train_*.bin, fineweb_val_*.bin) instead of
    /// the generated default corpus.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A registry corpus installed by `make corpus` (`tdavid`) instead of the preset's data.
    #[arg(long, conflicts_with = "data")]
    pub corpus: Option<String>,
    /// Where `make corpus` (`trainer corpus --out`) put the registry corpora.
    #[arg(long, default_value = "data/corpus")]
    pub corpus_dir: PathBuf,
    /// Keep only this many most frequent training tokens (0: the full GPT-2 vocabulary).
    #[arg(long)]
    pub compact_vocab: Option<usize>,
    /// Override the preset's model width (heads x head_dim must equal it; see --heads).
    #[arg(long)]
    pub dim: Option<usize>,
    /// Override the preset's number of attention heads.
    #[arg(long)]
    pub heads: Option<usize>,
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[arg(long)]
    pub seq_len: Option<usize>,
    #[arg(long)]
    pub eval_every: Option<usize>,
    #[arg(long)]
    pub val_tokens: Option<usize>,
    #[arg(long, value_enum, default_value = "flex")]
    pub device: DeviceKind,
    /// CPU threads (default: rayon's choice, one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl RunArgs {
    /// Arguments for a quick run from code (tests): tiny preset, `steps` steps, into `out`.
    pub fn quick(out: impl Into<PathBuf>, variant: &str, seed: u64, steps: usize) -> Self {
        RunArgs {
            experiment: "test".into(),
            variant: variant.into(),
            seed,
            preset: Preset::Tiny,
            steps: Some(steps),
            out: out.into(),
            data: None,
            corpus: None,
            corpus_dir: PathBuf::from("data/corpus"),
            compact_vocab: None,
            dim: None,
            heads: None,
            batch_size: None,
            seq_len: None,
            eval_every: None,
            val_tokens: None,
            device: DeviceKind::Flex,
            threads: None,
            quiet: true,
        }
    }

    /// The run's config: the preset, then the overrides given.
    pub fn config(&self) -> Result<Config> {
        let extra = config::parse_variant(&self.variant).map_err(Error::Usage)?;
        let mut c = self.preset.config(extra, self.seed);
        let positive = |name: &str, v: Option<usize>| match v {
            Some(0) => Err(Error::Usage(format!("--{name} must be at least 1"))),
            _ => Ok(v),
        };
        if let Some(s) = positive("steps", self.steps)? {
            c.schedule.steps = s;
        }
        if let Some(b) = positive("batch-size", self.batch_size)? {
            c.data.batch_size = b;
        }
        if let Some(t) = positive("seq-len", self.seq_len)? {
            c.data.seq_len = t;
        }
        if let Some(e) = positive("eval-every", self.eval_every)? {
            c.data.eval_every = e;
        }
        if let Some(v) = positive("val-tokens", self.val_tokens)? {
            c.data.val_tokens = v;
        }
        if let Some(d) = &self.data {
            c.data.source = d.to_string_lossy().into_owned();
            c.data.corpus = None;
        }
        if let Some(name) = &self.corpus {
            let corpus = data::corpora::find(name)?;
            c.data.source = format!("corpus {}", corpus.name);
            c.data.corpus = Some(corpus.reference());
        }
        if let Some(d) = positive("dim", self.dim)? {
            c.model.dim = d;
        }
        if let Some(h) = positive("heads", self.heads)? {
            c.model.heads = h;
        }
        if self.dim.is_some() || self.heads.is_some() {
            if !c.model.dim.is_multiple_of(c.model.heads) {
                return Err(Error::Usage(format!(
                    "--dim {} does not divide into {} heads",
                    c.model.dim, c.model.heads
                )));
            }
            c.model.head_dim = c.model.dim / c.model.heads;
        }
        if let Some(k) = self.compact_vocab {
            c.data.compact_vocab = (k > 0).then_some(k);
        }
        // It names a folder, a Slurm job and the script's lines: one closed alphabet.
        runlog::check_name("--experiment", &self.experiment)
            .map_err(|e| Error::Usage(e.to_string()))?;
        Ok(c)
    }

    pub fn run_dir(&self) -> PathBuf {
        self.out
            .join(&self.experiment)
            .join(runlog::run_dir_name(&self.variant, self.seed))
    }
}

/// Loads the data and fixes the vocabulary from it: the config a run actually trains.
pub fn prepare(args: &RunArgs) -> Result<(Config, data::Dataset)> {
    let cfg = args.config()?;
    let data = data::load(&cfg.data, &args.corpus_dir)?;
    Ok((on_data(cfg, &data), data))
}

/// `cfg` on `data`: its vocabulary is the data's (compacted, or GPT-2's). The one place a run's
/// config takes anything from its data ([`prepare`], and a sweep's runs on data loaded once).
pub fn on_data(mut cfg: Config, data: &data::Dataset) -> Config {
    cfg.model.vocab = data.vocab;
    cfg
}

/// run.json for this run.
pub fn run_info<B: burn::tensor::backend::Backend>(
    args: &RunArgs,
    ctx: &RunContext,
    threads: usize,
    top: &parallel::collective::Topology,
    model: &model::Gpt<B>,
) -> runlog::RunInfo {
    let (total, embeddings, other) = model::param_counts(model);
    runlog::RunInfo {
        schema_version: runlog::SCHEMA_VERSION,
        run_id: format!(
            "{}/{}",
            args.experiment,
            runlog::run_dir_name(&args.variant, args.seed)
        ),
        experiment: args.experiment.clone(),
        variant: runlog::Variant::new(ctx.config.model.extra_embeddings as u32)
            .expect("the config's variant was parsed"),
        extra_embeddings: ctx.config.model.extra_embeddings as u32,
        seed: Some(args.seed),
        repeat: None,
        preset: Some(args.preset.name().into()),
        config: config::recorded(&ctx.config, &ctx.data.info),
        config_hash: Some(ctx.config.config_hash()),
        data_hash: Some(ctx.data.info.hash.clone()),
        commit: crate::host::git_commit(),
        device: Some(top.describe(&device::describe(args.device, top.devices))),
        threads: Some(threads as u32),
        host: crate::host::hostname(),
        started_at: Some(crate::host::now_rfc3339()),
        params: Some(runlog::Params {
            total,
            embeddings,
            other: other.into_iter().collect(),
        }),
    }
}
