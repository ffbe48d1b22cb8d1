//! `report publish`: commits the built site/ as the whole tree of a branch (default gh-pages) and
//! pushes it to a git remote (default origin), with git plumbing on a temporary index, so the
//! working tree, the index and the checked-out branch of the repository are never touched.
//!
//! The remote and the branch come from the command line or site.toml, so they are input: a
//! name starting with `-` is refused, each is passed after `--` (git can never read it as an
//! option such as `--upload-pack=...`), a branch must be a plain ref name, and git's `ext::`
//! transport (which runs a command) is switched off.

use std::path::Path;
use std::process::Command;

#[derive(Debug, PartialEq)]
pub enum Published {
    /// The new commit, pushed.
    Pushed { commit: String },
    /// The branch already holds exactly this site.
    Unchanged { commit: String },
}

/// A remote: a name or URL that git cannot take for an option.
pub fn check_remote(remote: &str) -> Result<(), String> {
    if remote.is_empty() || remote.starts_with('-') || remote.chars().any(char::is_control) {
        return Err(format!(
            "remote `{}` is refused: a remote is a name or URL, and never starts with `-`",
            remote.escape_debug()
        ));
    }
    Ok(())
}

/// A branch: a plain ref name (`gh-pages`, `site/main`), nothing git could read otherwise.
pub fn check_branch(branch: &str) -> Result<(), String> {
    let bad = branch.is_empty()
        || branch.starts_with(['-', '/', '.'])
        || branch.ends_with(['/', '.'])
        || branch.ends_with(".lock")
        || branch.contains("..")
        || branch.contains("@{")
        || branch.contains("//")
        || branch
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c));
    if bad {
        return Err(format!(
            "branch `{}` is refused: not a plain branch name like gh-pages",
            branch.escape_debug()
        ));
    }
    Ok(())
}

/// Publishes `site` (a built site folder) from the git repository at `repo`.
pub fn publish(repo: &Path, site: &Path, remote: &str, branch: &str) -> Result<Published, String> {
    check_remote(remote)?;
    check_branch(branch)?;
    if !site.join("index.html").is_file() {
        return Err(format!(
            "{}: no index.html; build the site first (`make post`)",
            site.display()
        ));
    }
    let site = site
        .canonicalize()
        .map_err(|e| format!("{}: {e}", site.display()))?;
    // A temporary index of our own (git creates it); the repository's index is never used.
    let index_path = std::env::temp_dir().join(format!(
        "report-publish-{}-{}.index",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(repo)
            // `ext::` remotes run a command; git refuses them by default, and so do we.
            .args(["-c", "protocol.ext.allow=never"])
            .args(args)
            .env("GIT_INDEX_FILE", &index_path)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let result = (|| {
        let work_tree = format!("--work-tree={}", site.display());
        // The build's records of what it wrote (the site's, and with --out the figures' one
        // folder down) are for the next build, not for readers: none is published.
        let keep_out = format!(":(exclude,glob)**/{}", crate::build::manifest::FILE);
        git(&[&work_tree, "add", "-A", "-f", "--", ".", &keep_out])?;
        let tree = git(&["write-tree"])?;
        let head_ref = format!("refs/heads/{branch}");
        let heads = git(&["ls-remote", "--heads", "--", remote, &head_ref])?;
        let parent = if heads.is_empty() {
            None
        } else {
            git(&["fetch", "-q", "--", remote, &head_ref])?;
            Some(git(&["rev-parse", "FETCH_HEAD"])?)
        };
        if let Some(p) = &parent {
            if git(&["rev-parse", &format!("{p}^{{tree}}")])? == tree {
                return Ok(Published::Unchanged { commit: p.clone() });
            }
        }
        let message = format!("Publish site (built from {})", source_of(repo));
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
        if let Some(p) = &parent {
            args.extend(["-p", p.as_str()]);
        }
        // A machine without a git identity still publishes, under the tool's name.
        let has_identity = git(&["config", "user.email"]).is_ok_and(|s| !s.is_empty());
        let commit = if has_identity {
            git(&args)?
        } else {
            git(&[
                &[
                    "-c",
                    "user.name=report",
                    "-c",
                    "user.email=report@localhost",
                ],
                args.as_slice(),
            ]
            .concat())?
        };
        git(&["push", "-q", "--", remote, &format!("{commit}:{head_ref}")])?;
        Ok(Published::Pushed { commit })
    })();
    let _ = std::fs::remove_file(&index_path);
    result
}

/// The commit the site was built from, and whether the working tree differed from it (changed
/// or untracked files; what git ignores, like site/, does not count): `d073029`, `d073029 with
/// uncommitted changes`, or `no commit`. Runs with the repository's own index.
fn source_of(repo: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "no commit".into();
    };
    match git(&["status", "--porcelain"]) {
        Some(s) if s.is_empty() => head,
        Some(_) => format!("{head} with uncommitted changes"),
        None => format!("{head}, working tree state unknown"),
    }
}
