//! Filling a draft: draft text + facts from the runs + links table -> filled markdown.
//!
//! Pipeline (one pass each, all outside code blocks and inline code):
//! 1. `scan`: code ranges, headings, paragraphs;
//! 2. TODO paragraphs are filled from the section they stand in (`todo`): a setup section gets
//!    the description of the runs, a variant heading under a lambdas heading gets that variant's
//!    heatmap and table; any other TODO is kept and reported;
//! 3. `directives`: each `{{ ... }}`, one call of one of the project's functions with literal
//!    arguments, is expanded (numbers, tables, figures, claim checks);
//! 4. `links`: `name (LINK)` placeholders are filled from the links table.
//!
//! The draft itself is never written; the caller gets the filled text and the problems found.

pub mod claims;
pub mod directives;
pub mod facts;
pub mod from_runs;
pub mod generate;
pub mod links;
pub mod scan;
mod todo;

use crate::config::{split_front_matter, FrontMatter};
use facts::Facts;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A draft as read from posts/.
#[derive(Debug, Clone)]
pub struct Draft {
    pub path: PathBuf,
    /// The file stem: the page lives at `<slug>/`.
    pub slug: String,
    pub text: String,
    pub front: FrontMatter,
    /// Where the body starts in `text` (after the front matter).
    pub body_start: usize,
}

impl Draft {
    pub fn parse(path: &Path, text: String) -> Result<Draft, Problem> {
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (front, body_start) = split_front_matter(&text).map_err(|(line, message)| Problem {
            path: path.to_owned(),
            line,
            kind: Kind::BadDraft,
            message,
        })?;
        Ok(Draft {
            path: path.to_owned(),
            slug,
            text,
            front,
            body_start,
        })
    }

    /// The line of the first occurrence of `text` in the draft (1 when absent), for messages.
    pub fn line_of(&self, text: &str) -> usize {
        self.text
            .find(text)
            .map_or(1, |at| scan::line_of(&self.text, at))
    }

    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }

    /// Front matter title, else the first level-1 heading, else the slug.
    pub fn title(&self) -> String {
        if let Some(t) = &self.front.title {
            return t.clone();
        }
        scan::scan(self.body())
            .headings
            .iter()
            .find(|h| h.level == 1)
            .map(|h| h.text.clone())
            .unwrap_or_else(|| self.slug.clone())
    }
}

/// What kind of problem; `fatal` ones fail `report build`, the others only `report check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    BadDraft,
    /// A run failed its checks: the posts of its experiment get no page.
    BadRun,
    FailedClaim,
    Figure,
    Image,
    TodoLeft,
    UnresolvedLink,
    BrokenLink,
    /// A run that has not finished: left out of every number, listed by `report check`.
    Unfinished,
}

impl Kind {
    pub fn fatal(self) -> bool {
        matches!(
            self,
            Kind::BadDraft | Kind::BadRun | Kind::FailedClaim | Kind::Figure | Kind::Image
        )
    }
    fn label(self) -> &'static str {
        match self {
            Kind::BadDraft => "error",
            Kind::BadRun => "bad run",
            Kind::FailedClaim => "claim failed",
            Kind::Figure => "figure",
            Kind::Image => "image",
            Kind::TodoLeft => "TODO left",
            Kind::UnresolvedLink => "unresolved link",
            Kind::BrokenLink => "broken link",
            Kind::Unfinished => "not finished",
        }
    }
}

/// A problem in a draft (or a run), with its file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub kind: Kind,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": {}: {}", self.kind.label(), self.message)
    }
}

/// The filled draft: the same front matter, the body with everything generated put in.
#[derive(Debug, Clone)]
pub struct Filled {
    pub markdown: String,
    pub problems: Vec<Problem>,
}

/// Fills `draft` from `facts` and `links`; `figure_ok` says whether a figure name can be drawn.
pub fn fill(
    draft: &Draft,
    facts: Arc<Facts>,
    links: &BTreeMap<String, String>,
    figure_ok: directives::FigureCheck,
) -> Filled {
    let body = draft.body();
    let s = scan::scan(body);
    let mut problems = Vec::new();
    let problem = |at: usize, kind: Kind, message: String| Problem {
        path: draft.path.clone(),
        line: scan::line_of(&draft.text, draft.body_start + at),
        kind,
        message,
    };
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();

    for t in todo::fill(&s, &facts) {
        match t {
            Ok((range, text)) => edits.push((range, text)),
            Err((at, msg)) => problems.push(problem(at, Kind::TodoLeft, msg)),
        }
    }
    let replaced: Vec<Range<usize>> = edits.iter().map(|(r, _)| r.clone()).collect();
    let free = |r: &Range<usize>| !replaced.iter().any(|x| x.start < r.end && r.start < x.end);
    let prose = s.prose(body.len());

    match directives::find(body, &prose) {
        Err(at) => problems.push(problem(
            at,
            Kind::BadDraft,
            "unclosed directive: `{{` without a matching `}}` in the same paragraph".into(),
        )),
        Ok(found) => {
            for d in found.into_iter().filter(|d| free(&d.range)) {
                match directives::expand(&d, &facts, &figure_ok) {
                    // A check on a line of its own takes its line with it.
                    Ok(text) if text.is_empty() => edits.push((whole_line(body, d.range), text)),
                    Ok(text) => edits.push((d.range, text)),
                    Err(msg) => {
                        let kind = if msg.starts_with("claim \"") {
                            Kind::FailedClaim
                        } else {
                            Kind::BadDraft
                        };
                        problems.push(problem(d.range.start, kind, msg))
                    }
                }
            }
        }
    }

    for l in links::find(body, &prose, links) {
        match l {
            links::Found::Resolved { range, markdown } if free(&range) => {
                edits.push((range, markdown))
            }
            links::Found::Resolved { .. } => {}
            links::Found::Unresolved { at, guess } => problems.push(problem(
                at,
                Kind::UnresolvedLink,
                format!(
                    "`{guess} (LINK)`: no link named `{guess}` in site.toml [links]; known links: {}",
                    if links.is_empty() {
                        "(none)".to_string()
                    } else {
                        links.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
            )),
        }
    }

    edits.sort_by_key(|(r, _)| r.start);
    let mut markdown = String::with_capacity(draft.text.len() * 2);
    markdown.push_str(&draft.text[..draft.body_start]);
    let mut at = 0;
    for (r, text) in edits {
        if r.start < at {
            continue;
        }
        markdown.push_str(&body[at..r.start]);
        markdown.push_str(&text);
        at = r.end;
    }
    markdown.push_str(&body[at..]);
    problems.sort_by_key(|p| (p.line, p.kind));
    Filled { markdown, problems }
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

/// Escapes text from the runs (variant names, devices) so markdown shows it as written:
/// a variant named `<script>` stays text.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '#' | '!' | '{' | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
