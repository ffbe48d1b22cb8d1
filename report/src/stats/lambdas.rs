//! Lambdas: the learned weights of the sum `λx·x + λ00·x00 + λ01·x01 + ...` before each layer.
//!
//! A [`LambdaGrid`] holds one value per component (`x`, `x00`, `x01`, ...) per layer, at a
//! run's last evaluation that logged lambdas, or the mean over several runs. [`norm_weighted`]
//! multiplies each lambda by the RMS of what it multiplies: `x` by the logged `x_norms` of its
//! layer, each embedding by 1, because the embeddings enter normed (modded-nanogpt applies
//! `norm(embed(idx))`, an RMS norm without weight) while the residual grows over the layers.
//!
//! Layer 0 ([`coincide_at_0`]): the residual starts as x00 itself (modded-nanogpt's `x = x0`),
//! so the first layer's sum is `λx·x00 + λ00·x00`: only `λx + λ00` is learned there (both get
//! the same gradient), and either lambda alone says nothing. Figures, numbers and claims show
//! the sum there, named [`SUM0`].

use crate::runs::describe;
use crate::{Error, Result};
use runlog::{Metrics, Run};

/// Values per component and layer: `values[c][layer]` for `components[c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaGrid {
    /// `x`, then `x00`, `x01`, ... (the order of the heatmap's rows).
    pub components: Vec<String>,
    pub layers: usize,
    pub values: Vec<Vec<f64>>,
    /// How many runs were averaged.
    pub n: usize,
    /// The step the values were taken at (the first run's, when averaged).
    pub step: u64,
}

impl LambdaGrid {
    pub fn get(&self, component: &str, layer: usize) -> Option<f64> {
        let c = self.components.iter().position(|c| c == component)?;
        self.values.get(c)?.get(layer).copied()
    }

    /// `λx + λ00` at layer 0, the one identifiable number there ([`coincide_at_0`]).
    pub fn sum0(&self) -> Option<f64> {
        Some(self.get("x", 0)? + self.get("x00", 0)?)
    }
}

/// The name of `λx + λ00` at layer 0, where x and x00 are the same vector.
pub const SUM0: &str = "x+x00";

/// Whether `component` at `layer` is one of the two lambdas that only count as a sum: `x` and
/// `x00` at layer 0, where the residual still is x00.
pub fn coincide_at_0(component: &str, layer: usize) -> bool {
    layer == 0 && (component == "x" || component == "x00")
}

fn last_with(run: &Run, need_norms: bool) -> Option<&Metrics> {
    run.metrics.iter().rev().find(|m| {
        m.lambdas.as_ref().is_some_and(|l| !l.is_empty()) && (!need_norms || m.x_norms.is_some())
    })
}

fn grid_of(run: &Run, need_norms: bool) -> Result<LambdaGrid> {
    let Some(m) = last_with(run, need_norms) else {
        let what = if need_norms {
            if last_with(run, false).is_some() {
                "logs no activation norms (x_norms), needed to weight lambdas by norms; \
                 imported logs carry none"
            } else {
                "logs no lambdas and no activation norms"
            }
        } else {
            "logs no lambdas (imported baselines, like the x0-experiment's x00, have none)"
        };
        return Err(Error::Stats(format!("{} {what}", describe(run))));
    };
    let map = m.lambdas.as_ref().expect("checked by last_with");
    let mut components: Vec<String> = map.keys().cloned().collect();
    // `x` first, then the embeddings by number (BTreeMap order already does this).
    components.sort_by_key(|c| (c != "x", runlog::Variant::parse(c).ok(), c.clone()));
    let layers = map.values().map(Vec::len).max().unwrap_or(0);
    let mut values = Vec::with_capacity(components.len());
    for c in &components {
        let v = &map[c];
        if v.len() != layers {
            return Err(Error::Stats(format!(
                "{} at step {}: lambdas '{c}' has {} layers, others {layers}",
                describe(run),
                m.step,
                v.len()
            )));
        }
        values.push(v.clone());
    }
    if need_norms {
        let norms = m.x_norms.as_ref().expect("checked by last_with");
        if norms.len() != layers {
            return Err(Error::Stats(format!(
                "{} at step {}: x_norms has {} layers, lambdas {layers}",
                describe(run),
                m.step,
                norms.len()
            )));
        }
        // Only `x` is scaled: the embeddings are RMS-normed, so their RMS is 1.
        if let Some(x) = components.iter().position(|c| c == "x") {
            for (v, n) in values[x].iter_mut().zip(norms) {
                *v *= n;
            }
        }
    }
    Ok(LambdaGrid {
        components,
        layers,
        values,
        n: 1,
        step: m.step,
    })
}

