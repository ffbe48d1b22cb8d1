//! Scanning a draft: where its code is (directives and TODOs are looked for outside it only),
//! its headings, its paragraphs, and byte offset -> line number.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// The markdown extensions every stage parses with, so they agree on what is code.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub range: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Paragraph {
    pub range: Range<usize>,
    /// Its text outside inline code.
    pub text: String,
}

/// What the stages need to know about a draft body.
#[derive(Debug, Default)]
pub struct Scan {
    /// Code blocks, inline code and math: left untouched by every stage.
    pub code: Vec<Range<usize>>,
    pub headings: Vec<Heading>,
    pub paragraphs: Vec<Paragraph>,
    /// Offsets of TODOs in text outside any paragraph (tight list items, headings, tables).
    pub todos_elsewhere: Vec<usize>,
    /// For each heading, the nearest heading before it of a higher rank (`## A` for `### B`).
    parents: Vec<Option<usize>>,
}

pub fn scan(text: &str) -> Scan {
    let mut s = Scan::default();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut para: Option<(usize, String)> = None;
    let mut code_start: Option<usize> = None;
    for (ev, r) in Parser::new_ext(text, options()).into_offset_iter() {
        match ev {
            Event::Start(Tag::CodeBlock(_)) => code_start = Some(r.start),
            Event::End(TagEnd::CodeBlock) => {
                s.code.push(code_start.take().unwrap_or(r.start)..r.end);
            }
            Event::Code(_) | Event::InlineMath(_) | Event::DisplayMath(_) => s.code.push(r),
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level_num(level), r.start, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, text)) = heading.take() {
                    s.headings.push(Heading {
                        level,
                        text: text.trim().to_string(),
                        range: start..r.end,
                    });
                }
            }
            Event::Start(Tag::Paragraph) => para = Some((r.start, String::new())),
            Event::End(TagEnd::Paragraph) => {
                if let Some((start, text)) = para.take() {
                    s.paragraphs.push(Paragraph {
                        range: start..r.end,
                        text,
                    });
                }
            }
            Event::Text(t) => {
                if let Some((_, _, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
                if let Some((_, p)) = para.as_mut() {
                    p.push_str(&t);
                } else if code_start.is_none() && has_todo(&t) {
                    s.todos_elsewhere.push(r.start);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, p)) = para.as_mut() {
                    p.push(' ');
                }
            }
            _ => {}
        }
    }
    s.code.sort_by_key(|r| r.start);
    // The chain of headings above each one, found once (not per TODO: a draft may hold many).
    let mut open: Vec<usize> = Vec::new();
    for (i, h) in s.headings.iter().enumerate() {
        while open.last().is_some_and(|&j| s.headings[j].level >= h.level) {
            open.pop();
        }
        s.parents.push(open.last().copied());
        open.push(i);
    }
    s
}

impl Scan {
    pub fn in_code(&self, at: usize) -> bool {
        self.code.iter().any(|r| r.contains(&at))
    }

    /// The stretches of `0..len` outside code, in order.
    pub fn prose(&self, len: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut at = 0;
        for r in &self.code {
            if r.start > at {
                out.push(at..r.start);
            }
            at = at.max(r.end);
        }
        if at < len {
            out.push(at..len);
        }
        out
    }

    /// The headings enclosing offset `at`, nearest first (each one level above the previous).
    pub fn sections_at(&self, at: usize) -> Vec<&Heading> {
        let before = self.headings.partition_point(|h| h.range.end <= at);
        let mut chain: Vec<&Heading> = Vec::new();
        let mut next = before.checked_sub(1);
        while let Some(i) = next {
            chain.push(&self.headings[i]);
            next = self.parents[i];
        }
        chain
    }
}

fn level_num(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Whether `text` holds the word TODO (not part of a longer word such as TODOS).
pub fn has_todo(text: &str) -> bool {
    text.match_indices("TODO").any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + 4..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_found_and_sections_nest() {
        let t = "# A\n\n## Lambdas\n\n```python\nx = '{{ TODO }}'\n```\n\n### x01\n\nTODO `{{`\n";
        let s = scan(t);
        assert_eq!(s.code.len(), 2);
        assert!(s.in_code(t.find("{{ TODO").unwrap()));
        assert!(!s.in_code(t.rfind("TODO").unwrap()));
        let p = s.paragraphs.last().unwrap();
        assert!(has_todo(&p.text));
        let names: Vec<_> = s
            .sections_at(p.range.start)
            .iter()
            .map(|h| h.text.clone())
            .collect();
        assert_eq!(names, ["x01", "Lambdas", "A"]);
        assert_eq!(line_of(t, p.range.start), 11);
        assert!(!has_todo("TODOS and NOTODO"));
        assert!(has_todo("... TODO (explain)"));
    }
}
