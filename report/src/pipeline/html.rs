//! Pass 7, HTML: the filled markdown rendered (`site::markdown::render_with`, with what the
//! figures pass knows of each image), its links checked (an anchor must name a heading of the
//! page, a relative link a file next to the draft), and the page made: title, date, summary
//! (the front matter's, else the first paragraph), the first figure for link previews. Writing
//! it is the build's job.

use super::image_links::{self, is_remote};
use super::{Context, Flow, Pass, Post};
use crate::post::Kind;
use crate::site::{markdown, social, Page, PageImage};
use std::path::Path;

pub struct Html;

impl Pass for Html {
    fn name(&self) -> &'static str {
        "HTML"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        let body_start = |md: &str| {
            crate::config::split_front_matter(md)
                .map(|(_, s)| s)
                .unwrap_or(0)
        };
        let md = &post.markdown;
        let rendered = markdown::render_with(&md[body_start(md)..], &post.shown);
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
        let image = social_image(post, &rendered.images, cx);
        let front = &post.draft.front;
        let summary = front.summary.clone();
        let date = front.date.clone();
        // The feed's copy: absolute URLs (the base URL is absolute where a feed is published).
        let feed_html = markdown::render_for_feed(
            &post.markdown[body_start(&post.markdown)..],
            &post.shown,
            &format!("{}{}/", cx.config.base_url, post.draft.slug),
        );
        let mut page = Page::new(&post.draft.slug, title, date, rendered);
        page.feed_html = feed_html;
        page.image = image;
        if let Some(s) = summary {
            page.summary = s;
        }
        post.page = Some(page);
        Flow::Go
    }
}

/// The post's social image: the image its front matter names (one the page shows; another
/// stops the build), else its first figure; a PNG made 1.91:1 next to the page
/// ([`social`]), another image as it is. The filled markdown's front matter then names it.
fn social_image(post: &mut Post, shown: &[String], cx: &Context) -> Option<PageImage> {
    let front = post.draft.front.clone();
    let chosen = match &front.image {
        Some(dest) => {
            let src = image_links::page_src(dest, &post.draft.slug, &post.sources)
                .filter(|s| shown.contains(s));
            let Some(src) = src else {
                let line = post.draft.line_in_front(dest).unwrap_or(1);
                post.problem_on(
                    line,
                    Kind::Image,
                    format!(
                        "image: `{dest}` is not an image this post shows; its images: {}",
                        shown.join(", ")
                    ),
                );
                return None;
            };
            src
        }
        None => shown.iter().find(|s| post.shown.contains_key(*s))?.clone(),
    };
    let info = post.shown.get(&chosen)?.clone();
    let page_dir = cx.options.out.join(&post.draft.slug);
    let from = post
        .copies
        .iter()
        .find(|(_, to)| *to == page_dir.join(&chosen))
        .map(|(from, _)| from.clone());
    let made = from
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|bytes| social::from_png(&bytes, Path::new(&chosen)));
    let image = match made {
        Some(bytes) => {
            let src = social::name(&chosen);
            post.generated.push((page_dir.join(&src), bytes));
            PageImage {
                src,
                width: social::WIDTH,
                height: social::HEIGHT,
                alt: info.gist.clone().unwrap_or_default(),
            }
        }
        None => PageImage {
            src: chosen,
            width: info.width,
            height: info.height,
            alt: info.gist.clone().unwrap_or_default(),
        },
    };
    // The filled markdown's front matter names the image as it sits next to it.
    if let Ok((_, start)) = crate::config::split_front_matter(&post.markdown) {
        if start > 0 && post.markdown.starts_with("---") {
            let yaml = post.draft.front.to_yaml(Some(&image.src));
            post.markdown = format!("{yaml}{}", &post.markdown[start..]);
        }
    }
    Some(image)
}
