//! Claim checks: `{{ check(claim="...", that="falls", metric="final_loss") }}` renders to nothing
//! when the runs agree with the claim, and fails the build, naming the claim and the numbers,
//! when they do not (a rerun can make prose false).

use super::facts::{Facts, Stat};
use std::collections::HashMap;
use tera::Value;

pub const KINDS: &[&str] = &[
    "falls",
    "rises",
    "below",
    "above",
    "lowest",
    "highest",
    "significant",
    "not_significant",
];

/// `Ok(())` when the claim holds; `Err` says why not, or what is wrong with the check itself.
pub fn check(f: &Facts, args: &HashMap<String, Value>) -> Result<(), String> {
    let s = |k: &str| args.get(k).and_then(Value::as_str);
    let claim = s("claim").unwrap_or("(unnamed claim)");
    let that = s("that")
        .ok_or_else(|| format!("check(...) needs `that`, one of: {}", KINDS.join(", ")))?;
    let metric = s("metric").unwrap_or("final_loss");
    let variants: Vec<String> = match args.get("variants") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or("`variants` must list names")
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`variants` must be a list like [\"x00\", \"x01\"]".into()),
        None => f.variants.iter().map(|v| v.name.clone()).collect(),
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
            let alpha = args.get("alpha").and_then(Value::as_f64).unwrap_or(0.05);
            let vf = f.variant(v)?;
            let Some(p) = vf.p_value(metric)? else {
                let base_n = f.variant(&f.baseline).map(|b| b.seeds.len()).unwrap_or(0);
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
                    listing(&[f.baseline.clone(), v.to_string()])?
                ))
            }
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
