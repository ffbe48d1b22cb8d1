//! Pass 6, HTML: the filled markdown rendered (`site::markdown::render_with`, with what the
//! figures pass knows of each image), its links checked (an anchor must name a heading of the
//! page, a relative link a file next to the draft), and the page made: title, date, summary
//! (the front matter's, else the first paragraph), the first figure for link previews. Writing
//! it is the build's job.

use super::image_links::is_remote;
use super::{Context, Flow, Pass, Post};
use crate::post::Kind;
use crate::site::{markdown, Page, PageImage};
use std::path::Path;

pub struct Html;

impl Pass for Html {
    fn name(&self) -> &'static str {
        "HTML"
    }

    fn run(&self, post: &mut Post, _cx: &Context) -> Flow {
        let md = &post.markdown;
        let body_start = crate::config::split_front_matter(md)
            .map(|(_, s)| s)
            .unwrap_or(0);
        let rendered = markdown::render_with(&md[body_start..], &post.shown);
        let draft_dir = post
            .draft
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_owned();
        for link in &rendered.links {
            let line = post.draft.line_of(link);
            if let Some(anchor) = link.strip_prefix('#') {
                if !rendered.toc.iter().any(|t| t.id == anchor)
                    && !rendered.html.contains(&format!("id=\"{anchor}\""))
                {
                    post.problem_on(
                        line,
                        Kind::BrokenLink,
                        format!("link `{link}` points at no heading of this page"),
                    );
                }
            } else if !is_remote(link) && !link.starts_with("mailto:") {
                let target = draft_dir.join(link.split('#').next().unwrap_or(link));
                if !target.exists() {
                    post.problem_on(
                        line,
                        Kind::BrokenLink,
                        format!(
                            "link `{link}` points at nothing (looked for {})",
                            target.display()
                        ),
                    );
                }
            }
        }
        let front = &post.draft.front;
        let title = front
            .title
            .clone()
            .or_else(|| rendered.h1.clone())
            .unwrap_or_else(|| post.draft.slug.clone());
        // Link previews show the page's first figure.
        let image = rendered.images.iter().find_map(|src| {
            let info = post.shown.get(src)?;
            Some(PageImage {
                src: src.clone(),
                width: info.width,
                height: info.height,
                alt: info.gist.clone().unwrap_or_default(),
            })
        });
        let summary = front.summary.clone();
        let mut page = Page::new(&post.draft.slug, title, front.date.clone(), rendered);
        page.image = image;
        if let Some(s) = summary {
            page.summary = s;
        }
        post.page = Some(page);
        Flow::Go
    }
}
