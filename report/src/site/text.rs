//! Text helpers of the markdown passes: HTML escaping, heading slugs (deduplicated), and inline
//! code that breaks between words only.

use std::collections::HashSet;

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

/// `base`, or `base-1`, `base-2`, ... the first not used yet (and now used).
pub fn unique(used: &mut HashSet<String>, base: String) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// Inline code that a line may break between words but not inside one holding a hyphen (a
/// flag, a file name): such words are kept whole, unless too long for a phone's line.
pub fn inline_code(code: &str) -> String {
    let mut s = String::from("<code>");
    for (k, word) in code.split(' ').enumerate() {
        if k > 0 {
            s.push(' ');
        }
        if word.contains('-') && word.chars().count() <= 36 {
            s.push_str(&format!("<span class=\"nowrap\">{}</span>", escape(word)));
        } else {
            s.push_str(&escape(word));
        }
    }
    s.push_str("</code>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_keep_letters_of_any_script() {
        let mut used = HashSet::new();
        assert_eq!(unique(&mut used, slugify("The setup")), "the-setup");
        assert_eq!(unique(&mut used, slugify("The  setup!")), "the-setup-1");
        assert_eq!(slugify("Über x01"), "über-x01");
        assert_eq!(slugify("!!"), "section");
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
