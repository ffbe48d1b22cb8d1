//! Directives: `{{ ... }}` in a draft's prose (never in its code), each one call of one of the
//! project's functions with literal arguments, expanded before the markdown is parsed. One
//! entry, [`expand`]: [`parse`] reads the call by hand (no template engine sees a draft, so
//! nothing but these functions is reachable), [`functions`] checks its arguments against the
//! function's list and runs it on the experiment it names. Each directive is expanded on its
//! own, so an error names its line.

pub mod functions;
pub mod parse;

use super::facts::Facts;
use crate::post::sources::Sources;
use std::ops::Range;
use std::sync::Arc;

pub use functions::{known_names, Called, FUNCTIONS};

/// A directive found in the text: its byte range (braces included) and its inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub range: Range<usize>,
    pub body: String,
}

/// Finds `{{ ... }}` inside each prose range. Err: the offset of a `{{` that is never closed.
pub fn find(text: &str, prose: &[Range<usize>]) -> Result<Vec<Directive>, usize> {
    let mut out = Vec::new();
    for r in prose {
        let seg = &text[r.clone()];
        let mut at = 0;
        while let Some(i) = seg[at..].find("{{") {
            let open = at + i;
            let Some(j) = seg[open + 2..].find("}}") else {
                return Err(r.start + open);
            };
            let close = open + 2 + j + 2;
            out.push(Directive {
                range: r.start + open..r.start + close,
                body: seg[open + 2..close - 2].to_string(),
            });
            at = close;
        }
    }
    Ok(out)
}

/// Validates a figure name and says why it cannot be drawn.
pub type FigureCheck = Arc<dyn Fn(&str) -> crate::Result<()> + Send + Sync>;

/// Renders the description of an experiment's runs (the `setup.md` template).
pub type Setup<'a> = dyn Fn(&Facts) -> crate::Result<crate::post::args::Markdown> + 'a;

/// The markdown a directive stands for (and a claim's audit), or what is wrong with it (its
/// text quoted).
pub fn expand(
    d: &Directive,
    sources: &Sources,
    figure_ok: &FigureCheck,
    setup: &Setup<'_>,
) -> crate::Result<Called> {
    let call = parse::parse(&d.body).map_err(|e| crate::Error::Unreadable {
        body: d.body.clone(),
        reason: e.to_string(),
        known: known_names(),
    })?;
    functions::call(&call.name, call.args, sources, figure_ok, setup)
}
