//! `trainer data`: text files -> GPT-2 tokens -> shards. Each file is one document, led by the
//! end-of-text token. The validation split is fixed by file name (a hash of the path relative to
//! the input folder), so adding files never moves an old one between splits.

use crate::data::{shard, tokenizer};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Tokens per shard file, as modded-nanogpt's FineWeb shards (100M).
const SHARD_TOKENS: usize = 100_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct MadeShards {
    pub files: Vec<PathBuf>,
    pub train_tokens: usize,
    pub val_tokens: usize,
    pub documents: usize,
}

/// Whether a document goes to validation: about one in `1/val_frac`, decided by its name only.
pub(crate) fn is_val(rel: &str, val_frac: f64) -> bool {
    let h = Sha256::digest(rel.as_bytes());
    let x = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as f64 / u32::MAX as f64;
    x < val_frac
}

fn text_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let p = e.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt" || x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Tokenises every `.txt`/`.md` file under `input` into `out/<name>_{train,val}_NNNNNN.bin`.
pub fn make_shards(input: &Path, out: &Path, name: &str, val_frac: f64) -> Result<MadeShards> {
    // It becomes part of the shards' file names.
    runlog::check_name("--name", name).map_err(|e| Error::Usage(e.to_string()))?;
    let files = text_files(input)?;
    if files.is_empty() {
        return Err(Error::Data {
            path: input.to_owned(),
            message: "no .txt or .md files in this folder".into(),
        });
    }
    let bpe = tokenizer::gpt2();
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
        let rel = f
            .strip_prefix(input)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let toks = tokenizer::encode_document(bpe, &text);
        if is_val(&rel, val_frac) {
            val.extend(toks);
        } else {
            train.extend(toks);
        }
    }
    if val.is_empty() {
        // A tiny folder may hash no file into validation: take the last file instead.
        return Err(Error::Data {
            path: input.to_owned(),
            message: format!(
                "no file fell into the validation split ({} files, fraction {val_frac}); add files or raise --val-frac",
                files.len()
            ),
        });
    }
    let mut written = Vec::new();
    for (split, toks) in [("train", &train), ("val", &val)] {
        for (i, chunk) in toks.chunks(SHARD_TOKENS).enumerate() {
            let p = out.join(format!("{name}_{split}_{i:06}.bin"));
            shard::write(&p, chunk)?;
            written.push(p);
        }
    }
    Ok(MadeShards {
        files: written,
        train_tokens: train.len(),
        val_tokens: val.len(),
        documents: files.len(),
    })
}

/// Writes the default (generated) corpus as shards, for inspection or reuse with `--data`.
pub fn write_default(out: &Path) -> Result<MadeShards> {
    let (train, val) = crate::data::default_corpus();
    let mut files = Vec::new();
    for (split, toks) in [("train", &train), ("val", &val)] {
        let p = out.join(format!("stories_{split}_000000.bin"));
        shard::write(&p, toks)?;
        files.push(p);
    }
    Ok(MadeShards {
        files,
        train_tokens: train.len(),
        val_tokens: val.len(),
        documents: crate::data::DEFAULT_TRAIN_STORIES + crate::data::DEFAULT_VAL_STORIES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_of_texts_becomes_readable_shards() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("texts");
        std::fs::create_dir_all(input.join("sub")).unwrap();
        for i in 0..40 {
            std::fs::write(
                input.join(format!("doc{i}.txt")),
                format!("Story number {i}."),
            )
            .unwrap();
        }
        std::fs::write(input.join("sub/skip.bin"), "not text").unwrap();
        let out = dir.path().join("shards");
        let made = make_shards(&input, &out, "mine", 0.2).unwrap();
        assert_eq!(made.documents, 40);
        let train = shard::read_all(&out, "train").unwrap();
        let val = shard::read_all(&out, "val").unwrap();
        assert_eq!(train.len() + val.len(), made.train_tokens + made.val_tokens);
        let docs = train
            .iter()
            .chain(&val)
            .filter(|&&t| t == tokenizer::EOT)
            .count();
        assert_eq!(docs, 40);
        assert_eq!(train[0], tokenizer::EOT);
        // The split is a function of the names: the same call splits the same way.
        let again = make_shards(&input, &dir.path().join("again"), "mine", 0.2).unwrap();
        assert_eq!(again.val_tokens, made.val_tokens);
    }
}
