//! What a draft is filled from, and with what: the draft itself ([`Draft`], never written), the
//! problems found in it ([`Problem`]), and the pieces the pipeline's passes use:
//! `scan` (code ranges, headings, paragraphs; directives and TODOs are looked for outside code
//! only), `facts` and `from_runs` (the numbers of one experiment), `generate` (the setup text,
//! lambda sections, formatting), `directives` (the functions a draft may call), `claims` (the
//! claim checks), `lens` (the lens table and numbers) and `links` (the `(LINK)` placeholders).

pub mod args;
pub mod claims;
pub mod derived;
pub mod directives;
pub mod facts;
pub mod from_runs;
pub mod generate;
pub mod lens;
pub mod lines;
pub mod links;
pub mod run_table;
pub mod scan;
pub mod sources;

use crate::config::{split_front_matter, FrontMatter};
use lines::Located;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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
    /// Lines and link places, found on first use.
    located: OnceLock<Located>,
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
            located: OnceLock::new(),
        })
    }

    /// A draft whose front matter is not read yet (the front matter pass reads it).
    pub fn unparsed(path: &Path, text: String) -> Draft {
        Draft {
            path: path.to_owned(),
            slug: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            text,
            front: FrontMatter::default(),
            body_start: 0,
            located: OnceLock::new(),
        }
    }

    fn located(&self) -> &Located {
        self.located
            .get_or_init(|| Located::new(&self.text, self.body_start))
    }

    /// The 1-based line of byte offset `at` of the draft's text.
    pub fn line_at(&self, at: usize) -> usize {
        self.located().line(at)
    }

    /// The line of `text` inside the front matter, if it stands there.
    pub fn line_in_front(&self, text: &str) -> Option<usize> {
        let at = self.text[..self.body_start].find(text)?;
        Some(self.line_at(at))
    }

    /// The line of `text` in the draft, for messages: the first link or image to it when it is
    /// one's destination, else its first occurrence (1 when absent).
    pub fn line_of(&self, text: &str) -> usize {
        let at = self.located().dest(text).or_else(|| self.text.find(text));
        at.map_or(1, |at| self.line_at(at))
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
    /// Not a problem: something the author should know (an image of theirs used in place of a
    /// figure). `report check` prints it and still says "no problems".
    Note,
    TodoLeft,
    UnresolvedLink,
    BrokenLink,
    /// A run that has not finished: left out of every number, listed by `report check`.
    Unfinished,
    /// Words that say a difference is absent, with no equivalence claim behind them.
    Wording,
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
            Kind::Note => "note",
            Kind::TodoLeft => "TODO left",
            Kind::UnresolvedLink => "unresolved link",
            Kind::BrokenLink => "broken link",
            Kind::Unfinished => "not finished",
            Kind::Wording => "unbacked wording",
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
