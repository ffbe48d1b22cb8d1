//! The site's subcommands: `build`, `check`, `publish`, `serve`. Each reads its arguments, calls
//! the library, prints problems as `file:line: kind: message`, and fails when it must.

use crate::build::{build, BuildOptions, Outcome};
use crate::config::SiteConfig;
use crate::{check, publish, serve};
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
    /// The built site
    #[arg(long, default_value = "site")]
    pub site: PathBuf,
    /// Site config
    #[arg(long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Drafts folder: every post must build before anything is published
    #[arg(long, default_value = "posts")]
    pub posts: PathBuf,
    /// Runs folder
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Templates folder
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

/// Prints a build's warnings and problems (`file:line: kind: message`) to stderr.
pub fn print_outcome(o: &Outcome) {
    for w in &o.warnings {
        eprintln!("{w}");
    }
    for p in &o.problems {
        eprintln!("{p}");
    }
}

pub fn build_cmd(a: &SiteArgs) -> Result<(), String> {
    let o = a.options();
    let out = build(&o)?;
    print_outcome(&out);
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
        return Err(format!("{n} problem(s) stop the build (listed above)"));
    }
    Ok(())
}

pub fn check_cmd(a: &CheckArgs) -> Result<(), String> {
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
        Err(format!("check: {} problem(s)", c.problems.len()))
    }
}

pub fn publish_cmd(a: &PublishArgs) -> Result<(), String> {
    let cfg = SiteConfig::load(&a.config)?;
    // A published feed with relative links sends readers to 404s: set the keys first.
    let feed = crate::site::feed::problems(&cfg);
    if !feed.is_empty() {
        return Err(format!(
            "not publishing: {}: {}",
            a.config.display(),
            feed.join(&format!("\n{}: ", a.config.display()))
        ));
    }
    let remote = a.remote.clone().unwrap_or(cfg.publish.remote);
    let branch = a.branch.clone().unwrap_or(cfg.publish.branch);
    publish::check_remote(&remote)?;
    publish::check_branch(&branch)?;
    // Nothing is published while a post fails to build (a bad run, a failed claim, ...).
    let mut o = BuildOptions::new(a.posts.clone(), a.runs.clone(), None);
    o.config = a.config.clone();
    o.templates = a.templates.clone();
    let fatal: Vec<String> = check::check(&o)?
        .problems
        .iter()
        .filter(|p| p.kind.fatal())
        .map(|p| p.to_string())
        .collect();
    if !fatal.is_empty() {
        return Err(format!(
            "publish refuses: {} problem(s) stop the build, so the site would not be what the \
             drafts and runs say:\n{}",
            fatal.len(),
            fatal.join("\n")
        ));
    }
    match publish::publish(&PathBuf::from("."), &a.site, &remote, &branch)? {
        publish::Published::Pushed { commit } => {
            println!(
                "published {} as {commit} to {remote} {branch}",
                a.site.display()
            )
        }
        publish::Published::Unchanged { commit } => {
            println!("{remote} {branch} already holds this site ({commit}); nothing pushed")
        }
    }
    Ok(())
}

pub fn serve_cmd(a: &ServeArgs) -> Result<(), String> {
    serve::serve(&a.inputs.options(None), &a.addr)
}
