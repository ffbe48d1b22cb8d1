//! The registry of figure names: what each name pattern draws ([`known`]), parsing a file
//! name into a [`FigureSpec`] ([`parse`]), and the names drawable from a set of runs
//! ([`names_for`]). Unknown names get an error listing the known ones.

use crate::runs::RunSet;
use crate::stats::{self, Axis};
use crate::{Error, Result};
use runlog::Variant;

/// What a figure name asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum FigureSpec {
    ValLoss {
        axis: Axis,
        window: Option<(f64, f64)>,
    },
    Heatmap {
        variant: Variant,
        seed: Option<u64>,
        normed: bool,
        /// Each seed's added embeddings' signs aligned before averaging.
        aligned: bool,
    },
    /// Lambdas across layers: one line per component, mean ± std over seeds; `normalized`:
    /// each component's share of the layer's input instead (`stats::shares`).
    LayerLines {
        variant: Variant,
        seed: Option<u64>,
        aligned: bool,
        normalized: bool,
    },
    LambdaLines {
        variant: Variant,
        seed: Option<u64>,
        layers: Vec<usize>,
    },
    /// The logit lens: components by rates, mean over the variant's lenses or one seed's.
    Lens {
        variant: Variant,
        seed: Option<u64>,
    },
    /// Each configuration's final val losses, mean and 95% interval; with a threshold, the
    /// one-sided t-test of each mean below it.
    Finals {
        experiment: String,
        threshold: Option<f64>,
    },
    Table,
}

impl FigureSpec {
    /// The lambda heatmap of `variant`, mean over its seeds (`aligned`: each seed's added
    /// embeddings' signs aligned first).
    pub fn mean_heatmap(variant: Variant, aligned: bool) -> FigureSpec {
        FigureSpec::Heatmap {
            variant,
            seed: None,
            normed: false,
            aligned,
        }
    }

    /// The file name that asks for this figure in `format`: what [`parse`] reads back into the
    /// same spec (the one place names are written, beside the one place they are read).
    pub fn file_name(&self, format: Format) -> String {
        let ext = match format {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Markdown => "md",
        };
        let stem = match self {
            FigureSpec::Table => return "results.md".to_owned(),
            FigureSpec::ValLoss { axis, window } => {
                let axis = match axis {
                    Axis::Step => "step",
                    Axis::Time => "time",
                };
                match window {
                    Some((a, b)) => format!("val_loss-{axis}-{a}-{b}"),
                    None => format!("val_loss-{axis}"),
                }
            }
            FigureSpec::Heatmap {
                variant,
                seed,
                normed,
                aligned,
            } => {
                let norm = if *normed { "norm-" } else { "" };
                format!(
                    "lambdas-{norm}{}",
                    variant_part(*variant, *seed, &[], *aligned)
                )
            }
            FigureSpec::LayerLines {
                variant,
                seed,
                aligned,
                normalized,
            } => {
                let tail = if *normalized { "-normalized" } else { "" };
                let v = variant_part(*variant, *seed, &[], *aligned);
                format!("lambdas-layers-{v}{tail}")
            }
            FigureSpec::LambdaLines {
                variant,
                seed,
                layers,
            } => format!(
                "lambdas-steps-{}",
                variant_part(*variant, *seed, layers, false)
            ),
            FigureSpec::Lens { variant, seed } => {
                format!("lens-{}", variant_part(*variant, *seed, &[], false))
            }
            FigureSpec::Finals {
                experiment,
                threshold,
            } => match threshold {
                Some(t) => format!("finals-{experiment}-below-{t}"),
                None => format!("finals-{experiment}"),
            },
        };
        format!("{stem}.{ext}")
    }
}

