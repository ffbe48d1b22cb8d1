//! The lens directives: `lens_table(...)`, the decoded sample as a markdown table (every token
//! escaped, spaces and line breaks shown as `␣` and `↵`), and `lens_rate(...)`, one number of
//! one component. Both read the experiment's lenses ([`Facts::lenses`]): a variant's finished
//! runs' own, and an imported one.

use super::args::{Args, Markdown};
use super::facts::{Facts, LensFact};
use crate::stats::lens as lens_stats;
use crate::stats::Summary;
use crate::{Error, Result};

/// Rows a table may show: a sample is for reading, not for dumping.
const MAX_ROWS: usize = 64;

/// The lenses a directive reads: the variant's, or the one of `seed=`.
fn pick<'a>(f: &'a Facts, a: &Args) -> Result<Vec<&'a LensFact>> {
    let v = runlog::Variant::parse(a.variant()?).map_err(Error::Call)?;
    let all: Vec<&LensFact> = f.lenses.iter().filter(|l| l.variant == v).collect();
    if all.is_empty() {
        let with: Vec<String> = f.lenses.iter().map(|l| l.who.clone()).collect();
        return Err(Error::NotInRuns(format!(
            "no lens of {v} in this experiment (lenses: {}); a finished run writes its \
             lens.json, `report import-lens` an experiment's",
            if with.is_empty() {
                "none".to_string()
            } else {
                with.join(", ")
            }
        )));
    }
    match a.whole("seed") {
        None => Ok(all),
        Some(s) => {
            let one: Vec<&LensFact> = all.iter().copied().filter(|l| l.seed == Some(s)).collect();
            if one.is_empty() {
                let who: Vec<&str> = all.iter().map(|l| l.who.as_str()).collect();
                return Err(Error::NotInRuns(format!(
                    "no lens of {v} seed {s}; lenses of {v}: {}",
                    who.join(", ")
                )));
            }
            Ok(one)
        }
    }
}

/// `lens_rate(variant=, component=, rate=, seed=, digits=3, percent=false, spread=false)`:
/// the mean over the variant's lenses (`spread`: mean ± std (n)).
pub fn rate(f: &Facts, a: &Args) -> Result<Markdown> {
    let lenses = pick(f, a)?;
    let component = a
        .text("component")
        .ok_or_else(|| needs("lens_rate", "component", "component=\"x00\""))?;
    let rate = a
        .text("rate")
        .ok_or_else(|| needs("lens_rate", "rate", "rate=\"copy\""))?;
    let pairs: Vec<(String, &runlog::Lens)> =
        lenses.iter().map(|l| (l.who.clone(), &l.lens)).collect();
    let s = lens_stats::summary(&pairs, component, rate)?;
    let digits = a.digits(3);
    let scale = |s: Summary, k: f64| Summary {
        mean: s.mean * k,
        std: s.std.map(|x| x * k),
        min: s.min * k,
        max: s.max * k,
        ..s
    };
    let percent = a.flag("percent");
    let s = if percent { scale(s, 100.0) } else { s };
    let unit = if percent { "%" } else { "" };
    Ok(if a.flag("spread") {
        s.display(digits)
    } else {
        format!("{:.*}{unit}", digits, s.mean)
    })
}

