//! modded-nanogpt's token shard format (`data/cached_fineweb10B.py`, `_load_data_shard` in
//! train_gpt.py): a header of 256 little-endian int32 — magic 20240520, version 1, token count —
//! then the tokens as little-endian u16.

use crate::data::tokenizer::GPT2_VOCAB;
use crate::error::{Error, Result};
use std::path::Path;

pub const MAGIC: i32 = 20240520;
pub const VERSION: i32 = 1;
const HEADER_INTS: usize = 256;
const HEADER_BYTES: usize = HEADER_INTS * 4;

/// Encodes tokens as a shard's bytes.
pub fn encode(tokens: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_BYTES + 2 * tokens.len());
    let mut header = [0i32; HEADER_INTS];
    header[0] = MAGIC;
    header[1] = VERSION;
    header[2] = i32::try_from(tokens.len()).expect("a shard holds fewer than 2^31 tokens");
    for h in header {
        out.extend_from_slice(&h.to_le_bytes());
    }
    for t in tokens {
        out.extend_from_slice(&t.to_le_bytes());
    }
    out
}

/// Decodes a shard's bytes; `path` only names the file in errors.
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<u16>> {
    let bad = |message: String| Error::Data {
        path: path.to_owned(),
        message,
    };
    if bytes.len() < HEADER_BYTES {
        return Err(bad(format!(
            "truncated header: {} bytes, a shard starts with {HEADER_BYTES}",
            bytes.len()
        )));
    }
    let int = |i: usize| i32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap());
    if int(0) != MAGIC {
        return Err(bad(format!(
            "wrong magic number {} (a modded-nanogpt shard starts with {MAGIC})",
            int(0)
        )));
    }
    if int(1) != VERSION {
        return Err(bad(format!(
            "unsupported version {} (this reader knows version {VERSION})",
            int(1)
        )));
    }
    let count =
        usize::try_from(int(2)).map_err(|_| bad(format!("negative token count {}", int(2))))?;
    let body = &bytes[HEADER_BYTES..];
    if body.len() != 2 * count {
        return Err(bad(format!(
            "the header claims {count} tokens ({} bytes) but {} bytes follow it{}",
            2 * count,
            body.len(),
            if body.len() < 2 * count {
                " (truncated file)"
            } else {
                ""
            }
        )));
    }
    let tokens: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    // An id past the vocabulary would index past the embedding tables: refused here, where the
    // shard and the offset can still be named.
    if let Some(i) = tokens.iter().position(|&t| usize::from(t) >= GPT2_VOCAB) {
        return Err(bad(format!(
            "token {i} (byte offset {}) is {}, not a GPT-2 token id (the vocabulary has {GPT2_VOCAB} \
             ids, 0..{}); the shard is corrupt or was made with another tokenizer",
            HEADER_BYTES + 2 * i,
            tokens[i],
            GPT2_VOCAB - 1
        )));
    }
    Ok(tokens)
}

pub fn read(path: &Path) -> Result<Vec<u16>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes, path)
}

/// Writes a shard atomically.
pub fn write(path: &Path, tokens: &[u16]) -> Result<()> {
    runlog::write_atomic(path, &encode(tokens)).map_err(Error::from)
}

/// Reads every shard of one split in `dir` — files named `*_{split}_*.bin`, as modded-nanogpt's
/// `fineweb_train_000001.bin` / `fineweb_val_000000.bin` — in name order, concatenated.
/// `Err` when `dir` holds shards of more than one set (`fineweb_train_*.bin` beside
/// `text_train_*.bin`): a run would read them all as one stream, both sets' tokens mixed.
pub fn check_one_set(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut sets = std::collections::BTreeSet::new();
    for entry in entries {
        let name = entry.map_err(|e| Error::io(dir, e))?.file_name();
        let Some(name) = name.to_str().filter(|n| n.ends_with(".bin")) else {
            continue;
        };
        let at = ["_train_", "_val_"]
            .iter()
            .filter_map(|s| name.find(s))
            .min();
        if let Some(at) = at {
            sets.insert(format!("{}_*", &name[..at]));
        }
    }
    if sets.len() > 1 {
        let sets: Vec<String> = sets.into_iter().collect();
        return Err(Error::Data {
            path: dir.to_owned(),
            message: format!(
                "holds shards of {} sets ({}); a run reads one set: move the others to a \
                 folder of their own",
                sets.len(),
                sets.join(", ")
            ),
        });
    }
    Ok(())
}

pub fn read_all(dir: &Path, split: &str) -> Result<Vec<u16>> {
    let infix = format!("_{split}_");
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(&infix) && n.ends_with(".bin"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Data {
            path: dir.to_owned(),
            message: format!(
                "no *_{split}_*.bin shards (e.g. fineweb_{split}_000000.bin) in this folder"
            ),
        });
    }
    let mut tokens = Vec::new();
    for f in files {
        tokens.extend(read(&f)?);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("shard.bin")
    }

    #[test]
    fn round_trip_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fineweb_val_000000.bin");
        let tokens: Vec<u16> = vec![50256, 0, 1, 50000, 464, 50256];
        write(&path, &tokens).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 1024 + 12);
        assert_eq!(read(&path).unwrap(), tokens);
        assert_eq!(read_all(dir.path(), "val").unwrap(), tokens);
        let none = read_all(dir.path(), "train").unwrap_err().to_string();
        assert!(none.contains("no *_train_*.bin"), "{none}");
        check_one_set(dir.path()).unwrap();
        write(&dir.path().join("text_train_000000.bin"), &tokens).unwrap();
        let two = check_one_set(dir.path()).unwrap_err().to_string();
        assert!(
            two.contains("holds shards of 2 sets (fineweb_*, text_*)"),
            "{two}"
        );
    }

    #[test]
    fn a_token_past_the_vocabulary_is_named_with_its_offset() {
        let b = encode(&[50256, 1, 50257, 3]);
        let e = decode(&b, p()).unwrap_err().to_string();
        assert!(
            e.contains("shard.bin") && e.contains("token 2 (byte offset 1028) is 50257"),
            "{e}"
        );
    }

    #[test]
    fn wrong_magic_is_named() {
        let mut b = encode(&[1, 2, 3]);
        b[0] ^= 1;
        let e = decode(&b, p()).unwrap_err().to_string();
        assert!(e.contains("shard.bin") && e.contains("wrong magic"), "{e}");
    }

    #[test]
    fn wrong_version_is_named() {
        let mut b = encode(&[1, 2, 3]);
        b[4..8].copy_from_slice(&7i32.to_le_bytes());
        let e = decode(&b, p()).unwrap_err().to_string();
        assert!(e.contains("unsupported version 7"), "{e}");
    }

    #[test]
    fn truncated_body_and_header_are_named() {
        let b = encode(&[1, 2, 3]);
        let e = decode(&b[..b.len() - 1], p()).unwrap_err().to_string();
        assert!(
            e.contains("claims 3 tokens") && e.contains("truncated"),
            "{e}"
        );
        let e = decode(&b[..100], p()).unwrap_err().to_string();
        assert!(e.contains("truncated header"), "{e}");
    }
}
