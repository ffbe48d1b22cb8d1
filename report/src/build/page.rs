//! One post's page: the draft through the passes of [`crate::pipeline`] (front matter, TODOs,
//! directives, links, figures, HTML), then, only when no pass found a fatal problem, its files
//! written: the copies next to the page (figures in both renditions, the author's images), the
//! filled markdown and the page itself (the manifest's sweep removes an old page otherwise).

use super::files::write;
use super::outcome::problem;
use super::outcome::Outcome;
use crate::pipeline::{self, Context, Post, PASSES};
use crate::post::Kind;
use crate::site::Page;
use std::fs;
use std::path::PathBuf;

/// Builds the post read from `path`; its problems, notes and the experiments it uses go into
/// `out`. The page when it was written.
pub fn build_post(cx: &Context, path: PathBuf, text: String, out: &mut Outcome) -> Option<Page> {
    let mut post = Post::new(path, text);
    pipeline::run(&mut post, cx, PASSES);
    out.files.extend(post.drawn.iter().cloned());
    if !post.uses.is_empty() {
        out.uses.push((post.draft.path.clone(), post.uses.clone()));
    }
    out.claims.append(&mut post.claims);
    let fatal = post.failed();
    out.problems.append(&mut post.problems);
    let page = post.page.take().filter(|_| !fatal)?;
    let page_dir = cx.options.out.join(&post.draft.slug);
    let result = (|| -> crate::Result<()> {
        for (from, to) in &post.copies {
            let bytes = fs::read(from).map_err(|e| crate::Error::io(from, e))?;
            write(out, to, &bytes)?;
        }
        for (to, bytes) in &post.generated {
            write(out, to, bytes)?;
        }
        write(
            out,
            &page_dir.join(&page.markdown_file),
            post.markdown.as_bytes(),
        )?;
        let html = cx.templates.post(cx.config, &page)?;
        write(out, &page_dir.join("index.html"), html.as_bytes())?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            out.pages.push(page_dir.join("index.html"));
            Some(page)
        }
        Err(e) => {
            out.problems
                .push(problem(&post.draft.path, 1, Kind::BadDraft, e.to_string()));
            None
        }
    }
}
