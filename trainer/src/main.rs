//! `trainer`: run (train one variant), data (make shards), bench (speed figures).

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use trainer::RunArgs;

// Tensors are allocated and freed by the thousand per step; glibc returns large blocks to the
// OS each time (a page fault per 4 KiB when they come back), mimalloc keeps them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    version,
    about = "Train modded-nanogpt-style xNN ablations on CPU with burn"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one variant and write its run log.
    Run(RunArgs),
    /// Tokenise a folder of text files (or the default corpus) into modded-nanogpt shards.
    Data {
        /// Folder of .txt/.md files, one document each; omit for the generated default corpus.
        #[arg(long)]
        input: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Shard name prefix: OUT/<name>_{train,val}_000000.bin.
        #[arg(long, default_value = "text")]
        name: String,
        /// Share of documents in the validation split (fixed by file name).
        #[arg(long, default_value_t = 0.05)]
        val_frac: f64,
    },
    /// Speed figures for the tiny preset and the reference configuration.
    Bench(trainer::bench::BenchArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => trainer::run(&args).map(|o| {
            let loss = o.final_val_loss.map_or("n/a".into(), |l| format!("{l:.4}"));
            println!(
                "{}: {} after {} steps, val loss {loss}, {:.1} s training, {:.0} tok/s",
                o.dir.display(),
                o.status,
                o.steps,
                o.train_time_ms / 1e3,
                o.tokens_per_s
            );
        }),
        Command::Data {
            input,
            out,
            name,
            val_frac,
        } => match input {
            Some(dir) => trainer::data::make::make_shards(&dir, &out, &name, val_frac),
            None => trainer::data::make::write_default(&out),
        }
        .map(|m| {
            println!(
                "{} documents: {} train + {} val tokens in {} files under {}",
                m.documents,
                m.train_tokens,
                m.val_tokens,
                m.files.len(),
                out.display()
            )
        }),
        Command::Bench(args) => trainer::bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
