//! The import graph of a crate's modules (through re-exports), its cycles, and the same graph
//! one folder up.

use crate::sources::{named_paths, use_items, ModPath, Module};
use std::collections::{BTreeMap, BTreeSet};

/// A crate's modules and what each re-exports (`pub use`), so that a path through a
/// re-export (`crate::Error`) counts as naming the module that defines it.
pub struct Index {
    pub known: BTreeSet<ModPath>,
    pub reexports: BTreeMap<ModPath, BTreeMap<String, String>>,
}

impl Index {
    pub fn new(mods: &[Module]) -> Index {
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
    pub fn resolve(&self, from: &[String], path: &str, depth: usize) -> Option<(ModPath, bool)> {
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
pub fn target(from: &Module, path: &str, ix: &Index) -> Option<ModPath> {
    let (hit, module_itself) = ix.resolve(&from.path, path, 0)?;
    // Naming an ancestor module itself (not an item in it) is no dependency.
    let names_only_ancestor = from.path.starts_with(&hit) && module_itself;
    (hit != from.path && !names_only_ancestor).then_some(hit)
}

pub fn graph(mods: &[Module]) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
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
pub fn cycles(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
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

pub fn name(p: &ModPath) -> String {
    if p.is_empty() {
        "lib".into()
    } else {
        p.join("/")
    }
}

/// The graph one level up: a folder's children, each standing for everything inside it (an
/// edge `a/x -> b/y` is an edge `a -> b` among the children of their common parent).
pub fn folders(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
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
