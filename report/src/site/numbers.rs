//! Figure and table numbers, as Quarto gives them: every figure (a paragraph holding one image)
//! and every table of a page is numbered in the order it appears, gets an anchor, and can be
//! cited with `{{ ref(fig="lambdas-x01.png") }}` or `{{ ref(table="results") }}`, which the
//! `refs` pass turns into a link reading "Figure 4". A table's caption is the paragraph right
//! after it that starts with `Table:` (pandoc's way), optionally ending in `{#label}`, the name
//! a `ref` cites it by.
//!
//! [`list`] and the page's renderer (`markdown`) read the same markdown with the same rules,
//! so a number cited is the number shown.

use super::text::{slugify, unique};
use crate::post::scan::options;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Figure,
    Table,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Figure => "Figure",
            Kind::Table => "Table",
        }
    }
}

/// One numbered figure or table.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbered {
    pub kind: Kind,
    pub number: usize,
    /// What a `ref` names it by: a figure's image link (`x0-experiment/lambdas-x01.png`), a
    /// table's label (`results`, `x0-experiment/results`; empty without one).
    pub key: String,
    /// Its anchor on the page.
    pub id: String,
}

/// Hands out numbers and anchors in page order.
#[derive(Debug, Default)]
pub struct Counter {
    figures: usize,
    tables: usize,
    used: HashSet<String>,
}

impl Counter {
    /// The next figure, shown from image link `dest`.
    pub fn figure(&mut self, dest: &str) -> Numbered {
        self.figures += 1;
        let stem = dest.rsplit_once('.').map_or(dest, |(s, _)| s);
        Numbered {
            kind: Kind::Figure,
            number: self.figures,
            key: dest.to_string(),
            id: unique(&mut self.used, format!("fig-{}", slugify(stem))),
        }
    }

    /// The next table, with its caption's label (empty for none).
    pub fn table(&mut self, label: &str) -> Numbered {
        self.tables += 1;
        let base = if label.is_empty() {
            format!("tbl-{}", self.tables)
        } else {
            format!("tbl-{}", slugify(label))
        };
        Numbered {
            kind: Kind::Table,
            number: self.tables,
            key: label.to_string(),
            id: unique(&mut self.used, base),
        }
    }
}

/// A table caption paragraph's text split into the caption and its label:
/// `Table: Final results. {#results}` -> (`Final results.`, `results`).
pub fn caption_and_label(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix("Table:")?.trim();
    if let Some((caption, label)) = rest
        .strip_suffix('}')
        .and_then(|r| r.rsplit_once("{#"))
        .filter(|(_, l)| !l.is_empty() && !l.contains(char::is_whitespace))
    {
        return Some((caption.trim().to_string(), label.to_string()));
    }
    Some((rest.to_string(), String::new()))
}

/// The index of the event closing the one opened at `start` (same nesting depth).
pub fn find_end(events: &[Event], start: usize) -> usize {
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
pub fn is_lone_image(events: &[Event], i: usize) -> bool {
    if !matches!(events.get(i), Some(Event::Start(Tag::Paragraph)))
        || !matches!(events.get(i + 1), Some(Event::Start(Tag::Image { .. })))
    {
        return false;
    }
    let img_end = find_end(events, i + 1);
    matches!(events.get(img_end + 1), Some(Event::End(TagEnd::Paragraph)))
}

/// The caption paragraph after the table closing at `table_end`: its text, its label, and the
/// index of its closing event (the renderer skips it).
pub fn table_caption(events: &[Event], table_end: usize) -> Option<(String, String, usize)> {
    let start = table_end + 1;
    if !matches!(events.get(start), Some(Event::Start(Tag::Paragraph))) {
        return None;
    }
    let end = find_end(events, start);
    let text: String = events[start + 1..end]
        .iter()
        .map(|e| match e {
            Event::Text(t) | Event::Code(t) => t.to_string(),
            Event::SoftBreak | Event::HardBreak => " ".into(),
            _ => String::new(),
        })
        .collect();
    let (caption, label) = caption_and_label(text.trim())?;
    Some((caption, label, end))
}

/// Every figure and table of a page's markdown body, in order.
pub fn list(md: &str) -> Vec<Numbered> {
    let events: Vec<Event> = Parser::new_ext(md, options()).collect();
    let mut counter = Counter::default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if is_lone_image(&events, i) {
            if let Event::Start(Tag::Image { dest_url, .. }) = &events[i + 1] {
                out.push(counter.figure(dest_url));
            }
            i = find_end(&events, i) + 1;
        } else if let Event::Start(Tag::Table(_)) = &events[i] {
            let end = find_end(&events, i);
            let label = table_caption(&events, end).map_or(String::new(), |c| c.1);
            out.push(counter.table(&label));
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_and_tables_are_numbered_in_order_with_anchors_and_labels() {
        let md = "![A](x0/a.png)\n\nText ![inline](b.png).\n\n| a |\n|---|\n| 1 |\n\n\
                  Table: Results of x. {#x0/results}\n\n![A again](x0/a.png)\n\n| b |\n|---|\n| 2 |\n";
        let l = list(md);
        let got: Vec<(Kind, usize, &str, &str)> = l
            .iter()
            .map(|n| (n.kind, n.number, n.key.as_str(), n.id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Kind::Figure, 1, "x0/a.png", "fig-x0-a"),
                (Kind::Table, 1, "x0/results", "tbl-x0-results"),
                (Kind::Figure, 2, "x0/a.png", "fig-x0-a-1"),
                (Kind::Table, 2, "", "tbl-2"),
            ]
        );
        assert_eq!(
            caption_and_label("Table: Final. {#results}"),
            Some(("Final.".into(), "results".into()))
        );
        assert_eq!(
            caption_and_label("Table: a {b}"),
            Some(("a {b}".into(), String::new()))
        );
        assert_eq!(caption_and_label("Tables are"), None);
    }
}
