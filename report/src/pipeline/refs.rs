//! Pass 6, references: each `{{ ref(fig="lambdas-x01.png") }}` or `{{ ref(table="results") }}`
//! in the filled markdown becomes a link reading "Figure 4" (or "Table 1") to that figure's or
//! table's anchor, numbered as the page numbers them ([`crate::site::numbers`]). With several
//! experiments, `experiment="..."` names the folder the figure was drawn into (and the table's
//! label carries it: `x0-experiment/results`). A reference to a figure or table the page does
//! not show stops the build, naming those it does. The directives pass leaves `ref` alone: it
//! runs here, once every figure and table is in place.

use super::pass::{Context, Flow, Pass, Post};
use crate::post::directives::{self, parse};
use crate::post::{scan, Kind};
use crate::site::numbers::{self, Numbered};
use serde_json::Value;

pub struct Refs;

/// The directive's name, which the directives pass skips.
pub const NAME: &str = parse::REF;

impl Pass for Refs {
    fn name(&self) -> &'static str {
        "references"
    }

    fn run(&self, post: &mut Post, _cx: &Context) -> Flow {
        let md = post.markdown.clone();
        let body_start = crate::config::split_front_matter(&md)
            .map(|(_, s)| s)
            .unwrap_or(0);
        let body = &md[body_start..];
        let listed = numbers::list(body);
        let prose = scan::scan(body).prose(body.len());
        let Ok(found) = directives::find(body, &prose) else {
            return Flow::Go; // said by the directives pass
        };
        let mut edits = Vec::new();
        for d in found {
            let Ok(call) = parse::parse(&d.body) else {
                continue;
            };
            if call.name != NAME {
                continue;
            }
            match resolve(&call.args, &listed) {
                Ok(link) => {
                    edits.push((body_start + d.range.start..body_start + d.range.end, link))
                }
                Err(m) => {
                    let line = post.draft.line_of(d.body.trim());
                    post.problem_on(line, Kind::BadDraft, format!("`{{{{{}}}}}`: {m}", d.body));
                }
            }
        }
        // One pass: replacing each in place moved the rest of the text once per reference.
        post.markdown = super::image_links::rewrite(&post.markdown, edits);
        Flow::Go
    }
}

/// The markdown link a `ref(...)` stands for, or what is wrong with it.
fn resolve(
    args: &std::collections::BTreeMap<String, Value>,
    listed: &[Numbered],
) -> crate::Result<String> {
    let text = |k: &str| args.get(k).and_then(Value::as_str);
    if let Some(k) = args
        .keys()
        .find(|k| !["fig", "table", "experiment"].contains(&k.as_str()))
    {
        return Err(refused(format!(
            "ref(...) takes no argument `{k}`; it takes fig=\"NAME.png\" or table=\"LABEL\", \
             and experiment=\"...\""
        )));
    }
    let (kind, name) = match (text("fig"), text("table")) {
        (Some(f), None) => (numbers::Kind::Figure, f),
        (None, Some(t)) => (numbers::Kind::Table, t),
        _ => {
            return Err(refused(
                "ref(...) needs one of fig=\"NAME.png\" (a figure of this page) or \
                 table=\"LABEL\" (a table captioned `Table: ... {#LABEL}`)"
                    .into(),
            ))
        }
    };
    let key = match text("experiment") {
        Some(e) => format!("{e}/{name}"),
        None => name.to_string(),
    };
    let mut same = listed.iter().filter(|n| n.kind == kind);
    match same.clone().find(|n| n.key == key) {
        Some(n) => Ok(format!("[{} {}](#{})", kind.word(), n.number, n.id)),
        None => {
            let known: Vec<&str> = same
                .by_ref()
                .map(|n| n.key.as_str())
                .filter(|k| !k.is_empty())
                .collect();
            Err(refused(format!(
                "no {} `{key}` on this page; its {}s: {}",
                kind.word().to_lowercase(),
                kind.word().to_lowercase(),
                if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                }
            )))
        }
    }
}

/// A reference the pass cannot resolve: the draft's problem.
fn refused(message: String) -> crate::Error {
    crate::Error::Draft { message }
}
