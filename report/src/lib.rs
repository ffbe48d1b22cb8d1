//! The report: from run logs to the article's numbers and figures. No burn in here, so the
//! article rebuilds in seconds on a machine that never trained.
//!
//! Pipeline, each stage one module, data passing forward only; a module imports only the
//! modules listed before it (and `config`, `folders`, `error`, which sit below them all):
//!
//! 1. [`runs`]: walk a runs folder, read and check every run through `runlog` (a run that
//!    fails a check is left out, every problem kept with its file and line), group the others
//!    by experiment, variant and seed ([`runs::RunSet`]); only finished runs are results;
//!    [`runs::import`] turns modded-nanogpt text logs into runs of our format.
//! 2. [`stats`]: per variant mean ± std, min, max of final loss and train time, Welch t-tests
//!    against the baseline, loss at a fixed training time, curves averaged over seeds on a
//!    common grid, mean lambdas per layer.
//! 3. [`figures`]: PNG (or SVG) figures named like the draft's links, drawn with plotters and
//!    the DejaVu font that ships inside the binary, plus the markdown table of final results.
//! 4. [`post`]: what a draft is filled from: the facts of each experiment ([`post::sources`]),
//!    the directives (our own small call syntax, no template engine), the claim checks that
//!    fail the build when the prose no longer matches the numbers.
//! 5. [`site`]: markdown to HTML, the page, index and feed templates.
//! 6. [`pipeline`]: one post through its passes (front matter -> TODOs -> directives -> links
//!    -> figures -> HTML), each one module with one entry, registered in one place.
//! 7. [`build`]: the runs, then every draft through the pipeline, then the site's files.
//!
//! [`cli`] holds the `import`, `stats`, `figures` and `bench` subcommands; [`site_cli`] holds
//! `build`, `check` ([`check`]), `publish` ([`publish`]) and `serve` ([`serve`]), which use
//! the build.

mod error;

pub mod bench;
pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod figures;
pub mod folders;
pub mod pipeline;
pub mod post;
pub mod publish;
pub mod runs;
pub mod serve;
pub mod site;
pub mod site_bench;
pub mod site_cli;
pub mod stats;
mod temp;

pub use error::{Context, Error, Result};
