//! Claims about the final lambdas of one `component` in every run of a `variant`, seed by seed
//! (a mean over seeds would hide a sign that differs between them):
//! - `lambda_positive`, `lambda_negative`: above (below) zero at every layer of every run, or
//!   at the `layers=[...]` given; a failure names each layer where it does not hold, in how
//!   many runs, with the values;
//! - `lambda_sign_varies`: the layer mean is positive in some runs and negative in others (an
//!   added embedding's sign is the run's choice);
//! - `lambda_fades`, `lambda_grows`: in every run, smaller (larger) in magnitude at the last
//!   layer than at the first.

use crate::post::derived::per_seed;
use crate::post::directives::functions::Args;
use crate::post::facts::Facts;

pub fn check(
    f: &Facts,
    args: &Args,
    that: &str,
    claim: &str,
    variant: &str,
    component: &str,
) -> Result<(), String> {
    let v = f.variant(variant)?;
    let runs = per_seed(v, component, false).map_err(|e| format!("claim \"{claim}\": {e}"))?;
    let layers = runs[0].len();
    let fmt = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let means: Vec<f64> = runs
        .iter()
        .map(|l| l.iter().sum::<f64>() / l.len().max(1) as f64)
        .collect();
    let label = format!("λ{component} of {variant}");
    let numbers = match that {
        "lambda_positive" | "lambda_negative" => {
            let chosen: Vec<usize> = match args.wholes("layers") {
                Some(ls) => ls.into_iter().map(|l| l as usize).collect(),
                None => (0..layers).collect(),
            };
            if let Some(bad) = chosen.iter().find(|&&l| l >= layers) {
                return Err(format!(
                    "claim \"{claim}\": layer {bad} does not exist: the runs of {variant} have \
                     layers 0-{}",
                    layers - 1
                ));
            }
            let positive = that == "lambda_positive";
            let wrong = |x: f64| if positive { x <= 0.0 } else { x >= 0.0 };
            let mut misses = Vec::new();
            for &l in &chosen {
                let off: Vec<(u64, f64)> = v
                    .seeds
                    .iter()
                    .zip(&runs)
                    .filter(|(_, r)| wrong(r[l]))
                    .map(|(s, r)| (*s, r[l]))
                    .collect();
                if !off.is_empty() {
                    let vals: Vec<String> =
                        off.iter().map(|(s, x)| format!("s{s} {x:.2}")).collect();
                    misses.push(format!(
                        "layer {l} in {} of {} runs ({})",
                        off.len(),
                        runs.len(),
                        vals.join(", ")
                    ));
                }
            }
            if misses.is_empty() {
                return Ok(());
            }
            format!(
                "{label} is not {} zero at {}",
                if positive { "above" } else { "below" },
                misses.join("; ")
            )
        }
        "lambda_sign_varies" => {
            if means.iter().any(|&m| m > 0.0) && means.iter().any(|&m| m < 0.0) {
                return Ok(());
            }
            format!("layer-mean {label} per run: {}", fmt(&means))
        }
        _ => {
            let grows = that == "lambda_grows";
            let holds = runs.iter().all(|l| match (l.first(), l.last()) {
                (Some(a), Some(b)) if grows => b.abs() > a.abs(),
                (Some(a), Some(b)) => b.abs() < a.abs(),
                _ => false,
            });
            if holds {
                return Ok(());
            }
            let ends: Vec<String> = runs
                .iter()
                .map(|l| {
                    format!(
                        "{:.3} -> {:.3}",
                        l.first().copied().unwrap_or(f64::NAN),
                        l.last().copied().unwrap_or(f64::NAN)
                    )
                })
                .collect();
            format!("{label}, first -> last layer per run: {}", ends.join(", "))
        }
    };
    Err(format!("claim \"{claim}\" is false: {numbers}"))
}

#[cfg(test)]
mod tests {
    use crate::post::claims::check;
    use crate::post::directives::functions::Args;
    use crate::post::facts::{Facts, VariantFacts};
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
                step_curve: None,
                time_curve: None,
            }],
            ..Facts::default()
        }
    }

    fn args(that: &str, component: &str, layers: Option<Value>) -> Args {
        let mut a: BTreeMap<String, Value> = [
            ("claim", "c"),
            ("that", that),
            ("variant", "x01"),
            ("component", component),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::from(v)))
        .collect();
        if let Some(l) = layers {
            a.insert("layers".into(), l);
        }
        Args::new(a)
    }

    #[test]
    fn lambda_claims_look_at_every_seed() {
        let f = facts(&[vec![0.5, 0.2], vec![-0.4, -0.1]]);
        assert!(check(&f, &args("lambda_sign_varies", "x01", None)).is_ok());
        assert!(check(&f, &args("lambda_fades", "x01", None)).is_ok());
        let err = check(&f, &args("lambda_grows", "x01", None)).unwrap_err();
        assert!(err.contains("0.500 -> 0.200"), "{err}");
        let err = check(&f, &args("lambda_positive", "x01", None)).unwrap_err();
        assert!(
            err.contains("λx01 of x01 is not above zero at layer 0 in 1 of 2 runs (s1 -0.40); layer 1 in 1 of 2 runs (s1 -0.10)"),
            "{err}"
        );

        let same_sign = facts(&[vec![0.5, 0.6], vec![0.4, 0.1]]);
        assert!(check(&same_sign, &args("lambda_positive", "x01", None)).is_ok());
        let err = check(&same_sign, &args("lambda_sign_varies", "x01", None)).unwrap_err();
        assert!(err.contains("0.550, 0.250"), "{err}");
        let err = check(&same_sign, &args("lambda_fades", "x01", None)).unwrap_err();
        assert!(err.contains("0.500 -> 0.600"), "{err}");

        let err = check(&f, &args("lambda_positive", "x07", None)).unwrap_err();
        assert!(err.contains("components logged: x01"), "{err}");
    }

    #[test]
    fn a_sign_claim_can_name_its_layers() {
        let f = facts(&[vec![0.5, -0.2, -1.0], vec![0.4, 0.1, -2.0]]);
        let at = |l: &[u64]| Some(Value::from(l.to_vec()));
        assert!(check(&f, &args("lambda_negative", "x01", at(&[2]))).is_ok());
        let err = check(&f, &args("lambda_negative", "x01", at(&[1, 2]))).unwrap_err();
        assert!(
            err.ends_with("is not below zero at layer 1 in 1 of 2 runs (s1 0.10)"),
            "{err}"
        );
        let err = check(&f, &args("lambda_negative", "x01", at(&[3]))).unwrap_err();
        assert!(err.contains("layer 3 does not exist"), "{err}");
    }
}
