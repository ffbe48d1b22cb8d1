//! Names that reach a path, a script or a git ref (experiments, slugs, remotes' branch names,
//! hosts' labels) come from one closed alphabet, checked where they enter the program: the CLI,
//! run.json, site.toml, a draft's front matter. One function, so every entry point refuses the
//! same things with the same words.

use std::fmt;

/// The longest name accepted: a folder name on every filesystem, a Slurm job name, a git ref part.
pub const MAX_NAME_LEN: usize = 100;

/// Why a name was refused: what it names (`experiment`, `--sbatch value`, ...), the name as
/// given (escaped for printing), and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub what: String,
    pub value: String,
    pub rule: &'static str,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?} is not a plain name: {} (allowed: letters, digits, `.`, `_`, `-`; \
             at most {MAX_NAME_LEN} characters; not starting with `-` or `.`)",
            self.what, self.value, self.rule
        )
    }
}

impl std::error::Error for NameError {}

/// A character of the closed alphabet `[A-Za-z0-9._-]`.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// `value` as a plain name: non-empty, at most [`MAX_NAME_LEN`] characters of `[A-Za-z0-9._-]`,
/// not starting with `-` (it would read as an option to git, sbatch or a shell command) nor `.`
/// (a hidden file, `.` or `..`). `what` says what the name is, for the message.
pub fn check_name(what: &str, value: &str) -> Result<(), NameError> {
    let refuse = |rule| {
        Err(NameError {
            what: what.to_owned(),
            value: value.to_owned(),
            rule,
        })
    };
    if value.is_empty() {
        return refuse("it is empty");
    }
    if value.chars().count() > MAX_NAME_LEN {
        return refuse("it is too long");
    }
    if let Some(c) = value.chars().find(|&c| !is_name_char(c)) {
        return refuse(match c {
            '\n' | '\r' => "it holds a line break",
            '/' | '\\' => "it holds a path separator",
            c if c.is_whitespace() => "it holds white space",
            c if c.is_control() => "it holds a control character",
            _ => "it holds a character outside the alphabet",
        });
    }
    if value.starts_with('-') {
        return refuse("it starts with `-`");
    }
    if value.starts_with('.') {
        return refuse("it starts with `.`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for ok in ["x0-experiment", "embeddings-extravaganza-1", "a_b.c", "X9"] {
            assert_eq!(check_name("experiment", ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn everything_outside_the_alphabet_is_refused_with_its_rule() {
        let cases = [
            ("", "it is empty"),
            ("x\ntouch PWNED #", "it holds a line break"),
            ("../etc", "it holds a path separator"),
            ("a b", "it holds white space"),
            ("a\u{7}", "it holds a control character"),
            ("a$b", "it holds a character outside the alphabet"),
            ("é", "it holds a character outside the alphabet"),
            (
                "--upload-pack=x",
                "it holds a character outside the alphabet",
            ),
            ("-rf", "it starts with `-`"),
            ("..", "it starts with `.`"),
            (".hidden", "it starts with `.`"),
        ];
        for (bad, rule) in cases {
            let err = check_name("experiment", bad).unwrap_err();
            assert_eq!(err.rule, rule, "{bad:?}");
            let msg = err.to_string();
            assert!(msg.starts_with("experiment "), "{msg}");
            assert!(!msg.contains('\n'), "the message escapes the name: {msg}");
        }
        assert_eq!(
            check_name("experiment", &"a".repeat(MAX_NAME_LEN + 1))
                .unwrap_err()
                .rule,
            "it is too long"
        );
        assert_eq!(check_name("experiment", &"a".repeat(MAX_NAME_LEN)), Ok(()));
    }
}
