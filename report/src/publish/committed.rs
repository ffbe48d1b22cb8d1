//! The committed tree a publish builds from: the repository's HEAD, resolved once, and the build's
//! inputs (drafts, runs, templates, site.toml) as that commit holds them, written to a temporary
//! folder through a temporary index (`read-tree`, then `checkout-index`), so the working tree,
//! its index and its branch are never touched, and what is published is what the commit says,
//! whatever the working tree or an old site/ holds.

use crate::temp::TempDir;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository a publish runs in, and its HEAD.
pub struct Head {
    /// The top of the working tree.
    pub top: PathBuf,
    /// Where the command runs, relative to `top` (`""` at the top, else `sub/`).
    prefix: String,
    /// HEAD's commit, 40 hex digits.
    pub commit: String,
}

/// A commit's build inputs in a temporary folder (removed on drop).
pub struct Tree {
    /// The temporary folder: the index, and the inputs under `tree/`.
    dir: TempDir,
    root: PathBuf,
}

impl Tree {
    /// The folder holding the inputs, at the paths they have in the repository.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// `rel` (a path inside the repository, from [`Head::in_repo`]) inside this tree.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// A path beside the tree, inside the temporary folder (where a build of it can go).
    pub fn beside(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// `git -C dir args...` with `index` as its index (when given), `input` on its standard input;
/// its output, or an error naming the command and what git said.
fn git(dir: &Path, index: Option<&Path>, args: &[&str], input: &[u8]) -> Result<Vec<u8>> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .arg("--literal-pathspecs")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(i) = index {
        cmd.env("GIT_INDEX_FILE", i);
    }
    let failed = |message: String| Error::Git {
        args: args.join(" "),
        message,
    };
    let mut child = cmd.spawn().map_err(|e| Error::Publish {
        message: format!("cannot run git: {e}"),
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input).map_err(|e| failed(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(out.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

impl Head {
    /// The repository holding `cwd`, and the commit its HEAD names. A repository without a
    /// commit has nothing to publish.
    pub fn find(cwd: &Path) -> Result<Head> {
        let top =
            git(cwd, None, &["rev-parse", "--show-toplevel"], b"").map_err(|e| Error::Publish {
                message: format!("report publish runs inside a git repository: {e}"),
            })?;
        let prefix = text(git(cwd, None, &["rev-parse", "--show-prefix"], b"")?);
        let commit = git(
            cwd,
            None,
            &["rev-parse", "--verify", "-q", "HEAD^{commit}"],
            b"",
        )
        .map(text)
        .ok()
        .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| Error::Publish {
            message: "report publish builds what it publishes from the committed tree, and \
                      this repository has no commit yet: commit the drafts and runs first"
                .into(),
        })?;
        Ok(Head {
            top: PathBuf::from(text(top)),
            prefix,
            commit,
        })
    }

    /// `path` (as given on the command line, relative to where the command runs) as a path
    /// inside the repository, `/`-separated; an error for one outside it.
    pub fn in_repo(&self, path: &Path) -> Result<String> {
        let outside = || Error::Publish {
            message: format!(
                "{} is outside the repository {}: publish builds only from what is committed \
                 there",
                path.display(),
                self.top.display()
            ),
        };
        let rel = if path.is_absolute() {
            let top = self.top.canonicalize().unwrap_or_else(|_| self.top.clone());
            let abs = path.canonicalize().unwrap_or_else(|_| path.to_owned());
            abs.strip_prefix(&top).map_err(|_| outside())?.to_owned()
        } else {
            Path::new(&self.prefix).join(path)
        };
        let mut parts: Vec<String> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => parts.push(n.to_str().ok_or_else(outside)?.to_owned()),
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop().ok_or_else(outside)?;
                }
                Component::RootDir | Component::Prefix(_) => return Err(outside()),
            }
        }
        Ok(parts.join("/"))
    }

    /// `paths` (inside the repository) as HEAD holds them, in a new temporary folder.
    pub fn export(&self, paths: &[String]) -> Result<Tree> {
        let dir = TempDir::new("report-publish")?;
        let index = dir.path().join("index");
        let tree = dir.path().join("tree");
        git(&self.top, Some(&index), &["read-tree", &self.commit], b"")?;
        let mut args = vec!["ls-files", "-z", "--"];
        args.extend(
            paths
                .iter()
                .map(|p| if p.is_empty() { "." } else { p.as_str() }),
        );
        let files = git(&self.top, Some(&index), &args, b"")?;
        let prefix = format!("--prefix={}/", tree.display());
        git(
            &self.top,
            Some(&index),
            &["checkout-index", "-z", "--stdin", &prefix],
            &files,
        )?;
        std::fs::create_dir_all(&tree).map_err(|e| Error::io(&tree, e))?;
        Ok(Tree { dir, root: tree })
    }

    /// The paths among `paths` whose working-tree state differs from HEAD (changed, new or
    /// deleted, what git ignores aside), one per line as `git status --short` shows them.
    pub fn uncommitted(&self, paths: &[String]) -> Vec<String> {
        let mut args = vec!["status", "--porcelain", "--"];
        args.extend(
            paths
                .iter()
                .map(|p| if p.is_empty() { "." } else { p.as_str() }),
        );
        git(&self.top, None, &args, b"")
            .map(|o| {
                String::from_utf8_lossy(&o)
                    .lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}