/// `VARIANT[-sSEED][-layers-L-L...][-aligned]`, as [`variant_seed`] reads it.
fn variant_part(variant: Variant, seed: Option<u64>, layers: &[usize], aligned: bool) -> String {
    let mut s = variant.to_string();
    if let Some(seed) = seed {
        s.push_str(&format!("-s{seed}"));
    }
    if !layers.is_empty() {
        s.push_str("-layers");
        for l in layers {
            s.push_str(&format!("-{l}"));
        }
    }
    if aligned {
        s.push_str("-aligned");
    }
    s
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Markdown,
}

/// One kind of figure the registry knows: a name pattern and what it draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub pattern: &'static str,
    pub about: &'static str,
}

/// Every kind of figure [`super::draw`] can draw (also with `.svg` instead of `.png`).
pub fn known() -> Vec<Known> {
    vec![
        Known {
            pattern: "val_loss-step.png",
            about: "validation loss by step, whole runs, mean ± std over seeds",
        },
        Known {
            pattern: "val_loss-time.png",
            about: "validation loss by training time (s), whole runs",
        },
        Known {
            pattern: "val_loss-step-FROM-TO.png",
            about: "zoom into steps FROM to TO, e.g. val_loss-step-5500-6000.png",
        },
        Known {
            pattern: "val_loss-time-FROM-TO.png",
            about: "zoom into training seconds FROM to TO, e.g. val_loss-time-1400-1550.png",
        },
        Known {
            pattern: "lambdas-VARIANT[-sSEED].png",
            about: "lambda heatmap at the last evaluation, mean over seeds or one seed, e.g. lambdas-x01.png",
        },
        Known {
            pattern: "lambdas-VARIANT-aligned.png",
            about: "the heatmap's mean after each seed's added embeddings are flipped to a positive layer mean (their sign is the run's choice)",
        },
        Known {
            pattern: "lambdas-layers-VARIANT[-sSEED][-aligned].png",
            about: "lambdas across layers, one line per component, mean ± std over seeds; -aligned as above",
        },
        Known {
            pattern: "lambdas-layers-VARIANT[-sSEED][-aligned]-normalized.png",
            about: "each component's share of the layer's input, λ·RMS / Σ|λ·RMS| (needs logged x_norms, or norms imported for the variant)",
        },
        Known {
            pattern: "lambdas-norm-VARIANT[-sSEED].png",
            about: "the heatmap with each lambda times the RMS of its input (needs logged x_norms)",
        },
        Known {
            pattern: "lambdas-steps-VARIANT[-sSEED][-layers-L-L...].png",
            about: "lambdas over training for chosen layers (default: first, two inner, last)",
        },
        Known {
            pattern: "lens-VARIANT[-sSEED].png",
            about: "logit lens: per component, how often its top-1 is the next token, the input token, the input's most frequent successor (needs lens.json or an imported lens)",
        },
        Known {
            pattern: "finals-EXPERIMENT[-below-T].png",
            about: "each configuration's final val losses as points, mean and 95% interval, n and mean training time, ordered by step count; -below-T adds the threshold T and each mean's one-sided t-test below it (the record rule), e.g. finals-x0-record-below-2.92.png",
        },
        Known {
            pattern: "results.md",
            about: "markdown table of final results, best in bold",
        },
    ]
}

