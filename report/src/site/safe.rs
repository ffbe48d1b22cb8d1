//! What of a draft's markdown may reach a page as written. A draft is input like any other, so:
//!
//! - links go only to http(s), mailto, a relative path or a #fragment ([`check_url`]); any other
//!   scheme (`javascript:`, `vbscript:`, `data:`, `file:`, ...) is refused by the build with a
//!   named problem, and [`sanitise`] drops such a link's target besides;
//! - raw HTML is escaped, never interpreted: `<script>` or `<img onerror=...>` shows as the text
//!   the author typed. An HTML comment standing alone is dropped. Markdown itself says what a
//!   post needs (emphasis, links, images, tables, code, math), so no tag is let through.

use super::text::escape;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// Where a link may point, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `#id`: a heading of the page.
    Fragment,
    /// `http://`, `https://` (or `//host/...`, which takes the page's own scheme).
    Remote,
    Mail,
    /// A path relative to the page.
    Relative,
}

/// A link refused for its scheme: the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "its scheme `{scheme}:` is not one a page links with (only http(s), mailto, a relative path \
     or a #fragment)"
)]
pub struct Refused {
    pub scheme: String,
}

/// What `dest` points at as a browser reads it (leading control characters and spaces
/// skipped, tabs and line breaks ignored); `Err` says why it is refused.
pub fn check_url(dest: &str) -> Result<Target, Refused> {
    let seen: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if seen.starts_with('#') {
        return Ok(Target::Fragment);
    }
    if seen.starts_with("//") {
        return Ok(Target::Remote);
    }
    // A scheme: a letter, then letters, digits, `+`, `-`, `.`, up to a `:` before any `/?#`.
    let end = seen.find([':', '/', '?', '#']);
    let scheme = match end {
        Some(i) if seen[i..].starts_with(':') => &seen[..i],
        _ => return Ok(Target::Relative),
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return Ok(Target::Relative);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => Ok(Target::Remote),
        "mailto" => Ok(Target::Mail),
        other => Err(Refused {
            scheme: other.to_string(),
        }),
    }
}

/// A destination as a message shows it: escaped, and cut after 80 characters.
pub fn shown(dest: &str) -> String {
    let cut: String = dest.chars().take(80).collect();
    let more = if cut.len() < dest.len() { "..." } else { "" };
    format!("{}{more}", cut.escape_debug())
}

/// The events of a draft made safe for a page (see the module docs), and the destination of
/// every link as written, for the checks.
pub fn sanitise(events: Vec<Event<'_>>) -> (Vec<Event<'_>>, Vec<String>) {
    let mut out = Vec::with_capacity(events.len());
    let mut links = Vec::new();
    let mut block: Option<String> = None;
    for ev in events {
        match ev {
            Event::Start(Tag::HtmlBlock) => block = Some(String::new()),
            Event::End(TagEnd::HtmlBlock) => {
                let text = block.take().unwrap_or_default();
                if !is_comment(&text) {
                    let html = format!("<p class=\"raw-html\">{}</p>\n", escape(text.trim_end()));
                    out.push(Event::Html(html.into()));
                }
            }
            Event::Html(t) | Event::Text(t) if block.is_some() => {
                block.get_or_insert_with(String::new).push_str(&t)
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                if !is_comment(&t) {
                    out.push(Event::Text(t));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                links.push(dest_url.to_string());
                let dest_url = match check_url(&dest_url) {
                    Ok(_) => dest_url,
                    Err(_) => CowStr::Borrowed(""),
                };
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            ev => out.push(ev),
        }
    }
    (out, links)
}

/// Whether `html` is one HTML comment and nothing else (dropped: a comment runs nothing).
fn is_comment(html: &str) -> bool {
    let t = html.trim();
    t.starts_with("<!--")
        && t.ends_with("-->")
        && t.len() >= 7
        && !t[4..t.len() - 3].contains("--")
        && !t[4..].starts_with('>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_mailto_relative_and_fragments_pass() {
        for (dest, want) in [
            ("https://example.org/a", Target::Remote),
            ("HTTP://x.org", Target::Remote),
            ("//cdn.example.org/x", Target::Remote),
            ("mailto:a@b.org", Target::Mail),
            ("#setup", Target::Fragment),
            ("images/a.png", Target::Relative),
            ("../b.html?x=y:z", Target::Relative),
            ("a.md#x:y", Target::Relative),
        ] {
            assert_eq!(check_url(dest), Ok(want), "{dest}");
        }
        for (dest, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("  JavaScript:alert(1)", "javascript"),
            ("java\tscript:alert(1)", "javascript"),
            ("\u{1}javascript:alert(1)", "javascript"),
            ("vbscript:msgbox", "vbscript"),
            ("data:text/html,<script>", "data"),
            ("file:///etc/passwd", "file"),
            ("C:/Windows", "c"),
        ] {
            let e = check_url(dest).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("its scheme `{scheme}:`")),
                "{dest}: {e}"
            );
        }
    }

    #[test]
    fn comments_alone_are_comments() {
        assert!(is_comment("<!-- a note -->\n"));
        for not in [
            "<!-- a --><script>x</script>",
            "<!-->",
            "<p><!-- a --></p>",
            "<!-- a -- b -->",
        ] {
            assert!(!is_comment(not), "{not}");
        }
    }
}
