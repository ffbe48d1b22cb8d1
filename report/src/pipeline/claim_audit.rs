//! For the claims of a draft: the sentence each one follows (what `report check --claims`
//! prints beside what the claim checked), and the wording that needs an equivalence claim.
//!
//! A claim stands after the sentence it backs, in the same block (a paragraph or a list
//! item). Its sentence is the last one of the block's text before it, with the numbers the
//! other directives put in. "No difference", "does not carry over" and the like state an
//! absence, which only a test of equivalence (`that="equivalent"`) can back: not significant is
//! not the same as absent. A block with such words and no equivalence claim is reported.

use std::ops::Range;

/// Words that say a difference is absent.
pub const ABSENCE: &[&str] = &[
    "no difference",
    "not different",
    "does not carry over",
    "do not carry over",
    "doesn't carry over",
    "don't carry over",
    "no effect",
];

/// Where the blocks of a body start: at its start, after a blank line, and at each list item or
/// heading. Found in one pass: looking back from every line for its block's start made a build
/// quadratic in a paragraph's lines (0.5 MB of one paragraph took 2.5 s, 2 MB 30 s).
#[derive(Debug)]
pub struct Blocks(Vec<usize>);

impl Blocks {
    pub fn new(body: &str) -> Blocks {
        let mut starts = vec![0];
        for (i, _) in body.match_indices('\n') {
            let next = i + 1;
            let line = body[next..].trim_start_matches(' ');
            let item = line.starts_with("- ") || line.starts_with("* ") || line.starts_with('#');
            if item || body[..next].ends_with("\n\n") {
                starts.push(next);
            }
        }
        Blocks(starts)
    }

    /// Where the block holding byte `at` starts: after the last blank line, heading or
    /// list-item start before it.
    pub fn start_of(&self, at: usize) -> usize {
        let k = self.0.partition_point(|&s| s <= at);
        self.0[k.saturating_sub(1)]
    }

    /// The start of every block that holds text (none at the body's very end).
    pub fn starts(&self, len: usize) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().copied().filter(move |&s| s < len)
    }
}

/// The most of a block before a claim that its sentence is looked for in: a sentence longer
/// than this is shown from `…`, so a block of many claims costs no more than its length.
const SENTENCE_WINDOW: usize = 2000;

/// The block's text from `start` to `end`, each edit inside put in, whitespace collapsed;
/// `edits` sorted by start, never overlapping.
fn filled(body: &str, start: usize, end: usize, edits: &[(Range<usize>, String)]) -> String {
    let first = edits.partition_point(|(r, _)| r.start < start);
    let mut out = String::new();
    let mut at = start;
    for (r, text) in edits[first..].iter().take_while(|(r, _)| r.start <= end) {
        if r.start < at || r.end > end {
            continue;
        }
        out.push_str(&body[at..r.start]);
        out.push_str(text);
        at = r.end;
    }
    out.push_str(&body[at..end]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentence a claim at `range` follows, in its block (starting at `block`), with the other
/// directives' text put in (`edits` sorted by start, never overlapping).
pub fn sentence_before(
    body: &str,
    block: usize,
    range: &Range<usize>,
    edits: &[(Range<usize>, String)],
) -> String {
    // At most SENTENCE_WINDOW bytes back, never starting inside a character or an edit.
    let mut start = block.max(range.start.saturating_sub(SENTENCE_WINDOW));
    while !body.is_char_boundary(start) {
        start -= 1;
    }
    if start > block {
        // From a word's start.
        start += body[start..range.start]
            .find(char::is_whitespace)
            .unwrap_or(0);
    }
    let k = edits.partition_point(|(r, _)| r.start < start);
    if let Some((r, _)) = k.checked_sub(1).map(|k| &edits[k]) {
        if r.end > start {
            start = r.start.max(block);
        }
    }
    let text = filled(body, start, range.start, edits);
    let text = text
        .trim_start_matches(['-', '*', '#', ' '])
        .trim()
        .to_string();
    // The last sentence: after the last `. `, `? ` or `! ` before the end.
    let cut = text
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '?' | '!') && text[i + 1..].starts_with(' ') && i + 2 < text.len()
        })
        .map(|(i, _)| i + 2)
        .next_back();
    let sentence = text[cut.unwrap_or(0)..].trim();
    if sentence.is_empty() {
        "(no sentence before it)".into()
    } else if cut.is_none() && start > block {
        format!("…{sentence}")
    } else {
        sentence.to_string()
    }
}

/// What may follow "no difference" in a statement about significance, not about absence
/// ("no difference is significant").
const ABOUT_SIGNIFICANCE: &[&str] = &[" is significant", " was significant", " is statistically"];

