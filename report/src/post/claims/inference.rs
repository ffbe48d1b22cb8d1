//! Claims that test, each over every variant or configuration it names:
//! - `significant`, `not_significant`: the Welch t-test against the baseline at `alpha`
//!   (default 0.05). A `not_significant` claim also finds the minimum detectable difference
//!   (two-sided Welch, power 0.8, at the claim's alpha; `stats::power`): not significant says
//!   little when the runs could not have seen the difference that matters, and `mde_below=D`
//!   fails the claim when they could not have detected D.
//! - `equivalent`, `within=D`: two one-sided tests (TOST, `stats::compare::tost`) that the
//!   difference to the baseline lies inside ±D. "No difference" and "does not carry over" need
//!   this, not `not_significant`.
//! - `mean_below`, `threshold=T`: modded-nanogpt's record rule, a one-sided one-sample t-test
//!   that a configuration's mean final val loss is below T (`variant=`, and `steps=` where an
//!   experiment holds several step counts).

use super::{Audit, Claim, Kind};
use crate::post::facts::{ConfigFacts, Stat};
use crate::stats::compare::{below_threshold, tost, welch_se, MDE_POWER};
use crate::stats::{power, welch};
use crate::{Error, Result};

/// A test its caller made sure can be computed (n≥2 and spread on both sides).
fn checked() -> Error {
    Error::Stats("checked by the caller".into())
}

const ALPHA: f64 = 0.05;

/// `significant`, `not_significant`, `equivalent`: each named variant against the baseline, or
/// against `than=` (two added-embedding variants compared with each other).
pub(super) fn versus_baseline(c: &Claim, audit: &mut Audit) -> Result<()> {
    let f = c.facts;
    let base = match c.args.text("than") {
        Some(t) => f.variant(t)?.variant.to_string(),
        None => f.baseline.to_string(),
    };
    let metric = c.metric();
    let alpha = c.args.number("alpha").unwrap_or(ALPHA);
    if !(0.0 < alpha && alpha < 0.5) {
        return c.bad(format!("alpha={alpha}: it is above 0 and below 0.5"));
    }
    let explicit = c.args.text("variants").is_none();
    let Some(mut variants) = c.variants()? else {
        return c.bad(format!(
            "check(that=\"{}\") needs `variant`, or `variants=[...]` or `variants=\"all\"`",
            c.kind
        ));
    };
    if explicit && variants.contains(&base) {
        return c.bad(format!(
            "{base} is what the others are tested against: it is not tested against itself"
        ));
    }
    variants.retain(|v| *v != base);
    audit.metric = Some(metric.to_string());
    let b = f.variant(&base)?;
    let b_stat = b.metric(metric)?;
    for name in &variants {
        let v = f.variant(name)?;
        let a_stat = v.metric(metric)?;
        audit.variants.push(format!("{name} against {base}"));
        audit.add_runs(v);
        audit.add_runs(b);
        let n = format!("n = {} and {}", a_stat.n, b_stat.n);
        if welch(a_stat, b_stat).is_none() {
            return c.fail(format!(
                "no t-test of {name} against {base} is possible on {metric} ({n}; each side \
                 needs n≥2 and some spread)"
            ));
        }
        match c.kind {
            Kind::Equivalent => equivalent(c, audit, (name, &base), a_stat, b_stat, alpha)?,
            _ => significance(c, audit, (name, &base), a_stat, b_stat, alpha)?,
        }
    }
    Ok(())
}

fn significance(
    c: &Claim,
    audit: &mut Audit,
    (name, base): (&str, &str),
    a: &Stat,
    b: &Stat,
    alpha: f64,
) -> Result<()> {
    let metric = c.metric();
    let t = welch(a, b).ok_or_else(checked)?;
    let (se, df) = welch_se(a, b).ok_or_else(checked)?;
    let mde = power::mde(se, df, alpha, MDE_POWER);
    let n = format!("n = {} and {}", a.n, b.n);
    let mde_text = mde.map_or("no minimum detectable difference".to_string(), |m| {
        format!(
            "minimum detectable difference {m:.4} (two-sided Welch, alpha {alpha}, power \
             {MDE_POWER}; {n})"
        )
    });
    let numbers = format!(
        "{name} - {base} on {metric} = {:+.4}, Welch t-test p = {:.4}",
        a.mean - b.mean,
        t.p
    );
    audit.found.push(if c.kind == Kind::NotSignificant {
        format!("{numbers}; {mde_text}")
    } else {
        format!("{numbers} ({n})")
    });
    let significant = t.p < alpha;
    if significant != (c.kind == Kind::Significant) {
        return c.fail(format!(
            "{numbers} (alpha {alpha}; {name} {}, {base} {})",
            a.display(5),
            b.display(5)
        ));
    }
    if let Some(d) = c.args.number("mde_below") {
        if c.kind != Kind::NotSignificant {
            return c.bad("`mde_below` goes with that=\"not_significant\"");
        }
        match mde {
            Some(m) if m < d => {}
            _ => {
                return c.fail(format!(
                    "these runs could not have detected a difference of {d}: the {mde_text}"
                ))
            }
        }
    }
    Ok(())
}

