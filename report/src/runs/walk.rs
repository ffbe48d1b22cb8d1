//! Finding the runs under a runs folder, and everything there that is not a readable run.
//!
//! A folder holding `run.json` is a run. Nothing else under the runs folder may hide a run or
//! pass for none, so each of these is a problem, never a skip: an entry that cannot be read (a
//! dangling symbolic link, a link loop, a folder whose listing fails), an entry that is neither
//! a file nor a folder (a named pipe, a socket, a device), a folder that holds a run's files
//! but no `run.json`, and, among runs (in a folder holding at least one run), any other folder
//! or a file named like a run. Other plain files (Slurm logs, notes) are left alone. Symbolic
//! links to folders are followed (a linked copy of a run is found, and refused as the same run).

use super::RunProblem;
use runlog::{is_experiment_lens_file, Problem, Variant, METRICS_FILE, RUN_FILE, SUMMARY_FILE};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Deeper than this, a runs folder is a link maze or a mistake: the walk stops and says so.
const MAX_DEPTH: usize = 16;

/// What a walk found: the run folders, in sorted order, the experiments' imported lenses
/// (`lens-<variant>.json`), and the problems of everything else.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub runs: Vec<PathBuf>,
    pub lenses: Vec<PathBuf>,
    pub problems: Vec<RunProblem>,
}

/// One entry of a folder: its path and what following links shows (or why nothing does).
struct Entry {
    path: PathBuf,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Folder {
        is_run: bool,
    },
    File,
    /// A named pipe, socket or device: reading it could wait forever.
    Other,
    /// What following links cannot tell, and why (a dangling link, no permission).
    Unknown(String),
}

/// Every run under `root` and every problem of what is not one.
pub(crate) fn walk(root: &Path) -> Found {
    let mut w = Walker {
        root,
        open: BTreeSet::new(),
        found: Found::default(),
    };
    w.visit(root, None, 0, false);
    w.found
}

struct Walker<'a> {
    root: &'a Path,
    /// The folders being walked, resolved: a link back to one of them is a loop.
    open: BTreeSet<PathBuf>,
    found: Found,
}

impl Walker<'_> {
    /// A problem of `path`, spoiling `experiment` (`None`: unknown, so every experiment).
    fn say(&mut self, path: &Path, experiment: Option<&str>, message: String) {
        self.found.problems.push(RunProblem {
            experiment: experiment.map(str::to_owned),
            problem: Problem::new(path, None, message),
        })
    }

    /// Walks `dir`, `depth` folders below the root; `named`: its problem is already said.
    fn visit(&mut self, dir: &Path, experiment: Option<&str>, depth: usize, named: bool) {
        let real = match dir.canonicalize() {
            Ok(r) => r,
            Err(e) => return self.say(dir, experiment, format!("cannot be read: {e}")),
        };
        if depth > MAX_DEPTH || self.open.contains(&real) {
            let why = if depth > MAX_DEPTH {
                format!("more than {MAX_DEPTH} folders deep")
            } else {
                "a symbolic link back to a folder that holds it (a loop)".to_string()
            };
            return self.say(dir, experiment, format!("cannot be read: {why}"));
        }
        let entries = match list(dir) {
            Ok(e) => e,
            Err(e) => return self.say(dir, experiment, unreadable(&e)),
        };
        let is_run = entries.iter().any(|e| name(&e.path) == RUN_FILE);
        let among_runs = !is_run
            && entries
                .iter()
                .any(|e| matches!(e.kind, Kind::Folder { is_run: true }));
        // Problems among runs spoil the experiment they sit in: this folder's name.
        let here = (among_runs && dir != self.root).then(|| name(dir));
        let exp = here.as_deref().or(experiment);
        if is_run {
            self.found.runs.push(dir.to_owned());
        } else if !named && dir != self.root {
            let files: Vec<String> = entries
                .iter()
                .map(|e| name(&e.path))
                .filter(|n| [METRICS_FILE, SUMMARY_FILE].contains(&n.as_str()))
                .collect();
            if !files.is_empty() {
                let message = format!(
                    "not a readable run: it has no {RUN_FILE} (it holds {}); restore {RUN_FILE} \
                     (git checkout), or move the folder out of the runs folder",
                    files.join(", ")
                );
                self.say(dir, experiment, message);
            }
        }
        self.open.insert(real.clone());
        for e in &entries {
            match &e.kind {
                Kind::Unknown(why) => self.say(&e.path, exp, why.clone()),
                Kind::Other => self.say(
                    &e.path,
                    exp,
                    "neither a file nor a folder (a named pipe, socket or device); refused unread"
                        .into(),
                ),
                Kind::File if among_runs && looks_like_run(&name(&e.path)) => self.say(
                    &e.path,
                    exp,
                    format!(
                        "a file where a run folder belongs (a run is a folder holding \
                         {RUN_FILE}); restore the run, or remove the file"
                    ),
                ),
                Kind::File if is_experiment_lens_file(&name(&e.path)) => {
                    self.found.lenses.push(e.path.clone())
                }
                Kind::File => {}
                Kind::Folder { is_run } => {
                    let stray = among_runs && !is_run;
                    if stray {
                        self.say(&e.path, exp, not_a_run(&e.path));
                    }
                    self.visit(&e.path, exp, depth + 1, stray);
                }
            }
        }
        self.open.remove(&real);
    }
}

