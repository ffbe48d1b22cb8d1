//! Claims over shares of a layer's input (`normalized=true`) on hand-made facts: a share that
//! grows where its lambda does not, two layers compared (the layer after the one without
//! attention), and the errors for runs without norms and for kinds that take no shares.

use super::check;
use super::tests::{args, facts, lambdas, variant, Lambdas};
use crate::post::facts::NoShares;
use serde_json::json;

/// Two runs of x01 over three layers: lambdas, and shares as `stats::shares` gives them.
fn x01() -> crate::post::facts::VariantFacts {
    let l = lambdas(&[
        ("x", &[1.0, 1.0, 0.9]),
        ("x00", &[0.5, 0.4, 0.4]),
        ("x01", &[0.2, 0.3, 0.2]),
    ]);
    // x's lambda falls from layer 1 to 2 while its share rises (the residual grew).
    let shares: Vec<Lambdas> = vec![
        lambdas(&[
            ("x", &[0.8, 0.6, 0.9]),
            ("x00", &[0.0, 0.3, -0.05]),
            ("x01", &[0.2, 0.1, 0.05]),
        ]),
        lambdas(&[
            ("x", &[0.7, 0.5, 0.85]),
            ("x00", &[0.0, 0.3, -0.1]),
            ("x01", &[-0.3, -0.2, -0.05]),
        ]),
    ];
    let mut v = variant("x01", &[2.9, 2.91], vec![l.clone(), l]);
    v.seed_shares = Ok(shares);
    v
}

#[test]
fn a_claim_over_shares_reads_the_shares_not_the_lambdas() {
    let f = facts(vec![x01()]);
    let grows = |normalized: bool| {
        check(
            &f,
            &args(&[
                ("that", json!("lambda_grows")),
                ("variant", json!("x01")),
                ("component", json!("x")),
                ("layers", json!([1, 2])),
                ("normalized", json!(normalized)),
            ]),
        )
    };
    let audit = grows(true).unwrap();
    assert_eq!(audit.layers.as_deref(), Some("1, 2"));
    assert!(audit.found.iter().any(|s| s.contains("λ·RMS / Σ|λ·RMS|")));
    let err = grows(false).unwrap_err().to_string();
    assert!(
        err.contains("λx of x01, layer 1 -> layer 2 per run: 1.000 -> 0.900"),
        "{err}"
    );
    // x00's share turns negative at layer 2 in every run.
    let err = check(
        &f,
        &args(&[
            ("that", json!("lambda_positive")),
            ("variant", json!("x01")),
            ("component", json!("x00")),
            ("normalized", json!(true)),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "the share of x00 in the layer input of x01 is not above zero at layer 2 in 2 of 2 \
             runs (x01-s0 -0.05, x01-s1 -0.10)"
        ),
        "{err}"
    );
}

#[test]
fn shares_without_norms_and_on_other_kinds_are_refused() {
    let mut v = x01();
    v.seed_shares = Err(NoShares(
        "experiment e: x01-s0 logs lambdas but no residual norms".into(),
    ));
    let f = facts(vec![v]);
    let err = check(
        &f,
        &args(&[
            ("that", json!("lambda_fades")),
            ("variant", json!("x01")),
            ("component", json!("x")),
            ("normalized", json!(true)),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("experiment e: x01-s0 logs lambdas but no residual norms"),
        "{err}"
    );
    let err = check(
        &facts(vec![x01()]),
        &args(&[
            ("that", json!("lowest")),
            ("variant", json!("x01")),
            ("normalized", json!(true)),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("normalized=true applies to the lambda kinds only"),
        "{err}"
    );
}
