//! Markdown -> HTML as a short sequence of passes over pulldown-cmark events:
//! 0. [`safe`]: raw HTML escaped (a lone comment dropped), a link whose scheme is refused
//!    stripped of its target, every link's destination kept for the checks;
//! 1. headings get ids (slugs, deduplicated), become links to themselves (so the link's name is
//!    the heading's text), and enter the table of contents;
//! 2. a paragraph holding only an image becomes a `<figure>` captioned with the alt text, and
//!    every image gets its size, lazy loading and narrower renditions from [`images`];
//! 3. fenced code is highlighted (`highlight`), math becomes MathML (no JavaScript);
//! 4. tables sit in a scroll box (they scroll sideways, visibly, where they do not fit), and
//!    inline code breaks between words only, never inside a flag like `--device`;
//! 5. pulldown-cmark writes the rest (footnotes, ...), escaping all text.

use super::highlight;
use super::images::{self, Images};
use super::numbers::{find_end, is_lone_image, table_caption, Counter};
use super::safe;
use super::text::{escape, slugify};
use super::text::{inline_code, unique};
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
    /// Every image source and link target (as written, refused ones too), for the checks.
    pub images: Vec<String>,
    pub links: Vec<String>,
    /// The page has a code block: it needs the highlighting stylesheet.
    pub has_code: bool,
}

pub fn render(md: &str) -> Rendered {
    render_with(md, &Images::new())
}

/// Renders `md`; `known` gives the size, gist and narrower renditions of the images it shows.
pub fn render_with(md: &str, known: &Images) -> Rendered {
    render_in(md, known, None)
}

/// The HTML of `md` for a feed entry of the page at `page_url` (absolute, ending in `/`): every
/// relative link and image made absolute (many feed readers ignore `xml:base`), headings without
/// self-links, tables without inline styles, figures as plain images.
pub fn render_for_feed(md: &str, known: &Images, page_url: &str) -> String {
    render_in(md, known, Some(page_url)).html
}

/// `dest` as a feed reader must get it: absolute, against the page's URL.
fn absolute(dest: &str, page_url: &str) -> String {
    let has_scheme = dest.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    if has_scheme || dest.starts_with("//") {
        return dest.to_string();
    }
    if let Some(path) = dest.strip_prefix('/') {
        // From the site's host: scheme://host/ + path.
        let host_end = page_url
            .find("://")
            .and_then(|i| page_url[i + 3..].find('/').map(|j| i + 3 + j + 1))
            .unwrap_or(page_url.len());
        return format!("{}{path}", &page_url[..host_end]);
    }
    format!("{page_url}{dest}")
}

fn render_in(md: &str, known: &Images, feed: Option<&str>) -> Rendered {
    // The page and its feed copy get the same safe events (`safe`): HTML escaped, bad links cut.
    let (events, links) = safe::sanitise(Parser::new_ext(md, options()).collect());
    let mut w = Writer {
        events: &events,
        known,
        feed,
        counter: Counter::default(),
        caption_end: None,
        out: Rendered {
            links,
            ..Rendered::default()
        },
        used: HashSet::new(),
        html: Vec::with_capacity(events.len()),
        lazy: false,
    };
    let mut i = 0;
    while i < events.len() {
        i = w.step(i);
    }
    let Writer { mut out, html, .. } = w;
    // Last pass: inline code, wherever it stands (headings included).
    let html_events = html.into_iter().map(|e| match e {
        Event::Code(c) => Event::InlineHtml(inline_code(&c).into()),
        e => e,
    });
    pulldown_cmark::html::push_html(&mut out.html, html_events);
    out
}

/// The markdown's safe events on their way to HTML: what the page has numbered, named and
/// shown so far.
struct Writer<'e, 'a> {
    events: &'e [Event<'a>],
    known: &'e Images,
    /// The page's URL when writing its feed copy.
    feed: Option<&'e str>,
    counter: Counter,
    /// The end of the caption paragraph of the table being written, skipped after it.
    caption_end: Option<usize>,
    out: Rendered,
    /// Heading ids given so far.
    used: HashSet<String>,
    html: Vec<Event<'a>>,
    /// The first image shown loads at once; the ones after it when they near the screen.
    lazy: bool,
}

