//! Claims that order the variants' means of one metric (`metric=`, default `final_loss`):
//! - `falls`, `rises`: along `variants=[...]` (default, or `"all"`: every variant in order);
//! - `below`, `above`: `variant=` against `than=`;
//! - `lowest`, `highest`: `variant=` against every other of `variants` (default all).

use super::{Audit, Claim, Kind};
use crate::post::facts::Stat;
use crate::Result;

pub(super) fn check(c: &Claim, audit: &mut Audit) -> Result<()> {
    let f = c.facts;
    let metric = c.metric();
    let stat = |name: &str| -> Result<&Stat> { f.variant(name)?.metric(metric) };
    let listing = |names: &[String]| -> Result<String> {
        let parts: Result<Vec<String>> = names
            .iter()
            .map(|n| Ok(format!("{n} {}", stat(n)?.display(5))))
            .collect();
        Ok(format!("{metric}: {}", parts?.join(", ")))
    };
    audit.metric = Some(metric.to_string());
    match c.kind {
        Kind::Falls | Kind::Rises => {
            let variants = ordered(c)?;
            audit.add_variants(f, &variants);
            let falls = c.kind == Kind::Falls;
            for w in variants.windows(2) {
                let (a, b) = (stat(&w[0])?.mean, stat(&w[1])?.mean);
                if (falls && b >= a) || (!falls && b <= a) {
                    let not = if falls {
                        "is not below"
                    } else {
                        "is not above"
                    };
                    return c.fail(format!("{} ({} {not} {})", listing(&variants)?, w[1], w[0]));
                }
            }
            Ok(())
        }
        Kind::Below | Kind::Above => {
            let (v, than) = (c.need("variant")?, c.need("than")?);
            let pair = [v.to_string(), than.to_string()];
            audit.add_variants(f, &pair);
            let (a, b) = (stat(v)?.mean, stat(than)?.mean);
            let holds = if c.kind == Kind::Below { a < b } else { a > b };
            if holds {
                Ok(())
            } else {
                c.fail(listing(&pair)?)
            }
        }
        _ => {
            let v = c.need("variant")?;
            let variants = match c.args.names("variants") {
                Some(names) => names,
                None => all(c),
            };
            audit.add_variants(f, &variants);
            let me = stat(v)?.mean;
            let lowest = c.kind == Kind::Lowest;
            for o in variants.iter().filter(|o| o.as_str() != v) {
                let other = stat(o)?.mean;
                if (lowest && other <= me) || (!lowest && other >= me) {
                    let not = if lowest { "above" } else { "below" };
                    return c.fail(format!("{} ({o} is not {not} {v})", listing(&variants)?));
                }
            }
            Ok(())
        }
    }
}

/// `variants=[...]` as given, or every variant in order (`variants="all"` or none given).
fn ordered(c: &Claim) -> Result<Vec<String>> {
    if c.args.text("variant").is_some() {
        return c.bad(format!(
            "that=\"{}\" orders `variants=[...]`; it takes no single `variant`",
            c.kind
        ));
    }
    Ok(c.variants()?.unwrap_or_else(|| all(c)))
}

fn all(c: &Claim) -> Vec<String> {
    c.facts
        .variants
        .iter()
        .map(|v| v.variant.to_string())
        .collect()
}
