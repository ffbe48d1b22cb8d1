//! A reader of the Python literals a training script printed with `print(f"{name=}")`: dicts,
//! lists, tuples, numbers, strings, `None`, `True`, `False`. A dict stays a list of its entries
//! in the printed order, so a key printed twice is kept twice; nothing is evaluated.

/// A Python literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    Dict(Vec<(Py, Py)>),
    List(Vec<Py>),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
}

impl Py {
    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Py::Dict(_) => "a dict",
            Py::List(_) => "a list",
            Py::Int(_) => "an int",
            Py::Float(_) => "a float",
            Py::Str(_) => "a string",
            Py::Bool(_) => "a bool",
            Py::None => "None",
        }
    }

    /// An int or float as a float.
    pub fn number(&self) -> Option<f64> {
        match self {
            Py::Int(i) => Some(*i as f64),
            Py::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// Nesting deeper than this is refused (a hostile file cannot exhaust the stack).
const MAX_DEPTH: usize = 32;

/// Parses the literal at the start of `text` (leading spaces allowed); the value and the byte
/// offset after it. Errors carry the byte offset where reading stopped.
pub fn parse(text: &str) -> Result<(Py, usize), (usize, String)> {
    let mut p = Parser { s: text, at: 0 };
    let v = p.value(0)?;
    Ok((v, p.at))
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.at..]
    }

    fn skip_space(&mut self) {
        let n = self.rest().len() - self.rest().trim_start_matches([' ', '\t']).len();
        self.at += n;
    }

    fn fail<T>(&self, what: impl Into<String>) -> Result<T, (usize, String)> {
        Err((self.at, what.into()))
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Py, (usize, String)> {
        if depth > MAX_DEPTH {
            return self.fail(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.skip_space();
        match self.rest().chars().next() {
            Some('{') => self.dict(depth),
            Some('[') => self.seq(depth, ']').map(Py::List),
            Some('(') => self.seq(depth, ')').map(Py::List),
            Some('\'') | Some('"') => self.string().map(Py::Str),
            Some(c) if c == '-' || c == '.' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => self.fail(format!("unexpected `{}`", c.escape_debug())),
            None => self.fail("the text ends where a value should be"),
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Py, (usize, String)> {
        self.at += 1;
        let mut entries = Vec::new();
        loop {
            if self.eat('}') {
                return Ok(Py::Dict(entries));
            }
            let k = self.value(depth + 1)?;
            if !self.eat(':') {
                return self.fail("expected `:` after a dict key");
            }
            let v = self.value(depth + 1)?;
            entries.push((k, v));
            if !self.eat(',') && !self.rest().trim_start().starts_with('}') {
                return self.fail("expected `,` or `}` in a dict");
            }
        }
    }

    fn seq(&mut self, depth: usize, close: char) -> Result<Vec<Py>, (usize, String)> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            if !self.eat(',') && !self.rest().trim_start().starts_with(close) {
                return self.fail(format!("expected `,` or `{close}`"));
            }
        }
    }

    fn number(&mut self) -> Result<Py, (usize, String)> {
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
            .unwrap_or(self.rest().len());
        let text = &self.rest()[..len];
        let v = if let Ok(i) = text.parse::<i64>() {
            Py::Int(i)
        } else if let Ok(f) = text.parse::<f64>() {
            Py::Float(f)
        } else {
            return self.fail(format!("`{}` is not a number", text.escape_debug()));
        };
        self.at += len;
        Ok(v)
    }

    fn word(&mut self) -> Result<Py, (usize, String)> {
        let len = self
            .rest()
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(self.rest().len());
        let v = match &self.rest()[..len] {
            "None" => Py::None,
            "True" => Py::Bool(true),
            "False" => Py::Bool(false),
            "inf" => Py::Float(f64::INFINITY),
            "nan" => Py::Float(f64::NAN),
            w => return self.fail(format!("`{}` is not a literal", w.escape_debug())),
        };
        self.at += len;
        Ok(v)
    }

    /// A quoted string with Python's escapes (`repr` writes `\\`, `\'`, `\n`, `\xNN`, `\uNNNN`).
    fn string(&mut self) -> Result<String, (usize, String)> {
        let quote = self.rest().chars().next().expect("a quote");
        let start = self.at;
        self.at += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.at += i + 1;
                    return Ok(out);
                }
                '\n' => break,
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    let mut hex = |n: usize| -> Option<char> {
                        let digits: String =
                            (0..n).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        u32::from_str_radix(&digits, 16)
                            .ok()
                            .and_then(char::from_u32)
                    };
                    let decoded = match e {
                        'n' => Some('\n'),
                        't' => Some('\t'),
                        'r' => Some('\r'),
                        '0' => Some('\0'),
                        'a' => Some('\u{7}'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'v' => Some('\u{b}'),
                        '\\' | '\'' | '"' => Some(e),
                        'x' => hex(2),
                        'u' => hex(4),
                        'U' => hex(8),
                        _ => None,
                    };
                    match decoded {
                        Some(d) => out.push(d),
                        None => {
                            self.at = start;
                            return self.fail(format!(
                                "an unknown escape `\\{}` in a string",
                                e.escape_debug()
                            ));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        self.at = start;
        self.fail("a string that is not closed on its line")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_literals_print_writes() {
        let (v, end) = parse("{0: 'mail', 1: \"it's\", 2: '\\n\\\\\\x0b\\u2019'} tail").unwrap();
        assert_eq!(
            &"{0: 'mail', 1: \"it's\", 2: '\\n\\\\\\x0b\\u2019'} tail"[end..],
            " tail"
        );
        let Py::Dict(e) = v else { panic!() };
        assert_eq!(e[1], (Py::Int(1), Py::Str("it's".into())));
        assert_eq!(e[2].1, Py::Str("\n\\\u{b}\u{2019}".into()));
        let (v, _) = parse("{'x': [8192., 1e-05, -3], 'y': 0.25, 'z': (None, True)}").unwrap();
        let Py::Dict(e) = v else { panic!() };
        assert_eq!(
            e[0].1,
            Py::List(vec![Py::Float(8192.0), Py::Float(1e-5), Py::Int(-3)])
        );
        // A key printed twice is kept twice, in order.
        let (v, _) = parse("{0.5: 'a', 0.5: 'b'}").unwrap();
        assert_eq!(
            v,
            Py::Dict(vec![
                (Py::Float(0.5), Py::Str("a".into())),
                (Py::Float(0.5), Py::Str("b".into()))
            ])
        );
    }

    #[test]
    fn bad_literals_say_where() {
        assert_eq!(parse("{0: 'a' 1: 'b'}").unwrap_err().0, 8, "at the `1`");
        assert!(parse("{0: 'a}").unwrap_err().1.contains("not closed"));
        assert!(parse("{0: os.system('x')}")
            .unwrap_err()
            .1
            .contains("`os` is not a literal"));
        let deep = "[".repeat(100);
        assert!(parse(&deep).unwrap_err().1.contains("nested deeper"));
    }
}
