//! `trainer`: run (train one variant), sweep, lens (decode a run's layers), data (make shards),
//! corpus (install a real-text corpus), bench (speed figures), export, orchestrator.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Train one variant and write its run log (checkpointed; Ctrl-C stops it resumably).
    Run(trainer::run::launch::RunCmd),
    /// Train every variant x seed of a grid not already finished, or emit it for Slurm.
    Sweep(trainer::run::sweep::SweepArgs),
    /// Write a run's trained weights as safetensors with modded-nanogpt's parameter names.
    Export {
        /// The run folder, e.g. runs/embeddings-extravaganza-1/x02-s0.
        #[arg(long)]
        run: PathBuf,
        /// The .safetensors file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The logit lens of a run's checkpoint into its lens.json (every finished run writes one).
    Lens(trainer::run::lens::LensArgs),
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
    /// Install a real-text corpus from its Debian package (installed first: `make corpus`) as
    /// shards under OUT/<name>/, checked against its pinned hash.
    Corpus {
        /// The corpus: tdavid (Spurgeon's Treasury of David, Debian sword-comm-tdavid).
        #[arg(long, default_value = "tdavid")]
        name: String,
        #[arg(long, default_value = "data/corpus")]
        out: std::path::PathBuf,
    },
    /// Speed figures for the tiny preset and the reference configuration.
    Bench(trainer::bench::BenchArgs),
    /// Where the machines of a run over several nodes meet (`trainer run --nodes M ...`).
    Orchestrator(trainer::parallel::nodes::OrchestratorArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(cmd) => return exit(trainer::run::launch::main(&cmd)),
        Command::Sweep(args) => {
            // The emitted Slurm script passes the sweep's own options on to each task.
            let raw: Vec<String> = std::env::args()
                .skip_while(|a| a != "sweep")
                .skip(1)
                .collect();
            return exit(trainer::run::sweep::main(&args, &raw));
        }
        Command::Export { run, out } => trainer::export::export(&run, &out).map(|e| {
            println!(
                "{}: {} tensors of step {}, {:.1} MB",
                out.display(),
                e.tensors,
                e.step,
                e.bytes as f64 / 1e6
            )
        }),
        Command::Data {
            input,
            out,
            name,
            val_frac,
        } => match runlog::check_name("--name", &name) {
            Err(e) => Err(trainer::Error::Usage(e.to_string())),
            Ok(()) => match input {
                Some(dir) => trainer::data::make::make_shards(&dir, &out, &name, val_frac),
                None => trainer::data::make::write_default(&out),
            },
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
        Command::Corpus { name, out } => trainer::data::corpora::find(&name)
            .and_then(|c| trainer::data::install::install(c, &out))
            .map(|m| {
                println!(
                    "corpus {} ({} {}, read by {} {}): {} documents, {:.1} MB of text, {} train + \
                     {} val tokens ({} held-out documents), hash {}, under {}",
                    m.name,
                    m.package,
                    m.version,
                    m.reader,
                    m.reader_version,
                    m.documents,
                    m.text_bytes as f64 / 1e6,
                    m.train_tokens,
                    m.val_tokens,
                    m.val_documents.len(),
                    m.hash,
                    out.join(&m.name).display()
                )
            }),
        Command::Lens(args) => trainer::run::lens::main(&args),
        Command::Bench(args) => trainer::bench::run(&args),
        Command::Orchestrator(args) => trainer::parallel::nodes::orchestrator(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The exit code of a command that chooses its own (130 when a signal interrupted it).
fn exit(result: trainer::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::FAILURE
    })
}
