//! Pass 3, directives: each `{{ ... }}` in the prose (never in code, never inside a paragraph
//! the TODO pass replaced) becomes the markdown it stands for, on the experiment it names
//! (`crate::post::directives`: the call language and the functions). A failed claim or a bad
//! directive is a fatal problem at its line; a check that holds leaves nothing, not even its
//! line.

use super::{Context, Flow, Pass, Post};
use crate::figures;
use crate::post::directives::{self, FigureCheck};
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
        for d in found {
            if !post.is_free(&d.range) {
                continue;
            }
            match directives::expand(&d, &post.sources, &figure_ok, &setup) {
                // A check on a line of its own takes its line with it.
                Ok(text) if text.is_empty() => post.edit(whole_line(&body, d.range), text),
                Ok(text) => post.edit(d.range, text),
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
        Flow::Go
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
