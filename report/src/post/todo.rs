//! TODO filling by section: a TODO paragraph under a setup heading gets the description of the
//! runs; under a variant heading (`### x01`) inside a lambdas section, that variant's heatmap and
//! table. Any other TODO is kept, and reported with the reason.

use super::facts::Facts;
use super::generate;
use super::scan::{has_todo, Heading, Scan};
use std::ops::Range;

type Fill = Result<(Range<usize>, String), (usize, String)>;

pub fn fill(s: &Scan, facts: &Facts) -> Vec<Fill> {
    let mut out: Vec<Fill> = s
        .paragraphs
        .iter()
        .filter(|p| has_todo(&p.text))
        .map(|p| {
            let sections = s.sections_at(p.range.start);
            place(&sections, facts)
                .map(|text| (p.range.clone(), text))
                .map_err(|why| (p.range.start, why))
        })
        .collect();
    for &at in &s.todos_elsewhere {
        out.push(Err((
            at,
            "TODO outside a paragraph of its own (in a heading, list or table): kept".into(),
        )));
    }
    out
}

fn place(sections: &[&Heading], facts: &Facts) -> Result<String, String> {
    let Some(nearest) = sections.first() else {
        return Err("TODO before any heading: no section says what belongs here; kept".into());
    };
    let lower = nearest.text.to_lowercase();
    if ["setup", "set-up", "set up"]
        .iter()
        .any(|k| lower.contains(k))
    {
        if facts.variants.is_empty() {
            return Err(
                "TODO in the setup section, but there are no runs to describe; kept".into(),
            );
        }
        return Ok(generate::setup(facts));
    }
    let in_lambdas = sections[1..]
        .iter()
        .any(|h| h.text.to_lowercase().contains("lambda"));
    let first_word = nearest.text.split_whitespace().next().unwrap_or("");
    let names_variant = runlog::Variant::parse(first_word).is_ok();
    if in_lambdas && names_variant {
        return match facts.variant(first_word) {
            Ok(v) => Ok(generate::lambda_section(facts, v)),
            Err(e) => Err(format!("TODO under `{}`: {e}; kept", nearest.text)),
        };
    }
    Err(format!(
        "TODO under `{}`: the tool fills TODOs in a setup section and under a variant heading \
         (like `### x01`) in a lambdas section only; kept",
        nearest.text
    ))
}
