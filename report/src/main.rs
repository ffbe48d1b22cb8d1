//! `report`: runs -> statistics -> figures (and, later, the article's site).

use clap::{Parser, Subcommand};
use report::cli;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Reads runs, computes statistics, draws the article's figures")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn modded-nanogpt training logs into runs
    Import(cli::ImportArgs),
    /// Print per-variant statistics of the runs
    Stats(cli::StatsArgs),
    /// Draw figures named like the draft's image links
    Figures(cli::FiguresArgs),
    /// Time drawing and loading (report side of `make bench`)
    Bench(report::bench::BenchArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Import(a) => cli::import(&a),
        Command::Stats(a) => cli::stats(&a),
        Command::Figures(a) => cli::figures(&a),
        Command::Bench(a) => report::bench::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
