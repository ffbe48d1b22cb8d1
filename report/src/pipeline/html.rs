//! Pass 6, HTML: the filled markdown rendered (`site::markdown::render_with`, with what the
//! figures pass knows of each image), its links checked (an anchor must name a heading of the
//! page, a relative link a file next to the draft), and the page made: title, date, summary
//! (the front matter's, else the first paragraph), the first figure for link previews. Writing
//! it is the build's job. A link to anything but http(s), mailto, a relative path or a
//! #fragment (`javascript:`, `data:`, ...) is refused, naming the draft's line.

use super::{Context, Flow, Pass, Post};
use crate::post::{Draft, Kind};
use crate::site::markdown::{self, Rendered};
use crate::site::safe::{check_url, shown, Target};
use crate::site::{Page, PageImage};
use std::collections::HashSet;
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
        for (line, kind, message) in link_problems(&post.draft, &rendered, &draft_dir) {
            post.problem_on(line, kind, message);
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
