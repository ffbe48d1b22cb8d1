//! One post through the site's passes, in the manner of mdBook's preprocessors: a post is
//! handed down a list of passes, each one module with one entry point ([`Pass::run`]),
//! registered in one place ([`PASSES`]):
//!
//! 1. [`front_matter`]: the front matter read; the experiments the post names, each with the
//!    facts and runs it is filled and drawn from ([`Sources`]);
//! 2. [`todos`]: TODO paragraphs filled by the section they stand in;
//! 3. [`directives`]: each `{{ ... }}` expanded (numbers, tables, figures, claim checks);
//! 4. [`links`]: `name (LINK)` placeholders filled from site.toml's links;
//! 5. [`figures`]: image links resolved, figures drawn (an author's image used as is);
//! 6. [`refs`]: `ref(fig=...)` / `ref(table=...)` become links reading "Figure 4";
//! 7. [`html`]: the markdown rendered, its links checked, the page made.
//!
//! The text passes (2-4) never change the draft's text: each records edits against the body,
//! so every problem names the draft's own line, and the filled markdown is assembled once, when
//! the figures pass needs it. A pass that cannot go on stops the post ([`Flow::Stop`]); a post
//! with a fatal problem gets no page. Nothing here writes a page: the build does, from
//! [`Post::page`], when no pass found a fatal problem.

pub mod claim_audit;
pub mod directives;
pub mod figures;
pub mod front_matter;
pub mod html;
mod image_links;
pub mod links;
pub mod refs;
mod sources;
pub mod todos;

pub use sources::{Source, Sources};

use crate::build::BuildOptions;
use crate::config::SiteConfig;
use crate::post::{Draft, Kind, Problem};
use crate::site::{images::Images, Page, Templates};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

/// Whether the post goes on to the next pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Go,
    Stop,
}

/// One pass over a post.
pub trait Pass: Sync {
    /// What the pass does, in a few words (the module docs say the rest).
    fn name(&self) -> &'static str;
    fn run(&self, post: &mut Post, cx: &Context) -> Flow;
}

/// Every pass, in order: the one place a pass is registered.
pub const PASSES: &[&dyn Pass] = &[
    &front_matter::FrontMatter,
    &todos::Todos,
    &directives::Directives,
    &links::Links,
    &figures::Figures,
    &refs::Refs,
    &html::Html,
];

/// The passes that fill the text: front matter to links (they read no file and write none).
pub fn text_passes() -> &'static [&'static dyn Pass] {
    &PASSES[..4]
}

/// What every pass may read: the build's paths, site.toml, the templates, the runs.
pub struct Context<'a> {
    pub options: &'a BuildOptions,
    pub config: &'a SiteConfig,
    pub templates: &'a Templates,
    pub runs: &'a crate::build::runs::PerDraft<'a>,
}

/// A post on its way through the passes.
#[derive(Debug)]
pub struct Post {
    pub draft: Draft,
    /// The experiments the post draws on (set by the front matter pass).
    pub sources: Sources,
    /// Replacements of byte ranges of the draft's body, from the text passes ([`Post::edit`]).
    pub edits: Vec<(Range<usize>, String)>,
    /// The ranges of `edits` by start (they never overlap): [`Post::is_free`] in log time.
    edited: BTreeMap<usize, usize>,
    pub problems: Vec<Problem>,
    /// The experiments the post uses and their runs, one line each (`report check` lists them).
    pub uses: Vec<String>,
    /// Every claim, with the sentence it follows and what it checked.
    pub claims: Vec<crate::post::claims::audit::Record>,
    /// The filled markdown (front matter and body), from the figures pass on; image links then
    /// point at the files next to the page.
    pub markdown: String,
    /// What the page knows of each image it shows, by the source its markdown links.
    pub shown: Images,
    /// Files to copy next to the page: (from, to).
    pub copies: Vec<(PathBuf, PathBuf)>,
    /// Files made for the page (its social image): (where, bytes).
    pub generated: Vec<(PathBuf, Vec<u8>)>,
    /// Figure files drawn into the figures folder (each rendition).
    pub drawn: Vec<PathBuf>,
    /// The page, made by the HTML pass.
    pub page: Option<Page>,
}

impl Post {
    /// A draft read from `path`, before any pass.
    pub fn new(path: PathBuf, text: String) -> Post {
        Post {
            draft: Draft::unparsed(&path, text),
            sources: Sources::default(),
            edits: Vec::new(),
            edited: BTreeMap::new(),
            problems: Vec::new(),
            uses: Vec::new(),
            claims: Vec::new(),
            markdown: String::new(),
            shown: Images::new(),
            copies: Vec::new(),
            generated: Vec::new(),
            drawn: Vec::new(),
            page: None,
        }
    }

    /// A problem at byte `at` of the body, named by the draft's line.
    pub fn problem_at(&mut self, at: usize, kind: Kind, message: String) {
        let line = self.draft.line_at(self.draft.body_start + at);
        self.problem_on(line, kind, message);
    }

    /// A problem on `line` of the draft (0: the whole file).
    pub fn problem_on(&mut self, line: usize, kind: Kind, message: String) {
        self.problems.push(Problem {
            path: self.draft.path.clone(),
            line,
            kind,
            message,
        });
    }

    /// Replaces `range` of the body by `text` (in the filled draft); the caller has checked
    /// with [`Post::is_free`] that no earlier edit covers any of it.
    pub fn edit(&mut self, range: Range<usize>, text: String) {
        let end = self.edited.entry(range.start).or_insert(range.end);
        *end = (*end).max(range.end);
        self.edits.push((range, text));
    }

    /// Whether `range` of the body is still the draft's own text (no earlier pass replaced any
    /// of it). Edits never overlap, so only the last one starting before `range` ends can.
    pub fn is_free(&self, range: &Range<usize>) -> bool {
        let last = self.edited.range(..range.end).next_back();
        last.is_none_or(|(_, &end)| range.start >= end)
    }

    /// The draft with every edit of the text passes put in; its front matter, if it has one,
    /// written again as valid YAML (the draft's may not be: see `FrontMatter::not_yaml`).
    pub fn filled(&self) -> String {
        let body = self.draft.body();
        let mut edits: Vec<&(Range<usize>, String)> = self.edits.iter().collect();
        edits.sort_by_key(|(r, _)| r.start);
        let mut out = String::with_capacity(self.draft.text.len() * 2);
        let front = &self.draft.text[..self.draft.body_start];
        if front.trim_start_matches('\u{feff}').starts_with("---") {
            let f = &self.draft.front;
            out.push_str(&f.to_yaml(f.image.as_deref()));
        } else {
            out.push_str(front);
        }
        let mut at = 0;
        for (r, text) in edits {
            if r.start < at {
                continue;
            }
            out.push_str(&body[at..r.start]);
            out.push_str(text);
            at = r.end;
        }
        out.push_str(&body[at..]);
        out
    }

    /// Whether a problem found so far keeps the post from getting a page.
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| p.kind.fatal())
    }
}

/// Runs `passes` over `post` in order, until one stops it.
pub fn run(post: &mut Post, cx: &Context, passes: &[&dyn Pass]) {
    for pass in passes {
        if pass.run(post, cx) == Flow::Stop {
            break;
        }
    }
    post.problems.sort_by_key(|p| (p.line, p.kind));
}
