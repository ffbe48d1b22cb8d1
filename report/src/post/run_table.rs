//! `runs_table(variant="x01")`: one row per counted run (its folder, configuration, final val
//! loss and training time), so that a run that stands out, such as the x01 run that took 1492 s
//! against 1457-1468 s for the others, can be shown rather than hidden in a mean.

use super::args::Markdown;
use super::facts::{Facts, RunRow};
use super::md_escape;

/// The markdown table of the runs of `variant` (every variant when `None`), in the facts'
/// order; an error naming the variants there are when none matches.
pub fn runs_table(f: &Facts, variant: Option<&str>) -> crate::Result<Markdown> {
    let rows: Vec<&RunRow> = f
        .run_rows
        .iter()
        .filter(|r| variant.is_none_or(|v| r.variant.to_string() == v))
        .collect();
    if rows.is_empty() {
        return Err(crate::Error::NotInRuns(match variant {
            Some(v) => format!(
                "no finished run of variant `{v}`; known variants: {}",
                f.known_variants()
            ),
            None => "no finished runs".into(),
        }));
    }
    let mut out = String::from(
        "| run | configuration | steps | final val loss | train time (s) |\n\
         |---|---|---:|---:|---:|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} |\n",
            md_escape(&r.name),
            md_escape(&r.configuration),
            r.steps.map_or("–".into(), |s| s.to_string()),
            r.final_loss.map_or("–".into(), |l| format!("{l:.4}")),
            r.train_time_s
        ));
    }
    Ok(out)
}
