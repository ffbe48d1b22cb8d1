//! Claims about the whole run, along `axis="step"` (default) or `"time"`, on the variants' mean
//! loss curves at every evaluation in the range the curves compared all cover:
//! - `lowest_most`: `variant`'s mean is the lowest of all at more than `share` (default 0.5) of
//!   those evaluations ("by training time the baseline leads for most of the run");
//! - `below_most`: `variant`'s mean is below `than`'s at more than `share` of them.

use super::{Audit, Claim, Kind};
use crate::post::derived::{axis_of, below, lowest, Tally};
use crate::Result;

pub(super) fn check(c: &Claim, audit: &mut Audit) -> Result<()> {
    let (f, args) = (c.facts, c.args);
    let variant = c.need("variant")?;
    let axis = axis_of(args)?;
    let share = args.number("share").unwrap_or(0.5);
    if !(0.0..1.0).contains(&share) {
        return c.bad(format!(
            "share={share} is no fraction: it is at least 0 and below 1"
        ));
    }
    audit.metric = Some(format!(
        "mean val loss at every evaluation by {}",
        axis.name()
    ));
    let unit = match axis {
        crate::stats::Axis::Step => "steps",
        crate::stats::Axis::Time => "s",
    };
    let within = |t: &Tally| format!("{:.0}-{:.1} {unit}", t.range.0, t.range.1);
    let holds = |t: &Tally| t.wins as f64 > share * t.points as f64;
    let numbers = if c.kind == Kind::LowestMost {
        let (t, all) = lowest(f, variant, axis)?;
        let names: Vec<String> = all.iter().map(|(v, _)| v.clone()).collect();
        audit.add_variants(f, &names);
        audit.found.push(format!(
            "{variant} lowest at {} of {} evaluations",
            t.wins, t.points
        ));
        if holds(&t) {
            return Ok(());
        }
        let counts: Vec<String> = all.iter().map(|(v, n)| format!("{v} {n}")).collect();
        format!(
            "{variant}'s mean loss is the lowest at {} of the {} evaluations in {} (more than \
             {share} of them claimed); lowest, by variant: {}",
            t.wins,
            t.points,
            within(&t),
            counts.join(", ")
        )
    } else {
        let than = c.need("than")?;
        let t = below(f, variant, than, axis)?;
        audit.add_variants(f, &[variant.to_string(), than.to_string()]);
        audit.found.push(format!(
            "{variant} below {than} at {} of {} evaluations",
            t.wins, t.points
        ));
        if holds(&t) {
            return Ok(());
        }
        format!(
            "{variant}'s mean loss is below {than}'s at {} of the {} evaluations in {} (more \
             than {share} of them claimed)",
            t.wins,
            t.points,
            within(&t)
        )
    };
    c.fail(numbers)
}
