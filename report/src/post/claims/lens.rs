//! Claims about the logit lens: `that="lens_rate_above"` (or `lens_rate_below`),
//! `component="x00", rate="bigram", than="x01"`: one component's rate above (below) another's in
//! every lens of the variants the claim ranges over, lens by lens (a mean would hide a run where
//! it does not hold). The variants: `variant=`, `variants=[...]` or `variants="all"`, else every
//! variant with a lens that decodes both components. A lens that does not measure the rate (an
//! imported lens has no bigram table) fails the claim with the reason.

use super::{Audit, Claim, Kind};
use crate::post::facts::{Facts, LensFact};
use crate::stats::lens::{check_rate, value};
use crate::Result;
use runlog::Variant;

pub(super) fn check(c: &Claim, audit: &mut Audit) -> Result<()> {
    let f = c.facts;
    let (component, than, rate) = (c.need("component")?, c.need("than")?, c.need("rate")?);
    check_rate(rate).or_else(|e| c.bad(e))?;
    let named = c.variants()?;
    let lenses: Vec<&LensFact> = match &named {
        Some(names) => {
            let vs = names
                .iter()
                .map(|n| Variant::parse(n))
                .collect::<Result<Vec<_>, _>>()
                .map_err(crate::Error::Call)?;
            f.lenses
                .iter()
                .filter(|l| vs.contains(&l.variant))
                .collect()
        }
        None => f
            .lenses
            .iter()
            .filter(|l| {
                l.lens.components.contains_key(component) && l.lens.components.contains_key(than)
            })
            .collect(),
    };
    if lenses.is_empty() {
        return c.bad(format!(
            "no lens {} decodes both {component} and {than} (lenses here: {})",
            named.map_or("here".to_string(), |n| format!("of {}", n.join(", "))),
            listed(f)
        ));
    }
    audit.components = vec![component.to_string(), than.to_string()];
    audit.metric = Some(format!("lens {rate} rate"));
    for l in &lenses {
        let v = l.variant.to_string();
        if !audit.variants.contains(&v) {
            audit.variants.push(v);
        }
        audit.runs.push(l.who.clone());
    }
    let above = c.kind == Kind::LensRateAbove;
    let mut checked = Vec::new();
    let mut misses = Vec::new();
    for l in &lenses {
        let a = value(&l.lens, &l.who, component, rate).or_else(|e| c.bad(e))?;
        let b = value(&l.lens, &l.who, than, rate).or_else(|e| c.bad(e))?;
        let pair = format!("{} {a:.3} vs {b:.3}", l.who);
        if (above && a > b) || (!above && a < b) {
            checked.push(pair);
        } else {
            misses.push(pair);
        }
    }
    let side = if above { "above" } else { "below" };
    audit.found.push(format!(
        "{rate} of {component} {side} that of {than} in {} of {} lenses",
        checked.len(),
        lenses.len()
    ));
    if misses.is_empty() {
        return Ok(());
    }
    c.fail(format!(
        "{rate} of {component} is not {side} that of {than} in {} of {} lenses ({}{})",
        misses.len(),
        lenses.len(),
        misses.join("; "),
        if checked.is_empty() {
            String::new()
        } else {
            format!("; holds in {}", checked.join("; "))
        }
    ))
}

fn listed(f: &Facts) -> String {
    if f.lenses.is_empty() {
        return "none".into();
    }
    f.lenses
        .iter()
        .map(|l| l.who.clone())
        .collect::<Vec<_>>()
        .join(", ")
}
