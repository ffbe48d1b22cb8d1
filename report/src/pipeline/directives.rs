//! Pass 3, directives: each `{{ ... }}` in the prose (never in code, never inside a paragraph
//! the TODO pass replaced) becomes the markdown it stands for, on the experiment it names
//! (`crate::post::directives`: the call language and the functions). A failed claim or a bad
//! directive is a fatal problem at its line; a check that holds leaves nothing, not even its
//! line. Each claim is recorded with the sentence it follows and what it checked
//! ([`claim_audit`]), and a block that says a difference is absent without an equivalence claim
//! is reported.

use super::{claim_audit, Context, Flow, Pass, Post};
use crate::figures;
use crate::post::claims::audit::Record;
use crate::post::directives::{self, parse, FigureCheck};
use crate::post::{scan, Kind};
use std::ops::Range;
use std::sync::Arc;

pub struct Directives;

impl Pass for Directives {
    fn name(&self) -> &'static str {
        "directives"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        let body = post.draft.body().to_owned();
        let prose = scan::scan(&body).prose(body.len());
        let found = match directives::find(&body, &prose) {
            Ok(found) => found,
            Err(at) => {
                post.problem_at(
                    at,
                    Kind::BadDraft,
                    "unclosed directive: `{{` without a matching `}}` in the same paragraph".into(),
                );
                return Flow::Go;
            }
        };
        let figure_ok: FigureCheck =
            Arc::new(|name: &str| figures::parse(name).map(|_| ()).map_err(|e| e.to_string()));
        let setup = |facts: &_| cx.templates.setup(facts);
        let mut claims = Vec::new();
        for d in found {
            // References are resolved once every figure and table is in place (`refs`).
            let is_ref =
                directives::parse::parse(&d.body).is_ok_and(|c| c.name == super::refs::NAME);
            if !post.is_free(&d.range) || is_ref {
                continue;
            }
            let result = directives::expand(&d, &post.sources, &figure_ok, &setup);
            if let Some(call) = parse::parse(&d.body).ok().filter(|c| c.name == "check") {
                let outcome = match &result {
                    Ok(called) => called.audit.clone().ok_or_else(String::new),
                    Err(msg) => Err(msg.clone()),
                };
                claims.push((d.range.clone(), call, outcome));
            }
            match result {
                // A check on a line of its own takes its line with it.
                Ok(c) if c.text.is_empty() => post.edits.push((whole_line(&body, d.range), c.text)),
                Ok(c) => post.edits.push((d.range, c.text)),
                Err(msg) => {
                    let kind = if msg.starts_with("claim \"") {
                        Kind::FailedClaim
                    } else {
                        Kind::BadDraft
                    };
                    post.problem_at(d.range.start, kind, msg);
                }
            }
        }
        record(post, &body, claims);
        Flow::Go
    }
}

type Found = (
    Range<usize>,
    parse::Call,
    Result<crate::post::claims::Audit, String>,
);

/// Each claim with its sentence into `post.claims`; each block that says a difference is absent
/// with no equivalence claim in it, a problem.
fn record(post: &mut Post, body: &str, claims: Vec<Found>) {
    let text = |c: &parse::Call, k: &str| c.args.get(k).and_then(|v| v.as_str()).map(String::from);
    let mut backed = Vec::new();
    for (range, call, outcome) in claims {
        let that = text(&call, "that").unwrap_or_default();
        if that == "equivalent" {
            backed.push(claim_audit::block_start(body, range.start));
        }
        let line = scan::line_of(&post.draft.text, post.draft.body_start + range.start);
        post.claims.push(Record {
            path: post.draft.path.clone(),
            line,
            claim: text(&call, "claim").unwrap_or_default(),
            that,
            experiment: text(&call, "experiment"),
            sentence: claim_audit::sentence_before(body, &range, &post.edits),
            outcome,
        });
    }
    let code = scan::scan(body).code;
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < body.len())
        .map(|i| claim_audit::block_start(body, i))
        .collect();
    starts.dedup();
    for start in starts {
        let end = claim_audit::block_end(body, start);
        // Code is the author's example, not a statement: blanked before looking.
        let mut text = body[start..end].to_string();
        for r in &code {
            let (a, b) = (r.start.max(start), r.end.min(end));
            if a < b {
                text.replace_range(a - start..b - start, &" ".repeat(b - a));
            }
        }
        let words = claim_audit::absence_words(&text, 0..text.len());
        if words.is_empty() || backed.contains(&start) {
            continue;
        }
        post.problem_at(
            start,
            Kind::Wording,
            format!(
                "\"{}\" says a difference is absent, and not significant is not absent: back it \
                 with check(that=\"equivalent\", within=...) in the same paragraph or list \
                 item, or say what the runs could have detected",
                words.join("\", \"")
            ),
        );
    }
}

/// `range` widened to its whole line (newline included) when nothing else is on that line.
fn whole_line(text: &str, range: Range<usize>) -> Range<usize> {
    let start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    let alone =
        text[start..range.start].trim().is_empty() && text[range.end..end].trim().is_empty();
    if alone {
        start..end
    } else {
        range
    }
}