/// The list [`known`] gives, one per line, for `--list` and error messages.
pub fn known_text() -> String {
    known()
        .iter()
        .map(|k| format!("  {:<52} {}", k.pattern, k.about))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Concrete names drawable from `runs`: the draft's three val-loss figures, and per variant
/// with lambdas its heatmap and lambdas over training.
pub fn names_for(runs: &RunSet) -> Vec<String> {
    let finals = |experiment: &str| FigureSpec::Finals {
        experiment: experiment.to_owned(),
        threshold: None,
    };
    if !stats::several_configurations(runs).is_empty() {
        // Figures by variant would pool a variant's configurations: only the finals figure.
        return runs
            .experiments()
            .first()
            .map(|e| vec![finals(e).file_name(Format::Png)])
            .unwrap_or_default();
    }
    let mut specs = vec![
        FigureSpec::ValLoss {
            axis: Axis::Step,
            window: None,
        },
        FigureSpec::ValLoss {
            axis: Axis::Time,
            window: None,
        },
    ];
    let layers = |variant, aligned, normalized| FigureSpec::LayerLines {
        variant,
        seed: None,
        aligned,
        normalized,
    };
    for v in runs.variants() {
        let rs = runs.result_runs(v);
        let added = v.extra_embeddings() > 0;
        if stats::mean_lambdas(&rs).is_ok() {
            specs.push(FigureSpec::mean_heatmap(v, false));
            specs.push(layers(v, false, false));
            specs.push(FigureSpec::LambdaLines {
                variant: v,
                seed: None,
                layers: Vec::new(),
            });
            if added {
                specs.push(FigureSpec::mean_heatmap(v, true));
                specs.push(layers(v, true, false));
            }
        }
        if stats::norm_weighted(&rs).is_ok() {
            specs.push(FigureSpec::Heatmap {
                variant: v,
                seed: None,
                normed: true,
                aligned: false,
            });
        }
        if stats::share_spread(&rs, &stats::norm_source(runs, v), false).is_ok() {
            specs.push(layers(v, false, true));
            if added {
                specs.push(layers(v, true, true));
            }
        }
    }
    for v in runs.lens_variants() {
        specs.push(FigureSpec::Lens {
            variant: v,
            seed: None,
        });
    }
    if let [experiment] = runs.experiments().as_slice() {
        specs.push(finals(experiment));
    }
    specs.push(FigureSpec::Table);
    specs.iter().map(|s| s.file_name(Format::Png)).collect()
}

fn unknown(name: &str) -> Error {
    Error::UnknownFigure {
        name: name.to_owned(),
        known: known_text(),
    }
}

/// Parses a figure file name (a path's folders are ignored).
pub fn parse(name: &str) -> Result<(FigureSpec, Format)> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if file == "results.md" {
        return Ok((FigureSpec::Table, Format::Markdown));
    }
    let (stem, format) = if let Some(s) = file.strip_suffix(".png") {
        (s, Format::Png)
    } else if let Some(s) = file.strip_suffix(".svg") {
        (s, Format::Svg)
    } else {
        return Err(unknown(name));
    };
    if let Some(rest) = stem.strip_prefix("finals-") {
        return Ok((finals(rest, name)?, format));
    }
    let parts: Vec<&str> = stem.split('-').collect();
    let spec = match parts.as_slice() {
        ["val_loss", axis, rest @ ..] => val_loss(axis, rest, name)?,
        ["lambdas", "norm", rest @ ..] => {
            let (variant, seed, layers, aligned) = variant_seed(rest, name)?;
            if !layers.is_empty() || aligned {
                return Err(unknown(name));
            }
            FigureSpec::Heatmap {
                variant,
                seed,
                normed: true,
                aligned,
            }
        }
        ["lambdas", "steps", rest @ ..] => {
            let (variant, seed, layers, aligned) = variant_seed(rest, name)?;
            if aligned {
                return Err(unknown(name));
            }
            FigureSpec::LambdaLines {
                variant,
                seed,
                layers,
            }
        }
        ["lambdas", "layers", rest @ ..] => {
            let (rest, normalized) = match rest {
                [r @ .., "normalized"] => (r, true),
                _ => (rest, false),
            };
            let (variant, seed, layers, aligned) = variant_seed(rest, name)?;
            if !layers.is_empty() {
                return Err(unknown(name));
            }
            FigureSpec::LayerLines {
                variant,
                seed,
                aligned,
                normalized,
            }
        }
        ["lens", rest @ ..] => {
            let (variant, seed, layers, aligned) = variant_seed(rest, name)?;
            if !layers.is_empty() || aligned {
                return Err(unknown(name));
            }
            FigureSpec::Lens { variant, seed }
        }
        ["lambdas", rest @ ..] => {
            let (variant, seed, layers, aligned) = variant_seed(rest, name)?;
            if !layers.is_empty() {
                return Err(unknown(name));
            }
            FigureSpec::Heatmap {
                variant,
                seed,
                normed: false,
                aligned,
            }
        }
        _ => return Err(unknown(name)),
    };
    Ok((spec, format))
}