impl<'a> Writer<'_, 'a> {
    /// Writes the event at `i` (with what belongs to it); returns the index of the next one.
    fn step(&mut self, i: usize) -> usize {
        let events = self.events;
        match &events[i] {
            Event::Start(Tag::Heading { level, id, .. }) => self.heading(i, *level, id.as_deref()),
            Event::Start(Tag::Paragraph) if is_lone_image(events, i) => self.figure(i),
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => self.image(i, dest_url, title),
            Event::Start(Tag::CodeBlock(kind)) => self.code_block(i, kind),
            Event::Start(Tag::Table(align)) => self.table(i, align),
            Event::End(TagEnd::Table) => {
                self.html.push(events[i].clone());
                self.html.push(Event::Html("</div>\n".into()));
                self.caption_end.take().map_or(i + 1, |e| e + 1)
            }
            Event::InlineMath(m) => {
                self.html.push(Event::InlineHtml(math(m, false).into()));
                i + 1
            }
            Event::DisplayMath(m) => {
                self.html.push(Event::Html(math(m, true).into()));
                i + 1
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // A refused link lost its target in `safe::sanitise`: none in the feed either.
                let dest = match self.feed {
                    Some(base) if !dest_url.is_empty() => absolute(dest_url, base).into(),
                    _ => dest_url.clone(),
                };
                self.html.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: dest,
                    title: title.clone(),
                    id: id.clone(),
                }));
                i + 1
            }
            ev => {
                if self.out.summary.is_empty() {
                    if let Event::Start(Tag::Paragraph) = ev {
                        self.out.summary = plain_text(&events[i + 1..find_end(events, i)]);
                    }
                }
                self.html.push(ev.clone());
                i + 1
            }
        }
    }

    /// A heading: the page's title (the first level 1), else an entry of the contents (levels
    /// 2 and 3) with an id, its text linking to it.
    fn heading(&mut self, i: usize, level: HeadingLevel, id: Option<&str>) -> usize {
        let events = self.events;
        let end = find_end(events, i);
        let inner = &events[i + 1..end];
        let text = plain_text(inner);
        let lvl = level_num(level);
        if lvl == 1 && self.out.h1.is_none() {
            self.out.h1 = Some(text);
            return end + 1;
        }
        let slug = unique(
            &mut self.used,
            id.map_or_else(|| slugify(&text), str::to_string),
        );
        if (2..=3).contains(&lvl) {
            self.out.toc.push(TocEntry {
                level: lvl,
                id: slug.clone(),
                text: text.clone(),
            });
        }
        // The heading's text links to it; a heading that holds a link of its own
        // cannot (links do not nest) and keeps only its id.
        let self_link = self.feed.is_none()
            && !inner
                .iter()
                .any(|e| matches!(e, Event::Start(Tag::Link { .. })));
        let (open, close) = if self_link {
            (
                format!(
                    "<h{lvl} id=\"{0}\"><a class=\"anchor\" href=\"#{0}\">",
                    escape(&slug)
                ),
                format!("</a></h{lvl}>\n"),
            )
        } else {
            (
                format!("<h{lvl} id=\"{}\">", escape(&slug)),
                format!("</h{lvl}>\n"),
            )
        };
        self.html.push(Event::Html(open.into()));
        self.html.extend(inner.iter().cloned());
        self.html.push(Event::Html(close.into()));
        end + 1
    }

    /// A paragraph holding only an image: a numbered figure, its text the caption.
    fn figure(&mut self, i: usize) -> usize {
        let events = self.events;
        let end = find_end(events, i);
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = &events[i + 1]
        else {
            unreachable!("is_lone_image checked it")
        };
        let caption = plain_text(&events[i + 2..end - 1]);
        self.out.images.push(dest_url.to_string());
        let numbered = self.counter.figure(dest_url);
        let (src, info) = shown(dest_url, self.known, self.feed);
        let html = images::figure(&src, &caption, title, info.as_ref(), self.lazy, &numbered);
        self.lazy = true;
        self.html.push(Event::Html(html.into()));
        end + 1
    }

    /// An image inside text: sized and lazy like a figure, no caption; a drawn figure says
    /// what it shows.
    fn image(&mut self, i: usize, dest_url: &str, title: &str) -> usize {
        let events = self.events;
        let end = find_end(events, i);
        let (src, info) = shown(dest_url, self.known, self.feed);
        let alt = info
            .as_ref()
            .and_then(|i| i.gist.clone())
            .unwrap_or_else(|| plain_text(&events[i + 1..end]));
        self.out.images.push(dest_url.to_string());
        let html = images::img(&src, &alt, title, info.as_ref(), self.lazy);
        self.lazy = true;
        self.html.push(Event::InlineHtml(html.into()));
        end + 1
    }

    /// A code block, highlighted by its language.
    fn code_block(&mut self, i: usize, kind: &CodeBlockKind) -> usize {
        let events = self.events;
        let end = find_end(events, i);
        let code: String = events[i + 1..end]
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let lang = match kind {
            CodeBlockKind::Fenced(l) => l.split([',', ' ']).next().unwrap_or("").to_string(),
            CodeBlockKind::Indented => String::new(),
        };
        self.out.has_code = true;
        self.html
            .push(Event::Html(highlight::code_block(&code, &lang).into()));
        end + 1
    }

    /// A table's opening: its scroll box and numbered caption; its rows follow as they are.
    fn table(&mut self, i: usize, align: &[pulldown_cmark::Alignment]) -> usize {
        // The scroll box is a labelled region a keyboard can focus, so it can be
        // scrolled without a mouse; the label is the table's caption, else its header
        // row.
        let events = self.events;
        let end = find_end(events, i);
        let caption = table_caption(events, end);
        let numbered = self
            .counter
            .table(caption.as_ref().map_or("", |c| c.1.as_str()));
        self.caption_end = caption.as_ref().map(|c| c.2);
        let head = events[i..end]
            .iter()
            .position(|e| matches!(e, Event::Start(Tag::TableHead)))
            .map(|h| {
                let h = i + h;
                header_text(&events[h + 1..find_end(events, h)])
            })
            .unwrap_or_default();
        let name = match &caption {
            Some((c, _, _)) if !c.is_empty() => format!("Table {}: {c}", numbered.number),
            _ => format!("Table {}: {head}", numbered.number),
        };
        self.html.push(Event::Html(
            format!(
                "<div class=\"table-scroll\" id=\"{}\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">\n",
                escape(&numbered.id),
                escape(&name)
            )
            .into(),
        ));
        // Feed readers drop style attributes, or worse, keep them: no alignment there.
        let align = match self.feed {
            Some(_) => vec![pulldown_cmark::Alignment::None; align.len()],
            None => align.to_vec(),
        };
        self.html.push(Event::Start(Tag::Table(align)));
        let text = caption.as_ref().map_or("", |c| c.0.as_str());
        self.html.push(Event::Html(
            format!(
                "<caption><span class=\"number\">Table {}.</span> {}</caption>\n",
                numbered.number,
                escape(text)
            )
            .into(),
        ));
        i + 1
    }
}