/// The entries of `dir`, sorted by name, each with what it is.
fn list(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for e in fs::read_dir(dir)? {
        let path = e?.path();
        let kind = kind_of(&path);
        entries.push(Entry { path, kind });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// What `path` is, links followed; [`Kind::Unknown`] says why it cannot be known.
fn kind_of(path: &Path) -> Kind {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return Kind::Unknown(match fs::read_link(path) {
                Ok(to) if e.kind() == std::io::ErrorKind::NotFound => format!(
                    "a symbolic link to `{}`, which does not exist (a dangling link); restore \
                     its target, or remove the link",
                    to.display()
                ),
                _ => unreadable(&e),
            })
        }
    };
    if meta.is_dir() {
        // A folder that cannot be searched (its permissions) says so here.
        let is_run = match fs::symlink_metadata(path.join(RUN_FILE)) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Kind::Unknown(unreadable(&e)),
        };
        Kind::Folder { is_run }
    } else if meta.is_file() {
        Kind::File
    } else {
        Kind::Other
    }
}

fn unreadable(e: &std::io::Error) -> String {
    format!(
        "cannot be read ({e}): a run in it would be left out unseen, so nothing is built from \
         its experiment"
    )
}

/// Why a folder among runs is a problem, with what it holds.
fn not_a_run(dir: &Path) -> String {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| name(&e.path())).collect())
        .unwrap_or_default();
    names.sort();
    let holds = match names.len() {
        0 => "it is empty".to_string(),
        n if n > 5 => format!("it holds {}, ... ({n} entries)", names[..5].join(", ")),
        _ => format!("it holds {}", names.join(", ")),
    };
    format!(
        "not a readable run: a folder among the runs without {RUN_FILE} ({holds}); every folder \
         there is a run: restore its {RUN_FILE} (git checkout), or move the folder out of the \
         runs folder"
    )
}

/// A name like a run's folder: `x03-s1`.
fn looks_like_run(name: &str) -> bool {
    name.split_once("-s").is_some_and(|(v, seed)| {
        Variant::parse(v).is_ok() && !seed.is_empty() && seed.bytes().all(|b| b.is_ascii_digit())
    })
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_are_told_from_others() {
        assert!(looks_like_run("x03-s1") && looks_like_run("x00-s12"));
        for n in ["x03-s", "notes", "x3-s1", "x03-s1.bak", "slurm-1_2.log"] {
            assert!(!looks_like_run(n), "{n}");
        }
    }
}