/// One run's lambdas at its last evaluation that logged them.
pub fn last_lambdas(run: &Run) -> Result<LambdaGrid> {
    grid_of(run, false)
}

/// The mean over runs of each run's last lambdas. All runs must have the same components and
/// number of layers; the error names the first run that differs.
pub fn mean_lambdas(runs: &[&Run]) -> Result<LambdaGrid> {
    spread_of(runs, false, false).map(|s| s.mean)
}

/// Like [`mean_lambdas`], each lambda weighted by the RMS of what it multiplies.
pub fn norm_weighted(runs: &[&Run]) -> Result<LambdaGrid> {
    spread_of(runs, true, false).map(|s| s.mean)
}

/// Whether a component's sign is the run's choice: an added embedding (x01, x02, ...) enters the
/// network only through λ·norm(table row), so negating its table and its lambdas together
/// changes nothing, and which of the two a run ends with depends on its initialisation. Not x
/// (the residual) and not x00 (the residual starts as x00, so its table is used unweighted too).
pub fn sign_is_free(component: &str) -> bool {
    runlog::Variant::parse(component).is_ok_and(|v| v.extra_embeddings() >= 1)
}

/// Multiplies one run's lambdas of a sign-free component by the sign of their mean over layers
/// (so that mean is positive); true when they were flipped.
pub fn align_sign(component: &str, values: &mut [f64]) -> bool {
    let flip = sign_is_free(component) && values.iter().sum::<f64>() < 0.0;
    if flip {
        values.iter_mut().for_each(|v| *v = -*v);
    }
    flip
}

/// The lambdas of several runs, per component and layer: mean, sample std (with two runs or
/// more), and when aligned how many (run, component) pairs were flipped.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaSpread {
    pub mean: LambdaGrid,
    pub std: Option<Vec<Vec<f64>>>,
    /// The std over runs of `λx + λ00` at layer 0 (its mean is `mean.sum0()`), with two runs
    /// or more.
    pub sum0_std: Option<f64>,
    pub flipped: usize,
}

/// Mean ± std over runs of each run's last lambdas; `aligned`: each run's added embeddings
/// first made to agree in sign ([`align_sign`]), so a sign that differs between seeds does not
/// cancel out in the mean.
pub fn spread(runs: &[&Run], aligned: bool) -> Result<LambdaSpread> {
    spread_of(runs, false, aligned)
}

fn spread_of(runs: &[&Run], need_norms: bool, aligned: bool) -> Result<LambdaSpread> {
    let Some(first) = runs.first() else {
        return Err(Error::Stats("no runs to take lambdas from".into()));
    };
    let mut grids = Vec::with_capacity(runs.len());
    let mut flipped = 0;
    for run in runs {
        let mut g = grid_of(run, need_norms)?;
        if let Some(f) = grids
            .first()
            .filter(|f: &&LambdaGrid| f.components != g.components || f.layers != g.layers)
        {
            return Err(Error::Stats(format!(
                "cannot average lambdas: {} has components {} over {} layers, {} has {} over {}",
                describe(first),
                f.components.join(","),
                f.layers,
                describe(run),
                g.components.join(","),
                g.layers
            )));
        }
        if aligned {
            for (c, values) in g.components.iter().zip(g.values.iter_mut()) {
                flipped += usize::from(align_sign(c, values));
            }
        }
        grids.push(g);
    }
    let mut mean = grids[0].clone();
    mean.n = grids.len();
    let mut std = mean.values.clone();
    for (c, (means, stds)) in mean.values.iter_mut().zip(&mut std).enumerate() {
        for (l, (m, s)) in means.iter_mut().zip(stds.iter_mut()).enumerate() {
            let xs: Vec<f64> = grids.iter().map(|g| g.values[c][l]).collect();
            let (mean_here, std_here) = super::mean_std(&xs);
            (*m, *s) = (mean_here, std_here.unwrap_or(0.0));
        }
    }
    let sums: Vec<f64> = grids.iter().filter_map(LambdaGrid::sum0).collect();
    let sum0_std = (sums.len() == grids.len())
        .then(|| super::mean_std(&sums).1)
        .flatten();
    Ok(LambdaSpread {
        std: (grids.len() > 1).then_some(std),
        sum0_std,
        mean,
        flipped,
    })
}

/// One lambda over training: (step, value) at every evaluation that logged it.
pub fn over_training(run: &Run, component: &str, layer: usize) -> Vec<(f64, f64)> {
    run.metrics
        .iter()
        .filter_map(|m| {
            let v = m.lambdas.as_ref()?.get(component)?.get(layer)?;
            Some((m.step as f64, *v))
        })
        .collect()
}
