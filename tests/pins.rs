//! `make post` builds the report alone (`cargo build -p report`); `make test` builds the whole
//! workspace with its dev-dependencies. Cargo gives a crate the union of the features its
//! dependents ask for within one build, so a crate both builds use would get other features in
//! each, and `make test` after `make post` would compile it (and the report above it) again.
//! pins/Cargo.toml lists the workspace's features for those crates; this test resolves both
//! builds with `cargo tree` and fails naming every crate of the report's closure whose features
//! still differ, and any crate of the trainer's (burn) that entered the report's build.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// (crate, version) -> the feature lists it is built with, for `cargo tree ARGS`.
fn resolved(args: &[&str]) -> BTreeMap<(String, String), BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .arg("tree")
        .args(args)
        .args([
            "--locked",
            "--prefix",
            "none",
            "--no-dedupe",
            "-f",
            "{p} {f}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        // Workspace members name their path in parentheses; they are built from source anyway.
        if parts.len() < 2 || line.contains("(/") {
            continue;
        }
        let features = parts[2..]
            .iter()
            .rev()
            .find(|p| !p.starts_with('('))
            .copied()
            .unwrap_or("");
        map.entry((parts[0].to_owned(), parts[1].to_owned()))
            .or_default()
            .insert(features.to_owned());
    }
    map
}

#[test]
fn the_report_alone_builds_its_crates_with_the_workspaces_features() {
    let alone = resolved(&["-p", "report", "-e", "normal,build"]);
    let all = resolved(&["--workspace", "-e", "normal,build,dev"]);
    assert!(alone.len() > 50, "cargo tree listed the report's closure");
    let differ: Vec<String> = alone
        .iter()
        .filter(|(k, f)| all.get(*k) != Some(*f))
        .map(|((name, version), f)| {
            format!(
                "{name} {version}: report alone {:?}, workspace {:?}",
                f,
                all.get(&(name.clone(), version.clone()))
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "pin the workspace's features in pins/Cargo.toml, or make test recompiles these after \
         make post:\n{}",
        differ.join("\n")
    );
    let heavy: Vec<&String> = alone
        .keys()
        .map(|(name, _)| name)
        .filter(|n| n.starts_with("burn") || n.starts_with("cubecl") || n.starts_with("cudarc"))
        .collect();
    assert!(heavy.is_empty(), "the report's build pulls in {heavy:?}");
}
