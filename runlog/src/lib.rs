//! The run-log contract (versions 1 and 2) between the trainer, which writes runs, and the
//! report, which reads them. A run is a folder `runs/<experiment>/<variant>-s<seed>/` holding
//! (or `<variant>-r<repeat>/` for a run that set no seed, version 2):
//!
//! - `run.json` ([`RunInfo`]), written once when the run starts;
//! - `metrics.jsonl` ([`Metrics`]), one object per evaluation, appended and flushed;
//! - `summary.json` ([`Summary`]), written atomically when the run ends;
//! - `lens.json` ([`Lens`]), the logit lens of its final weights, written atomically after it.
//!
//! The boundary both sides share: [`Variant`] (`x00`..`x99`, parsed in one place),
//! [`RunIdentity`] (experiment, variant, seed or repeat; run.json is authoritative), run.json's
//! config as one serde type ([`config`]: the trainer's [`config::Config`], written as a
//! [`config::TrainedConfig`]; [`RunConfig`] reads any run's config by kind, and
//! [`RecordedConfig`] is what a reader asks of it) and [`diff`] (a config difference, printed
//! alike by the trainer's refusals and the run checks).
//!
//! Modules point one way: `check` reads runs (`read`, which opens files through `file` and
//! reads run.json with `info`, the config with `recorded`, the lens with `lens`); `types` uses
//! `identity`, never the reverse.
//!
//! The writer ([`MetricsWriter`], [`write_json_atomic`]) never leaves a half-written `run.json`
//! or `summary.json`; the reader ([`read_run`]) keeps every whole line of a metrics file whose
//! last line was torn by a crash and reports what it skipped, naming file and line; the checks
//! ([`check`]) say whether a run may be published, listing every problem with file and line.
//! No burn in here: the report must build on machines that never train.

pub mod check;
pub mod config;
pub mod diff;
mod error;
mod fields;
mod file;
mod floats;
mod hex;
mod identity;
mod info;
mod lens;
mod name;
mod problem;
mod read;
mod recorded;
mod types;
mod variant;
mod write;

pub use check::folder_problems;
pub use error::Error;
pub use hex::hex;
pub use identity::{run_dir_name, Replica, RunIdentity};
pub use info::read_info;
pub use lens::{
    experiment_lens_file, is_experiment_lens_file, lens_components, lens_layers, lens_text,
    read_lens, Guess, Lens, LensNorms, LensSample, LensStats, LENS_FILE, LENS_SCHEMA_VERSION,
    RATES, VALUE_EMBED_LAYERS,
};
pub use name::{check_name, is_name_char, NameError, MAX_NAME_LEN};
pub use problem::{Problem, Warning};
pub use read::{read_metrics, read_run, Run};
pub use recorded::{
    DataShape, ModelShape, PartialConfig, RecordedConfig, RunConfig, ScheduleShape, VocabShape,
    SECTIONS,
};
pub use types::{
    Metrics, Params, RunInfo, Status, Summary, METRICS_FILE, REPEAT_SCHEMA_VERSION, RUN_FILE,
    SCHEMA_VERSION, SUMMARY_FILE,
};
pub use variant::{lambda_key, Variant, MAX_VARIANT};
pub use write::{repair_metrics, write_atomic, write_json_atomic, write_lens, MetricsWriter};
