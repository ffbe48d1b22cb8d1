//! Numbers derived from one experiment's facts, for directives and claims: a final lambda (or
//! its share of the layer's input) per seed (an added embedding's sign aligned on request, as
//! the figures do), its mean at one
//! layer, the layers at which a lambda means something on its own, and how the variants' mean
//! loss curves compare along an axis.

use super::args::{missing, Args, Markdown};
use super::facts::{Facts, VariantFacts};
use crate::stats::{align_sign, coincide_at_0, interp, mean_std, Axis, MeanCurve, SUM0};
use crate::{Error, Result};
use runlog::Variant;
use std::collections::BTreeMap;

/// One run's lambdas of `component`; [`SUM0`] is `λx + λ00`, layer by layer.
fn lambdas_of(g: &BTreeMap<String, Vec<f64>>, component: &str) -> Option<Vec<f64>> {
    if component == SUM0 {
        let (x, x00) = (g.get("x")?, g.get("x00")?);
        return Some(x.iter().zip(x00).map(|(a, b)| a + b).collect());
    }
    g.get(component).cloned()
}

/// The final lambdas of `component` in each counted run of `v`, in seed order; `aligned`:
/// an added embedding's flipped where their layer mean is negative (see `stats::align_sign`).
pub fn per_seed(v: &VariantFacts, component: &str, aligned: bool) -> Result<Vec<Vec<f64>>> {
    per_seed_in(v, &v.seed_lambdas, component, aligned, "lambdas")
}

/// Like [`per_seed`], each component's share of the layer's input (`stats::shares`) when
/// `normalized`; an error naming the experiment when the runs have no norms.
pub fn per_seed_of(
    v: &VariantFacts,
    component: &str,
    aligned: bool,
    normalized: bool,
) -> Result<Vec<Vec<f64>>> {
    if !normalized {
        return per_seed(v, component, aligned);
    }
    let shares = v
        .seed_shares
        .as_ref()
        .map_err(|e| Error::NotInRuns(e.0.clone()))?;
    per_seed_in(v, shares, component, aligned, "shares")
}

