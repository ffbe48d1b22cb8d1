//! Configuration: the site's `site.toml` (title, author, base URL, links table, publish remote)
//! and the front matter a draft may start with (title, date, the experiments it draws on).

use crate::error::Context;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// `site.toml`. Every field has a default, so a repository without one still builds.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub author: String,
    /// Where the site is served from, e.g. `https://user.github.io/repo/`; used by the feed.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    /// Link placeholders `name (LINK)` in drafts are filled from this table (name -> URL).
    #[serde(default)]
    pub links: BTreeMap<String, String>,
    #[serde(default)]
    pub publish: PublishConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    #[serde(default = "default_remote")]
    pub remote: String,
    #[serde(default = "default_branch")]
    pub branch: String,
}

fn default_title() -> String {
    "Posts".into()
}
fn default_base_url() -> String {
    "/".into()
}
fn default_remote() -> String {
    "origin".into()
}
fn default_branch() -> String {
    "gh-pages".into()
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            remote: default_remote(),
            branch: default_branch(),
        }
    }
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: default_title(),
            author: String::new(),
            base_url: default_base_url(),
            description: String::new(),
            links: BTreeMap::new(),
            publish: PublishConfig::default(),
        }
    }
}

impl SiteConfig {
    /// Reads `path`; a missing file gives the defaults, a bad one an error naming the file.
    pub fn load(path: &Path) -> Result<SiteConfig> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        Self::parse(&text).at(path)
    }

    pub fn parse(text: &str) -> Result<SiteConfig> {
        let mut c: SiteConfig = toml::from_str(text).map_err(|e| Error::SiteConfig {
            message: e.to_string(),
        })?;
        if !c.base_url.ends_with('/') {
            c.base_url.push('/');
        }
        Ok(c)
    }
}

/// A draft's front matter: `---` lines of `key: value` before the text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// `YYYY-MM-DD`; the only date the site uses (never the clock).
    pub date: Option<String>,
    /// The experiments whose runs the post uses (`experiment: a`, or `experiments: [a, b]`), in
    /// the order given; empty: all runs, which must then be of one experiment.
    pub experiments: Vec<String>,
    pub summary: Option<String>,
    /// The post's social image (link previews): a figure or image link of the post.
    pub image: Option<String>,
    /// Lines whose value a YAML reader would not read as written (a `: ` in an unquoted
    /// value): (line, what to do). The build reads them, and the filled markdown quotes them.
    pub not_yaml: Vec<(usize, String)>,
}

pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "date",
    "experiment",
    "experiments",
    "summary",
    "image",
];

/// Splits a draft into its front matter and body. Returns the body's offset in `text` so that
/// line numbers of the body can be given in the draft's terms. Errors carry a line number.
/// A UTF-8 byte order mark before the front matter (some Windows editors write one) is skipped.
pub fn split_front_matter(text: &str) -> Result<(FrontMatter, usize), AtLine> {
    let mut fm = FrontMatter::default();
    let unmarked = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = unmarked
        .strip_prefix("---\n")
        .or_else(|| unmarked.strip_prefix("---\r\n"))
    else {
        return Ok((fm, text.len() - unmarked.len()));
    };
    let mut offset = text.len() - rest.len();
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let lineno = i + 2;
        offset += line.len();
        let l = line.trim();
        if l == "---" {
            return Ok((fm, offset));
        }
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err((
                lineno,
                format!("front matter line is not `key: value`: {l}"),
            ));
        };
        if let Some(why) = not_plain_yaml(k.trim(), v.trim()) {
            fm.not_yaml.push((lineno, why));
        }
        let v = unquote(v.trim()).to_string();
        match k.trim() {
            "title" => fm.title = Some(v),
            "date" => {
                check_date(&v).map_err(|m| (lineno, format!("date `{v}` {}", m.0)))?;
                fm.date = Some(v)
            }
            "experiment" | "experiments" => {
                if !fm.experiments.is_empty() {
                    return Err((
                        lineno,
                        "the experiments are given twice (`experiment:` names one, \
                         `experiments: [a, b]` several; use one line)"
                            .into(),
                    ));
                }
                fm.experiments = experiment_names(k.trim(), &v).map_err(|m| (lineno, m.0))?;
            }
            "summary" => fm.summary = Some(v),
            "image" => fm.image = Some(v),
            other => {
                return Err((
                    lineno,
                    format!(
                        "unknown front matter key `{other}`; known keys: {}",
                        FRONT_MATTER_KEYS.join(", ")
                    ),
                ))
            }
        }
    }
    Err((1, "front matter opened with `---` is never closed".into()))
}

