//! Pass 7, HTML: the filled markdown rendered (`site::markdown::render_with`, with what the
//! figures pass knows of each image), its links checked (an anchor must name a heading of the
//! page, a relative link a file next to the draft), and the page made: title, date, summary
//! (the front matter's, else the first paragraph), the first figure for link previews. Writing
//! it is the build's job. A link to anything but http(s), mailto, a relative path or a
//! #fragment (`javascript:`, `data:`, ...) is refused, naming the draft's line.

use super::image_links;
use super::pass::{Context, Flow, Pass, Post};
use crate::post::{Draft, Kind};
use crate::site::markdown::{self, Rendered};
use crate::site::safe::{check_url, shown, Target};
use crate::site::{social, Page, PageImage};
use std::collections::HashSet;
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
        for (line, kind, message) in link_problems(&post.draft, &rendered, &draft_dir) {
            post.problem_on(line, kind, message);
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

/// Each link of the page with a problem: a refused scheme, an anchor that names no heading, a
/// relative link to nothing beside the draft; as (draft line, kind, message).
fn link_problems(
    draft: &Draft,
    rendered: &Rendered,
    draft_dir: &Path,
) -> Vec<(usize, Kind, String)> {
    // Every id of the page, once: looking each anchor up in the HTML made a build
    // quadratic in a draft's links.
    let ids: HashSet<&str> = rendered
        .toc
        .iter()
        .map(|t| t.id.as_str())
        .chain(rendered.html.match_indices("id=\"").filter_map(|(at, _)| {
            let rest = &rendered.html[at + 4..];
            rest.find('"').map(|end| &rest[..end])
        }))
        .collect();
    let mut problems = Vec::new();
    for link in &rendered.links {
        let problem = match check_url(link) {
            Err(why) => Some((
                Kind::BadDraft,
                format!("link `{}` is refused: {why}", shown(link)),
            )),
            Ok(Target::Fragment) => {
                let anchor = &link[link.find('#').map_or(0, |i| i + 1)..];
                (!ids.contains(anchor)).then(|| {
                    let m = format!("link `{}` points at no heading of this page", shown(link));
                    (Kind::BrokenLink, m)
                })
            }
            Ok(Target::Remote | Target::Mail) => None,
            Ok(Target::Relative) => {
                let target = draft_dir.join(link.split(['#', '?']).next().unwrap_or(link));
                (!target.exists()).then(|| {
                    let m = format!(
                        "link `{}` points at nothing (looked for {})",
                        shown(link),
                        target.display()
                    );
                    (Kind::BrokenLink, m)
                })
            }
        };
        // The line is looked up only for a link that has a problem.
        if let Some((kind, message)) = problem {
            problems.push((draft.line_of(link), kind, message));
        }
    }
    problems
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
