//! A crate's sources as modules: their paths, their text without test code, and the paths
//! their `use` items and code name.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

pub type ModPath = Vec<String>;

/// One source file of a crate: its module path and its text without test code.
pub struct Module {
    pub file: PathBuf,
    pub path: ModPath,
    pub text: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text before a file's test module (`#[cfg(test)]` then `mod ... {`), and the names of
/// the test-only modules it declares in their own files (`#[cfg(test)]` then `mod name;`).
pub fn split_tests(text: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut test_files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let next = lines.get(i + 1).map_or("", |l| l.trim());
            let decl = next
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            if let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) {
                test_files.push(name.trim().to_owned());
                i += 2;
                continue;
            }
            if decl.starts_with("mod ") {
                break;
            }
        }
        kept.push(lines[i]);
        i += 1;
    }
    (kept.join("\n"), test_files)
}

pub fn modules(krate: &str) -> Vec<Module> {
    let src = root().join(krate).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut test_only: BTreeSet<PathBuf> = BTreeSet::new();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        if rel == Path::new("main.rs") {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        let (kept, tests) = split_tests(&text);
        let dir = file.parent().unwrap();
        let own_dir = match file.file_stem().unwrap().to_str().unwrap() {
            "mod" | "lib" => dir.to_path_buf(),
            stem => dir.join(stem),
        };
        for t in tests {
            test_only.insert(own_dir.join(format!("{t}.rs")));
            test_only.insert(own_dir.join(&t).join("mod.rs"));
        }
        let mut path: ModPath = rel
            .with_extension("")
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
            path.pop();
        }
        out.push(Module {
            file,
            path,
            text: kept,
        });
    }
    out.retain(|m| !test_only.contains(&m.file));
    out
}

/// A `use` tree's leaves: `a::{b, c::{d as e}}` -> (`a::b`, `b`), (`a::c::d`, `e`); globs
/// keep their module (`a::*` -> `a`).
pub fn expand_use(tree: &str) -> Vec<(String, String)> {
    let tree: String = tree
        .replace(" as ", "@")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(open) = tree.find('{') else {
        let (path, alias) = tree.split_once('@').unwrap_or((&tree, ""));
        let path = path.trim_end_matches("::*").to_owned();
        let last = path.rsplit("::").next().unwrap_or("").to_owned();
        let name = if alias.is_empty() {
            last
        } else {
            alias.to_owned()
        };
        return vec![(path, name)];
    };
    let close = tree.rfind('}').unwrap_or(tree.len());
    let (prefix, body) = (&tree[..open], &tree[open + 1..close.max(open + 1)]);
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for ch in body.chars() {
        match ch {
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            '{' | '}' => {
                depth += if ch == '{' { 1 } else { -1 };
                cur.push(ch)
            }
            _ => cur.push(ch),
        }
    }
    parts.push(cur);
    let module = prefix.trim_end_matches("::").to_owned();
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| match p.as_str() {
            "self" => vec![(
                module.clone(),
                module.rsplit("::").next().unwrap().to_owned(),
            )],
            _ => expand_use(&format!("{prefix}{p}")),
        })
        .collect()
}

/// The `use` items of a module: (path, name it is known by here, whether it is re-exported).
pub fn use_items(text: &str) -> Vec<(String, String, bool)> {
    let mut items = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = rest[line_start..at].trim();
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        let is_item = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        if is_item && (before.is_empty() || before.starts_with("pub")) {
            let public = before.starts_with("pub");
            items.extend(
                expand_use(&after[..end])
                    .into_iter()
                    .map(|(p, n)| (p, n, public)),
            );
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    items
}

/// Every path a module names that starts at `crate`, `super` or `self`.
pub fn named_paths(text: &str) -> Vec<String> {
    let mut paths: Vec<String> = use_items(text).into_iter().map(|(p, _, _)| p).collect();
    // Paths written inline in code (a doc link is no import: comment lines are left out).
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let bytes = text.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in text.match_indices(start) {
            let boundary =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
            if boundary && !(i >= 2 && &text[i - 2..i] == "::") {
                let end = text[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(text.len(), |e| i + e);
                paths.push(text[i..end].trim_end_matches(':').to_owned());
            }
        }
    }
    paths
}
