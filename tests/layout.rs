//! The codebase's shape, checked from its sources (issue 21): modules point one way (no import
//! cycles inside a crate, between files or between folders; no module imports one after it in
//! its crate's order), the report's errors are typed rather than strings, and no function
//! outside tests runs over 80 lines unless a comment right above it says why ("over 80 lines").
//!
//! The sources are read as rustfmt leaves them: a function ends at the first `}` at its own
//! indentation, test modules sit at the end of their file (clippy's items_after_test_module).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const CRATES: [&str; 3] = ["runlog", "trainer", "report"];
const MAX_FN_LINES: usize = 80;
const MAX_STRING_RESULTS: usize = 5;

type ModPath = Vec<String>;

/// One source file of a crate: its module path and its text without test code.
struct Module {
    file: PathBuf,
    path: ModPath,
    text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
fn split_tests(text: &str) -> (String, Vec<String>) {
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

fn modules(krate: &str) -> Vec<Module> {
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
fn expand_use(tree: &str) -> Vec<(String, String)> {
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
fn use_items(text: &str) -> Vec<(String, String, bool)> {
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
fn named_paths(text: &str) -> Vec<String> {
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

/// A crate's modules and what each re-exports (`pub use`), so that a path through a
/// re-export (`crate::Error`) counts as naming the module that defines it.
struct Index {
    known: BTreeSet<ModPath>,
    reexports: BTreeMap<ModPath, BTreeMap<String, String>>,
}

impl Index {
    fn new(mods: &[Module]) -> Index {
        let known: BTreeSet<ModPath> = mods.iter().map(|m| m.path.clone()).collect();
        let reexports = mods
            .iter()
            .map(|m| {
                let own = use_items(&m.text)
                    .into_iter()
                    .filter(|(_, _, public)| *public)
                    .filter_map(|(path, name, _)| {
                        let first = path.split("::").next().unwrap_or("");
                        let child: ModPath =
                            m.path.iter().cloned().chain([first.to_owned()]).collect();
                        // `pub use error::Error` in lib.rs is relative; `pub use runlog::X` is not ours.
                        match first {
                            "crate" | "self" | "super" => Some((name, path)),
                            _ if known.contains(&child) => Some((name, format!("self::{path}"))),
                            _ => None,
                        }
                    })
                    .collect();
                (m.path.clone(), own)
            })
            .collect();
        Index { known, reexports }
    }

    /// The module `path`, written in module `from`, points into (through re-exports).
    fn resolve(&self, from: &[String], path: &str, depth: usize) -> Option<(ModPath, bool)> {
        let segs: Vec<&str> = path.split("::").collect();
        let mut base: ModPath = match segs[0] {
            "crate" => vec![],
            "self" => from.to_vec(),
            "super" => from[..from.len().saturating_sub(1)].to_vec(),
            _ => return None,
        };
        let mut rest = &segs[1..];
        while rest.first() == Some(&"super") {
            base.pop();
            rest = &rest[1..];
        }
        let full: ModPath = base
            .into_iter()
            .chain(rest.iter().map(|s| s.to_string()))
            .collect();
        let hit = (0..=full.len())
            .rev()
            .map(|k| full[..k].to_vec())
            .find(|p| self.known.contains(p))?;
        let item = full.get(hit.len());
        let through = item.and_then(|i| self.reexports.get(&hit)?.get(i));
        if let Some(p) = through.filter(|_| depth < 8) {
            if let Some(found) = self.resolve(&hit, p, depth + 1) {
                return Some(found);
            }
        }
        Some((hit.clone(), hit.len() == full.len()))
    }
}

/// The module a path points into: the longest prefix that is a module of the crate.
fn target(from: &Module, path: &str, ix: &Index) -> Option<ModPath> {
    let (hit, module_itself) = ix.resolve(&from.path, path, 0)?;
    // Naming an ancestor module itself (not an item in it) is no dependency.
    let names_only_ancestor = from.path.starts_with(&hit) && module_itself;
    (hit != from.path && !names_only_ancestor).then_some(hit)
}

fn graph(mods: &[Module]) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let ix = Index::new(mods);
    mods.iter()
        .map(|m| {
            let deps = named_paths(&m.text)
                .iter()
                .filter_map(|p| target(m, p, &ix))
                .collect();
            (m.path.clone(), deps)
        })
        .collect()
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        g: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.g[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                s.low.insert(v, s.low[v].min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                s.low.insert(v, s.low[v].min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|x| *x == v).unwrap();
            let comp: Vec<ModPath> = s.stack.drain(at..).cloned().collect();
            if comp.len() > 1 {
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn name(p: &ModPath) -> String {
    if p.is_empty() {
        "lib".into()
    } else {
        p.join("/")
    }
}

/// The graph one level up: a folder's children, each standing for everything inside it (an
/// edge `a/x -> b/y` is an edge `a -> b` among the children of their common parent).
fn folders(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let mut up: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (a, deps) in g {
        for b in deps {
            let k = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            if k < a.len() && k < b.len() && (a.len() > k + 1 || b.len() > k + 1) {
                let (fa, fb) = (a[..=k].to_vec(), b[..=k].to_vec());
                up.entry(fb.clone()).or_default();
                up.entry(fa).or_default().insert(fb);
            }
        }
    }
    up
}

#[test]
fn no_module_imports_another_that_imports_it_back() {
    let mut report = String::new();
    for krate in CRATES {
        let files = graph(&modules(krate));
        assert!(
            files.len() > 5,
            "{krate}: found only {} modules",
            files.len()
        );
        let up = folders(&files);
        for (g, comp) in cycles(&files)
            .into_iter()
            .map(|c| (&files, c))
            .chain(cycles(&up).into_iter().map(|c| (&up, c)))
        {
            let members: BTreeSet<&ModPath> = comp.iter().collect();
            report += &format!("{krate}: modules in a cycle:\n");
            for a in &comp {
                for b in g[a].iter().filter(|b| members.contains(b)) {
                    report += &format!("  {} -> {}\n", name(a), name(b));
                }
            }
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn the_cycle_finder_sees_a_cycle_through_super_and_crate() {
    let m = |path: &[&str], text: &str| Module {
        file: PathBuf::new(),
        path: path.iter().map(|s| s.to_string()).collect(),
        text: text.into(),
    };
    let mods = [
        m(&[], "pub mod a;\npub mod b;\npub use c::g as h;"),
        m(&["a"], "use crate::b::{x, y::{z}};"),
        m(&["b"], "pub mod y;\nfn f() { crate::c::g() }"),
        m(&["b", "y"], "use super::super::a::Thing;"),
        m(&["c"], "pub fn g() {}"),
        // Through the crate root's re-export, and a doc link that imports nothing.
        m(
            &["d"],
            "/// See [`crate::a::Thing`].\nfn f() { crate::h() }",
        ),
    ];
    let g = graph(&mods);
    let found = cycles(&g);
    assert_eq!(found.len(), 1, "{found:?}");
    let names: BTreeSet<String> = found[0].iter().map(name).collect();
    assert_eq!(names, ["a", "b/y"].map(String::from).into());
    assert!(g[&vec!["b".to_string()]].contains(&vec!["c".to_string()]));
    assert_eq!(g[&vec!["d".to_string()]], [vec!["c".to_string()]].into());
}

#[test]
fn a_cycle_between_two_folders_counts_though_no_two_files_form_one() {
    let m = |path: &[&str], text: &str| Module {
        file: PathBuf::new(),
        path: path.iter().map(|s| s.to_string()).collect(),
        text: text.into(),
    };
    // train/step uses parallel/accum; parallel/devices drives train/state: no file cycle.
    let mods = [
        m(&[], "pub mod train;\npub mod parallel;"),
        m(&["train"], "pub mod step;\npub mod state;"),
        m(&["train", "step"], "use crate::parallel::accum::Rows;"),
        m(&["train", "state"], "pub struct State;"),
        m(&["parallel"], "pub mod accum;\npub mod devices;"),
        m(&["parallel", "accum"], "pub struct Rows;"),
        m(&["parallel", "devices"], "use crate::train::state::State;"),
    ];
    let files = graph(&mods);
    assert!(cycles(&files).is_empty());
    let found = cycles(&folders(&files));
    assert_eq!(found.len(), 1, "{found:?}");
    let names: BTreeSet<String> = found[0].iter().map(name).collect();
    assert_eq!(names, ["parallel", "train"].map(String::from).into());
}

/// Each crate's top-level modules in the order its lib.rs gives: a module may import only
/// those before it. A new module must take its place here.
const ORDER: [(&str, &[&str]); 2] = [
    (
        "report",
        &[
            "error",
            "temp",
            "folders",
            "config",
            "runs",
            "stats",
            "figures",
            "post",
            "site",
            "pipeline",
            "build",
            "check",
            "publish",
            "serve",
            "site_bench",
            "bench",
            "cli",
            "site_cli",
        ],
    ),
    (
        "trainer",
        &[
            "error",
            "rng",
            "tensorfile",
            "params",
            "token",
            "interrupt",
            "host",
            "data",
            "config",
            "kernels",
            "adapters",
            "device",
            "model",
            "optim",
            "parallel",
            "lens",
            "train",
            "run",
            "bench",
            "export",
        ],
    ),
];

#[test]
fn no_module_imports_one_after_it_in_its_crates_order() {
    let mut found = Vec::new();
    for (krate, order) in ORDER {
        let files = graph(&modules(krate));
        let rank = |m: &ModPath| m.first().and_then(|t| order.iter().position(|o| o == t));
        for m in files.keys().filter(|m| !m.is_empty()) {
            assert!(
                rank(m).is_some(),
                "{krate}: module `{}` has no place in ORDER",
                m[0]
            );
        }
        for (a, deps) in &files {
            for b in deps {
                if let (Some(ra), Some(rb)) = (rank(a), rank(b)) {
                    if rb > ra {
                        found.push(format!("{krate}: {} imports {}", name(a), name(b)));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "imports against the order:\n{}",
        found.join("\n")
    );
}

/// Functions outside tests longer than `MAX_FN_LINES`, without a why-comment above them.
fn long_functions(m: &Module) -> Vec<String> {
    let lines: Vec<&str> = m.text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let head = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        if !head.starts_with("fn ") || line.trim_end().ends_with(';') {
            continue;
        }
        let close = format!("{indent}}}");
        let Some(len) = lines[i + 1..]
            .iter()
            .position(|l| l.trim_end() == close)
            .map(|k| k + 2)
        else {
            continue;
        };
        let above = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let t = l.trim_start();
                t.starts_with("//") || t.starts_with("#[")
            })
            .any(|l| l.contains("over 80 lines"));
        if len > MAX_FN_LINES && !above {
            let fn_name: String = head[3..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push(format!(
                "{}:{}: fn {fn_name} is {len} lines",
                m.file.strip_prefix(root()).unwrap_or(&m.file).display(),
                i + 1
            ));
        }
    }
    found
}

#[test]
fn no_function_outside_tests_runs_over_80_lines_without_saying_why() {
    let long: Vec<String> = CRATES
        .iter()
        .flat_map(|k| modules(k))
        .flat_map(|m| long_functions(&m))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them, or say why in a comment above \
         containing \"over 80 lines\"):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_counts_a_function_to_its_closing_brace() {
    let body = |n: usize| "        let x = 1;\n".repeat(n);
    let m = |text: String| Module {
        file: PathBuf::from("x.rs"),
        path: vec![],
        text,
    };
    let long = m(format!(
        "impl A {{\n    fn f() {{\n{}    }}\n}}\n",
        body(79)
    ));
    assert_eq!(long_functions(&long), vec!["x.rs:2: fn f is 81 lines"]);
    let fits = m(format!("    fn f() {{\n{}    }}\n", body(78)));
    assert!(long_functions(&fits).is_empty());
    let said = m(format!(
        "    // A kernel's loop, over 80 lines: it reads best whole.\n    #[inline]\n    fn f() {{\n{}    }}\n",
        body(100)
    ));
    assert!(long_functions(&said).is_empty());
}

/// How many `Result<T, String>` a line holds: the error type is `String` (a `Result<String>`
/// of the crate's own error does not count).
fn string_errors(line: &str) -> usize {
    let mut n = 0;
    for (at, _) in line.match_indices("Result<") {
        let (mut depth, mut comma) = (0, None);
        for (i, c) in line[at + 6..].char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        let args = &line[at + 7..at + 6 + i];
                        let err = comma.map(|k: usize| args[k..].trim());
                        n += usize::from(err == Some("String"));
                        break;
                    }
                }
                ',' if depth == 1 => comma = Some(i),
                _ => {}
            }
        }
    }
    n
}

#[test]
fn the_string_error_count_reads_the_error_type() {
    assert_eq!(string_errors("fn f() -> Result<Vec<u8>, String> {"), 1);
    assert_eq!(string_errors("fn f() -> Result<String> {"), 0);
    assert_eq!(string_errors("fn f() -> Result<String, Error> {"), 0);
    assert_eq!(
        string_errors(
            "let g = |a: Result<(u8, u8), String>| -> std::result::Result<String, String> {"
        ),
        2
    );
}

#[test]
fn the_report_returns_typed_errors_not_strings() {
    let mut files = Vec::new();
    rs_files(&root().join("report/src"), &mut files);
    let mut hits = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if string_errors(line) > 0 {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        hits.len() <= MAX_STRING_RESULTS,
        "{} results with a String error in report/src (at most {MAX_STRING_RESULTS}):\n{}",
        hits.len(),
        hits.join("\n")
    );
}
