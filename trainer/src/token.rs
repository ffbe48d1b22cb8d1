//! The shared token of a run over several machines: the orchestrator refuses any connection that
//! does not present it, and so does each node's tensor service. It comes from a file
//! (`--token-file`) or the environment ([`TOKEN_VAR`]), never from the command line, where any
//! user of the machine could read it (`ps`, /proc/<pid>/cmdline).

use crate::error::{Error, Result};
use std::path::Path;

/// The environment variable holding the token when no `--token-file` is given.
pub const TOKEN_VAR: &str = "TRAINER_TOKEN";

/// Bounds on a token: long enough not to be guessed, short enough for an HTTP header.
pub const MIN_LEN: usize = 16;
pub const MAX_LEN: usize = 1024;

/// A token; its `Debug` never shows it (the topology that holds it is printed in errors).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token from `file` (its first line) or else from `env(TOKEN_VAR)`; an error naming
    /// both when neither holds one, or saying what is wrong with the one found.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Token> {
        let (text, from) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                (text, path.display().to_string())
            }
            None => match env(TOKEN_VAR) {
                Some(text) => (text, format!("environment variable {TOKEN_VAR}")),
                None => {
                    return Err(Error::Usage(format!(
                        "a run over several machines needs a shared token: put the same secret \
                         in {TOKEN_VAR} or in a file given with --token-file on every machine \
                         and for the orchestrator (e.g. `openssl rand -hex 32`); it is never \
                         taken from the command line"
                    )))
                }
            },
        };
        // A file's trailing line break is not part of the token.
        let token = text.trim_end_matches(['\n', '\r']);
        check(token).map_err(|why| Error::Usage(format!("the token in {from} {why}")))?;
        Ok(Token(token.to_owned()))
    }
}

/// Visible ASCII only (it travels in an HTTP header), of a length between the bounds.
fn check(token: &str) -> std::result::Result<(), String> {
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "holds a character that is not visible ASCII (a space, a line break, ...)".into(),
        );
    }
    if !(MIN_LEN..=MAX_LEN).contains(&token.len()) {
        return Err(format!(
            "is {} characters long; it must have {MIN_LEN} to {MAX_LEN}",
            token.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_comes_from_a_file_or_the_environment_and_bad_ones_are_refused() {
        let env = |v: Option<&'static str>| {
            move |k: &str| (k == TOKEN_VAR).then_some(v).flatten().map(String::from)
        };
        let t = Token::load(None, env(Some("0123456789abcdef"))).unwrap();
        assert_eq!(t.expose(), "0123456789abcdef");
        assert_eq!(format!("{t:?}"), "Token(..)");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-the-file-0123456789\n").unwrap();
        let t = Token::load(Some(&file), env(Some("0123456789abcdef"))).unwrap();
        assert_eq!(t.expose(), "from-the-file-0123456789", "the file wins");

        let none = Token::load(None, env(None)).unwrap_err().to_string();
        assert!(
            none.contains("needs a shared token") && none.contains(TOKEN_VAR),
            "{none}"
        );
        let short = Token::load(None, env(Some("short")))
            .unwrap_err()
            .to_string();
        assert!(short.contains("is 5 characters long"), "{short}");
        let spaced = Token::load(None, env(Some("0123456789 abcdef"))).unwrap_err();
        assert!(spaced.to_string().contains("not visible ASCII"), "{spaced}");
        let missing = Token::load(Some(&dir.path().join("none")), env(None)).unwrap_err();
        assert!(missing.to_string().contains("none"), "{missing}");
    }
}
