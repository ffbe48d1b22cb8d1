//! `report publish`: builds the site from the committed tree (HEAD's drafts, runs, templates and
//! site.toml, exported to a temporary folder: [`committed`]), in the same process, and commits
//! that build as the whole tree of a branch (default gh-pages), named after the commit it was
//! built from, then pushes it to a git remote (default origin). Everything goes through git
//! plumbing on temporary indexes, so the working tree, the index and the checked-out branch of
//! the repository are never touched, and neither an old site/ nor an uncommitted edit can be
//! published ([`from_head`]).
//!
//! The remote and the branch come from the command line or site.toml, so they are input: a
//! name starting with `-` is refused, each is passed after `--` (git can never read it as an
//! option such as `--upload-pack=...`), a branch must be a plain ref name, and git's `ext::`
//! transport (which runs a command) is switched off.

pub mod committed;
pub mod from_head;

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, PartialEq)]
pub enum Published {
    /// The new commit, pushed.
    Pushed { commit: String },
    /// The branch already holds exactly this site.
    Unchanged { commit: String },
}

/// A remote: a name or URL that git cannot take for an option.
pub fn check_remote(remote: &str) -> Result<()> {
    if remote.is_empty() || remote.starts_with('-') || remote.chars().any(char::is_control) {
        return Err(refused(format!(
            "remote `{}` is refused: a remote is a name or URL, and never starts with `-`",
            remote.escape_debug()
        )));
    }
    Ok(())
}

/// A branch: a plain name (`gh-pages`), the one alphabet of every name that reaches a ref, and
/// nothing git could read otherwise (a `.lock` suffix, `..`).
pub fn check_branch(branch: &str) -> Result<()> {
    runlog::check_name("branch", branch).map_err(|e| refused(format!("{e}; refused")))?;
    if branch.ends_with(".lock") || branch.ends_with('.') || branch.contains("..") {
        return Err(refused(format!(
            "branch `{branch}` is refused: git takes no ref name ending in `.lock` or `.`, or \
             holding `..`"
        )));
    }
    Ok(())
}

fn refused(message: String) -> Error {
    Error::Publish { message }
}

/// Publishes `site` (a built site folder) from the git repository at `repo`, its commit naming
/// `built_from` (the commit the site was built from).
pub fn publish(
    repo: &Path,
    site: &Path,
    remote: &str,
    branch: &str,
    built_from: &str,
) -> Result<Published> {
    check_remote(remote)?;
    check_branch(branch)?;
    if !site.join("index.html").is_file() {
        return Err(refused(format!(
            "{}: no index.html; build the site first (`make post`)",
            site.display()
        )));
    }
    let site = site.canonicalize().map_err(|e| Error::io(site, e))?;
    // A temporary index of our own (git creates it); the repository's index is never used.
    let git = Git {
        repo,
        index: std::env::temp_dir().join(format!(
            "report-publish-{}-{}.index",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        )),
    };
    let result = commit_and_push(&git, &site, remote, branch, built_from);
    let _ = std::fs::remove_file(&git.index);
    result
}

/// git in the repository, with the index of our own.
struct Git<'a> {
    repo: &'a Path,
    index: PathBuf,
}

impl Git<'_> {
    /// Runs git with `args`; its output, trimmed, or its error output in the error.
    fn run(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.repo)
            // `ext::` remotes run a command; git refuses them by default, and so do we.
            .args(["-c", "protocol.ext.allow=never"])
            .args(args)
            .env("GIT_INDEX_FILE", &self.index)
            .output()
            .map_err(|e| refused(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(Error::Git {
                args: args.join(" "),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// Commits the site's files onto the remote branch's last commit (unless it holds exactly them)
/// and pushes that commit.
fn commit_and_push(
    git: &Git,
    site: &Path,
    remote: &str,
    branch: &str,
    built_from: &str,
) -> Result<Published> {
    let work_tree = format!("--work-tree={}", site.display());
    // The build's records of what it wrote (the site's, and with --out the figures' one
    // folder down) are for the next build, not for readers: none is published; a temporary
    // file an interrupted write left is for no one.
    let keep_out = format!(":(exclude,glob)**/{}", crate::build::manifest::FILE);
    let no_temp = ":(exclude,glob)**/.*.tmp-*";
    git.run(&[&work_tree, "add", "-A", "-f", "--", ".", &keep_out, no_temp])?;
    let tree = git.run(&["write-tree"])?;
    let head_ref = format!("refs/heads/{branch}");
    let heads = git.run(&["ls-remote", "--heads", "--", remote, &head_ref])?;
    let parent = if heads.is_empty() {
        None
    } else {
        git.run(&["fetch", "-q", "--", remote, &head_ref])?;
        Some(git.run(&["rev-parse", "FETCH_HEAD"])?)
    };
    if let Some(p) = &parent {
        if git.run(&["rev-parse", &format!("{p}^{{tree}}")])? == tree {
            return Ok(Published::Unchanged { commit: p.clone() });
        }
    }
    let message = format!("Publish site (built from {built_from})");
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
    if let Some(p) = &parent {
        args.extend(["-p", p.as_str()]);
    }
    // A machine without a git identity still publishes, under the tool's name.
    let has_identity = git
        .run(&["config", "user.email"])
        .is_ok_and(|s| !s.is_empty());
    let commit = if has_identity {
        git.run(&args)?
    } else {
        let tool = [
            "-c",
            "user.name=report",
            "-c",
            "user.email=report@localhost",
        ];
        git.run(&[&tool[..], args.as_slice()].concat())?
    };
    git.run(&["push", "-q", "--", remote, &format!("{commit}:{head_ref}")])?;
    Ok(Published::Pushed { commit })
}
