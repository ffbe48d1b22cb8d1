//! `report publish` from start to end: HEAD resolved once, its build inputs exported
//! ([`super::committed`]), site.toml's feed keys and publish target checked, the site built from
//! them into the same temporary folder (any problem that stops a build stops the publish), then
//! that build committed to the branch, named after HEAD's commit ([`super::publish`]).

use super::committed::{Head, Tree};
use super::Published;
use crate::build::{build, BuildOptions};
use crate::config::SiteConfig;
use crate::error::Context;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What to publish: the build's inputs (paths as given on the command line) and where to.
#[derive(Debug, Clone)]
pub struct Request {
    pub posts: PathBuf,
    pub runs: PathBuf,
    pub templates: PathBuf,
    pub config: PathBuf,
    /// Default: site.toml's `[publish]` remote and branch.
    pub remote: Option<String>,
    pub branch: Option<String>,
}

/// What a publish did.
#[derive(Debug)]
pub struct Done {
    pub published: Published,
    pub remote: String,
    pub branch: String,
    /// HEAD's commit, which the site was built from.
    pub commit: String,
    /// Inputs whose working-tree state differs from HEAD (not published), as git lists them.
    pub uncommitted: Vec<String>,
    pub pages: usize,
}

/// Builds HEAD's drafts and runs in a temporary folder and publishes that build; `cwd` is
/// where the command runs (inside the repository).
pub fn publish_head(cwd: &Path, r: &Request) -> Result<Done> {
    if let Some(remote) = &r.remote {
        super::check_remote(remote)?;
    }
    if let Some(branch) = &r.branch {
        super::check_branch(branch)?;
    }
    let head = Head::find(cwd)?;
    let inputs = [&r.posts, &r.runs, &r.templates, &r.config]
        .into_iter()
        .map(|p| head.in_repo(p))
        .collect::<Result<Vec<String>>>()?;
    let tree = head.export(&inputs)?;
    let cfg_path = tree.join(&inputs[3]);
    let cfg = SiteConfig::load(&cfg_path).map_err(|e| shortened(e, &tree))?;
    // A published feed with relative links sends readers to 404s: set the keys first.
    let feed = crate::site::feed::problems(&cfg);
    if !feed.is_empty() {
        let name = r.config.display();
        return Err(Error::Publish {
            message: format!(
                "not publishing: {name}: {}",
                feed.join(&format!("\n{name}: "))
            ),
        });
    }
    let remote = r.remote.clone().unwrap_or(cfg.publish.remote);
    let branch = r.branch.clone().unwrap_or(cfg.publish.branch);
    super::check_remote(&remote).at(&r.config)?;
    super::check_branch(&branch).at(&r.config)?;
    let mut o = BuildOptions::new(tree.join(&inputs[0]), tree.join(&inputs[1]), None);
    o.out = tree.beside("site");
    o.images = tree.beside("images");
    o.config = cfg_path;
    o.templates = tree.join(&inputs[2]);
    let outcome = build(&o).map_err(|e| shortened(e, &tree))?;
    let fatal: Vec<String> = outcome
        .problems
        .iter()
        .filter(|p| p.kind.fatal())
        .map(|p| shorten(&p.to_string(), &tree))
        .collect();
    if !fatal.is_empty() {
        return Err(Error::Publish {
            message: format!(
                "publish refuses: {} problem(s) stop the build of commit {}, so the site would \
                 not be what the drafts and runs say:\n{}",
                fatal.len(),
                head.commit,
                fatal.join("\n")
            ),
        });
    }
    let published = super::publish(&head.top, &o.out, &remote, &branch, &head.commit)?;
    Ok(Done {
        published,
        remote,
        branch,
        uncommitted: head.uncommitted(&inputs),
        commit: head.commit,
        pages: outcome.pages.len(),
    })
}

/// A message about files of the exported tree, naming them as the repository does.
fn shorten(message: &str, tree: &Tree) -> String {
    message.replace(&format!("{}/", tree.path().display()), "")
}

/// An error about files of the exported tree, naming them as the repository does.
fn shortened(e: Error, tree: &Tree) -> Error {
    Error::Publish {
        message: shorten(&e.to_string(), tree),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_is_refused_before_anything_runs() {
        let r = Request {
            posts: "posts".into(),
            runs: "runs".into(),
            templates: "templates".into(),
            config: "site.toml".into(),
            remote: Some("--upload-pack=touch x".into()),
            branch: None,
        };
        let e = publish_head(Path::new("/nonexistent"), &r)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("remote `--upload-pack=touch x` is refused"),
            "{e}"
        );
        let r = Request {
            remote: None,
            branch: Some("a/../b".into()),
            ..r
        };
        let e = publish_head(Path::new("/nonexistent"), &r)
            .unwrap_err()
            .to_string();
        assert!(e.contains("branch \"a/../b\" is not a plain name"), "{e}");
    }
}
