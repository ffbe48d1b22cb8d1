//! From a figure's spec and the runs to a plot ready to draw: which runs it averages (finished
//! ones only; an error says how the others stand), the numbers it shows (mean lambdas, their
//! spread, signs aligned on request) and its title, which states how it was made.

use super::names::FigureSpec;
use super::{finals, heatmap, lambda_lines, layer_lines, lens, val_loss};
use crate::runs::{describe, is_finished, replicas_word, standing, RunSet};
use crate::stats;
use crate::{Error, Result};
use runlog::Variant;

/// The runs a lambda figure averages: one seed's run, or the variant's result runs; finished
/// runs only (an error says how the others stand).
fn pick_runs<'a>(
    runs: &'a RunSet,
    name: &str,
    variant: Variant,
    seed: Option<u64>,
) -> Result<Vec<&'a runlog::Run>> {
    let all = runs.runs_of(variant);
    if all.is_empty() {
        let known: Vec<String> = runs.variants().iter().map(Variant::to_string).collect();
        return Err(Error::figure(
            name,
            format!(
                "no run of variant {variant}; variants here: {}",
                known.join(", ")
            ),
        ));
    }
    let picked: Vec<&runlog::Run> = all
        .iter()
        .copied()
        .filter(|r| seed.is_none_or(|s| r.info.seed == Some(s)))
        .collect();
    if picked.is_empty() {
        let seeds: Vec<String> = runs.seeds(variant).iter().map(u64::to_string).collect();
        return Err(Error::figure(
            name,
            format!(
                "no run of {variant} with seed {}; seeds: {}",
                seed.unwrap_or_default(),
                seeds.join(", ")
            ),
        ));
    }
    let done: Vec<&runlog::Run> = picked.iter().copied().filter(|r| is_finished(r)).collect();
    if done.is_empty() {
        let how: Vec<String> = picked
            .iter()
            .map(|r| format!("{}: {}", describe(r), standing(r)))
            .collect();
        return Err(Error::figure(
            name,
            format!(
                "{variant}: 0 of {} finished; only finished runs are drawn ({})",
                picked.len(),
                how.join("; ")
            ),
        ));
    }
    Ok(done)
}

/// Which runs a lambda figure shows, and at which step: `x01, mean of 5 seeds, step 5960`.
fn who(variant: Variant, seed: Option<u64>, grid: &stats::LambdaGrid, over: &str) -> String {
    match seed {
        Some(s) => format!("{variant}, seed {s}, step {}", grid.step),
        None if grid.n == 1 => format!("{variant} (1 run), step {}", grid.step),
        None => format!("{variant}, mean of {} {over}, step {}", grid.n, grid.step),
    }
}

/// How an aligned figure was made, stated on it: `signs aligned (x01..x04 of each seed × the
/// sign of its mean over layers; 7 of 20 flipped)`.
fn alignment(variant: Variant, spread: &stats::LambdaSpread) -> String {
    let n = variant.extra_embeddings();
    let which = match n {
        0 => "no added embedding".to_string(),
        1 => "x01".to_string(),
        _ => format!("x01..{variant}"),
    };
    format!(
        "signs aligned ({which} of each seed × the sign of its mean over layers; {} of {} flipped)",
        spread.flipped,
        spread.mean.n * n as usize
    )
}

/// The drawable figure a spec names (not the table).
pub(super) enum Prepared {
    ValLoss(val_loss::ValLossPlot),
    Heatmap(heatmap::HeatmapPlot),
    Lines(lambda_lines::LambdaLinesPlot),
    Layers(layer_lines::LayerLinesPlot),
    Lens(lens::LensPlot),
    Finals(finals::FinalsPlot),
}

