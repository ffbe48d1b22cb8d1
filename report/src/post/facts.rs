//! The numbers and descriptions a post is filled from: plain data, computed once per experiment
//! from the runs (see `from_runs`), so the filling rules can be tested on hand-made facts.

use crate::{Error, Result};
use runlog::Variant;
use std::collections::BTreeMap;

/// Mean ± std over seeds (the stats stage's summary); `std` is `None` with a single seed.
pub use crate::stats::Summary as Stat;
use crate::stats::{Axis, MeanCurve};

#[derive(Debug, Clone, PartialEq)]
pub struct VariantFacts {
    /// `x00` (baseline) .. `x0N`.
    pub variant: Variant,
    /// Seeds of the finished runs: the only ones counted (their repeat numbers where they set
    /// no seed, see `repeats`).
    pub seeds: Vec<u64>,
    /// The counted runs set no seed: they are repeats, and the page calls them runs.
    pub repeats: bool,
    /// The counted runs' folder names (`x01-s0`), in the order of `seeds`: what a claim's audit
    /// lists.
    pub runs: Vec<String>,
    /// The runs that have not finished, each with how it stands (`x04-s0: interrupted at step
    /// 100 of 500`); left out of every number.
    pub unfinished: Vec<String>,
    pub final_loss: Option<Stat>,
    /// Seconds.
    pub train_time: Option<Stat>,
    /// Val loss at the common time `Facts::at_time_s`.
    pub loss_at_time: Option<Stat>,
    /// Welch t-test of the final val loss against the baseline; `None` when either side has n<2.
    pub p_final: Option<f64>,
    pub p_at_time: Option<f64>,
    /// Final lambdas per component (`x`, `x00`, ...), one value per layer, mean over seeds.
    pub lambdas: Option<BTreeMap<String, Vec<f64>>>,
    /// Final lambdas of each counted run, in seed order: signs can differ between seeds, which a
    /// mean hides.
    pub seed_lambdas: Vec<BTreeMap<String, Vec<f64>>>,
    /// Each counted run's share of each layer's input per component (`stats::shares`: signed
    /// λ·RMS / Σ|λ·RMS|; at layer 0 `x` holds the share of x+x00 and `x00` 0), in seed order;
    /// or why there are none (no norms logged or imported), naming the experiment.
    pub seed_shares: Result<Vec<BTreeMap<String, Vec<f64>>>, NoShares>,
    /// Validation loss by step and by training time (s): the mean over the counted runs, on the
    /// range all of them cover.
    pub step_curve: Option<MeanCurve>,
    pub time_curve: Option<MeanCurve>,
}

/// Why a variant's runs have no shares of the layers' input (no norms logged or imported), as
/// the build says it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoShares(pub String);

/// What the runs record about how they were made; `None`/empty where nothing is recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SetupFacts {
    pub layers: Option<usize>,
    /// Model width (`config.model.dim`), when recorded.
    pub width: Option<usize>,
    /// Distinct total step counts.
    pub steps: Vec<u64>,
    /// Tokens seen by the end of training, when logged (min and max over runs).
    pub tokens: Option<(u64, u64)>,
    /// Parameter count per variant, when recorded.
    pub params: BTreeMap<String, u64>,
    /// Distinct devices / hardware descriptions.
    pub hardware: Vec<String>,
    pub presets: Vec<String>,
    /// Lambda values at step 0 per component, when every layer and run starts at the same value.
    pub init_lambdas: BTreeMap<String, f64>,
    /// How the extra embeddings are initialised, from the config, when recorded.
    pub embedding_init: Option<String>,
    /// Runs without a config (imported from text logs).
    pub imported: usize,
    /// Runs that set no seed (repeats).
    pub no_seed: usize,
    pub runs: usize,
}

/// One lens a variant has: a finished run's own, or the experiment's imported one.
#[derive(Debug, Clone, PartialEq)]
pub struct LensFact {
    pub variant: Variant,
    /// Whose it is: `x01-s0`, or `x01, imported`.
    pub who: String,
    /// The run's seed; `None` for an imported lens.
    pub seed: Option<u64>,
    pub lens: runlog::Lens,
}

