//! Pass 2, TODOs: a TODO paragraph is filled by the section it stands in. Under a setup
//! heading it becomes the description of the runs (the `setup.md` template); under a variant
//! heading (`### x01`) inside a lambdas section, that variant's heatmap and table. Any other
//! TODO is kept, and reported with the reason. In a post over several experiments a TODO
//! cannot tell which one it means: it is kept, and the report names the directive to use.

use super::pass::{Context, Flow, Pass, Post};
use crate::post::generate;
use crate::post::scan::{self, has_todo, Heading};
use crate::post::Kind;
use crate::{Error, Result};

pub struct Todos;

impl Pass for Todos {
    fn name(&self) -> &'static str {
        "TODOs"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        let s = scan::scan(post.draft.body());
        for p in s.paragraphs.iter().filter(|p| has_todo(&p.text)) {
            let sections = s.sections_at(p.range.start);
            match place(&sections, post, cx) {
                Ok(text) => post.edit(p.range.clone(), text),
                Err(why) => post.problem_at(p.range.start, Kind::TodoLeft, why.to_string()),
            }
        }
        for &at in &s.todos_elsewhere {
            post.problem_at(
                at,
                Kind::TodoLeft,
                "TODO outside a paragraph of its own (in a heading, list or table): kept".into(),
            );
        }
        Flow::Go
    }
}

/// What a TODO under `sections` (nearest first) becomes, or why it is kept.
fn place(sections: &[&Heading], post: &Post, cx: &Context) -> Result<String> {
    let Some(nearest) = sections.first() else {
        return Err(kept(
            "TODO before any heading: no section says what belongs here; kept".into(),
        ));
    };
    let lower = nearest.text.to_lowercase();
    let in_setup = ["setup", "set-up", "set up"]
        .iter()
        .any(|k| lower.contains(k));
    let in_lambdas = sections[1..]
        .iter()
        .any(|h| h.text.to_lowercase().contains("lambda"));
    let first_word = nearest.text.split_whitespace().next().unwrap_or("");
    let names_variant = runlog::Variant::parse(first_word).is_ok();
    if !(in_setup || in_lambdas && names_variant) {
        return Err(kept(format!(
            "TODO under `{}`: the tool fills TODOs in a setup section and under a variant \
             heading (like `### x01`) in a lambdas section only; kept",
            nearest.text
        )));
    }
    let what = if in_setup {
        "{{ setup(experiment=\"...\") }}".to_string()
    } else {
        format!("{{{{ lambda_table(variant=\"{first_word}\", experiment=\"...\") }}}}")
    };
    let source = post.sources.pick(None).map_err(|e| {
        kept(format!(
            "TODO under `{}`: {e}; write {what} instead; kept",
            nearest.text
        ))
    })?;
    let facts = &source.facts;
    if in_setup {
        if facts.variants.is_empty() {
            return Err(kept(
                "TODO in the setup section, but there are no runs to describe; kept".into(),
            ));
        }
        return cx.templates.setup(&generate::setup_view(facts));
    }
    match facts.variant(first_word) {
        Ok(v) => Ok(generate::lambda_section(facts, v)),
        Err(e) => Err(kept(format!("TODO under `{}`: {e}; kept", nearest.text))),
    }
}

/// A TODO the pass leaves in place: the draft's problem, saying why.
fn kept(message: String) -> Error {
    Error::Draft { message }
}
