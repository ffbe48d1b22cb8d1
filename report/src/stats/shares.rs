//! Norm-corrected lambdas: each component's share of a layer's input.
//!
//! Before each layer the model mixes `λx·x + λ00·x00 + λ01·x01 + ...`. The residual `x` grows
//! over the layers (about 100x in the medium track) while every embedding enters RMS-normed
//! (per-element RMS 1), so a lambda alone misstates how much of the mix a component makes up.
//! The norm of the mix itself is not logged, so the share is taken of the summed magnitudes:
//!
//! ```text
//! share_c(l) = λ_c(l)·‖c‖(l) / Σ_k |λ_k(l)|·‖k‖(l)
//! ```
//!
//! with ‖·‖ the per-element RMS over the evaluation batch: the logged `x_norms[l]` for the
//! residual entering layer l's weighted sum (after the U-net skips), 1 for an RMS-normed
//! embedding. The sign is the lambda's; the magnitudes of a layer's shares add up to 1. By the
//! triangle inequality the denominator is at least the mix's own RMS, so |share| is a lower bound
//! of `|λ_c|·‖c‖ / ‖mix‖`; the two agree when the terms point the same way.
//!
//! Layer 0: x is x00 there ([`super::coincide_at_0`]), so the terms are `(λx + λ00)·x00` and
//! the added embeddings. In a share grid, layer 0's `x` cell holds the share of that sum and
//! `x00`'s holds 0, so [`LambdaGrid::sum0`] reads the sum's share as it reads the sum's lambda.
//!
//! Norms come from a [`NormSource`]: each run's own logged `x_norms`, at the evaluation its
//! lambdas are taken from, or one set imported for a variant (the original study printed one
//! x01 run's norms, beside its logit lens) and applied to every run of that variant.

use super::lambdas::{lambdas_at_last, spread_with};
use super::{LambdaGrid, LambdaSpread};
use crate::runs::{describe, RunSet};
use crate::{Error, Result};
use runlog::{Run, Variant};
use std::collections::BTreeMap;

/// Per-element RMS of what each lambda multiplies at each layer.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentNorms {
    /// Per layer: the residual entering the layer's weighted sum.
    pub x: Vec<f64>,
    /// Each embedding's (`x00`, `x01`, ...); one not listed counts 1, an RMS-normed vector's.
    pub inputs: BTreeMap<String, f64>,
}

impl ComponentNorms {
    /// From norms as a publication printed them, over the whole batch: each divided by
    /// `per_element`, the printed norm of one RMS-normed vector (x00's), to give an RMS.
    pub fn from_printed(x: &[f64], inputs: &BTreeMap<String, f64>, per_element: f64) -> Self {
        ComponentNorms {
            x: x.iter().map(|n| n / per_element).collect(),
            inputs: inputs
                .iter()
                .map(|(k, n)| (k.clone(), n / per_element))
                .collect(),
        }
    }

    fn of(&self, component: &str, layer: usize) -> f64 {
        if component == "x" {
            self.x[layer]
        } else {
            self.inputs.get(component).copied().unwrap_or(1.0)
        }
    }
}

/// Where the norms of a variant's shares come from.
#[derive(Debug, Clone, PartialEq)]
pub enum NormSource {
    /// Each run's own `x_norms`, logged at every evaluation by runs trained here.
    Logged,
    /// One set for every run of the variant; `from` says whose norms they are, for captions.
    Imported { norms: ComponentNorms, from: String },
}

impl NormSource {
    /// Whose norms, for a figure's title: empty for logged ones.
    pub fn said(&self) -> String {
        match self {
            NormSource::Logged => String::new(),
            NormSource::Imported { from, .. } => format!("norms of {from}"),
        }
    }
}

/// The norms `variant`'s shares use: the runs' own when every finished run logs them, else
/// norms imported for the variant, else the runs' own (whose absence [`run_shares`] names).
pub fn norm_source(runs: &RunSet, variant: Variant) -> NormSource {
    let rs = runs.result_runs(variant);
    let logged = !rs.is_empty()
        && rs
            .iter()
            .all(|r| r.metrics.iter().any(|m| m.x_norms.is_some()));
    if logged {
        return NormSource::Logged;
    }
    imported(runs, variant).unwrap_or(NormSource::Logged)
}

