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

/// Where the block holding byte `at` starts: after the last blank line, heading or list-item
/// start before it.
pub fn block_start(body: &str, at: usize) -> usize {
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

/// The block's text from `start` to `end`, each edit inside put in, whitespace collapsed.
fn filled(body: &str, start: usize, end: usize, edits: &[(Range<usize>, String)]) -> String {
    let mut inside: Vec<&(Range<usize>, String)> = edits
        .iter()
        .filter(|(r, _)| r.start >= start && r.end <= end)
        .collect();
    inside.sort_by_key(|(r, _)| r.start);
    let mut out = String::new();
    let mut at = start;
    for (r, text) in inside {
        if r.start < at {
            continue;
        }
        out.push_str(&body[at..r.start]);
        out.push_str(text);
        at = r.end;
    }
    out.push_str(&body[at..end]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentence a claim at `range` follows, with the other directives' text put in.
pub fn sentence_before(
    body: &str,
    range: &Range<usize>,
    edits: &[(Range<usize>, String)],
) -> String {
    let start = block_start(body, range.start);
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
        .next_back()
        .unwrap_or(0);
    let sentence = text[cut..].trim();
    if sentence.is_empty() {
        "(no sentence before it)".into()
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
        let c1 = body.find("{{ check }}").unwrap();
        assert_eq!(
            sentence_before(body, &(c1..c1 + 11), &edits),
            "The loss is 2.91 here."
        );
        let c2 = body.find("{{ check2 }}").unwrap();
        assert_eq!(sentence_before(body, &(c2..c2 + 12), &edits), "x 3.");
        let h = body.find("First").unwrap();
        assert_eq!(
            sentence_before(body, &(h..h), &edits),
            "(no sentence before it)"
        );
    }

    #[test]
    fn absence_words_are_found_in_their_block_only() {
        let body = "A does not carry\nover to B.\n{{ c }}\n\nNo difference is significant.\n- The gain has no effect.\n- next\n";
        let c = body.find("{{ c }}").unwrap();
        let s = block_start(body, c);
        assert_eq!(
            absence_words(body, s..block_end(body, s)),
            ["does not carry over"]
        );
        let o = body.find("No difference").unwrap();
        assert!(absence_words(body, o..block_end(body, o)).is_empty());
        let g = body.find("The gain").unwrap();
        let s = block_start(body, g);
        assert_eq!(absence_words(body, s..block_end(body, s)), ["no effect"]);
    }
}