/// `lens_table(variant=, components=[...], positions="a..b", seed=, top=1)`.
pub fn table(f: &Facts, a: &Args) -> Result<Markdown> {
    let lens = pick(f, a)?[0];
    let sample = &lens.lens.sample;
    let names = a
        .names("components")
        .ok_or_else(|| needs("lens_table", "components", "components=[\"x00\", \"x01\"]"))?;
    for c in &names {
        if !sample.top.contains_key(c) {
            let known: Vec<&str> = sample.top.keys().map(String::as_str).collect();
            return Err(Error::NotInRuns(format!(
                "the lens of {} has no component `{}` in its sample; it has: {}",
                lens.who,
                c.escape_debug(),
                known.join(", ")
            )));
        }
    }
    let n = sample.tokens.len();
    let range = positions(a.text("positions"), n)?;
    let top = a.whole("top").unwrap_or(1).clamp(1, 10) as usize;
    // A markdown table, not HTML: a draft's raw HTML is escaped (site::safe), and the site
    // numbers, captions and scrolls markdown tables like every other.
    let mut md = String::from("| &#35; | input | next |");
    for c in &names {
        md.push_str(&format!(" {} |", escape(c)));
    }
    md.push_str(&format!("\n|---:|---|---|{}\n", "---|".repeat(names.len())));
    for i in range.clone() {
        let next = sample.tokens.get(i + 1).map_or(String::new(), |t| token(t));
        md.push_str(&format!("| {i} | {} | {next} |", token(&sample.tokens[i])));
        for c in &names {
            let cell: Vec<String> = sample.top[c][i]
                .iter()
                .take(top)
                .map(|g| format!("{} {:.2}", token(&g.0), g.1))
                .collect();
            md.push_str(&format!(" {} |", cell.join(" · ")));
        }
        md.push('\n');
    }
    md.push_str(&format!(
        "\nTable: {}\n",
        escape(&format!(
            "Logit lens of {}: top-{top} next tokens at positions {} to {} (spaces shown as ␣, \
             line breaks as ↵)",
            lens.who,
            range.start,
            range.end - 1
        ))
    ));
    Ok(md)
}

/// `"a..b"` (b excluded) or `"a..=b"` within `n` positions; none given: the first 16.
fn positions(text: Option<&str>, n: usize) -> Result<std::ops::Range<usize>> {
    let bad = |t: &str| {
        Error::Call(format!(
            "positions=\"{}\" is not a range like \"0..16\" or \"0..=15\" within the sample's {n} \
             positions",
            t.escape_debug()
        ))
    };
    let r = match text {
        None => 0..n.min(16),
        Some(t) => {
            let (a, b, inclusive) = match t.split_once("..=") {
                Some((a, b)) => (a, b, true),
                None => {
                    let (a, b) = t.split_once("..").ok_or_else(|| bad(t))?;
                    (a, b, false)
                }
            };
            let num = |s: &str| s.trim().parse::<usize>().map_err(|_| bad(t));
            let (a, b) = (num(a)?, num(b)? + usize::from(inclusive));
            if a >= b || b > n {
                return Err(bad(t));
            }
            a..b
        }
    };
    if r.len() > MAX_ROWS {
        return Err(Error::Call(format!(
            "positions {}..{} are {} rows; a lens table shows at most {MAX_ROWS}",
            r.start,
            r.end,
            r.len()
        )));
    }
    Ok(r)
}

/// A lens directive called without an argument it needs.
fn needs(function: &str, arg: &str, example: &str) -> Error {
    Error::MissingArgument {
        call: Some(format!("{function}(...)")),
        arg: arg.to_owned(),
        example: example.to_owned(),
    }
}

/// A decoded token as a table cell shows it: whitespace and control characters made visible,
/// then every character that HTML or markdown could read as markup written as an entity (the
/// markdown reader turns it back into that character, as text).
pub fn token(t: &str) -> String {
    let visible: String = t
        .chars()
        .map(|c| match c {
            ' ' => '␣',
            '\n' => '↵',
            '\t' => '⇥',
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
            '\u{7f}' => '␡',
            c => c,
        })
        .collect();
    escape(&visible)
}

/// HTML-escapes `s`, ASCII punctuation as numeric entities (no markdown or template syntax
/// survives in it).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push_str(&format!("&#{};", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_show_their_spaces_and_hide_their_markup() {
        assert_eq!(token(" the\n"), "␣the↵");
        assert_eq!(
            token("<script>{{x}}|"),
            "&#60;script&#62;&#123;&#123;x&#125;&#125;&#124;"
        );
        assert_eq!(token("\u{0}\t"), "␀⇥");
        assert_eq!(positions(Some("2..=4"), 10).unwrap(), 2..5);
        assert_eq!(positions(None, 128).unwrap(), 0..16);
        assert!(positions(Some("4..2"), 10).is_err());
        assert!(positions(Some("0..11"), 10).is_err());
        assert!(positions(Some("0..100"), 200)
            .unwrap_err()
            .to_string()
            .contains("at most 64"));
    }
}