pub(super) fn prepare(name: &str, spec: &FigureSpec, runs: &RunSet) -> Result<Prepared> {
    pooled_configurations(name, spec, runs)?;
    Ok(match spec {
        FigureSpec::ValLoss { axis, window } => Prepared::ValLoss(
            val_loss::ValLossPlot::new(runs, *axis, *window).map_err(|m| Error::figure(name, m))?,
        ),
        FigureSpec::Heatmap {
            variant,
            seed,
            normed,
            aligned,
        } => {
            let rs = pick_runs(runs, name, *variant, *seed)?;
            Prepared::Heatmap(heatmap_plot(
                name,
                &rs,
                (*variant, *seed),
                *normed,
                *aligned,
            )?)
        }
        FigureSpec::LayerLines {
            variant,
            seed,
            aligned,
            normalized,
        } => {
            let rs = pick_runs(runs, name, *variant, *seed)?;
            let plot = layers_plot(name, runs, &rs, (*variant, *seed), *aligned, *normalized)?;
            Prepared::Layers(plot)
        }
        FigureSpec::LambdaLines {
            variant,
            seed,
            layers,
        } => {
            let rs = pick_runs(runs, name, *variant, *seed)?;
            let who = match seed {
                Some(s) => format!("{variant}, seed {s}"),
                None if rs.len() == 1 => format!("{variant} (1 run)"),
                None => format!("{variant}, mean of {} {}", rs.len(), replicas_word(&rs)),
            };
            let title = format!("Lambdas over training: {who}");
            Prepared::Lines(
                lambda_lines::LambdaLinesPlot::new(&rs, layers, title)
                    .map_err(|m| Error::figure(name, m))?,
            )
        }
        FigureSpec::Lens { variant, seed } => {
            Prepared::Lens(lens_plot(runs, name, *variant, *seed)?)
        }
        FigureSpec::Finals {
            experiment,
            threshold,
        } => Prepared::Finals(finals_plot(name, experiment, *threshold, runs)?),
        FigureSpec::Table => return Err(Error::figure(name, "is a table, not a plot")),
    })
}

/// What statistics could not compute, said as the figure's problem.
fn stats_err(name: &str) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::Stats(m) => Error::figure(name, m),
        other => other,
    }
}

/// A lambda heatmap of the runs `rs` of (variant, seed): mean lambdas (`normed`: times the
/// RMS of their input; `aligned`: signs aligned first), titled with how it was made.
fn heatmap_plot(
    name: &str,
    rs: &[&runlog::Run],
    (variant, seed): (Variant, Option<u64>),
    normed: bool,
    aligned: bool,
) -> Result<heatmap::HeatmapPlot> {
    let title = |grid: &stats::LambdaGrid| {
        let what = if normed {
            "Lambdas × RMS of their input"
        } else {
            "Lambdas"
        };
        format!("{what}: {}", who(variant, seed, grid, replicas_word(rs)))
    };
    let (grid, title) = if normed {
        let grid = stats::norm_weighted(rs).map_err(stats_err(name))?;
        let t = title(&grid);
        (grid, t)
    } else {
        let spread = stats::spread(rs, aligned).map_err(stats_err(name))?;
        let mut t = title(&spread.mean);
        if aligned {
            t = format!("{t}, {}", alignment(variant, &spread));
        }
        (spread.mean, t)
    };
    Ok(heatmap::HeatmapPlot::new(grid, title))
}

/// Lambdas across layers of the runs `rs` of (variant, seed), mean ± std (`normalized`: each
/// component's share of the layer's input), titled with how it was made.
fn layers_plot(
    name: &str,
    runs: &RunSet,
    rs: &[&runlog::Run],
    (variant, seed): (Variant, Option<u64>),
    aligned: bool,
    normalized: bool,
) -> Result<layer_lines::LayerLinesPlot> {
    let (spread, what, source) = if normalized {
        let source = stats::norm_source(runs, variant);
        let spread = stats::share_spread(rs, &source, aligned).map_err(stats_err(name))?;
        (
            spread,
            "Share of each layer's input, λ·RMS / Σ|λ·RMS|",
            source.said(),
        )
    } else {
        let spread = stats::spread(rs, aligned).map_err(stats_err(name))?;
        (spread, "Lambdas across layers", String::new())
    };
    let mut title = format!(
        "{what}: {}",
        who(variant, seed, &spread.mean, replicas_word(rs))
    );
    if spread.mean.n > 1 {
        title = title.replacen(", mean of", ", mean ± std of", 1);
    }
    if !source.is_empty() {
        title = format!("{title}, {source}");
    }
    if aligned {
        title = format!("{title}, {}", alignment(variant, &spread));
    }
    let plot = layer_lines::LayerLinesPlot::new(spread, title);
    Ok(if normalized { plot.as_shares() } else { plot })
}

