//! `trainer corpus`: a registry corpus's package (checked installed, at its pinned version) ->
//! its text read out chapter by chapter with the package's reader -> cleaned, one file per
//! chapter -> shards by `trainer data`'s own shard maker -> checked against the pinned hash ->
//! moved into place with a manifest (`corpus.json`). Nothing is left in place unless it checks.

use crate::data::corpora::Corpus;
use crate::data::make;
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `corpus.json` records beside the shards.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub name: String,
    pub about: String,
    pub licence: String,
    pub package: String,
    pub version: String,
    pub reader: String,
    pub reader_version: String,
    pub hash: String,
    pub documents: usize,
    pub text_bytes: usize,
    pub train_tokens: usize,
    pub val_tokens: usize,
    /// The chapters held out for validation (their files), never seen in training.
    pub val_documents: Vec<String>,
}

pub const MANIFEST: &str = "corpus.json";

/// The installed version of a Debian package, `None` when it is not installed.
fn installed_version(package: &str) -> Result<Option<String>> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}\t${Version}", "--", package])
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot ask dpkg-query whether Debian package {package} is installed ({e}); \
                 the corpus comes from Debian's archive"
            ))
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(match text.split_once('\t') {
        Some((status, version)) if out.status.success() && status.ends_with(" installed") => {
            Some(version.trim().to_owned())
        }
        _ => None,
    })
}

/// Checks that both packages are installed and the text's is at its pinned version.
fn check_packages(c: &Corpus) -> Result<String> {
    let reader = installed_version(c.reader_package)?;
    let text = installed_version(c.package)?;
    let missing: Vec<&str> = [(c.reader_package, &reader), (c.package, &text)]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(p, _)| *p)
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "corpus `{}` needs the Debian package(s) {}, not installed; install with {}",
            c.name,
            missing.join(" and "),
            c.install_hint()
        )));
    }
    let text = text.expect("checked above");
    if text != c.version {
        return Err(Error::Usage(format!(
            "corpus `{}` is pinned to Debian package {} {} (tokens hashing to {}), but {text} is \
             installed; install the pinned one with {}",
            c.name,
            c.package,
            c.version,
            c.hash,
            c.install_hint()
        )));
    }
    Ok(reader.expect("checked above"))
}

