//! Lens numbers across the lenses of one variant (its finished runs' own, or an experiment's
//! imported one): one component's rate in each lens, or why a lens has none (the component is
//! not decoded, the rate not measured: an imported lens says why in its notes).

use super::Summary;
pub use crate::error::LensError;
use runlog::Lens;

/// The numbers a lens holds per component, by the names directives and claims use.
pub const LENS_NUMBERS: [&str; 5] = ["next", "copy", "bigram", "cross_entropy", "entropy"];

/// Checks a rate's name (`next`, `copy`, `bigram`, `cross_entropy`, `entropy`, or the keys
/// `next_top1`...).
pub fn check_rate(rate: &str) -> Result<(), LensError> {
    let s = runlog::LensStats {
        tokens: 0,
        cross_entropy: None,
        next_top1: 0.0,
        copy_top1: 0.0,
        bigram_top1: None,
        entropy: None,
    };
    s.rate(rate)
        .map(|_| ())
        .ok_or_else(|| LensError::UnknownRate {
            rate: rate.to_owned(),
            known: &LENS_NUMBERS,
        })
}

/// `rate` of `component` in one lens (`who` names it in errors).
pub fn value(lens: &Lens, who: &str, component: &str, rate: &str) -> Result<f64, LensError> {
    check_rate(rate)?;
    let Some(stats) = lens.components.get(component) else {
        return Err(LensError::NoComponent {
            who: who.to_owned(),
            component: component.to_owned(),
            known: components(&[(who.to_string(), lens)]),
        });
    };
    stats.rate(rate).flatten().ok_or_else(|| {
        let why = lens
            .notes
            .iter()
            .find(|n| n.contains(rate))
            .map_or(String::new(), |n| format!(" ({n})"));
        LensError::NotMeasured {
            who: who.to_owned(),
            rate: rate.to_owned(),
            why,
        }
    })
}

/// `rate` of `component` over `lenses`, mean ± std.
pub fn summary(
    lenses: &[(String, &Lens)],
    component: &str,
    rate: &str,
) -> Result<Summary, LensError> {
    let values = lenses
        .iter()
        .map(|(who, l)| value(l, who, component, rate))
        .collect::<Result<Vec<f64>, _>>()?;
    Summary::of(&values).ok_or(LensError::NoLens)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An imported lens of x01: no bigram table, so no bigram rate, and a note saying why.
    fn imported() -> Lens {
        let v = runlog::Variant::parse("x01").unwrap();
        let stats = runlog::LensStats {
            tokens: 8,
            cross_entropy: None,
            next_top1: 0.25,
            copy_top1: 0.5,
            bigram_top1: None,
            entropy: None,
        };
        Lens {
            schema_version: runlog::LENS_SCHEMA_VERSION,
            variant: v,
            experiment: None,
            config_hash: None,
            step: None,
            measured_on: "a printout".into(),
            bigram_table: None,
            source: None,
            notes: vec!["no bigram_top1: there is no bigram table".into()],
            components: [
                ("x00".to_string(), stats.clone()),
                ("x01".to_string(), stats),
            ]
            .into_iter()
            .collect(),
            sample: runlog::LensSample {
                text: String::new(),
                tokens: Vec::new(),
                top: Default::default(),
            },
            norms: None,
        }
    }

    // The lens figure leaves a cell n/a on NotMeasured alone: every other error stops it.
    #[test]
    fn what_a_lens_lacks_is_told_apart_by_kind() {
        let l = imported();
        let lenses = [("x01, imported".to_string(), &l)];
        assert_eq!(summary(&lenses, "x01", "copy").unwrap().mean, 0.5);
        let err = summary(&lenses, "x01", "bigram").unwrap_err();
        assert!(matches!(err, LensError::NotMeasured { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the lens of x01, imported does not measure bigram (no bigram_top1: there is no \
             bigram table)"
        );
        let err = summary(&lenses, "x02", "copy").unwrap_err();
        assert!(matches!(err, LensError::NoComponent { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the lens of x01, imported has no component `x02`; it decodes: x00, x01"
        );
        let err = summary(&lenses, "x01", "cop\ny").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown lens rate `cop\\ny`; known: next, copy, bigram, cross_entropy, entropy"
        );
        assert_eq!(summary(&[], "x01", "copy").unwrap_err(), LensError::NoLens);
    }
}