/// `val_loss-AXIS[-FROM-TO]`: the axis, and the window when given (FROM below TO).
fn val_loss(axis: &str, rest: &[&str], name: &str) -> Result<FigureSpec> {
    let axis = match axis {
        "step" => Axis::Step,
        "time" => Axis::Time,
        _ => return Err(unknown(name)),
    };
    let window = match rest {
        [] => None,
        [a, b] => {
            let (a, b) = (num(a, name)?, num(b, name)?);
            if a >= b {
                return Err(Error::figure(
                    name,
                    format!("the window {a}-{b} is empty: FROM must be below TO"),
                ));
            }
            Some((a, b))
        }
        _ => return Err(unknown(name)),
    };
    Ok(FigureSpec::ValLoss { axis, window })
}

/// `EXPERIMENT[-below-T]` of a finals figure: the experiment must be a valid name.
fn finals(rest: &str, name: &str) -> Result<FigureSpec> {
    let (experiment, threshold) = match rest.rsplit_once("-below-") {
        Some((e, t)) => (e, Some(num(t, name)?)),
        None => (rest, None),
    };
    runlog::check_name("experiment", experiment).map_err(|e| Error::figure(name, e.to_string()))?;
    Ok(FigureSpec::Finals {
        experiment: experiment.to_owned(),
        threshold,
    })
}

fn num(s: &str, name: &str) -> Result<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| unknown(name))
}

/// `VARIANT[-sSEED][-layers-L-L...][-aligned]`.
fn variant_seed(parts: &[&str], name: &str) -> Result<(Variant, Option<u64>, Vec<usize>, bool)> {
    let (parts, aligned) = match parts {
        [rest @ .., "aligned"] => (rest, true),
        _ => (parts, false),
    };
    let [variant, rest @ ..] = parts else {
        return Err(unknown(name));
    };
    let variant = Variant::parse(variant).map_err(|_| unknown(name))?;
    let (seed, rest) = match rest {
        [s, more @ ..] if s.starts_with('s') && s[1..].parse::<u64>().is_ok() => {
            (s[1..].parse().ok(), more)
        }
        _ => (None, rest),
    };
    let layers = match rest {
        [] => Vec::new(),
        ["layers", ls @ ..] if !ls.is_empty() => ls
            .iter()
            .map(|l| l.parse::<usize>().map_err(|_| unknown(name)))
            .collect::<Result<_>>()?,
        _ => return Err(unknown(name)),
    };
    Ok((variant, seed, layers, aligned))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of name the registry writes, read back by the parser into the same spec and
    /// written again as the same name.
    #[test]
    fn each_name_the_registry_writes_parses_back_to_its_spec() {
        for name in [
            "val_loss-step.png",
            "val_loss-time.svg",
            "val_loss-step-5500-6000.png",
            "val_loss-time-1400.5-1550.png",
            "lambdas-x01.png",
            "lambdas-x01-s2.png",
            "lambdas-x03-aligned.png",
            "lambdas-norm-x01-s2.png",
            "lambdas-layers-x01-s1-aligned.png",
            "lambdas-layers-x02-aligned-normalized.png",
            "lambdas-steps-x01.png",
            "lambdas-steps-x01-s2-layers-0-7-15.png",
            "lens-x00.png",
            "lens-x01-s3.png",
            "finals-x0-record.png",
            "finals-x0-record-below-2.92.png",
            "results.md",
        ] {
            let (spec, format) = parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(spec.file_name(format), name);
            assert_eq!(parse(&spec.file_name(format)).unwrap(), (spec, format));
        }
        assert_eq!(
            FigureSpec::mean_heatmap(Variant::parse("x01").unwrap(), true).file_name(Format::Png),
            "lambdas-x01-aligned.png"
        );
    }
}