/// Chapter `n` of the corpus's book as its reader prints it.
fn read_chapter(c: &Corpus, n: u32) -> Result<String> {
    let key = format!("{} {n}", c.book);
    let out = Command::new(c.reader)
        .args(["-b", c.module, "-f", "plain", "-k", &key])
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot run {} (package {}): {e}",
                c.reader, c.reader_package
            ))
        })?;
    let fail =
        |why: String| Error::Usage(format!("{} -b {} -k '{key}': {why}", c.reader, c.module));
    if !out.status.success() {
        return Err(fail(format!(
            "exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout).map_err(|e| fail(format!("output is not UTF-8 ({e})")))
}

/// The prose of one chapter from the reader's plain output: without the verse keys that lead
/// entries (`Psalms 23:1: `), the empty entries, the module's closing `(TDavid)`, and the `*`
/// that mark emphasis; spaces collapsed, one line per paragraph.
pub fn clean(raw: &str, book: &str, module: &str) -> String {
    let closing = format!("({module})");
    let mut lines = Vec::new();
    for line in raw.split('\n') {
        if line == closing {
            continue;
        }
        let body = strip_key(line, book).replace('*', "");
        let words: Vec<&str> = body.split_whitespace().collect();
        if !words.is_empty() {
            lines.push(words.join(" "));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `line` without a leading `<book> <chapter>:<verse>: ` key (the space after it optional).
fn strip_key<'a>(line: &'a str, book: &str) -> &'a str {
    let digits = |s: &'a str| -> Option<&'a str> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (n > 0).then(|| &s[n..])
    };
    let key = line
        .strip_prefix(book)
        .and_then(|s| s.strip_prefix(' '))
        .and_then(digits)
        .and_then(|s| s.strip_prefix(':'))
        .and_then(digits)
        .and_then(|s| s.strip_prefix(':'));
    match key {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
        None => line,
    }
}

/// File name of chapter `n`'s text (the validation split is decided by it).
fn doc_name(c: &Corpus, n: u32) -> String {
    format!("{}-{n:03}.txt", c.doc_prefix)
}

/// Installs corpus `c` under `root/<name>/`: text, shards and manifest.
pub fn install(c: &Corpus, root: &Path) -> Result<Manifest> {
    let reader_version = check_packages(c)?;
    let dir = c.dir(root);
    let tmp = root.join(format!(".{}.partial", c.name));
    remove_dir(&tmp)?;
    let text_dir = tmp.join("text");
    std::fs::create_dir_all(&text_dir).map_err(|e| Error::io(&text_dir, e))?;
    let mut text_bytes = 0;
    let mut val_documents = Vec::new();
    for n in 1..=c.chapters {
        let text = clean(&read_chapter(c, n)?, c.book, c.module);
        let name = doc_name(c, n);
        if make::is_val(&name, c.val_frac) {
            val_documents.push(name.clone());
        }
        text_bytes += text.len();
        let p = text_dir.join(&name);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
    }
    let made = make::make_shards(&text_dir, &tmp, c.name, c.val_frac)?;
    let train = crate::data::shard::read_all(&tmp, "train")?;
    let val = crate::data::shard::read_all(&tmp, "val")?;
    let hash = crate::data::token_hash(&train, &val);
    if hash != c.hash {
        return Err(Error::Data {
            path: tmp,
            message: format!(
                "Debian package {} {} read by {} {reader_version} gives tokens hashing to {hash}, \
                 not the pinned {}: the package's text or its reader changed; the shards were \
                 left here, not installed",
                c.package, c.version, c.reader, c.hash
            ),
        });
    }
    let manifest = Manifest {
        name: c.name.into(),
        about: c.about.into(),
        licence: c.licence.into(),
        package: c.package.into(),
        version: c.version.into(),
        reader: c.reader.into(),
        reader_version,
        hash,
        documents: made.documents,
        text_bytes,
        train_tokens: made.train_tokens,
        val_tokens: made.val_tokens,
        val_documents,
    };
    runlog::write_json_atomic(&tmp.join(MANIFEST), &manifest)?;
    remove_dir(&dir)?;
    std::fs::rename(&tmp, &dir).map_err(|e| Error::io(&dir, e))?;
    Ok(manifest)
}

fn remove_dir(p: &PathBuf) -> Result<()> {
    match std::fs::remove_dir_all(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(p, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_marks_and_empty_entries_go() {
        let raw = "Psalms 23:1: Psalm 23 OVERVIEW\n  * It is David's * Heavenly  Pastoral; *\n\
                   Psalms 23:2: \nPsalms 23:3:\tno key here\nPsalms 2x:1: kept\n(TDavid)\n";
        assert_eq!(
            clean(raw, "Psalms", "TDavid"),
            "Psalm 23 OVERVIEW\nIt is David's Heavenly Pastoral;\nno key here\n\
             Psalms 2x:1: kept\n"
        );
    }

    fn with_packages(reader: &'static str, package: &'static str, version: &'static str) -> Corpus {
        Corpus {
            reader_package: reader,
            package,
            version,
            ..crate::data::corpora::TDAVID
        }
    }

    #[test]
    fn a_missing_package_is_named_with_the_command_that_installs_it() {
        let c = with_packages("dpkg", "no-such-package-of-this-test", "1.0");
        let e = install(&c, tempfile::tempdir().unwrap().path())
            .unwrap_err()
            .to_string();
        // The project runs on Debian (CI: bookworm), where dpkg-query answers.
        assert!(
            e.contains("needs the Debian package(s) no-such-package-of-this-test, not installed")
                && e.contains("install with `make corpus`")
                && e.contains("apt-get install dpkg no-such-package-of-this-test=1.0"),
            "{e}"
        );
    }

    #[test]
    fn another_version_of_the_package_is_refused() {
        // dpkg is installed wherever dpkg-query runs, never at this version.
        let c = with_packages("dpkg", "dpkg", "0-not-this-version");
        let root = tempfile::tempdir().unwrap();
        let e = install(&c, root.path()).unwrap_err().to_string();
        assert!(
            e.contains("pinned to Debian package dpkg 0-not-this-version")
                && e.contains("is installed; install the pinned one with `make corpus`"),
            "{e}"
        );
        // Nothing was left behind.
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_key_needs_both_numbers() {
        assert_eq!(strip_key("Psalms 1:2: a", "Psalms"), "a");
        assert_eq!(strip_key("Psalms 1:2:a", "Psalms"), "a");
        assert_eq!(strip_key("Psalms :2: a", "Psalms"), "Psalms :2: a");
        assert_eq!(strip_key("Psalms 12 a", "Psalms"), "Psalms 12 a");
    }
}
