//! Claim checks: `{{ check(claim="...", that="falls", metric="final_loss") }}` renders to nothing
//! when the runs agree with the claim, and fails the build, naming the claim and the numbers,
//! when they do not (a rerun can make prose false). A claim is checked within one experiment
//! (`experiment=`, picked by the directive); a statement about two scales is two claims.
//!
//! Kinds about final numbers are here; about lambdas in [`lambdas`]; about how the loss curves
//! compare along the whole run in [`curves`]; about the logit lens in [`lens`].

mod curves;
mod lambdas;
mod lens;

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
    "lambda_negative",
    "lambda_sign_varies",
    "lambda_fades",
    "lambda_grows",
    "lowest_most",
    "below_most",
    "lens_rate_above",
    "lens_rate_below",
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
        "lambda_positive" | "lambda_negative" | "lambda_sign_varies" | "lambda_fades"
        | "lambda_grows" => {
            lambdas::check(f, args, that, claim, need("variant")?, need("component")?)
        }
        "lowest_most" | "below_most" => curves::check(f, args, that, claim, need("variant")?),
        "lens_rate_above" | "lens_rate_below" => lens::check(f, args, that, claim),
        other => Err(format!(
            "unknown claim kind that=\"{other}\"; known kinds: {}",
            KINDS.join(", ")
        )),
    }
}

fn num(s: &Stat) -> String {
    s.display(5)
}