/// The absence words in `block` of `body`, lower case.
pub fn absence_words(body: &str, block: Range<usize>) -> Vec<&'static str> {
    let text = body[block]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    ABSENCE
        .iter()
        .copied()
        .filter(|w| {
            text.match_indices(w).any(|(i, _)| {
                let after = &text[i + w.len()..];
                !ABOUT_SIGNIFICANCE.iter().any(|s| after.starts_with(s))
            })
        })
        .collect()
}

/// Where the block starting at `start` ends: at the next blank line or list-item start.
pub fn block_end(body: &str, start: usize) -> usize {
    let mut at = start;
    for line in body[start..].split_inclusive('\n') {
        let next = at + line.len();
        let rest = body[next..].trim_start_matches(' ');
        if line.trim().is_empty() && at > start {
            return at;
        }
        at = next;
        if rest.starts_with("- ") || rest.starts_with("* ") || rest.starts_with('#') {
            return at;
        }
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_is_the_last_before_the_claim_with_numbers_put_in() {
        let body = "# T\n\nFirst one. The loss is {{ a }} here.\n{{ check }}\n\n- item one. x {{ b }}.\n  {{ check2 }}\n";
        let a = body.find("{{ a }}").unwrap();
        let b = body.find("{{ b }}").unwrap();
        let edits = vec![(a..a + 7, "2.91".to_string()), (b..b + 7, "3".to_string())];
        let blocks = Blocks::new(body);
        let sentence = |at: usize, len: usize| {
            sentence_before(body, blocks.start_of(at), &(at..at + len), &edits)
        };
        let c1 = body.find("{{ check }}").unwrap();
        assert_eq!(sentence(c1, 11), "The loss is 2.91 here.");
        let c2 = body.find("{{ check2 }}").unwrap();
        assert_eq!(sentence(c2, 12), "x 3.");
        let h = body.find("First").unwrap();
        assert_eq!(sentence(h, 0), "(no sentence before it)");
    }

    #[test]
    fn absence_words_are_found_in_their_block_only() {
        let body = "A does not carry\nover to B.\n{{ c }}\n\nNo difference is significant.\n- The gain has no effect.\n- next\n";
        let blocks = Blocks::new(body);
        let c = body.find("{{ c }}").unwrap();
        let s = blocks.start_of(c);
        assert_eq!(
            absence_words(body, s..block_end(body, s)),
            ["does not carry over"]
        );
        let o = body.find("No difference").unwrap();
        assert!(absence_words(body, o..block_end(body, o)).is_empty());
        let g = body.find("The gain").unwrap();
        let s = blocks.start_of(g);
        assert_eq!(absence_words(body, s..block_end(body, s)), ["no effect"]);
    }

    /// The search back from `at` that [`Blocks`] replaces, kept to check it against.
    fn searched_back(body: &str, at: usize) -> usize {
        let before = &body[..at];
        let blank = before.rfind("\n\n").map_or(0, |i| i + 2);
        let item = before
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .rfind(|&i| {
                let line = body[i..].trim_start_matches(' ');
                line.starts_with("- ") || line.starts_with("* ") || line.starts_with('#')
            })
            .unwrap_or(0);
        blank.max(item)
    }

    #[test]
    fn blocks_start_where_a_search_back_from_each_byte_finds() {
        for body in [
            "",
            "\n",
            "one\ntwo\n\n\nthree\n",
            "- a\n  more\n* b\n# H\ntext\n\n  - indented\n",
            "#\n\n\n\nx",
            "para -- not an item\n-no\n- yes\n\n",
        ] {
            let blocks = Blocks::new(body);
            for at in 0..=body.len() {
                assert_eq!(
                    blocks.start_of(at),
                    searched_back(body, at),
                    "{body:?} at {at}"
                );
            }
            let mut each_line: Vec<usize> = std::iter::once(0)
                .chain(body.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&i| i < body.len())
                .map(|i| searched_back(body, i))
                .collect();
            each_line.dedup();
            assert_eq!(
                blocks.starts(body.len()).collect::<Vec<_>>(),
                each_line,
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_sentence_longer_than_the_window_is_shown_from_an_ellipsis() {
        let long = "word ".repeat(SENTENCE_WINDOW);
        let body = format!("Short one. {long}end {{{{ c }}}}\n");
        let c = body.find("{{ c }}").unwrap();
        let got = sentence_before(&body, 0, &(c..c + 7), &[]);
        assert!(
            got.starts_with("…word word") && got.ends_with("word end"),
            "{got}"
        );
        assert!(got.len() <= SENTENCE_WINDOW + 3, "{}", got.len());
        let body = format!("{long}Then a sentence. The last one {{{{ c }}}}\n");
        let c = body.find("{{ c }}").unwrap();
        assert_eq!(sentence_before(&body, 0, &(c..c + 7), &[]), "The last one");
    }
}
