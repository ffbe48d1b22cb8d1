//! The directive language, parsed by hand: one call of one function with literal arguments,
//!
//! ```text
//! directive := ws name ws "(" ws [ arg ( ws "," ws arg )* ] ws ")" ws
//! arg       := name ws "=" ws literal
//! literal   := string | number | "true" | "false" | "[" ws [ literal ( ws "," ws literal )* ] ws "]"
//! string    := '"' any but '"' '"' | "'" any but "'" "'"      (no escapes, as in tera)
//! number    := ["-"] digits ["." digits] [("e"|"E") ["+"|"-"] digits]
//! ```
//!
//! and nothing else: no expressions, filters, variables or second calls, so nothing of a
//! template language (tera registers `get_env`, `range` and `throw` in every instance) is
//! reachable from a draft.

use serde_json::Value;
use std::collections::BTreeMap;

/// The name of `ref(fig=...)` / `ref(table=...)`: a directive's syntax, resolved by the
/// pipeline's references pass once figures are numbered (the directives pass skips it).
pub const REF: &str = "ref";

/// A parsed directive: the function's name and its arguments by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: BTreeMap<String, Value>,
}

/// Why the inside of `{{ ... }}` is not a call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyntaxError {
    /// What was expected at a column (counted in characters), and up to 20 characters of what
    /// stands there instead (empty: the end).
    #[error("expected {expected} at column {column}, found {}", found_words(.found))]
    Expected {
        expected: String,
        column: usize,
        found: String,
    },
    #[error("argument `{0}` is given twice")]
    Twice(String),
    /// Text after the call's closing parenthesis.
    #[error("`{rest}` after `{name}(...)`: a directive is one call of one function with literal arguments, nothing else")]
    Trailing { rest: String, name: String },
}

fn found_words(found: &str) -> String {
    if found.is_empty() {
        "the end".into()
    } else {
        format!("`{found}`")
    }
}

/// Parses the inside of `{{ ... }}`; the error says what was expected where.
pub fn parse(body: &str) -> Result<Call, SyntaxError> {
    let mut p = Parser { text: body, at: 0 };
    p.ws();
    let name = p
        .name()
        .ok_or_else(|| p.fail("a function name, like `final_loss`"))?;
    p.ws();
    p.expect('(')?;
    let mut args = BTreeMap::new();
    p.ws();
    if !p.eat(')') {
        loop {
            p.ws();
            let key = p
                .name()
                .ok_or_else(|| p.fail("an argument name, like `variant`"))?;
            p.ws();
            p.expect('=')?;
            p.ws();
            let value = p.literal(0)?;
            if args.insert(key.clone(), value).is_some() {
                return Err(SyntaxError::Twice(key));
            }
            p.ws();
            if p.eat(')') {
                break;
            }
            p.expect(',')?;
        }
    }
    p.ws();
    if p.at < p.text.len() {
        return Err(SyntaxError::Trailing {
            rest: p.text[p.at..].trim().to_owned(),
            name,
        });
    }
    Ok(Call { name, args })
}

/// Lists nest at most this deep (the directives take lists of names only).
const MAX_DEPTH: usize = 2;

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn ws(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), SyntaxError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.fail(&format!("`{c}`")))
        }
    }

    /// What was expected, and what stands there instead (column counted in characters).
    fn fail(&self, expected: &str) -> SyntaxError {
        SyntaxError::Expected {
            expected: expected.to_owned(),
            column: self.text[..self.at].chars().count() + 1,
            found: self.rest().chars().take(20).collect(),
        }
    }

    fn name(&mut self) -> Option<String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.at += len;
        Some(rest[..len].to_string())
    }

    fn literal(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        let rest = self.rest();
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let Some(end) = rest[1..].find(q) else {
                return Err(self.fail(&format!("a closing {q}")));
            };
            self.at += end + 2;
            return Ok(Value::String(rest[1..1 + end].to_string()));
        }
        if rest.starts_with('[') && depth < MAX_DEPTH {
            self.at += 1;
            let mut items = Vec::new();
            self.ws();
            if self.eat(']') {
                return Ok(Value::Array(items));
            }
            loop {
                self.ws();
                items.push(self.literal(depth + 1)?);
                self.ws();
                if self.eat(']') {
                    return Ok(Value::Array(items));
                }
                self.expect(',')?;
            }
        }
        for (word, v) in [("true", true), ("false", false)] {
            if rest.starts_with(word) && !self.word_goes_on(word.len()) {
                self.at += word.len();
                return Ok(Value::Bool(v));
            }
        }
        let len = number_len(rest);
        if len > 0 && !self.word_goes_on(len) {
            let text = &rest[..len];
            let value = if text.contains(['.', 'e', 'E']) {
                text.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            } else {
                text.parse::<i64>().ok().map(Value::from)
            };
            if let Some(v) = value {
                self.at += len;
                return Ok(v);
            }
        }
        Err(self.fail("a literal: a \"string\", a number, true, false or a [list]"))
    }

    /// Whether the text goes on with a name character after `len` bytes (`true_x`, `12ab`).
    fn word_goes_on(&self, len: usize) -> bool {
        self.rest()[len..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }
}

/// The length of the number at the start of `s` (0 when none).
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        (i, i > start)
    };
    let mut i = usize::from(b.first() == Some(&b'-'));
    let (end, any) = digits(i);
    if !any {
        return 0;
    }
    i = end;
    if b.get(i) == Some(&b'.') {
        let (end, any) = digits(i + 1);
        if any {
            i = end;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let (end, any) = digits(i + 1 + sign);
        if any {
            i = end;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn calls_with_literal_arguments() {
        let c = parse(r#" check(claim='a "b"', that="falls", variants=["x00", 'x01'], alpha=0.05, digits=3, x=-2e-3, on=true) "#)
            .unwrap();
        assert_eq!(c.name, "check");
        assert_eq!(c.args["claim"], json!("a \"b\""));
        assert_eq!(c.args["variants"], json!(["x00", "x01"]));
        assert_eq!(c.args["alpha"], json!(0.05));
        assert_eq!(c.args["digits"], json!(3));
        assert_eq!(c.args["x"], json!(-0.002));
        assert_eq!(c.args["on"], json!(true));
        assert_eq!(parse("setup()").unwrap().args.len(), 0);
    }

    #[test]
    fn anything_else_of_a_template_language_is_refused() {
        for (body, says) in [
            (
                r#"n_seeds(variant="x00") ~ get_env(name="SECRET")"#,
                "`~ get_env(name=\"SECRET\")` after `n_seeds(...)`",
            ),
            (r#"get_env(name="HOME") | upper"#, "`| upper` after"),
            ("range(end=4000000000)", ""),
            (
                r#"final_loss(variant=get_env(name="X"))"#,
                "expected a literal",
            ),
            ("final_loss(variant=v)", "expected a literal"),
            (
                r#"final_loss(variant="x01" ~ "2")"#,
                "expected `,` at column",
            ),
            (r#"final_loss(variant="x01", variant="x02")"#, "given twice"),
            ("1 + 2", "expected a function name"),
            ("x.y()", "expected `(`"),
            (r#"f(a="unclosed)"#, "a closing \""),
            ("f(a=[[[1]]])", "expected a literal"),
            ("f(a=12ab)", "expected a literal"),
            ("", "like `final_loss` at column 1, found the end"),
        ] {
            match parse(body) {
                // A lone call of an unknown name parses; the function table refuses it.
                Ok(c) => assert!(says.is_empty() && c.name == "range", "{body}"),
                Err(e) => assert!(e.to_string().contains(says), "{body}: {e}"),
            }
        }
    }
}
