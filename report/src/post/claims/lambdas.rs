//! Claims about the final lambdas of each `component` (or `components=[...]`, `"added"`: x01..
//! of each variant) in every run of each variant named (`variant=`, `variants=[...]` or
//! `"all"`), run by run (a mean over runs would hide a sign that differs between them):
//! - `lambda_positive`, `lambda_negative`: above (below) zero at every layer of every run, or
//!   at the `layers=[...]` given; a failure names each layer where it does not hold, in how
//!   many runs, with the values;
//! - `lambda_sign_varies`: the layer mean is positive in some runs and negative in others (an
//!   added embedding's sign is the run's choice);
//! - `lambda_fades`, `lambda_grows`: in every run, smaller (larger) in magnitude at the last
//!   layer than at the first.
//!
//! With `normalized=true` each kind reads each component's share of the layer's input
//! (`stats::shares`: signed λ·RMS / Σ|λ·RMS|) instead of its lambda; `layers=[7, 8]` with
//! `lambda_grows`/`lambda_fades` compares two layers (the layer after the one without
//! attention, say). Variants whose runs have no norms fail the claim with why.
//!
//! Layer 0 of `x` and `x00` is refused, and left out of "every layer": the residual is x00
//! there, so only their sum is learned (`stats::lambdas`); `component="x+x00"` checks the sum.

use super::{Audit, Claim, Kind};
use crate::post::derived::{identifiable_layers, per_seed_of};
use crate::post::facts::VariantFacts;
use crate::stats::SUM0;
use crate::Result;

pub(super) fn check(c: &Claim, audit: &mut Audit) -> Result<()> {
    let f = c.facts;
    let all = c.args.text("variants") == Some("all");
    let Some(names) = c.variants()? else {
        return c.bad(format!(
            "check(that=\"{}\") needs `variant`, or `variants=[...]` or `variants=\"all\"`",
            c.kind
        ));
    };
    let mut misses = Vec::new();
    let mut layers: Vec<(String, String)> = Vec::new();
    for name in &names {
        let v = f.variant(name)?;
        if all && v.seed_lambdas.iter().all(|g| g.is_empty()) {
            audit
                .left_out
                .push(format!("{name}: its runs log no lambdas"));
            continue;
        }
        for component in components(c, v)? {
            if all && !v.seed_lambdas.iter().any(|g| has(g, &component)) {
                continue;
            }
            if !audit.components.contains(&component) {
                audit.components.push(component.clone());
            }
            if !audit.variants.contains(name) {
                audit.variants.push(name.clone());
            }
            audit.add_runs(v);
            let (miss, said) = one(c, v, &component)?;
            misses.extend(miss);
            if !layers.iter().any(|(k, _)| *k == component) {
                layers.push((component, said));
            }
        }
    }
    if audit.runs.is_empty() {
        return c.bad("no run of the variants named logs these lambdas");
    }
    if c.args.flag("normalized") {
        audit
            .found
            .push("shares of each layer's input, λ·RMS / Σ|λ·RMS|".into());
    }
    // One phrase when every component was checked at the same layers, else one each.
    audit.layers = Some(if layers.iter().all(|(_, s)| *s == layers[0].1) {
        layers[0].1.clone()
    } else {
        layers
            .iter()
            .map(|(k, s)| format!("{k}: {s}"))
            .collect::<Vec<_>>()
            .join("; ")
    });
    if misses.is_empty() {
        Ok(())
    } else {
        c.fail(misses.join("; "))
    }
}

fn has(g: &std::collections::BTreeMap<String, Vec<f64>>, component: &str) -> bool {
    if component == SUM0 {
        g.contains_key("x") && g.contains_key("x00")
    } else {
        g.contains_key(component)
    }
}

/// `component="x01"`, `components=["x01", "x03"]`, or `components="added"` (x01..x0N of `v`).
fn components(c: &Claim, v: &VariantFacts) -> Result<Vec<String>> {
    match (
        c.args.text("component"),
        c.args.names("components"),
        c.args.text("components"),
    ) {
        (Some(one), None, None) => Ok(vec![one.to_string()]),
        (None, Some(list), None) if !list.is_empty() => Ok(list),
        (None, None, Some("added")) => Ok(v
            .variant
            .components()
            .skip(1)
            .map(|x| x.to_string())
            .collect()),
        (None, None, Some(other)) => c.bad(format!(
            "components=\"{other}\": give a list like [\"x01\", \"x03\"], or \"added\""
        )),
        _ => c.bad(format!(
            "check(that=\"{}\") needs one `component`, or `components=[...]` or \
             `components=\"added\"`",
            c.kind
        )),
    }
}

