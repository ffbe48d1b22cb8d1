//! Per experiment a post names, its runs, refused when any of them failed a check (a bad run
//! spoils only the posts that use its experiment), and the facts a post is filled from:
//! computed once per build, shared by the posts.

use crate::figures;
use crate::post::{facts::Facts, from_runs};
use crate::runs::RunSet;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The facts a post is filled from, and the runs its figures are drawn from.
pub type PostRuns = (Arc<Facts>, Option<Arc<RunSet>>);

/// Why a post cannot draw on an experiment's runs (a problem on its front matter's line).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unusable {
    /// No run of the experiment named (what the runs say of it).
    #[error("front matter experiment: {0}")]
    Unknown(String),
    /// The post names none, and the runs hold several.
    #[error(
        "the runs hold experiments {}; name the one this post uses in its front matter \
         (`experiment: {}`): runs of different experiments are never pooled",
        .0.join(", "),
        .0[0]
    )]
    Unnamed(Vec<String>),
    /// Runs of it fail their checks (listed as `bad run`).
    #[error(
        "experiment {} has runs that fail their checks ({problems} problem(s), listed as `bad \
         run`); no page is built from them",
        if experiments.is_empty() { "(unknown)".to_string() } else { experiments.join(", ") }
    )]
    BadRuns {
        experiments: Vec<String>,
        problems: usize,
    },
}

/// The runs and facts of each experiment, computed once per build (posts share them).
pub struct PerDraft<'a> {
    runs: Option<&'a RunSet>,
    cache: RefCell<BTreeMap<Option<String>, Result<PostRuns, Unusable>>>,
}

impl<'a> PerDraft<'a> {
    pub fn new(runs: Option<&'a RunSet>) -> Self {
        PerDraft {
            runs,
            cache: RefCell::new(BTreeMap::new()),
        }
    }

    /// The experiments of the runs (those of runs that failed their checks included).
    pub fn experiments(&self) -> Vec<&str> {
        self.runs.map(RunSet::experiments).unwrap_or_default()
    }

    /// The runs of experiment `exp` (`None`: all runs, which must be of one experiment); `Err`
    /// when any run of it failed its checks, when the runs hold several experiments and none is
    /// named, or when there is no run of the one named.
    pub fn get(&self, exp: Option<&str>) -> Result<PostRuns, Unusable> {
        let key = exp.map(str::to_owned);
        if let Some(hit) = self.cache.borrow().get(&key) {
            return hit.clone();
        }
        let computed = facts_for(self.runs, exp);
        self.cache.borrow_mut().insert(key, computed.clone());
        computed
    }
}

fn facts_for(runs: Option<&RunSet>, experiment: Option<&str>) -> Result<PostRuns, Unusable> {
    let Some(all) = runs else {
        return Ok((Arc::new(Facts::default()), None));
    };
    let set = match experiment {
        Some(e) => all
            .only_experiment(e)
            .map_err(|e| Unusable::Unknown(e.to_string()))?,
        None => {
            let exps = all.experiments();
            if exps.len() > 1 {
                return Err(Unusable::Unnamed(
                    exps.iter().map(|e| e.to_string()).collect(),
                ));
            }
            all.clone()
        }
    };
    if !set.problems().is_empty() {
        let names: Vec<String> = set
            .problems()
            .iter()
            .filter_map(|p| p.experiment.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        return Err(Unusable::BadRuns {
            experiments: names,
            problems: set.problems().len(),
        });
    }
    let stats = crate::stats::compute(&set, None).ok();
    let table = |times: bool| {
        stats
            .as_ref()
            .map(|t| figures::table::markdown(t, times))
            .unwrap_or_default()
    };
    let (mut table, mut by_step) = (table(true), table(false));
    let facts = from_runs::facts(&set, String::new());
    let left_out: Vec<String> = facts
        .variants
        .iter()
        .filter(|v| !v.unfinished.is_empty())
        .map(|v| format!("{}: {}", v.variant, v.finished_phrase()))
        .collect();
    if !table.is_empty() && !left_out.is_empty() {
        let note = format!(
            "\nLeft out, not finished: {}.\n",
            crate::post::md_escape(&left_out.join("; "))
        );
        table.push_str(&note);
        by_step.push_str(&note);
    }
    let facts = Facts {
        results_table: table,
        results_table_by_step: by_step,
        ..facts
    };
    Ok((Arc::new(facts), Some(Arc::new(set))))
}
