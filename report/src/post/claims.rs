//! Claim checks: `{{ check(claim="...", that="falls", metric="final_loss") }}` renders to nothing
//! when the runs agree with the claim, and fails the build, naming the claim and the numbers,
//! when they do not (a rerun can make prose false).

use super::directives::functions::Args;
use super::facts::{Facts, Stat};

pub const KINDS: &[&str] = &[
    "falls",
    "rises",
    "below",
    "above",
    "lowest",
    "highest",
    "significant",
    "not_significant",
    "lambda_positive",
    "lambda_sign_varies",
    "lambda_fades",
];

/// `Ok(())` when the claim holds; `Err` says why not, or what is wrong with the check itself.
pub fn check(f: &Facts, args: &Args) -> Result<(), String> {
    let s = |k: &str| args.text(k);
    let claim = s("claim").unwrap_or("(unnamed claim)");
    let that = s("that")
        .ok_or_else(|| format!("check(...) needs `that`, one of: {}", KINDS.join(", ")))?;
    let metric = s("metric").unwrap_or("final_loss");
    let variants: Vec<String> = match args.names("variants") {
        Some(names) => names,
        None => f.variants.iter().map(|v| v.variant.to_string()).collect(),
    };
    let stat = |name: &str| -> Result<&Stat, String> { f.variant(name)?.metric(metric) };
    let need = |k: &str| s(k).ok_or_else(|| format!("check(that=\"{that}\") needs `{k}`"));
    let fail = |numbers: String| Err(format!("claim \"{claim}\" is false: {numbers}"));
    let listing = |names: &[String]| -> Result<String, String> {
        let parts: Result<Vec<String>, String> = names
            .iter()
            .map(|n| Ok(format!("{n} {}", num(stat(n)?))))
            .collect();
        Ok(format!("{metric}: {}", parts?.join(", ")))
    };
    match that {
        "falls" | "rises" => {
            let falls = that == "falls";
            for w in variants.windows(2) {
                let (a, b) = (stat(&w[0])?.mean, stat(&w[1])?.mean);
                if (falls && b >= a) || (!falls && b <= a) {
                    return fail(format!(
                        "{} ({} {} {})",
                        listing(&variants)?,
                        w[1],
                        if falls {
                            "is not below"
                        } else {
                            "is not above"
                        },
                        w[0]
                    ));
                }
            }
            Ok(())
        }
        "below" | "above" => {
            let (v, than) = (need("variant")?, need("than")?);
            let (a, b) = (stat(v)?.mean, stat(than)?.mean);
            let holds = if that == "below" { a < b } else { a > b };
            if holds {
                Ok(())
            } else {
                fail(listing(&[v.to_string(), than.to_string()])?)
            }
        }
        "lowest" | "highest" => {
            let v = need("variant")?;
            let me = stat(v)?.mean;
            for o in variants.iter().filter(|o| o.as_str() != v) {
                let other = stat(o)?.mean;
                let beaten = if that == "lowest" {
                    other <= me
                } else {
                    other >= me
                };
                if beaten {
                    return fail(format!(
                        "{} ({o} is not {} {v})",
                        listing(&variants)?,
                        if that == "lowest" { "above" } else { "below" }
                    ));
                }
            }
            Ok(())
        }
        "significant" | "not_significant" => {
            let v = need("variant")?;
            let alpha = args.number("alpha").unwrap_or(0.05);
            let vf = f.variant(v)?;
            let Some(p) = vf.p_value(metric)? else {
                let base_n = f
                    .variant(&f.baseline.to_string())
                    .map(|b| b.seeds.len())
                    .unwrap_or(0);
                return fail(format!(
                    "no t-test of {v} against {} is possible (n={} and n={base_n}; each needs n≥2)",
                    f.baseline,
                    vf.seeds.len()
                ));
            };
            let sig = p < alpha;
            if sig == (that == "significant") {
                Ok(())
            } else {
                fail(format!(
                    "Welch t-test of {v} against {} on {metric}: p = {p:.4} (alpha {alpha}); {}",
                    f.baseline,
                    listing(&[f.baseline.to_string(), v.to_string()])?
                ))
            }
        }
        "lambda_positive" | "lambda_sign_varies" | "lambda_fades" => {
            lambda_claim(f, that, claim, need("variant")?, need("component")?)
        }
        other => Err(format!(
            "unknown claim kind that=\"{other}\"; known kinds: {}",
            KINDS.join(", ")
        )),
    }
}

fn num(s: &Stat) -> String {
    s.display(5)
}