fn per_seed_in(
    v: &VariantFacts,
    grids: &[BTreeMap<String, Vec<f64>>],
    component: &str,
    aligned: bool,
    what: &str,
) -> Result<Vec<Vec<f64>>> {
    let runs: Vec<Vec<f64>> = grids
        .iter()
        .filter_map(|g| lambdas_of(g, component))
        .collect();
    if runs.is_empty() || runs.len() != v.seeds.len() {
        let known: Vec<&str> = grids
            .first()
            .map(|g| g.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(Error::NotInRuns(format!(
            "not every run of {} logs {what} of `{component}` (components logged: {})",
            v.variant,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(runs
        .into_iter()
        .map(|mut l| {
            if aligned {
                align_sign(component, &mut l);
            }
            l
        })
        .collect())
}

/// Why `x` or `x00` alone at layer 0 means nothing, and what to ask for instead.
pub fn layer0_reason(component: &str) -> String {
    format!(
        "λ{component} at layer 0 alone is not identifiable: the residual enters layer 0 as x00 \
         itself, so x and x00 are the same vector there and only λx + λ00 is learned; ask for \
         component=\"{SUM0}\" at layer 0"
    )
}

/// The layers of a `count`-layer run at which `component` can be checked on its own: `given`
/// when it names no layer 0 of `x`/`x00` (refused, with the reason), else every layer but
/// that one; [`SUM0`] only at layer 0. Also the layers in words, for the claim's audit.
pub fn identifiable_layers(
    component: &str,
    count: usize,
    given: Option<&[usize]>,
    variant: &Variant,
) -> Result<(Vec<usize>, String)> {
    if let Some(bad) = given.and_then(|ls| ls.iter().find(|&&l| l >= count)) {
        return Err(Error::Call(format!(
            "layer {bad} does not exist: the runs of {variant} have layers 0-{}",
            count.saturating_sub(1)
        )));
    }
    if component == SUM0 {
        return match given {
            None | Some([0]) => Ok((vec![0], "0 (λx + λ00, the one number learned there)".into())),
            Some(_) => Err(Error::Call(format!(
                "component \"{SUM0}\" is layer 0's: x and x00 coincide only there (give \
                 layers=[0] or none)"
            ))),
        };
    }
    if let Some(ls) = given {
        if ls.iter().any(|&l| coincide_at_0(component, l)) {
            return Err(Error::Call(layer0_reason(component)));
        }
        return Ok((ls.to_vec(), spans(ls)));
    }
    let last = count.saturating_sub(1);
    if coincide_at_0(component, 0) && count > 1 {
        let words = format!(
            "1-{last} (layer 0 left out: x and x00 are the same vector there; \
             component=\"{SUM0}\" checks their sum)"
        );
        return Ok(((1..count).collect(), words));
    }
    Ok(((0..count).collect(), format!("0-{last}")))
}

/// Layers as runs of consecutive numbers: `1-14`, `0, 2, 14-15`.
pub fn spans(layers: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < layers.len() {
        let mut j = i;
        while j + 1 < layers.len() && layers[j + 1] == layers[j] + 1 {
            j += 1;
        }
        out.push(if j > i + 1 {
            format!("{}-{}", layers[i], layers[j])
        } else if j == i + 1 {
            format!("{}, {}", layers[i], layers[j])
        } else {
            layers[i].to_string()
        });
        i = j + 1;
    }
    out.join(", ")
}

/// The baseline's and `variant`'s stat of the metric a directive names, for a comparison.
fn pair<'a>(
    f: &'a Facts,
    a: &Args,
) -> Result<(&'a crate::stats::Summary, &'a crate::stats::Summary, String)> {
    let metric = a.text("metric").unwrap_or("final_loss");
    let v = f.variant(a.variant()?)?;
    let base = f.variant(&f.baseline.to_string())?;
    if v.variant == base.variant {
        return Err(Error::Call(format!(
            "{} is the baseline: it is not compared with itself",
            v.variant
        )));
    }
    Ok((
        v.metric(metric)?,
        base.metric(metric)?,
        v.variant.to_string(),
    ))
}

/// `mde(...)`: the minimum detectable difference of the variant against the baseline
/// (two-sided Welch, alpha 0.05, power 0.8; `stats::power`).
pub fn mde(f: &Facts, a: &Args) -> Result<Markdown> {
    let (v, b, name) = pair(f, a)?;
    let d = crate::stats::difference(v, b)
        .and_then(|d| d.mde)
        .ok_or_else(|| {
            Error::NotInRuns(format!(
                "no minimum detectable difference of {name}: n = {} and {}, each side needs n≥2 \
                 and some spread",
                v.n, b.n
            ))
        })?;
    Ok(format!("{d:.*}", a.digits(4)))
}

/// `difference(...)`: the variant's mean minus the baseline's, with its 95% Welch interval.
pub fn difference(f: &Facts, a: &Args) -> Result<Markdown> {
    let (v, b, name) = pair(f, a)?;
    let dg = a.digits(4);
    let d = crate::stats::difference(v, b).ok_or_else(|| {
        Error::NotInRuns(format!(
            "no interval for {name}: n = {} and {}, each side needs n≥2 and some spread",
            v.n, b.n
        ))
    })?;
    Ok(format!(
        "{:+.dg$} (95% interval {:+.dg$} to {:+.dg$})",
        d.diff, d.ci95.0, d.ci95.1
    ))
}

/// `lambda_mean(...)`: the final lambda of one component at one layer, mean ± std over seeds.
pub fn mean_at(f: &Facts, a: &Args) -> Result<Markdown> {
    mean_of(f, a, false)
}

/// `lambda_share(...)`: one component's share of a layer's input, mean ± std over seeds.
pub fn share_at(f: &Facts, a: &Args) -> Result<Markdown> {
    mean_of(f, a, true)
}

fn mean_of(f: &Facts, a: &Args, normalized: bool) -> Result<Markdown> {
    let v = f.variant(a.variant()?)?;
    let component = a
        .text("component")
        .ok_or_else(|| missing("component", "component=\"x00\""))?;
    let layer = a
        .whole("layer")
        .ok_or_else(|| missing("layer", "layer=15"))? as usize;
    let runs = per_seed_of(v, component, a.flag("aligned"), normalized)?;
    identifiable_layers(component, runs[0].len(), Some(&[layer]), &v.variant)?;
    let xs: Vec<f64> = runs.iter().map(|l| l[layer]).collect();
    let d = a.digits(2);
    Ok(match mean_std(&xs) {
        (m, Some(s)) => format!("{m:.d$} ± {s:.d$} (n={})", xs.len()),
        (m, None) => format!("{m:.d$} (n=1)"),
    })
}

/// How one curve fares against others: at `wins` of `points` evaluations in `range`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub wins: usize,
    pub points: usize,
    pub range: (f64, f64),
}

/// Every x at which any of the curves was evaluated, inside the range all of them cover.
fn common_grid(curves: &[&MeanCurve]) -> Option<(Vec<f64>, (f64, f64))> {
    let lo = curves
        .iter()
        .map(|c| c.x[0])
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = curves
        .iter()
        .map(|c| c.x[c.x.len() - 1])
        .fold(f64::INFINITY, f64::min);
    if curves.is_empty() || lo > hi {
        return None;
    }
    let mut grid: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.x.iter().copied())
        .filter(|x| (lo..=hi).contains(x))
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    Some((grid, (lo, hi)))
}

fn axis(a: &Args) -> Result<Axis> {
    Axis::parse(a.text("axis").unwrap_or("step"))
}

/// At how many evaluations (of all variants, in the range all cover) `variant`'s mean loss is
/// below every other variant's; with each other variant's count of its own.
pub fn lowest(f: &Facts, variant: &str, axis: Axis) -> Result<(Tally, Vec<(String, usize)>)> {
    let me = f.variant(variant)?;
    let curves: Vec<(&VariantFacts, &MeanCurve)> = f
        .variants
        .iter()
        .filter(|v| !v.seeds.is_empty())
        .map(|v| v.curve(axis).map(|c| (v, c)))
        .collect::<Result<_, _>>()?;
    me.curve(axis)?;
    let only: Vec<&MeanCurve> = curves.iter().map(|(_, c)| *c).collect();
    let (grid, range) = common_grid(&only)
        .ok_or_else(|| Error::NotInRuns("the variants' curves share no range".into()))?;
    let mut counts = vec![0usize; curves.len()];
    for &x in &grid {
        let ys: Vec<f64> = curves
            .iter()
            .map(|(_, c)| interp(&c.x, &c.mean, x).unwrap_or(f64::INFINITY))
            .collect();
        if let Some(best) = (0..ys.len()).min_by(|&a, &b| ys[a].total_cmp(&ys[b])) {
            counts[best] += 1;
        }
    }
    let mine = curves
        .iter()
        .position(|(v, _)| v.variant == me.variant)
        .map_or(0, |i| counts[i]);
    let others = curves
        .iter()
        .zip(&counts)
        .map(|((v, _), n)| (v.variant.to_string(), *n))
        .collect();
    let tally = Tally {
        wins: mine,
        points: grid.len(),
        range,
    };
    Ok((tally, others))
}

/// At how many evaluations (of either, in the range both cover) `variant`'s mean loss is below
/// `than`'s.
pub fn below(f: &Facts, variant: &str, than: &str, axis: Axis) -> Result<Tally> {
    let (a, b) = (
        f.variant(variant)?.curve(axis)?,
        f.variant(than)?.curve(axis)?,
    );
    let (grid, range) = common_grid(&[a, b])
        .ok_or_else(|| Error::NotInRuns("the two curves share no range".into()))?;
    let wins = grid
        .iter()
        .filter(
            |&&x| match (interp(&a.x, &a.mean, x), interp(&b.x, &b.mean, x)) {
                (Some(ya), Some(yb)) => ya < yb,
                _ => false,
            },
        )
        .count();
    Ok(Tally {
        wins,
        points: grid.len(),
        range,
    })
}

/// `lowest_count(...)`: `730 of 738`.
pub fn lowest_count(f: &Facts, a: &Args) -> Result<Markdown> {
    let (t, _) = lowest(f, a.variant()?, axis(a)?)?;
    Ok(format!("{} of {}", t.wins, t.points))
}

/// `below_count(...)`: `45 of 49`.
pub fn below_count(f: &Facts, a: &Args) -> Result<Markdown> {
    let than = a
        .text("than")
        .ok_or_else(|| missing("than", "than=\"x00\""))?;
    let t = below(f, a.variant()?, than, axis(a)?)?;
    Ok(format!("{} of {}", t.wins, t.points))
}

/// The axis a claim or count is about (`axis=`, default `step`).
pub fn axis_of(a: &Args) -> Result<Axis> {
    axis(a)
}

/// `record_p(variant=, threshold=2.92)`: the one-sided one-sample t-test of modded-nanogpt's
/// record rule for the one configuration the call picks (`show="upper"`: the mean's upper 95%
/// bound instead of p). p keeps two significant digits, so 0.00036 does not print as 0.000.
pub fn record_p(f: &Facts, a: &Args) -> Result<Markdown> {
    let threshold = a
        .number("threshold")
        .ok_or_else(|| missing("threshold", "threshold=2.92 (the medium track's target)"))?;
    let name = a.variant()?;
    let chosen: Vec<_> = f
        .configs
        .iter()
        .filter(|c| c.variant.to_string() == name)
        .collect();
    let [cfg] = chosen.as_slice() else {
        let labels: Vec<&str> = chosen.iter().map(|c| c.label.as_str()).collect();
        return Err(Error::Call(format!(
            "{name} has {} configurations here ({}): pick one with steps= and/or config=",
            chosen.len(),
            labels.join("; ")
        )));
    };
    let s = cfg
        .final_loss
        .as_ref()
        .ok_or_else(|| Error::NotInRuns(format!("{} has no finished run", cfg.label)))?;
    let t = crate::stats::compare::below_threshold(s, threshold).ok_or_else(|| {
        Error::NotInRuns(format!(
            "no t-test of {} is possible (n = {}; it needs n≥2 and some spread)",
            cfg.label, s.n
        ))
    })?;
    match a.text("show").unwrap_or("p") {
        "p" => {
            let digits = if t.p > 0.0 {
                (1 - t.p.log10().floor() as i64).clamp(3, 12) as usize
            } else {
                3
            };
            Ok(format!("{:.digits$}", t.p))
        }
        "upper" => Ok(format!("{:.*}", a.digits(5), t.upper95)),
        other => Err(Error::Call(format!(
            "show=\"{other}\": it is \"p\" or \"upper\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::spans;

    #[test]
    fn layers_read_as_runs_of_consecutive_numbers() {
        assert_eq!(spans(&[1, 2, 3, 4, 14]), "1-4, 14");
        assert_eq!(spans(&[0, 2, 14, 15]), "0, 2, 14, 15");
        assert_eq!(spans(&[7]), "7");
        assert_eq!(spans(&[]), "");
    }
}
