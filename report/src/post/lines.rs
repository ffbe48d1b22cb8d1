//! Where things stand in a draft, found once per draft: the line of any byte offset (a binary
//! search over the line ends) and the first place of each link and image destination. Messages
//! name a draft's line for every link of a page: searching the text for each link made a build
//! quadratic in a draft's links (0.5 MB of links took 3.7 s, 5 MB six minutes).

use super::scan::options;
use pulldown_cmark::{Event, Parser, Tag};
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Located {
    /// Byte offsets of the text's line breaks, ascending.
    newlines: Vec<usize>,
    /// Each link or image destination of the body, and the offset of its first link.
    dests: HashMap<String, usize>,
}

impl Located {
    /// `text`, whose markdown body starts at `body_start`.
    pub fn new(text: &str, body_start: usize) -> Located {
        let newlines = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        let mut dests = HashMap::new();
        let body = text.get(body_start..).unwrap_or("");
        for (ev, r) in Parser::new_ext(body, options()).into_offset_iter() {
            if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = ev {
                dests
                    .entry(dest_url.into_string())
                    .or_insert(body_start + r.start);
            }
        }
        Located { newlines, dests }
    }

    /// The 1-based line of byte offset `at`.
    pub fn line(&self, at: usize) -> usize {
        self.newlines.partition_point(|&n| n < at) + 1
    }

    /// The offset of the first link or image whose destination is `dest`.
    pub fn dest(&self, dest: &str) -> Option<usize> {
        self.dests.get(dest).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_link_places_agree_with_a_plain_search() {
        let text = "---\ntitle: T\n---\n# A\n\nSee [a](https://a.org) and\n![b](b.png)\n\n[c](#x) [a](https://a.org)\n";
        let body = text.find("# A").unwrap();
        let l = Located::new(text, body);
        for at in 0..=text.len() {
            assert_eq!(l.line(at), super::super::scan::line_of(text, at), "{at}");
        }
        for (dest, line) in [("https://a.org", 6), ("b.png", 7), ("#x", 9)] {
            assert_eq!(l.dest(dest).map(|at| l.line(at)), Some(line), "{dest}");
        }
        assert_eq!(l.dest("title"), None);
    }
}