/// One variant and component: what does not hold there (`None` when the claim holds), and the
/// layers checked in words.
fn one(c: &Claim, v: &VariantFacts, component: &str) -> Result<(Option<String>, String)> {
    let normalized = c.args.flag("normalized");
    let runs = per_seed_of(v, component, false, normalized).map_err(|e| c.about(e))?;
    let count = runs[0].len();
    let given: Option<Vec<usize>> = c
        .args
        .wholes("layers")
        .map(|ls| ls.into_iter().map(|l| l as usize).collect());
    let (layers, said) = identifiable_layers(component, count, given.as_deref(), &v.variant)
        .map_err(|e| c.about(e))?;
    let label = if normalized {
        format!(
            "the share of {component} in the layer input of {}",
            v.variant
        )
    } else {
        format!("λ{component} of {}", v.variant)
    };
    let fmt = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let at = |r: &[f64], ls: &[usize]| ls.iter().map(|&l| r[l]).collect::<Vec<f64>>();
    let found = match c.kind {
        Kind::LambdaPositive | Kind::LambdaNegative => {
            match signs(c.kind == Kind::LambdaPositive, v, &runs, &layers) {
                None => return Ok((None, said)),
                Some(misses) => {
                    let side = if c.kind == Kind::LambdaPositive {
                        "above"
                    } else {
                        "below"
                    };
                    format!("{label} is not {side} zero at {misses}")
                }
            }
        }
        Kind::LambdaSignVaries => {
            let means: Vec<f64> = runs
                .iter()
                .map(|r| at(r, &layers).iter().sum::<f64>() / layers.len().max(1) as f64)
                .collect();
            if means.iter().any(|&m| m > 0.0) && means.iter().any(|&m| m < 0.0) {
                return Ok((None, said));
            }
            format!("layer-mean {label} per run: {}", fmt(&means))
        }
        _ => {
            let grows = c.kind == Kind::LambdaGrows;
            let (first, last) = match (layers.first(), layers.last()) {
                (Some(&a), Some(&b)) if a < b => (a, b),
                _ => return c.bad(format!("{label}: fades or grows needs two layers or more")),
            };
            let holds = runs.iter().all(|r| {
                let (a, b) = (r[first].abs(), r[last].abs());
                if grows {
                    b > a
                } else {
                    b < a
                }
            });
            if holds {
                return Ok((None, said));
            }
            let ends: Vec<String> = runs
                .iter()
                .map(|r| format!("{:.3} -> {:.3}", r[first], r[last]))
                .collect();
            format!(
                "{label}, layer {first} -> layer {last} per run: {}",
                ends.join(", ")
            )
        }
    };
    Ok((Some(found), said))
}

/// Each layer where a run's lambda is not on the claimed side of zero, with the runs and values;
/// `None` when every run is.
fn signs(positive: bool, v: &VariantFacts, runs: &[Vec<f64>], layers: &[usize]) -> Option<String> {
    let wrong = |x: f64| if positive { x <= 0.0 } else { x >= 0.0 };
    let mut misses = Vec::new();
    for &l in layers {
        let off: Vec<String> = v
            .runs
            .iter()
            .zip(runs)
            .filter(|(_, r)| wrong(r[l]))
            .map(|(name, r)| format!("{name} {}", value(r[l])))
            .collect();
        if !off.is_empty() {
            misses.push(format!(
                "layer {l} in {} of {} runs ({})",
                off.len(),
                runs.len(),
                off.join(", ")
            ));
        }
    }
    (!misses.is_empty()).then(|| misses.join("; "))
}

/// A lambda in a message: two decimals, or enough to show the sign of one that rounds to zero.
fn value(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.005 {
        format!("{x:.1e}")
    } else {
        format!("{x:.2}")
    }
}
