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
pub mod experiments;
pub mod figures;
pub mod front_matter;
pub mod html;
mod image_links;
pub mod links;
mod pass;
pub mod refs;
pub mod todos;

pub use crate::post::sources::{Source, Sources};
pub use pass::{Context, Flow, Pass, Post};

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

/// Runs `passes` over `post` in order, until one stops it.
pub fn run(post: &mut Post, cx: &Context, passes: &[&dyn Pass]) {
    for pass in passes {
        if pass.run(post, cx) == Flow::Stop {
            break;
        }
    }
    post.problems.sort_by_key(|p| (p.line, p.kind));
}
