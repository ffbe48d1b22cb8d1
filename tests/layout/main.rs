//! The codebase's shape, checked from its sources (issue 21): modules point one way (no import
//! cycles inside a crate, between files or between folders; no module imports one after it in
//! its crate's order), the report's errors are typed rather than strings, and no function
//! outside tests runs over 80 lines unless a comment right above it says why ("over 80 lines").
//!
//! The sources are read as rustfmt leaves them: a function ends at the first `}` at its own
//! indentation, test modules sit at the end of their file (clippy's items_after_test_module).

mod errors;
mod functions;
mod graph;
mod sources;

use graph::{cycles, folders, graph, name};
use sources::{modules, ModPath, Module};
use std::collections::BTreeSet;
use std::path::PathBuf;

const CRATES: [&str; 3] = ["runlog", "trainer", "report"];

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