/// A front matter that cannot be read: the draft's line, and what is wrong there.
pub type AtLine = (usize, String);

/// What is wrong with one value of the front matter; its line is the caller's to add.
#[derive(Debug)]
struct Why(String);

/// `a` for `experiment:`; `[a, b]` (or `a, b`) for `experiments:`. Each name becomes a folder
/// of the post's figures, so it must be a plain one; none may repeat.
fn experiment_names(key: &str, v: &str) -> Result<Vec<String>, Why> {
    let list = if key == "experiments" {
        let inner = v.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
        if v.starts_with('[') && inner.is_none() {
            return Err(Why(format!("experiments `{v}`: a list is `[a, b]`")));
        }
        inner.unwrap_or(v)
    } else {
        v
    };
    let names: Vec<String> = if key == "experiments" {
        list.split(',')
            .map(|n| unquote(n.trim()).to_string())
            .collect()
    } else {
        // One name, already read as YAML reads it: `"a\nb"` is one bad name, never two.
        vec![v.trim().to_string()]
    };
    let mut seen: Vec<&String> = Vec::new();
    for n in &names {
        runlog::check_name("experiment", n).map_err(|e| {
            Why(format!(
                "{key}: {e}; an experiment is a folder under runs/, several are \
                 `experiments: [a, b]`"
            ))
        })?;
        if seen.contains(&n) {
            return Err(Why(format!("{key}: `{n}` is named twice")));
        }
        seen.push(n);
    }
    Ok(names)
}

/// A quoted YAML scalar's text (double quotes with YAML's escapes, single quotes with `''`);
/// anything else as it stands.
fn unquote(v: &str) -> std::borrow::Cow<'_, str> {
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return v[1..v.len() - 1].replace("''", "'").into();
    }
    if !(v.len() >= 2 && v.starts_with('"') && v.ends_with('"')) {
        return v.into();
    }
    let inner = &v[1..v.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |n: usize, chars: &mut std::str::Chars| {
            let h: String = chars.by_ref().take(n).collect();
            u32::from_str_radix(&h, 16).ok().and_then(char::from_u32)
        };
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => out.extend(hex(2, &mut chars)),
            Some('u') => out.extend(hex(4, &mut chars)),
            Some('U') => out.extend(hex(8, &mut chars)),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out.into()
}

/// `v` as a YAML double-quoted scalar: any text reads back exactly, by a YAML reader and by
/// [`split_front_matter`].
pub fn yaml_quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why a YAML reader would not read `key: value` as written, if it would not: an unquoted
/// value holding `: ` or ` #`, or starting with a character YAML gives a meaning.
fn not_plain_yaml(key: &str, v: &str) -> Option<String> {
    let quoted = v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')));
    let list = key == "experiments" && v.starts_with('[');
    if quoted || list || v.is_empty() {
        return None;
    }
    let bad = v.contains(": ")
        || v.contains(" #")
        || v.ends_with(':')
        || v.starts_with([
            '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '"', '\'', '#', ',',
        ]);
    bad.then(|| {
        format!(
            "`{key}:` is not valid YAML as written (a YAML reader stops at its `: `, `#` or \
             first character); quote it: {key}: {}",
            yaml_quote(v)
        )
    })
}

impl FrontMatter {
    /// The front matter as valid YAML (every text quoted), between `---` lines, with `image`
    /// as given: what the filled markdown starts with.
    pub fn to_yaml(&self, image: Option<&str>) -> String {
        let mut out = String::from("---\n");
        if let Some(t) = &self.title {
            out.push_str(&format!("title: {}\n", yaml_quote(t)));
        }
        if let Some(d) = &self.date {
            out.push_str(&format!("date: {d}\n"));
        }
        match self.experiments.as_slice() {
            [] => {}
            [one] => out.push_str(&format!("experiment: {}\n", yaml_quote(one))),
            many => {
                let list: Vec<String> = many.iter().map(|e| yaml_quote(e)).collect();
                out.push_str(&format!("experiments: [{}]\n", list.join(", ")));
            }
        }
        if let Some(s) = &self.summary {
            out.push_str(&format!("summary: {}\n", yaml_quote(s)));
        }
        if let Some(i) = image {
            out.push_str(&format!("image: {}\n", yaml_quote(i)));
        }
        out.push_str("---\n");
        out
    }
}

