//! `report`: runs -> statistics -> figures -> filled article -> site.

use clap::{Parser, Subcommand};
use report::{cli, site_cli};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Reads runs, computes statistics, draws the article's figures, builds the site")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn modded-nanogpt training logs into runs
    Import(cli::ImportArgs),
    /// Turn a published logit-lens printout into an experiment's lens (lens-VARIANT.json)
    ImportLens(cli::ImportLensArgs),
    /// Print per-variant statistics of the runs
    Stats(cli::StatsArgs),
    /// Draw figures named like the draft's image links
    Figures(cli::FiguresArgs),
    /// Time drawing and loading (report side of `make bench`)
    Bench(report::bench::BenchArgs),
    /// Fill the drafts in posts/ from runs/ and build the site (figures, markdown, HTML)
    Build(site_cli::SiteArgs),
    /// List TODOs left, broken links and images, undrawable figures, failed claims
    Check(site_cli::CheckArgs),
    /// Commit the built site to the gh-pages branch of a git remote
    Publish(site_cli::PublishArgs),
    /// Preview the site locally, rebuilding on change
    Serve(site_cli::ServeArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Import(a) => cli::import(&a),
        Command::ImportLens(a) => cli::import_lens(&a),
        Command::Stats(a) => cli::stats(&a),
        Command::Figures(a) => cli::figures(&a),
        Command::Bench(a) => report::bench::run(&a),
        Command::Build(a) => site_cli::build_cmd(&a),
        Command::Check(a) => site_cli::check_cmd(&a),
        Command::Publish(a) => site_cli::publish_cmd(&a),
        Command::Serve(a) => site_cli::serve_cmd(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