/// The lens figure of a variant: the mean rate of each component over its lenses (or one
/// seed's), titled with whose lenses they are.
fn lens_plot(
    runs: &RunSet,
    name: &str,
    variant: Variant,
    seed: Option<u64>,
) -> Result<lens::LensPlot> {
    let all = runs.lenses_of(variant);
    let picked: Vec<(String, &runlog::Lens)> = all
        .iter()
        .filter(|(who, _)| seed.is_none_or(|s| *who == runlog::run_dir_name(variant, s)))
        .cloned()
        .collect();
    if picked.is_empty() {
        let who: Vec<&str> = all.iter().map(|(w, _)| w.as_str()).collect();
        return Err(Error::figure(
            name,
            format!(
                "no lens of {variant}{}; lenses of it: {} (a finished run writes lens.json, \
                 `report import-lens` an experiment's)",
                seed.map_or(String::new(), |s| format!(" seed {s}")),
                if who.is_empty() {
                    "none".into()
                } else {
                    who.join(", ")
                }
            ),
        ));
    }
    let components = stats::lens::components(&picked);
    let mut values = Vec::new();
    for c in &components {
        let mut row = [None; 3];
        for (j, (rate, _)) in lens::COLUMNS.iter().enumerate() {
            row[j] = match stats::lens::summary(&picked, c, rate) {
                Ok(s) => Some(s.mean),
                // Not measured (an imported lens has no bigram table): n/a in its cell.
                Err(stats::lens::LensError::NotMeasured { .. }) => None,
                Err(m) => return Err(Error::figure(name, m.to_string())),
            };
        }
        values.push(row);
    }
    let first = picked[0].1;
    let who = match (picked.len(), &first.step) {
        (1, _) if first.source.is_some() => {
            format!(
                "{}, one run, {} tokens",
                picked[0].0,
                first.sample.tokens.len()
            )
        }
        (1, Some(step)) => format!("{}, step {step}", picked[0].0),
        (n, Some(step)) => format!("{variant}, mean of {n} runs, step {step}"),
        (n, None) => format!("{variant}, mean of {n} lenses"),
    };
    Ok(lens::LensPlot {
        components,
        values,
        title: format!("Logit lens ({who}): how often each component's top-1 is the next token, the input, its bigram successor"),
    })
}

/// The finals figure of `experiment`: from its runs only, never another's.
fn finals_plot(
    name: &str,
    experiment: &str,
    threshold: Option<f64>,
    runs: &RunSet,
) -> Result<finals::FinalsPlot> {
    let set = runs
        .only_experiment(experiment)
        .map_err(|e| Error::figure(name, e.to_string()))?;
    let configs = stats::configurations(&set);
    let mut title = format!("Final val loss by configuration: {experiment}");
    if let Some(t) = threshold {
        title.push_str(&format!(", tested below {t}"));
    }
    finals::FinalsPlot::new(&configs, threshold, title).map_err(|m| Error::figure(name, m))
}

/// A figure drawn per variant pools the variant's runs: refused where the variant has several
/// configurations (the finals figure draws each configuration on its own row).
fn pooled_configurations(name: &str, spec: &FigureSpec, runs: &RunSet) -> Result<()> {
    let several = stats::several_configurations(runs);
    let why = match spec {
        FigureSpec::Finals { .. } => None,
        FigureSpec::Heatmap { variant, .. }
        | FigureSpec::LayerLines { variant, .. }
        | FigureSpec::LambdaLines { variant, .. }
        | FigureSpec::Lens { variant, .. } => several.get(variant),
        FigureSpec::ValLoss { .. } | FigureSpec::Table => several.values().next(),
    };
    match why {
        Some(why) => Err(Error::figure(
            name,
            format!(
                "{why}; a figure by variant would pool them (finals-EXPERIMENT.png draws each)"
            ),
        )),
        None => Ok(()),
    }
}