/// The source and what is known of an image as the output shows it: for a feed, the wide
/// rendition alone at an absolute URL.
fn shown(dest: &str, known: &Images, feed: Option<&str>) -> (String, Option<images::ImageInfo>) {
    let info = known.get(dest).cloned();
    match feed {
        None => (dest.to_string(), info),
        Some(base) => (
            absolute(dest, base),
            info.map(|i| images::ImageInfo {
                narrower: Vec::new(),
                ..i
            }),
        ),
    }
}

/// The header cells' texts, comma-separated.
fn header_text(events: &[Event]) -> String {
    let mut cells = Vec::new();
    let mut k = 0;
    while k < events.len() {
        if let Event::Start(Tag::TableCell) = events[k] {
            let end = find_end(events, k);
            cells.push(plain_text(&events[k + 1..end]));
            k = end;
        }
        k += 1;
    }
    cells.join(", ")
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

fn level_num(l: HeadingLevel) -> u8 {
    l as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::images::ImageInfo;

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
        assert!(r.html.contains(
            "<h2 id=\"the-setup\"><a class=\"anchor\" href=\"#the-setup\">The setup</a></h2>"
        ));
        assert!(
            r.html
                .contains("<figure id=\"fig-val-loss-step\">\n<img src=\"val_loss-step.png\" alt=\"\" decoding=\"async\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains(
            "<figcaption><span class=\"number\">Figure 1.</span> Loss &lt;by&gt; step</figcaption>"
        ));
        assert!(r.html.contains("<pre class=\"code\""), "{}", r.html);
        assert!(r.has_code);
        assert!(r.html.contains("<math"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("<div class=\"table-scroll\" id=\"tbl-1\" role=\"region\" tabindex=\"0\" aria-label=\"Table 1: a, b\">\n<table><caption>"), "{}", r.html);
        assert!(r.html.contains("</table>\n</div>"), "{}", r.html);
        assert!(r.html.contains("footnote-definition"));
        assert_eq!(r.images, ["val_loss-step.png"]);
    }

    #[test]
    fn known_images_get_size_gist_and_lazy_loading_after_the_first() {
        let info = ImageInfo {
            width: 1800,
            height: 1050,
            gist: Some("Line chart: x00 lowest (2.9100).".into()),
            narrower: Vec::new(),
        };
        let known = Images::from([
            ("a.png".to_string(), info.clone()),
            ("b.png".to_string(), info),
        ]);
        let r = render_with(
            "![A](a.png)\n\nText ![inline](b.png) and ![c](c.png).\n",
            &known,
        );
        let imgs: Vec<&str> = r.html.split("<img ").skip(1).collect();
        assert_eq!(imgs.len(), 3, "{}", r.html);
        assert!(
            imgs[0].contains(
                "width=\"1800\" height=\"1050\" alt=\"Line chart: x00 lowest (2.9100).\""
            ) && !imgs[0].contains("lazy"),
            "{}",
            r.html
        );
        assert!(
            imgs[1].contains("width=\"1800\"")
                && imgs[1].contains("alt=\"Line chart")
                && imgs[1].contains("loading=\"lazy\""),
            "{}",
            r.html
        );
        assert!(
            imgs[2].contains("alt=\"c\"") && !imgs[2].contains("width"),
            "{}",
            r.html
        );
        assert!(!r.has_code);
    }

    #[test]
    fn a_heading_with_a_link_keeps_it_and_inline_flags_stay_whole() {
        let r = render("## See [this](https://x.org)\n\nRun `trainer sweep --device cuda` or `a-very-long-name-that-would-not-fit-on-a-phone-line`.\n");
        assert!(
            r.html
                .contains("<h2 id=\"see-this\">See <a href=\"https://x.org\">this</a></h2>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<code>trainer sweep <span class=\"nowrap\">--device</span> cuda</code>"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<code>a-very-long-name-that-would-not-fit-on-a-phone-line</code>"),
            "{}",
            r.html
        );
    }
}