/// Norms an experiment imports for `variant` beside its runs: the study's printed norms of one
/// x01 run, which arrive with its imported lens (`lens-x01.json`, `runlog::LensNorms`).
fn imported(runs: &RunSet, variant: Variant) -> Option<NormSource> {
    let l = runs.lenses().iter().find(|l| l.lens.variant == variant)?;
    let n = l.lens.norms.as_ref()?;
    Some(NormSource::Imported {
        norms: ComponentNorms::from_printed(&n.x, &n.inputs, n.per_element),
        from: format!("one {variant} run ({})", l.lens.measured_on),
    })
}

/// One run's shares at its last evaluation with lambdas (and, for logged norms, `x_norms`).
pub fn run_shares(run: &Run, source: &NormSource) -> Result<LambdaGrid> {
    match source {
        NormSource::Logged => {
            let (grid, norms) = lambdas_at_last(run, true).map_err(|e| missing(run, e))?;
            let norms = ComponentNorms {
                x: norms.expect("asked for norms"),
                inputs: BTreeMap::new(),
            };
            shares_of(&grid, &norms, run)
        }
        NormSource::Imported { norms, .. } => {
            let (grid, _) = lambdas_at_last(run, false)?;
            shares_of(&grid, norms, run)
        }
    }
}

/// The error of a run without norms, naming its experiment and what a share needs.
fn missing(run: &Run, e: Error) -> Error {
    let logs_lambdas = run
        .metrics
        .iter()
        .any(|m| m.lambdas.as_ref().is_some_and(|l| !l.is_empty()));
    if !logs_lambdas {
        return e;
    }
    Error::Stats(format!(
        "experiment {}: {} logs lambdas but no residual norms (x_norms; imported logs carry \
         none), and no norms are imported for {}: a share of a layer's input, λ·RMS / Σ|λ·RMS|, \
         needs the RMS of the residual entering each layer",
        run.info.experiment,
        describe(run),
        run.info.variant
    ))
}

/// Shares of one grid of lambdas under `norms` (see the module's formula and layer-0 rule).
pub fn shares_of(grid: &LambdaGrid, norms: &ComponentNorms, run: &Run) -> Result<LambdaGrid> {
    if norms.x.len() != grid.layers {
        return Err(Error::Stats(format!(
            "{}: the norms cover {} layers, the lambdas {}",
            describe(run),
            norms.x.len(),
            grid.layers
        )));
    }
    let pos = |name: &str| grid.components.iter().position(|c| c == name);
    let merged = pos("x").zip(pos("x00"));
    let mut values = vec![vec![0.0; grid.layers]; grid.components.len()];
    for l in 0..grid.layers {
        let mut terms: Vec<f64> = grid
            .components
            .iter()
            .zip(&grid.values)
            .map(|(c, v)| v[l] * norms.of(c, l))
            .collect();
        if let (0, Some((x, x00))) = (l, merged) {
            // The residual is x00 here: one term, (λx + λ00)·x00, in x's cell.
            terms[x] = (grid.values[x][0] + grid.values[x00][0]) * norms.of("x", 0);
            terms[x00] = 0.0;
        }
        let total: f64 = terms.iter().map(|t| t.abs()).sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(Error::Stats(format!(
                "{} at step {}: layer {l}'s weighted terms add up to {total}: no share can be \
                 taken of them",
                describe(run),
                grid.step
            )));
        }
        for (c, t) in terms.iter().enumerate() {
            values[c][l] = t / total;
        }
    }
    Ok(LambdaGrid {
        values,
        ..grid.clone()
    })
}

/// Mean ± std over runs of each run's shares; `aligned` as [`super::spread`] does for lambdas
/// (an added embedding's sign is the run's choice).
pub fn share_spread(runs: &[&Run], source: &NormSource, aligned: bool) -> Result<LambdaSpread> {
    spread_with(runs, aligned, |r| run_shares(r, source))
}
