//! What every pass works with: the post on its way ([`Post`]), what it may read ([`Context`]),
//! and the pass itself ([`Pass`], [`Flow`]). Its own module, so the passes and the list that
//! registers them (`mod.rs`) both use it and neither uses the other's file.

use super::experiments::PerDraft;
use crate::post::sources::Sources;

use crate::config::SiteConfig;
use crate::folders::BuildOptions;
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

/// What every pass may read: the build's paths, site.toml, the templates, the runs.
pub struct Context<'a> {
    pub options: &'a BuildOptions,
    pub config: &'a SiteConfig,
    pub templates: &'a Templates,
    pub runs: &'a PerDraft<'a>,
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
