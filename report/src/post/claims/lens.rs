//! Claims about the logit lens: `that="lens_rate_above"` (or `lens_rate_below`),
//! `component="x00", rate="bigram", than="x01"`: one component's rate above (below) another's in
//! every lens of the variants the claim ranges over, lens by lens (a mean would hide a run where
//! it does not hold). The variants: `variant=`, `variants=[...]`, else every variant with a lens
//! that decodes both components. A lens that does not measure the rate (an imported lens has no
//! bigram table) fails the claim with the reason.

use crate::post::directives::functions::Args;
use crate::post::facts::{Facts, LensFact};
use crate::stats::lens::{check_rate, value};
use runlog::Variant;

pub fn check(f: &Facts, args: &Args, that: &str, claim: &str) -> Result<(), String> {
    let need = |k: &str| {
        args.text(k)
            .ok_or_else(|| format!("check(that=\"{that}\") needs `{k}`"))
    };
    let (component, than, rate) = (need("component")?, need("than")?, need("rate")?);
    check_rate(rate).map_err(|e| format!("claim \"{claim}\": {e}"))?;
    let named: Option<Vec<String>> = match (args.text("variant"), args.names("variants")) {
        (Some(v), _) => Some(vec![v.to_string()]),
        (None, names) => names,
    };
    let lenses: Vec<&LensFact> = match &named {
        Some(names) => {
            let vs = names
                .iter()
                .map(|n| Variant::parse(n))
                .collect::<Result<Vec<_>, _>>()?;
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
        return Err(format!(
            "claim \"{claim}\": no lens {} decodes both {component} and {than} (lenses here: {})",
            named.map_or("here".to_string(), |n| format!("of {}", n.join(", "))),
            listed(f)
        ));
    }
    let above = that == "lens_rate_above";
    let mut checked = Vec::new();
    let mut misses = Vec::new();
    for l in &lenses {
        let a = value(&l.lens, &l.who, component, rate)
            .map_err(|e| format!("claim \"{claim}\": {e}"))?;
        let b =
            value(&l.lens, &l.who, than, rate).map_err(|e| format!("claim \"{claim}\": {e}"))?;
        let pair = format!("{} {a:.3} vs {b:.3}", l.who);
        if (above && a > b) || (!above && a < b) {
            checked.push(pair);
        } else {
            misses.push(pair);
        }
    }
    if misses.is_empty() {
        return Ok(());
    }
    Err(format!(
        "claim \"{claim}\" is false: {rate} of {component} is not {} that of {than} in {} of {} \
         lenses ({}{})",
        if above { "above" } else { "below" },
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
