//! Lens numbers across the lenses of one variant (its finished runs' own, or an experiment's
//! imported one): one component's rate in each lens, or why a lens has none (the component is
//! not decoded, the rate not measured: an imported lens says why in its notes).

use super::Summary;
use runlog::Lens;

/// The numbers a lens holds per component, by the names directives and claims use.
pub const LENS_NUMBERS: [&str; 5] = ["next", "copy", "bigram", "cross_entropy", "entropy"];

/// Checks a rate's name (`next`, `copy`, `bigram`, `cross_entropy`, `entropy`, or the keys
/// `next_top1`...).
pub fn check_rate(rate: &str) -> Result<(), String> {
    let s = runlog::LensStats {
        tokens: 0,
        cross_entropy: None,
        next_top1: 0.0,
        copy_top1: 0.0,
        bigram_top1: None,
        entropy: None,
    };
    s.rate(rate).map(|_| ()).ok_or_else(|| {
        format!(
            "unknown lens rate `{}`; known: {}",
            rate.escape_debug(),
            LENS_NUMBERS.join(", ")
        )
    })
}

/// `rate` of `component` in one lens (`who` names it in errors).
pub fn value(lens: &Lens, who: &str, component: &str, rate: &str) -> Result<f64, String> {
    check_rate(rate)?;
    let Some(stats) = lens.components.get(component) else {
        let known = components(&[(who.to_string(), lens)]);
        return Err(format!(
            "the lens of {who} has no component `{}`; it decodes: {}",
            component.escape_debug(),
            known.join(", ")
        ));
    };
    stats.rate(rate).flatten().ok_or_else(|| {
        let why = lens
            .notes
            .iter()
            .find(|n| n.contains(rate))
            .map_or(String::new(), |n| format!(" ({n})"));
        format!("the lens of {who} does not measure {rate}{why}")
    })
}

/// `rate` of `component` over `lenses`, mean ± std.
pub fn summary(lenses: &[(String, &Lens)], component: &str, rate: &str) -> Result<Summary, String> {
    let values = lenses
        .iter()
        .map(|(who, l)| value(l, who, component, rate))
        .collect::<Result<Vec<f64>, String>>()?;
    Summary::of(&values).ok_or_else(|| "no lens".to_string())
}

/// The components of a variant's lenses in the original's order (those of the first lens).
pub fn components(lenses: &[(String, &Lens)]) -> Vec<String> {
    let Some((_, first)) = lenses.first() else {
        return Vec::new();
    };
    runlog::lens_components(first.variant, runlog::lens_layers(first.components.keys()))
        .into_iter()
        .filter(|c| first.components.contains_key(c))
        .collect()
}