/// One configuration (a variant plus what else differs in the config, see
/// `stats::configs`): what the record rule tests.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigFacts {
    /// `x01`, `x01, 5690 steps`, ...
    pub label: String,
    pub variant: Variant,
    pub steps: Option<u64>,
    /// The counted (finished) runs' folder names.
    pub runs: Vec<String>,
    pub final_loss: Option<Stat>,
    /// Seconds.
    pub train_time: Option<Stat>,
}

/// One counted (finished) run, for `runs_table`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Its folder name (`x01-r2`).
    pub name: String,
    pub variant: Variant,
    /// The label of its configuration (`x01`, `x01, 5690 steps, script=692, ...`).
    pub configuration: String,
    pub steps: Option<u64>,
    pub final_loss: Option<f64>,
    pub train_time_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub experiment: Option<String>,
    pub baseline: Variant,
    /// The training time (s) at which `loss_at_time` is taken.
    pub at_time_s: Option<f64>,
    /// Sorted by name: x00, x01, ...
    pub variants: Vec<VariantFacts>,
    /// In order of step count, then variant.
    pub configs: Vec<ConfigFacts>,
    /// Every counted run, by configuration (in `configs`' order), then folder.
    pub run_rows: Vec<RunRow>,
    /// Variants with several configurations (`stats::several_configurations`): why a number
    /// that names only the variant is refused, and how to pick one.
    pub several: BTreeMap<Variant, String>,
    pub setup: SetupFacts,
    /// The final-results table in markdown (best value in bold).
    pub results_table: String,
    /// The same without its training-time columns (`results_table(times=false)`).
    pub results_table_by_step: String,
    /// Every lens of the experiment, by variant (runs by seed, then the imported one).
    pub lenses: Vec<LensFact>,
}

impl Facts {
    /// The facts of the variant a directive names; an error for a name that is no variant, or
    /// one without runs.
    pub fn variant(&self, name: &str) -> Result<&VariantFacts> {
        let v = Variant::parse(name).map_err(Error::Call)?;
        if let Some(why) = self.several.get(&v) {
            return Err(Error::NotInRuns(why.clone()));
        }
        self.variants
            .iter()
            .find(|f| f.variant == v)
            .ok_or_else(|| Error::UnknownVariant {
                name: name.to_owned(),
                known: self.known_variants(),
            })
    }

    pub fn known_variants(&self) -> String {
        if self.variants.is_empty() {
            return "(none: no runs found)".into();
        }
        self.variants
            .iter()
            .map(|v| v.variant.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The metrics directives and claims can name.
pub const METRICS: &[&str] = &["final_loss", "train_time", "loss_at_time"];

impl VariantFacts {
    pub fn metric(&self, metric: &str) -> Result<&Stat> {
        let s = match metric {
            "final_loss" => self.final_loss.as_ref(),
            "train_time" => self.train_time.as_ref(),
            "loss_at_time" => self.loss_at_time.as_ref(),
            other => {
                return Err(Error::Call(format!(
                    "unknown metric `{other}`; known metrics: {}",
                    METRICS.join(", ")
                )))
            }
        };
        s.ok_or_else(|| {
            Error::NotInRuns(format!(
                "variant {} has no {metric}: {}",
                self.variant,
                self.finished_phrase()
            ))
        })
    }

    /// `0 of 3 finished (x04-s0: interrupted at step 100 of 500; ...)`, or `3 of 3 finished`.
    pub fn finished_phrase(&self) -> String {
        let n = self.seeds.len();
        let all = n + self.unfinished.len();
        if self.unfinished.is_empty() {
            format!("{n} of {all} finished")
        } else {
            format!("{n} of {all} finished ({})", self.unfinished.join("; "))
        }
    }

    /// The mean loss curve along `axis`; an error when the variant has no finished run.
    pub fn curve(&self, axis: Axis) -> Result<&MeanCurve> {
        match axis {
            Axis::Step => self.step_curve.as_ref(),
            Axis::Time => self.time_curve.as_ref(),
        }
        .ok_or_else(|| {
            Error::NotInRuns(format!(
                "variant {} has no loss curve: {}",
                self.variant,
                self.finished_phrase()
            ))
        })
    }

    pub fn p_value(&self, metric: &str) -> Result<Option<f64>> {
        match metric {
            "final_loss" => Ok(self.p_final),
            "loss_at_time" => Ok(self.p_at_time),
            other => Err(Error::Call(format!(
                "no t-test for metric `{other}`; tested metrics: final_loss, loss_at_time"
            ))),
        }
    }
}
