//! The site's subcommands: `build`, `check`, `publish`, `serve`. Each reads its arguments, calls
//! the library, prints problems as `file:line: kind: message`, and fails when it must.

use crate::build::{build, BuildOptions};
use crate::{check, publish, serve};
use crate::{Error, Result};
use std::path::PathBuf;

/// The build's inputs, read by every site subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Inputs {
    /// Drafts folder (never written)
    #[arg(long, default_value = "posts")]
    pub posts: PathBuf,
    /// Runs folder
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Site config
    #[arg(long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Templates folder (built-in copies for any file it lacks)
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
}

impl Inputs {
    /// The build of these inputs into `out` (see [`BuildOptions::new`]).
    pub fn options(&self, out: Option<PathBuf>) -> BuildOptions {
        let mut o = BuildOptions::new(self.posts.clone(), self.runs.clone(), out);
        o.config = self.config.clone();
        o.templates = self.templates.clone();
        o
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct SiteArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output folder; default site/ with figures in images/<slug>/; with --out, everything
    /// (figures too) goes under it
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl SiteArgs {
    pub fn options(&self) -> BuildOptions {
        self.inputs.options(self.out.clone())
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// List every claim beside the sentence it follows, with what it checked (variants, runs,
    /// layers) and found, so its scope can be audited
    #[arg(long)]
    pub claims: bool,
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Git remote to push to; default: site.toml's [publish] remote, else origin
    #[arg(long)]
    pub remote: Option<String>,
    /// Branch; default: site.toml's [publish] branch, else gh-pages
    #[arg(long)]
    pub branch: Option<String>,
    /// Site config (HEAD's copy is used)
    #[arg(long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Drafts folder (HEAD's copy is built; every post must build before anything is published)
    #[arg(long, default_value = "posts")]
    pub posts: PathBuf,
    /// Runs folder (HEAD's copy)
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Templates folder (HEAD's copy)
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
}

/// `report serve` builds into a temporary folder of its own: it takes no --out.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Address to listen on (a loopback address answers requests naming this machine only)
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: String,
}

pub fn build_cmd(a: &SiteArgs) -> Result<()> {
    let o = a.options();
    let out = build(&o)?;
    out.print();
    for p in &out.removed {
        println!(
            "removed {} (an earlier build wrote it; this one did not)",
            p.display()
        );
    }
    for p in &out.pages {
        println!("{}", p.display());
    }
    if out.failed() {
        let n = out.problems.iter().filter(|p| p.kind.fatal()).count();
        return Err(Error::BuildFailed { count: n });
    }
    Ok(())
}

pub fn check_cmd(a: &CheckArgs) -> Result<()> {
    let c = check::check(&a.site.options())?;
    for w in &c.warnings {
        eprintln!("{w}");
    }
    for (draft, uses) in &c.uses {
        println!("{} uses:", draft.display());
        for u in uses {
            println!("  {u}");
        }
    }
    if a.claims {
        println!("claims ({}):", c.claims.len());
    }
    for r in &c.claims {
        for line in check::claim_lines(r, a.claims) {
            println!("{line}");
        }
    }
    for n in &c.notes {
        println!("{n}");
    }
    for p in &c.problems {
        println!("{p}");
    }
    if c.problems.is_empty() {
        println!("check: no problems");
        Ok(())
    } else {
        Err(Error::CheckFailed {
            count: c.problems.len(),
        })
    }
}

/// Builds the committed tree and publishes that build (never site/ as it stands).
pub fn publish_cmd(a: &PublishArgs) -> Result<()> {
    let request = publish::from_head::Request {
        posts: a.posts.clone(),
        runs: a.runs.clone(),
        templates: a.templates.clone(),
        config: a.config.clone(),
        remote: a.remote.clone(),
        branch: a.branch.clone(),
    };
    let done = publish::from_head::publish_head(&PathBuf::from("."), &request)?;
    if !done.uncommitted.is_empty() {
        eprintln!(
            "note: not published, since publish builds the committed tree ({}): uncommitted \
             changes in\n  {}",
            done.commit,
            done.uncommitted.join("\n  ")
        );
    }
    match done.published {
        publish::Published::Pushed { commit } => println!(
            "published {} page(s) built from {} as {commit} to {} {}",
            done.pages, done.commit, done.remote, done.branch
        ),
        publish::Published::Unchanged { commit } => println!(
            "{} {} already holds the site built from {} ({commit}); nothing pushed",
            done.remote, done.branch, done.commit
        ),
    }
    Ok(())
}

pub fn serve_cmd(a: &ServeArgs) -> Result<()> {
    serve::serve(&a.inputs.options(None), &a.addr)
}