fn equivalent(
    c: &Claim,
    audit: &mut Audit,
    (name, base): (&str, &str),
    a: &Stat,
    b: &Stat,
    alpha: f64,
) -> Result<()> {
    let within = c.need_number("within")?;
    if !(within > 0.0 && within.is_finite()) {
        return c.bad(format!("within={within}: it is a positive margin"));
    }
    let t = tost(a, b, within, alpha).ok_or_else(checked)?;
    let level = 100.0 * (1.0 - 2.0 * alpha);
    let numbers = format!(
        "{name} - {base} on {} = {:+.4}, {level:.0}% interval [{:+.4}, {:+.4}] (Welch, n = {} \
         and {}); TOST against ±{within}: p = {:.4}",
        c.metric(),
        t.diff.diff,
        t.interval.0,
        t.interval.1,
        a.n,
        b.n,
        t.p
    );
    audit.found.push(numbers.clone());
    if t.holds() {
        Ok(())
    } else {
        c.fail(format!(
            "{numbers}: the interval is not inside ±{within} (alpha {alpha})"
        ))
    }
}

/// `mean_below`: every configuration named is below `threshold` by the one-sided t-test.
pub(super) fn mean_below(c: &Claim, audit: &mut Audit) -> Result<()> {
    let threshold = c.need_number("threshold")?;
    let alpha = c.args.number("alpha").unwrap_or(ALPHA);
    if c.metric() != "final_loss" {
        return c.bad("mean_below tests the final val loss (the record rule); it takes no metric");
    }
    audit.metric = Some("final_loss".into());
    for cfg in configurations(c)? {
        audit.variants.push(cfg.label.clone());
        audit.runs.extend(cfg.runs.iter().cloned());
        let Some(s) = &cfg.final_loss else {
            return c.fail(format!("{} has no finished run", cfg.label));
        };
        let Some(t) = below_threshold(s, threshold) else {
            return c.fail(format!(
                "no t-test of {} is possible (n = {}; it needs n≥2 and some spread)",
                cfg.label, s.n
            ));
        };
        let numbers = format!(
            "{}: mean final val loss {:.5} (n = {}), upper 95% bound {:.5}; one-sided t-test \
             against {threshold}: t = {:.3}, p = {:.5}",
            cfg.label, t.mean, t.n, t.upper95, t.t, t.p
        );
        audit.found.push(numbers.clone());
        if t.p >= alpha {
            return c.fail(format!("{numbers} (alpha {alpha})"));
        }
    }
    Ok(())
}

/// The configurations a `mean_below` claim names: by `variant`/`variants` and `steps`; an
/// error lists the configurations there are when the choice matches none, or several where
/// the claim names one variant but not its step count.
fn configurations<'a>(c: &'a Claim) -> Result<Vec<&'a ConfigFacts>> {
    let all = &c.facts.configs;
    let listed = || {
        all.iter()
            .map(|k| k.label.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let variants = c.variants()?;
    let steps = c.args.whole("steps");
    let chosen: Vec<&ConfigFacts> = all
        .iter()
        .filter(|k| {
            variants
                .as_ref()
                .is_none_or(|vs| vs.iter().any(|v| *v == k.variant.to_string()))
        })
        .filter(|k| steps.is_none_or(|s| k.steps == Some(s)))
        .collect();
    if chosen.is_empty() {
        return c.bad(format!(
            "no configuration matches; configurations: {}",
            listed()
        ));
    }
    let wide = c.args.text("variants") == Some("all") || c.args.names("variants").is_some();
    if chosen.len() > 1 && !wide {
        return c.bad(format!(
            "{} configurations match ({}): name one with `variant=` and `steps=`, or all of \
             them with `variants=`",
            chosen.len(),
            chosen
                .iter()
                .map(|k| k.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    Ok(chosen)
}
