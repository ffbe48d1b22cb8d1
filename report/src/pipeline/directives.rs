//! Pass 3, directives: each `{{ ... }}` in the prose (never in code, never inside a paragraph
//! the TODO pass replaced) becomes the markdown it stands for, on the experiment it names
//! (`crate::post::directives`: the call language and the functions). A failed claim or a bad
//! directive is a fatal problem at its line; a check that holds leaves nothing, not even its
//! line. Each claim is recorded with the sentence it follows and what it checked
//! ([`claim_audit`]), and a block that says a difference is absent without an equivalence claim
//! is reported.

use super::claim_audit;
use super::pass::{Context, Flow, Pass, Post};
use crate::figures;
use crate::post::claims::audit::{Failure, Record};
use crate::post::directives::{self, parse, FigureCheck};
use crate::post::{generate, scan, Kind};
use std::collections::HashSet;
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
        let figure_ok: FigureCheck = Arc::new(|name: &str| figures::parse(name).map(|_| ()));
        let setup = |facts: &_| cx.templates.setup(&generate::setup_view(facts));
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
                    Ok(called) => called.audit.clone().ok_or(Failure(String::new())),
                    Err(e) => Err(Failure(e.to_string())),
                };
                claims.push((d.range.clone(), call, outcome));
            }
            match result {
                // A check on a line of its own takes its line with it.
                Ok(c) if c.text.is_empty() => post.edit(whole_line(&body, d.range), c.text),
                Ok(c) => post.edit(d.range, c.text),
                Err(e) => {
                    let kind = match e {
                        crate::Error::FalseClaim { .. } | crate::Error::BadClaim { .. } => {
                            Kind::FailedClaim
                        }
                        _ => Kind::BadDraft,
                    };
                    post.problem_at(d.range.start, kind, e.to_string());
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
    Result<crate::post::claims::Audit, Failure>,
);

/// Each claim with its sentence into `post.claims`; each block that says a difference is absent
/// with no equivalence claim in it, a problem.
fn record(post: &mut Post, body: &str, claims: Vec<Found>) {
    let text = |c: &parse::Call, k: &str| c.args.get(k).and_then(|v| v.as_str()).map(String::from);
    let blocks = claim_audit::Blocks::new(body);
    let mut edits = post.edits.clone();
    edits.sort_by_key(|(r, _)| r.start);
    let mut backed = HashSet::new();
    for (range, call, outcome) in claims {
        let that = text(&call, "that").unwrap_or_default();
        let block = blocks.start_of(range.start);
        if that == "equivalent" {
            backed.insert(block);
        }
        let line = post.draft.line_at(post.draft.body_start + range.start);
        post.claims.push(Record {
            path: post.draft.path.clone(),
            line,
            claim: text(&call, "claim").unwrap_or_default(),
            that,
            experiment: text(&call, "experiment"),
            sentence: claim_audit::sentence_before(body, block, &range, &edits),
            outcome,
        });
    }
    let code = scan::scan(body).code;
    for start in blocks.starts(body.len()) {
        let end = claim_audit::block_end(body, start);
        // Code is the author's example, not a statement: blanked before looking (the ranges
        // are sorted and never overlap).
        let mut text = body[start..end].to_string();
        let first = code.partition_point(|r| r.end <= start);
        for r in code[first..].iter().take_while(|r| r.start < end) {
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

/// `range` widened to its whole line (newline included) when nothing else is on that line;
/// looked at from the directive outwards, so a long line costs no more than its blanks.
fn whole_line(text: &str, range: Range<usize>) -> Range<usize> {
    let blank = |c: char| c.is_whitespace() && c != '\n';
    let before = text[..range.start].trim_end_matches(blank);
    let after = text[range.end..].trim_start_matches(blank);
    if (before.is_empty() || before.ends_with('\n'))
        && (after.is_empty() || after.starts_with('\n'))
    {
        let end = text.len() - after.len() + usize::from(after.starts_with('\n'));
        before.len()..end
    } else {
        range
    }
}

#[cfg(test)]
mod tests {
    use super::whole_line;

    #[test]
    fn a_directive_alone_on_its_line_takes_the_line_with_it() {
        let text = "a\n  {{ c }} \r\nb {{ d }}\n{{ e }}";
        let at = |s: &str| text.find(s).unwrap()..text.find(s).unwrap() + s.len();
        assert_eq!(&text[whole_line(text, at("{{ c }}"))], "  {{ c }} \r\n");
        assert_eq!(whole_line(text, at("{{ d }}")), at("{{ d }}"));
        assert_eq!(&text[whole_line(text, at("{{ e }}"))], "{{ e }}");
        assert_eq!(whole_line("x {{ f }}", 2..9), 2..9);
    }
}
