//! The run-log contract (version 1) between the trainer, which writes runs, and the report, which
//! reads them. A run is a folder `runs/<experiment>/<variant>-s<seed>/` holding:
//!
//! - `run.json` ([`RunInfo`]), written once when the run starts;
//! - `metrics.jsonl` ([`Metrics`]), one object per evaluation, appended and flushed;
//! - `summary.json` ([`Summary`]), written atomically when the run ends.
//!
//! The writer ([`MetricsWriter`], [`write_json_atomic`]) never leaves a half-written `run.json`
//! or `summary.json`; the reader ([`read_run`]) keeps every whole line of a metrics file whose
//! last line was torn by a crash and reports what it skipped, naming file and line.
//! No burn in here: the report must build on machines that never train.

mod error;
mod read;
mod types;
mod write;

pub use error::Error;
pub use read::{read_metrics, read_run, Run, Warning};
pub use types::{
    lambda_key, run_dir_name, Metrics, Params, RunInfo, Status, Summary, METRICS_FILE, RUN_FILE,
    SCHEMA_VERSION, SUMMARY_FILE,
};
pub use write::{repair_metrics, write_atomic, write_json_atomic, MetricsWriter};
