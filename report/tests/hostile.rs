//! The hostile cases of tests/hostile/: each folder is one ordinary mistake or attack, with the
//! result it must get (see tests/hostile/README.md for the format). Each is copied over the
//! base project (tests/hostile/base: four small finished runs and a post) into a temporary
//! folder, and its steps are run there with the `report` binary, as a user would. A command
//! that runs past a minute is a hang, and fails the case.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    /// Start from tests/hostile/base (default), or from the case's files alone.
    #[serde(default = "yes")]
    base: bool,
    step: Vec<Step>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// Before the command: paths (under the case's folder) removed, and paths made named pipes
    /// (a FIFO cannot be committed as a case's file).
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    mkfifo: Vec<String>,
    /// `report` arguments; or `git` arguments (to make a repository for `publish`).
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    git: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// `success` or `failure`; unchecked when absent.
    status: Option<String>,
    /// Texts the output must hold, and must not.
    #[serde(default)]
    stdout: Vec<String>,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stdout_lacks: Vec<String>,
    #[serde(default)]
    stderr_lacks: Vec<String>,
    /// Paths (under the case's folder) that must exist afterwards, and must not.
    #[serde(default)]
    present: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    /// Files that must hold a text, and must not.
    #[serde(default)]
    contains: Vec<FileText>,
    #[serde(default)]
    lacks: Vec<FileText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    file: String,
    text: String,
}

fn hostile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Copies `from` into `to`, symlinks as symlinks (a case may hold one on purpose).
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from).min_depth(1) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.path_is_symlink() {
            let link = std::fs::read_link(e.path()).unwrap();
            let _ = std::fs::remove_file(&target);
            std::os::unix::fs::symlink(link, &target).unwrap();
        } else if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if e.file_name() != "case.toml" {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Runs `cmd`, killing it past a minute: (success, stdout, stderr).
fn run(mut cmd: Command, what: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{what}: still running after a minute (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (status.success(), read(&out), read(&err))
}

/// What a step does to the case's folder before its command: removals, named pipes.
fn prepare(root: &Path, step: &Step, what: &str) {
    for p in &step.remove {
        let path = root.join(p);
        let gone = if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        gone.unwrap_or_else(|e| panic!("{what}: cannot remove {p}: {e}"));
    }
    for p in &step.mkfifo {
        let path = root.join(p);
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&path).unwrap();
        }
        let _ = std::fs::remove_file(&path);
        let ok = Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap_or_else(|e| panic!("{what}: cannot run mkfifo: {e}"));
        assert!(ok.success(), "{what}: mkfifo {p} failed");
    }
}

/// Runs one case; `Err` says what it got instead of what it must.
fn run_case(name: &str) -> Result<(), String> {
    let case_dir = hostile().join(name);
    let text = std::fs::read_to_string(case_dir.join("case.toml")).unwrap();
    let case: Case = toml::from_str(&text).map_err(|e| format!("case.toml: {e}"))?;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    if case.base {
        copy_tree(&hostile().join("base"), root);
    }
    copy_tree(&case_dir, root);
    for (i, step) in case.step.iter().enumerate() {
        let what = format!("{name} ({}), step {}", case.about, i + 1);
        prepare(root, step, &what);
        let mut cmd = if step.git.is_empty() {
            let mut c = Command::new(env!("CARGO_BIN_EXE_report"));
            c.args(&step.args);
            c
        } else {
            let mut c = Command::new("git");
            c.args(&step.git);
            c
        };
        cmd.current_dir(root).envs(&step.env);
        let (ok, stdout, stderr) = run(cmd, &what);
        let fail = |m: String| {
            Err(format!(
                "{what}: {m}\n--- stdout\n{stdout}--- stderr\n{stderr}"
            ))
        };
        match step.status.as_deref() {
            Some("success") if !ok => return fail("failed, but must succeed".into()),
            Some("failure") if ok => return fail("succeeded, but must fail".into()),
            _ => {}
        }
        for (want, got, stream) in [
            (&step.stdout, &stdout, "stdout"),
            (&step.stderr, &stderr, "stderr"),
        ] {
            if let Some(w) = want.iter().find(|w| !got.contains(w.as_str())) {
                return fail(format!("{stream} lacks `{w}`"));
            }
        }
        for (lacks, got, stream) in [
            (&step.stdout_lacks, &stdout, "stdout"),
            (&step.stderr_lacks, &stderr, "stderr"),
        ] {
            if let Some(w) = lacks.iter().find(|w| got.contains(w.as_str())) {
                return fail(format!("{stream} holds `{w}`"));
            }
        }
        if let Some(p) = step.present.iter().find(|p| !root.join(p).exists()) {
            return fail(format!("{p} does not exist"));
        }
        if let Some(p) = step
            .absent
            .iter()
            .find(|p| root.join(p).symlink_metadata().is_ok())
        {
            return fail(format!("{p} exists"));
        }
        let holds = |ft: &FileText| {
            std::fs::read(root.join(&ft.file))
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains(&ft.text))
        };
        if let Some(ft) = step.contains.iter().find(|ft| !holds(ft)) {
            return fail(format!("{} lacks `{}`", ft.file, ft.text));
        }
        if let Some(ft) = step.lacks.iter().find(|ft| holds(ft)) {
            return fail(format!("{} holds `{}`", ft.file, ft.text));
        }
    }
    Ok(())
}

#[test]
fn every_hostile_case_gets_the_result_it_must() {
    let mut names: Vec<String> = std::fs::read_dir(hostile())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("case.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 25, "{names:?}");
    // Cases are independent: spread them over the cores.
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<Vec<String>> = names
            .chunks(names.len().div_ceil(4))
            .map(<[String]>::to_vec)
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|n| run_case(n).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
