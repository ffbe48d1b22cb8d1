//! Markdown -> HTML as a short sequence of passes over pulldown-cmark events:
//! 1. headings get ids (slugs, deduplicated), an anchor link, and an entry in the table of contents;
//! 2. a paragraph holding only an image becomes a `<figure>` captioned with the alt text;
//! 3. fenced code is highlighted (`highlight`), math becomes MathML (no JavaScript);
//! 4. pulldown-cmark writes the rest (tables, footnotes, ...), escaping all text.

use super::highlight;
use crate::post::scan::options;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// The text of the first level-1 heading, which the page template shows as its title
    /// (it is left out of `html` so it is not shown twice).
    pub h1: Option<String>,
    /// The first paragraph's text, for the index and the feed.
    pub summary: String,
    /// Every image source and link target, for the checks.
    pub images: Vec<String>,
    pub links: Vec<String>,
}

pub fn render(md: &str) -> Rendered {
    let events: Vec<Event> = Parser::new_ext(md, options()).collect();
    let mut out = Rendered::default();
    let mut used = HashSet::new();
    let mut html_events: Vec<Event> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, id, .. }) => {
                let end = find_end(&events, i);
                let inner = &events[i + 1..end];
                let text = plain_text(inner);
                let lvl = level_num(*level);
                if lvl == 1 && out.h1.is_none() {
                    out.h1 = Some(text);
                    i = end + 1;
                    continue;
                }
                let slug = unique(
                    &mut used,
                    id.as_deref().map_or_else(|| slugify(&text), str::to_string),
                );
                if (2..=3).contains(&lvl) {
                    out.toc.push(TocEntry {
                        level: lvl,
                        id: slug.clone(),
                        text: text.clone(),
                    });
                }
                html_events.push(Event::Html(
                    format!("<h{lvl} id=\"{}\">", escape(&slug)).into(),
                ));
                html_events.extend(inner.iter().cloned());
                html_events.push(Event::Html(
                    format!(
                        "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a></h{lvl}>\n",
                        escape(&slug)
                    )
                    .into(),
                ));
                i = end + 1;
            }
            Event::Start(Tag::Paragraph) if is_lone_image(&events, i) => {
                let end = find_end(&events, i);
                let Event::Start(Tag::Image {
                    dest_url, title, ..
                }) = &events[i + 1]
                else {
                    unreachable!("is_lone_image checked it")
                };
                let alt = plain_text(&events[i + 2..end - 1]);
                out.images.push(dest_url.to_string());
                let title = if title.is_empty() {
                    String::new()
                } else {
                    format!(" title=\"{}\"", escape(title))
                };
                // The image links to itself: on a phone, a tap shows the figure full size.
                let src = escape(dest_url);
                html_events.push(Event::Html(
                    format!(
                        "<figure>\n<a href=\"{src}\"><img src=\"{src}\" alt=\"{}\"{title}></a>\n<figcaption>{}</figcaption>\n</figure>\n",
                        escape(&alt),
                        escape(&alt)
                    )
                    .into(),
                ));
                i = end + 1;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(&events, i);
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split([',', ' ']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                html_events.push(Event::Html(highlight::code_block(&code, &lang).into()));
                i = end + 1;
            }
            Event::InlineMath(m) => {
                html_events.push(Event::InlineHtml(math(m, false).into()));
                i += 1;
            }
            Event::DisplayMath(m) => {
                html_events.push(Event::Html(math(m, true).into()));
                i += 1;
            }
            ev => {
                match ev {
                    Event::Start(Tag::Image { dest_url, .. }) => {
                        out.images.push(dest_url.to_string())
                    }
                    Event::Start(Tag::Link { dest_url, .. }) => {
                        out.links.push(dest_url.to_string())
                    }
                    _ => {}
                }
                if out.summary.is_empty() {
                    if let Event::Start(Tag::Paragraph) = ev {
                        out.summary = plain_text(&events[i + 1..find_end(&events, i)]);
                    }
                }
                html_events.push(ev.clone());
                i += 1;
            }
        }
    }
    pulldown_cmark::html::push_html(&mut out.html, html_events.into_iter());
    out
}

/// The index of the event closing the one opened at `start` (same nesting depth).
fn find_end(events: &[Event], start: usize) -> usize {
    let mut depth = 0usize;
    for (j, e) in events.iter().enumerate().skip(start) {
        match e {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// A paragraph whose only child is one image (the markdown way of writing a figure).
fn is_lone_image(events: &[Event], i: usize) -> bool {
    if !matches!(events.get(i + 1), Some(Event::Start(Tag::Image { .. }))) {
        return false;
    }
    let img_end = find_end(events, i + 1);
    matches!(events.get(img_end + 1), Some(Event::End(TagEnd::Paragraph)))
}

fn plain_text(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            // Inline HTML in alt text or a heading is shown as the author typed it (escaped later).
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::InlineHtml(t) => {
                s.push_str(t)
            }
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

fn math(tex: &CowStr, display: bool) -> String {
    use latex2mathml::{latex_to_mathml, DisplayStyle};
    let style = if display {
        DisplayStyle::Block
    } else {
        DisplayStyle::Inline
    };
    match latex_to_mathml(tex, style) {
        Ok(m) => m,
        // TeX MathML cannot show stays readable as source.
        Err(_) => format!("<code class=\"math\">{}</code>", escape(tex)),
    }
}

/// `## The setup` -> `the-setup`; `x01` -> `x01`; keeps letters and digits of any script.
pub fn slugify(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        "section".into()
    } else {
        s
    }
}

fn unique(used: &mut HashSet<String>, base: String) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

fn level_num(l: HeadingLevel) -> u8 {
    l as u8
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_figures_code_math_and_escaping() {
        let md = "# Title\n\nFirst *para*.\n\n## The setup\n\n## The setup\n\n### x01\n\n\
                  ![Loss <by> step](val_loss-step.png)\n\n```python\nx = 1  # {{ no }}\n```\n\n\
                  $a^2$ and \\<script\\> | a |\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: A footnote.\n";
        let r = render(md);
        assert_eq!(r.h1.as_deref(), Some("Title"));
        assert!(!r.html.contains("<h1"));
        assert_eq!(r.summary, "First para.");
        let ids: Vec<_> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["the-setup", "the-setup-1", "x01"]);
        assert!(r
            .html
            .contains("<h2 id=\"the-setup\">The setup<a class=\"anchor\" href=\"#the-setup\""));
        assert!(r
            .html
            .contains("<figure>\n<a href=\"val_loss-step.png\"><img src=\"val_loss-step.png\" alt=\"Loss &lt;by&gt; step\"></a>"));
        assert!(r
            .html
            .contains("<figcaption>Loss &lt;by&gt; step</figcaption>"));
        assert!(r.html.contains("<pre class=\"code\""), "{}", r.html);
        assert!(r.html.contains("<math"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("footnote-definition"));
        assert_eq!(r.images, ["val_loss-step.png"]);
    }
}
