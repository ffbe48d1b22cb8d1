//! Claim checks on hand-made facts: every kind, the widths a claim can range over, layer 0, and
//! the statistics behind significance, equivalence and the record rule.

use super::{check, Kind};
use crate::post::args::Args;
use crate::post::facts::{ConfigFacts, Facts, LensFact, NoShares, VariantFacts};
use crate::stats::Summary;
use runlog::Variant;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) type Lambdas = BTreeMap<String, Vec<f64>>;

/// A variant with these final losses and, per run, these lambdas.
pub(super) fn variant(name: &str, losses: &[f64], lambdas: Vec<Lambdas>) -> VariantFacts {
    let n = losses.len().max(lambdas.len());
    VariantFacts {
        variant: Variant::parse(name).unwrap(),
        seeds: (0..n as u64).collect(),
        repeats: false,
        runs: (0..n).map(|i| format!("{name}-s{i}")).collect(),
        unfinished: Vec::new(),
        final_loss: Summary::of(losses),
        train_time: Summary::of(&vec![100.0; losses.len()]),
        loss_at_time: None,
        p_final: None,
        p_at_time: None,
        lambdas: None,
        seed_shares: Err(NoShares("no norms in these facts".into())),
        seed_lambdas: lambdas,
        step_curve: None,
        time_curve: None,
    }
}

pub(super) fn facts(variants: Vec<VariantFacts>) -> Facts {
    Facts {
        baseline: Variant::BASELINE,
        variants,
        ..Facts::default()
    }
}

pub(super) fn args(pairs: &[(&str, Value)]) -> Args {
    let mut a: BTreeMap<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    a.entry("claim".into()).or_insert(json!("c"));
    Args::new(a)
}

pub(super) fn lambdas(pairs: &[(&str, &[f64])]) -> Lambdas {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// A lens of `name`'s seed 0 decoding these components with these copy rates.
fn lens_fact(name: &str, copy: &[(&str, f64)]) -> LensFact {
    let variant = Variant::parse(name).unwrap();
    let stats = |c: f64| runlog::LensStats {
        tokens: 100,
        cross_entropy: Some(5.0),
        next_top1: 0.1,
        copy_top1: c,
        bigram_top1: None,
        entropy: Some(4.0),
    };
    LensFact {
        variant,
        who: format!("{name}-s0"),
        seed: Some(0),
        lens: runlog::Lens {
            schema_version: runlog::LENS_SCHEMA_VERSION,
            variant,
            experiment: None,
            config_hash: None,
            step: Some(100),
            measured_on: "hand-made".into(),
            bigram_table: None,
            source: None,
            notes: Vec::new(),
            components: copy
                .iter()
                .map(|(k, c)| (k.to_string(), stats(*c)))
                .collect(),
            sample: runlog::LensSample {
                text: "none".into(),
                tokens: Vec::new(),
                top: BTreeMap::new(),
            },
            norms: None,
        },
    }
}

const BASE: [f64; 3] = [3.00, 3.02, 3.01];
const LOWER: [f64; 3] = [2.90, 2.91, 2.92];

#[test]
fn every_kind_parses_and_is_checked() {
    let l = |s: f64| {
        lambdas(&[
            ("x", &[1.0, 1.0]),
            ("x00", &[0.5, 0.4]),
            ("x01", &[s, s / 2.0]),
        ])
    };
    let f = facts(vec![
        variant(
            "x00",
            &BASE,
            vec![lambdas(&[("x", &[1.0, 1.0]), ("x00", &[0.5, 0.4])])],
        ),
        variant("x01", &LOWER, vec![l(0.5), l(-0.3), l(0.2)]),
    ]);
    let f = Facts {
        lenses: vec![lens_fact("x01", &[("x00", 0.2), ("x01", 0.6)])],
        ..f
    };
    for &kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.name()).ok(), Some(kind));
        let a = args(&[
            ("that", json!(kind.name())),
            ("variant", json!("x01")),
            ("than", json!("x00")),
            ("component", json!("x01")),
            ("within", json!(0.5)),
            ("threshold", json!(3.0)),
            ("rate", json!("copy")),
        ]);
        let got = check(&f, &a);
        let msg = got
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(!msg.contains("unknown claim kind"), "{kind}: {msg}");
        // The lens kinds reach their verdict on these facts: x01's copy rate (0.6) is above
        // x00's (0.2) in x01's one lens.
        match kind {
            Kind::LensRateAbove => assert!(got.is_ok(), "{kind}: {msg}"),
            Kind::LensRateBelow => assert!(msg.contains("is false"), "{kind}: {msg}"),
            _ => {}
        }
        if let Ok(audit) = got {
            assert_eq!(audit.kind, kind);
        }
    }
    let err = check(&f, &args(&[("that", json!("smaller"))]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("known kinds: falls, rises"), "{err}");
}