/// `YYYY-MM-DD`, a day of the calendar (the feed and the index show it as one): the error says
/// what is wrong.
fn check_date(v: &str) -> Result<(), Why> {
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(Why("is not YYYY-MM-DD".into()));
    }
    let num = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    if year == 0 {
        return Err(Why("is not a calendar date: there is no year 0000".into()));
    }
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => {
            return Err(Why(format!(
                "is not a calendar date: there is no month {month:02}"
            )))
        }
    };
    if day == 0 || day > days {
        return Err(Why(format!(
            "is not a calendar date: {year:04}-{month:02} has days 01 to {days}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_toml_with_links_and_defaults() {
        let c = SiteConfig::parse(
            "title = \"T\"\nbase_url = \"https://x.io/b\"\n[links]\nmodded-nanogpt = \"https://github.com/KellerJordan/modded-nanogpt\"\n",
        )
        .unwrap();
        assert_eq!(c.base_url, "https://x.io/b/");
        assert_eq!(c.links.len(), 1);
        assert_eq!(c.publish.remote, "origin");
        assert_eq!(c.publish.branch, "gh-pages");
        let e = SiteConfig::parse("titel = \"T\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("titel"), "{e}");
    }

    #[test]
    fn front_matter_parsed_and_bad_keys_named() {
        let d = "---\ntitle: \"A: b\"\ndate: 2025-09-20\nexperiment: x0\n---\n# Body\n";
        let (fm, off) = split_front_matter(d).unwrap();
        assert_eq!(fm.title.as_deref(), Some("A: b"));
        assert_eq!(fm.experiments, ["x0"]);
        assert_eq!(fm.date.as_deref(), Some("2025-09-20"));
        assert_eq!(&d[off..], "# Body\n");
        assert_eq!(split_front_matter("# no fm\n").unwrap().1, 0);
        let (line, msg) = split_front_matter("---\ntitle: a\nauthr: b\n---\n").unwrap_err();
        assert_eq!(line, 3);
        assert!(msg.contains("authr") && msg.contains("experiment"), "{msg}");
        assert!(split_front_matter("---\ndate: 20 May\n---\n").is_err());
        for (date, says) in [
            (
                "2026-02-30",
                "date `2026-02-30` is not a calendar date: 2026-02 has days 01 to 28",
            ),
            ("2024-02-30", "2024-02 has days 01 to 29"),
            (
                "0000-00-00",
                "date `0000-00-00` is not a calendar date: there is no year 0000",
            ),
            ("2026-13-01", "there is no month 13"),
            ("2026-04-31", "2026-04 has days 01 to 30"),
            ("2026-01-00", "2026-01 has days 01 to 31"),
        ] {
            let (line, msg) =
                split_front_matter(&format!("---\ntitle: T\ndate: {date}\n---\n")).unwrap_err();
            assert_eq!(line, 3);
            assert!(msg.contains(says), "{date}: {msg}");
        }
        for ok in ["2024-02-29", "2000-02-29", "1999-12-31", "2026-01-31"] {
            let fm = format!("---\ndate: {ok}\n---\n");
            assert!(split_front_matter(&fm).is_ok(), "{ok}");
        }
        assert!(split_front_matter("---\ndate: 1900-02-29\n---\n").is_err());
        assert!(split_front_matter("---\ntitle: a\n").is_err());
        // A byte order mark before the front matter does not hide it.
        let (fm, off) = split_front_matter("\u{feff}---\ntitle: T\n---\n# B\n").unwrap();
        assert_eq!((fm.title.as_deref(), off), (Some("T"), 20));
        assert_eq!(split_front_matter("\u{feff}# B\n").unwrap().1, 3);
    }

    #[test]
    fn several_experiments_are_a_list_of_plain_distinct_names() {
        let (fm, _) =
            split_front_matter("---\nexperiments: [tiny, \"x0-experiment\"]\n---\n").unwrap();
        assert_eq!(fm.experiments, ["tiny", "x0-experiment"]);
        for (text, says) in [
            ("experiments: [a, a]", "`a` is named twice"),
            (
                "experiments: [a, ../b]",
                "experiments: experiment \"../b\" is not a plain name: it holds a path separator",
            ),
            (
                "experiments: []",
                "experiments: experiment \"\" is not a plain name: it is empty",
            ),
            ("experiments: [a, b", "a list is `[a, b]`"),
            ("experiment: a\nexperiments: [b]", "given twice"),
            ("experiment: a, b/c", "is not a plain name"),
            ("experiment: $(touch x)", "is not a plain name"),
            // YAML reads the escape: one name with a line break in it, not two names.
            (
                "experiment: \"a\\nb\"",
                "experiment: experiment \"a\\nb\" is not a plain name: it holds a line break",
            ),
        ] {
            let (_, msg) = split_front_matter(&format!("---\n{text}\n---\n")).unwrap_err();
            assert!(msg.contains(says), "{text}: {msg}");
        }
    }
}
