//! What `report serve` adds to each HTML page it serves (never to the files `report build`
//! writes): the problems of a failed build over the page, and a script that listens on
//! `/__livereload`, reloads the page when what is served changes, and puts the reader back
//! where they were.

use super::live::{State, EVENTS_PATH};
use crate::site::text::escape;

/// `html` with the overlay (when the last build failed) and the live-reload script, inserted
/// before the last `</body>` (at the end when there is none).
pub fn inject(html: &[u8], state: &State) -> Vec<u8> {
    let mut added = overlay(&state.problems);
    added.push_str(&script(&state.token));
    let at = find_last_ascii_ci(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + added.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(added.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The marker every injected script carries (the tests look for it in built sites).
pub const MARKER: &str = "report serve: live reload";

fn script(token: &str) -> String {
    // The token is hex and digits (live.rs), safe inside a JS string.
    format!(
        r#"<script>/* {MARKER} (served pages only) */
(() => {{
  const served = "{token}";
  // The position is put back by this script alone, the same way in every browser.
  history.scrollRestoration = "manual";
  const key = "report-serve-scroll " + location.pathname;
  const y = sessionStorage.getItem(key);
  if (y !== null) {{
    sessionStorage.removeItem(key);
    const back = () => window.scrollTo(0, Number(y));
    back();
    addEventListener("load", back);
  }}
  const events = new EventSource("{EVENTS_PATH}");
  events.addEventListener("state", (e) => {{
    if (e.data === served) return;
    events.close();
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  }});
}})();
</script>
"#
    )
}

/// The id of the overlay's element.
pub const OVERLAY_ID: &str = "report-serve-problems";

/// The problems of a failed build as a panel over the page; nothing when there are none.
fn overlay(problems: &[String]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let items: String = problems
        .iter()
        .map(|p| format!("<li>{}</li>", escape(p)))
        .collect();
    format!(
        "<div id=\"{OVERLAY_ID}\" role=\"alert\" style=\"position:fixed;top:0;left:0;right:0;\
max-height:60vh;overflow:auto;z-index:2147483647;margin:0;padding:12px 16px;background:#fff4f4;\
color:#3a0000;border-bottom:3px solid #c00;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;\
box-shadow:0 2px 12px rgba(0,0,0,.3)\"><p style=\"margin:0 0 8px\"><strong>The last build \
failed</strong> ({n} problem{s}, as <code>report check</code> lists them); the pages shown are \
those of the last good build. It clears itself when a build passes. <button type=\"button\" \
onclick=\"this.closest('div').remove()\">hide</button></p><ul style=\"margin:0;padding-left:1.2em\
\">{items}</ul></div>\n",
        n = problems.len(),
        s = if problems.len() == 1 { "" } else { "s" },
    )
}

/// Where the last `needle` starts in `hay`, ASCII case ignored.
fn find_last_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=hay.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(problems: &[&str]) -> State {
        State {
            root: "/".into(),
            problems: problems.iter().map(|s| s.to_string()).collect(),
            token: "abc-3".into(),
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end_and_problems_are_escaped() {
        let page = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(inject(page, &state(&[]))).unwrap();
        assert!(out.ends_with("</script>\n</BODY></html>"), "{out}");
        assert!(out.contains(MARKER) && out.contains("\"abc-3\""), "{out}");
        assert!(!out.contains(OVERLAY_ID), "{out}");
        let out = String::from_utf8(inject(
            b"no body",
            &state(&["posts/a.md:3: claim failed: <script>alert(1)</script>"]),
        ))
        .unwrap();
        assert!(
            out.starts_with("no body<div id=\"report-serve-problems\""),
            "{out}"
        );
        assert!(
            out.contains(
                "<li>posts/a.md:3: claim failed: &lt;script&gt;alert(1)&lt;/script&gt;</li>"
            ),
            "{out}"
        );
        assert!(out.contains("(1 problem, as"), "{out}");
    }
}