/// Claims about the final lambdas of `component` in every run of `variant`, seed by seed (a mean
/// over seeds would hide a sign that differs between them):
/// - `lambda_positive`: above zero in every layer of every run;
/// - `lambda_sign_varies`: the layer-mean is positive in some runs and negative in others;
/// - `lambda_fades`: in every run, smaller in magnitude at the last layer than at the first.
fn lambda_claim(
    f: &Facts,
    that: &str,
    claim: &str,
    variant: &str,
    component: &str,
) -> Result<(), String> {
    let v = f.variant(variant)?;
    let per_seed: Vec<&Vec<f64>> = v
        .seed_lambdas
        .iter()
        .filter_map(|g| g.get(component))
        .collect();
    if per_seed.is_empty() || per_seed.len() != v.seed_lambdas.len() {
        let known: Vec<&String> = v
            .seed_lambdas
            .first()
            .map(|g| g.keys().collect())
            .unwrap_or_default();
        return Err(format!(
            "claim \"{claim}\": not every run of {variant} logs lambdas of `{component}` (components logged: {})",
            if known.is_empty() { "none".to_string() } else { known.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ") }
        ));
    }
    let fmt = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let means: Vec<f64> = per_seed
        .iter()
        .map(|l| l.iter().sum::<f64>() / l.len().max(1) as f64)
        .collect();
    let holds = match that {
        "lambda_positive" => per_seed.iter().all(|l| l.iter().all(|&x| x > 0.0)),
        "lambda_sign_varies" => means.iter().any(|&m| m > 0.0) && means.iter().any(|&m| m < 0.0),
        _ => per_seed.iter().all(|l| match (l.first(), l.last()) {
            (Some(a), Some(b)) => b.abs() < a.abs(),
            _ => false,
        }),
    };
    if holds {
        return Ok(());
    }
    let numbers = match that {
        "lambda_positive" => {
            let mins: Vec<f64> = per_seed
                .iter()
                .map(|l| l.iter().cloned().fold(f64::INFINITY, f64::min))
                .collect();
            format!("smallest λ{component} per run of {variant}: {}", fmt(&mins))
        }
        "lambda_sign_varies" => format!(
            "layer-mean λ{component} per run of {variant}: {}",
            fmt(&means)
        ),
        _ => {
            let ends: Vec<String> = per_seed
                .iter()
                .map(|l| {
                    format!(
                        "{:.3} -> {:.3}",
                        l.first().copied().unwrap_or(f64::NAN),
                        l.last().copied().unwrap_or(f64::NAN)
                    )
                })
                .collect();
            format!(
                "λ{component} first -> last layer per run of {variant}: {}",
                ends.join(", ")
            )
        }
    };
    Err(format!("claim \"{claim}\" is false: {numbers}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::post::facts::VariantFacts;
    use runlog::Variant;
    use serde_json::Value;
    use std::collections::BTreeMap;

    fn facts(seeds: &[Vec<f64>]) -> Facts {
        Facts {
            baseline: Variant::BASELINE,
            variants: vec![VariantFacts {
                variant: Variant::parse("x01").unwrap(),
                seeds: (0..seeds.len() as u64).collect(),
                unfinished: Vec::new(),
                final_loss: None,
                train_time: None,
                loss_at_time: None,
                p_final: None,
                p_at_time: None,
                lambdas: None,
                seed_lambdas: seeds
                    .iter()
                    .map(|l| BTreeMap::from([("x01".to_string(), l.clone())]))
                    .collect(),
            }],
            ..Facts::default()
        }
    }

    fn args(that: &str, component: &str) -> Args {
        Args::new(
            [
                ("claim", "c"),
                ("that", that),
                ("variant", "x01"),
                ("component", component),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .collect(),
        )
    }

    #[test]
    fn lambda_claims_look_at_every_seed() {
        let f = facts(&[vec![0.5, 0.2], vec![-0.4, -0.1]]);
        assert!(check(&f, &args("lambda_sign_varies", "x01")).is_ok());
        assert!(check(&f, &args("lambda_fades", "x01")).is_ok());
        let err = check(&f, &args("lambda_positive", "x01")).unwrap_err();
        assert!(err.contains("is false") && err.contains("-0.400"), "{err}");

        let same_sign = facts(&[vec![0.5, 0.6], vec![0.4, 0.1]]);
        assert!(check(&same_sign, &args("lambda_positive", "x01")).is_ok());
        let err = check(&same_sign, &args("lambda_sign_varies", "x01")).unwrap_err();
        assert!(err.contains("0.550, 0.250"), "{err}");
        let err = check(&same_sign, &args("lambda_fades", "x01")).unwrap_err();
        assert!(err.contains("0.500 -> 0.600"), "{err}");

        let err = check(&f, &args("lambda_positive", "x07")).unwrap_err();
        assert!(err.contains("components logged: x01"), "{err}");
    }
}
