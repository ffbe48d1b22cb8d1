//! Syntax highlighting of fenced code with syntect (pure-Rust regex engine). Code gets CSS
//! classes, and `stylesheet` gives a light and a dark theme for them, so the page follows the
//! reader's colour scheme.

use super::text::escape;
use std::sync::OnceLock;
use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static S: OnceLock<SyntaxSet> = OnceLock::new();
    S.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// `<pre class="code"><code>` with highlighted spans when the language is known, plain
/// escaped text otherwise.
pub fn code_block(code: &str, lang: &str) -> String {
    let ss = syntaxes();
    let syntax = (!lang.is_empty())
        .then(|| ss.find_syntax_by_token(lang))
        .flatten();
    let body = match syntax {
        Some(syn) => {
            let mut g = ClassedHTMLGenerator::new_with_class_style(syn, ss, STYLE);
            let ok = LinesWithEndings::from(code)
                .all(|l| g.parse_html_for_line_which_includes_newline(l).is_ok());
            if ok {
                g.finalize()
            } else {
                escape(code)
            }
        }
        None => escape(code),
    };
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape(lang))
    };
    format!("<pre class=\"code\"><code{class}>{body}</code></pre>\n")
}

/// CSS for the highlight classes: a light theme, and a dark one under `prefers-color-scheme`.
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let light =
        css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], STYLE).unwrap_or_default();
    let dark = css_for_theme_with_class_style(&themes.themes["base16-ocean.dark"], STYLE)
        .unwrap_or_default();
    format!(
        "/* Code highlighting: syntect themes InspiredGitHub (light), base16-ocean.dark (dark). */\n\
         {light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )
}