#[test]
fn lambda_claims_look_at_every_run() {
    let x01 = |a: &[f64]| lambdas(&[("x01", a)]);
    let f = facts(vec![variant(
        "x01",
        &[],
        vec![x01(&[0.5, 0.2]), x01(&[-0.4, -0.1])],
    )]);
    let a = |that: &str| {
        args(&[
            ("that", json!(that)),
            ("variant", json!("x01")),
            ("component", json!("x01")),
        ])
    };
    assert!(check(&f, &a("lambda_sign_varies")).is_ok());
    assert!(check(&f, &a("lambda_fades")).is_ok());
    let err = check(&f, &a("lambda_grows")).unwrap_err().to_string();
    assert!(
        err.contains("layer 0 -> layer 1 per run: 0.500 -> 0.200"),
        "{err}"
    );
    let err = check(&f, &a("lambda_positive")).unwrap_err().to_string();
    assert!(
        err.contains(
            "λx01 of x01 is not above zero at layer 0 in 1 of 2 runs (x01-s1 -0.40); layer 1 in \
             1 of 2 runs (x01-s1 -0.10)"
        ),
        "{err}"
    );
    let audit = check(&f, &a("lambda_sign_varies")).unwrap();
    assert_eq!(audit.runs, ["x01-s0", "x01-s1"]);
    assert_eq!(audit.layers.as_deref(), Some("0-1"));
    let err = check(
        &f,
        &args(&[
            ("that", json!("lambda_positive")),
            ("variant", json!("x01")),
            ("component", json!("x07")),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("components logged: x01"), "{err}");
}

#[test]
fn layer_0_of_x00_alone_is_refused_and_the_sum_is_checked() {
    // x00 is negative at layer 0 only, where λx makes up for it: the sum is positive.
    let run = || lambdas(&[("x", &[3.0, 1.0, 1.0]), ("x00", &[-1.0, 0.5, 0.2])]);
    let f = facts(vec![variant("x00", &[], vec![run(), run()])]);
    let a = |extra: &[(&str, Value)]| {
        let mut p = vec![
            ("that", json!("lambda_positive")),
            ("variant", json!("x00")),
        ];
        p.extend(extra.iter().cloned());
        args(&p)
    };
    // Every layer of x00 means layers 1-2, and says so.
    let audit = check(&f, &a(&[("component", json!("x00"))])).unwrap();
    assert!(
        audit
            .layers
            .as_deref()
            .unwrap()
            .starts_with("1-2 (layer 0 left out: x and x00 are the same vector there"),
        "{audit:?}"
    );
    let err = check(
        &f,
        &a(&[("component", json!("x00")), ("layers", json!([0, 1]))]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "λx00 at layer 0 alone is not identifiable: the residual enters layer 0 as x00 itself"
        ),
        "{err}"
    );
    let err = check(&f, &a(&[("component", json!("x")), ("layers", json!([0]))]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("λx at layer 0 alone is not identifiable"),
        "{err}"
    );
    // The sum: 2.0 in both runs.
    let audit = check(&f, &a(&[("component", json!("x+x00"))])).unwrap();
    assert!(audit.layers.unwrap().starts_with("0 "));
    let err = check(
        &f,
        &a(&[("component", json!("x+x00")), ("layers", json!([1]))]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("layer 0's"), "{err}");
    // Fading is measured from the first layer where x00 means something on its own.
    let fades = args(&[
        ("that", json!("lambda_fades")),
        ("variant", json!("x00")),
        ("component", json!("x00")),
    ]);
    assert!(check(&f, &fades).is_ok());
}

#[test]
fn claims_range_over_the_variants_and_components_they_name() {
    // x04's x02 keeps its sign; x01 and x03 flip. x01's x01 flips.
    let x04 = |s: f64| {
        lambdas(&[
            ("x", &[1.0, 1.0]),
            ("x00", &[0.5, 0.5]),
            ("x01", &[s, s]),
            ("x02", &[0.3, 0.3]),
            ("x03", &[-s, -s]),
            ("x04", &[s, 0.1]),
        ])
    };
    let x01 = |s: f64| lambdas(&[("x", &[1.0, 1.0]), ("x00", &[0.5, -0.5]), ("x01", &[s, s])]);
    let f = facts(vec![
        variant("x00", &BASE, vec![]),
        variant("x01", &[], vec![x01(1.0), x01(-1.0)]),
        variant("x04", &[], vec![x04(1.0), x04(-1.0)]),
    ]);
    let added = args(&[
        ("that", json!("lambda_sign_varies")),
        ("variant", json!("x04")),
        ("components", json!("added")),
    ]);
    let err = check(&f, &added).unwrap_err().to_string();
    assert!(
        err.contains("layer-mean λx02 of x04 per run: 0.300, 0.300"),
        "{err}"
    );
    assert!(!err.contains("λx01"), "{err}");
    let some = args(&[
        ("that", json!("lambda_sign_varies")),
        ("variant", json!("x04")),
        ("components", json!(["x01", "x03", "x04"])),
    ]);
    let audit = check(&f, &some).unwrap();
    assert_eq!(audit.components, ["x01", "x03", "x04"]);
    // All variants: the baseline logs no lambdas and is named as left out; x00 at layer 1 of
    // x01 is negative in both of its runs.
    let all = args(&[
        ("that", json!("lambda_positive")),
        ("variants", json!("all")),
        ("component", json!("x00")),
    ]);
    let err = check(&f, &all).unwrap_err().to_string();
    assert!(
        err.contains(
            "λx00 of x01 is not above zero at layer 1 in 2 of 2 runs (x01-s0 -0.50, x01-s1 -0.50)"
        ),
        "{err}"
    );
    let x04_only = args(&[
        ("that", json!("lambda_positive")),
        ("variants", json!(["x04"])),
        ("component", json!("x00")),
    ]);
    let audit = check(&f, &x04_only).unwrap();
    assert_eq!(audit.runs, ["x04-s0", "x04-s1"]);
    let both = args(&[
        ("that", json!("lambda_positive")),
        ("variant", json!("x04")),
        ("variants", json!("all")),
        ("component", json!("x00")),
    ]);
    assert!(check(&f, &both)
        .unwrap_err()
        .to_string()
        .contains("not both"));
}

#[test]
fn not_significant_finds_what_the_runs_could_detect() {
    // Spread 0.02 and 0.015, three runs a side (the MDE is checked against scipy in stats).
    let f = facts(vec![
        variant("x00", &[3.00, 3.02, 3.04], vec![]),
        variant("x01", &[3.005, 3.02, 3.035], vec![]),
        variant("x02", &LOWER, vec![]),
    ]);
    let a = |extra: &[(&str, Value)]| {
        let mut p = vec![
            ("that", json!("not_significant")),
            ("variant", json!("x01")),
        ];
        p.extend(extra.iter().cloned());
        args(&p)
    };
    let audit = check(&f, &a(&[])).unwrap();
    let found = audit.found.join("; ");
    assert!(
        found.contains("minimum detectable difference 0.05"),
        "{found}"
    );
    assert!(found.contains("power 0.8; n = 3 and 3"), "{found}");
    assert!(check(&f, &a(&[("mde_below", json!(0.1))])).is_ok());
    let err = check(&f, &a(&[("mde_below", json!(0.003))]))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("claim \"c\" is false: these runs could not have detected a difference of 0.003: the minimum detectable difference 0.05"),
        "{err}"
    );
    // All variants: x02 is significant, so "none is significant" fails, naming it.
    let all = args(&[
        ("that", json!("not_significant")),
        ("variants", json!("all")),
    ]);
    let err = check(&f, &all).unwrap_err().to_string();
    assert!(err.contains("x02 - x00 on final_loss = -0.1100"), "{err}");
    let base = args(&[
        ("that", json!("significant")),
        ("variants", json!(["x00", "x02"])),
    ]);
    assert!(check(&f, &base)
        .unwrap_err()
        .to_string()
        .contains("x00 is what the others are tested against"));
}

#[test]
fn two_added_embedding_variants_are_tested_against_each_other_with_than() {
    let f = facts(vec![
        variant("x00", &[3.10, 3.12, 3.13], vec![]),
        variant("x01", &[3.005, 3.02, 3.035], vec![]),
        variant("x02", &[3.00, 3.02, 3.04], vec![]),
    ]);
    let a = |that: &str, within: f64| {
        args(&[
            ("that", json!(that)),
            ("variant", json!("x02")),
            ("than", json!("x01")),
            ("within", json!(within)),
        ])
    };
    let audit = check(&f, &a("equivalent", 0.5)).unwrap();
    assert_eq!(audit.variants, vec!["x02 against x01".to_string()]);
    let err = check(&f, &a("equivalent", 0.0001)).unwrap_err().to_string();
    assert!(err.contains("x02 - x01 on final_loss = -0.0000"), "{err}");
    // Against x01 the difference is nil; against the baseline it is 0.1.
    let sig = |than: Option<&str>| {
        let mut v = vec![
            ("that", json!("not_significant")),
            ("variant", json!("x02")),
        ];
        if let Some(t) = than {
            v.push(("than", json!(t)));
        }
        check(&f, &args(&v))
    };
    assert!(sig(Some("x01")).is_ok());
    assert!(sig(None)
        .unwrap_err()
        .to_string()
        .contains("x02 - x00 on final_loss = -0.0967"));
    let itself = args(&[
        ("that", json!("significant")),
        ("variants", json!(["x01", "x02"])),
        ("than", json!("x01")),
    ]);
    assert!(check(&f, &itself)
        .unwrap_err()
        .to_string()
        .contains("x01 is what the others are tested against"));
}

#[test]
fn equivalence_holds_only_when_the_interval_is_inside_the_margin() {
    let f = facts(vec![
        variant("x00", &[3.00, 3.02, 3.04], vec![]),
        variant("x01", &[3.005, 3.02, 3.035], vec![]),
    ]);
    let a = |within: f64| {
        args(&[
            ("that", json!("equivalent")),
            ("variant", json!("x01")),
            ("within", json!(within)),
        ])
    };
    assert!(check(&f, &a(0.5)).is_ok());
    let err = check(&f, &a(0.0001)).unwrap_err().to_string();
    assert!(err.contains("0.0000, 90% interval [-0.0"), "{err}");
    assert!(err.contains("is not inside ±0.0001"), "{err}");
    let err = check(&f, &a(-1.0)).unwrap_err().to_string();
    assert!(err.contains("positive margin"), "{err}");
}

/// The record's 19 final losses (the study's t-test-results.md, section 692 0..18).
const RECORD: [f64; 19] = [
    2.919502, 2.919760, 2.920582, 2.919331, 2.919008, 2.919827, 2.918785, 2.918519, 2.919297,
    2.920061, 2.918938, 2.919342, 2.918186, 2.920546, 2.919540, 2.919093, 2.918951, 2.919599,
    2.919956,
];

fn config(label: &str, steps: u64, losses: &[f64]) -> ConfigFacts {
    ConfigFacts {
        label: label.into(),
        variant: Variant::parse("x01").unwrap(),
        steps: Some(steps),
        runs: (0..losses.len()).map(|i| format!("r{i}")).collect(),
        final_loss: Summary::of(losses),
        train_time: None,
    }
}

#[test]
fn the_record_rule_is_a_one_sided_t_test_against_the_threshold() {
    let mut f = facts(vec![variant("x01", &RECORD, vec![])]);
    f.configs = vec![config("x01", 5690, &RECORD)];
    let a = |t: f64| args(&[("that", json!("mean_below")), ("threshold", json!(t))]);
    // scipy: ttest_1samp(alternative="less") against 2.92: t = -4.0698, p = 0.000359.
    let audit = check(&f, &a(2.92)).unwrap();
    let found = &audit.found[0];
    assert!(
        found.contains("mean final val loss 2.91941 (n = 19), upper 95% bound 2.91966"),
        "{found}"
    );
    assert!(found.contains("t = -4.070, p = 0.00036"), "{found}");
    let err = check(&f, &a(2.919)).unwrap_err().to_string();
    assert!(
        err.contains("x01: mean final val loss 2.91941 (n = 19), upper 95% bound 2.91966; one-sided t-test against 2.919: t = 2.849, p = 0.99467 (alpha 0.05)"),
        "{err}"
    );
    // Two step counts: one must be named.
    f.configs = vec![
        config("x01, 5640 steps", 5640, &[2.921, 2.9205]),
        config("x01, 5690 steps", 5690, &RECORD),
    ];
    let err = check(&f, &a(2.92)).unwrap_err().to_string();
    assert!(
        err.contains("2 configurations match (x01, 5640 steps; x01, 5690 steps)"),
        "{err}"
    );
    let at = args(&[
        ("that", json!("mean_below")),
        ("threshold", json!(2.92)),
        ("steps", json!(5690)),
    ]);
    assert!(check(&f, &at).is_ok());
    let every = args(&[
        ("that", json!("mean_below")),
        ("threshold", json!(2.92)),
        ("variants", json!("all")),
    ]);
    let err = check(&f, &every).unwrap_err().to_string();
    assert!(
        err.contains("x01, 5640 steps: mean final val loss 2.92075"),
        "{err}"
    );
}
