//! Link placeholders: `modded-nanogpt (LINK)` becomes `[modded-nanogpt](url)` from the links
//! table of site.toml; a placeholder whose name is not in the table is kept and reported.

use std::collections::BTreeMap;
use std::ops::Range;

pub const PLACEHOLDER: &str = "(LINK)";

/// One placeholder: the range to replace (name and marker) and its replacement, or the name
/// guessed from the word before it when the table lacks it.
#[derive(Debug, PartialEq)]
pub enum Found {
    Resolved {
        range: Range<usize>,
        markdown: String,
    },
    Unresolved {
        at: usize,
        guess: String,
    },
}

pub fn find(text: &str, prose: &[Range<usize>], links: &BTreeMap<String, String>) -> Vec<Found> {
    let mut out = Vec::new();
    // Longest names first, so "modded-nanogpt medium" wins over "modded-nanogpt".
    let mut names: Vec<(&String, &String)> = links.iter().collect();
    names.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for r in prose {
        for (i, _) in text[r.clone()].match_indices(PLACEHOLDER) {
            let marker = r.start + i;
            let before = &text[r.start..marker];
            let name_end = before.trim_end_matches([' ', '\t']).len();
            let head = &before[..name_end];
            let hit = names.iter().find(|(k, _)| {
                head.len() >= k.len()
                    && head.is_char_boundary(head.len() - k.len())
                    && head[head.len() - k.len()..].eq_ignore_ascii_case(k)
                    && !head[..head.len() - k.len()]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_')
            });
            match hit {
                Some((k, url)) => {
                    let start = r.start + head.len() - k.len();
                    out.push(Found::Resolved {
                        range: start..marker + PLACEHOLDER.len(),
                        markdown: format!("[{}]({url})", &text[start..r.start + head.len()]),
                    });
                }
                None => out.push(Found::Unresolved {
                    at: marker,
                    guess: head
                        .rsplit(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .to_string(),
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_longest_first_and_unknown_are_kept() {
        let mut links = BTreeMap::new();
        links.insert("modded-nanogpt".to_string(), "https://a".to_string());
        links.insert("nanogpt".to_string(), "https://b".to_string());
        let t = "See modded-nanogpt (LINK) and nanoGPT (LINK), not foo (LINK).";
        let all = std::iter::once(0..t.len()).collect::<Vec<_>>();
        let f = find(t, &all, &links);
        assert_eq!(f.len(), 3);
        match &f[0] {
            Found::Resolved { range, markdown } => {
                assert_eq!(&t[range.clone()], "modded-nanogpt (LINK)");
                assert_eq!(markdown, "[modded-nanogpt](https://a)");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&f[1], Found::Resolved { markdown, .. } if markdown == "[nanoGPT](https://b)")
        );
        assert!(matches!(&f[2], Found::Unresolved { guess, .. } if guess == "foo"));
    }
}
