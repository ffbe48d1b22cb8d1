//! `trainer sweep`: the grid of variants x seeds, trained here or written out for a cluster.
//!
//! Here: grid -> plan every run from what its folder holds (train, resume, skip; refuse them
//! all if any folder holds another config) -> launch each in turn under its lock -> a table of
//! what was trained, resumed and skipped. Ctrl-C checkpoints the current run and stops the sweep;
//! running the same sweep again picks up where it stopped.
//! With `--emit slurm`: the same grid as a Slurm job array ([`crate::run::slurm`]).

pub mod execute;
pub mod table;

use crate::error::{Error, Result};
use crate::run::grid;
use crate::run::launch::RunCmd;
use crate::run::slurm::SlurmScript;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// A Slurm job-array script: one array task per run.
    Slurm,
}

/// `trainer sweep`: the options of `trainer run` (but the variant and seed), plus the grid.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    /// Variants, comma-separated or an inclusive range: x00,x01,x02 or x00..x04.
    #[arg(long, default_value = "x00,x01,x02,x03,x04")]
    pub variants: String,
    /// Seeds, comma-separated or an inclusive range: 0,1,2 or 0..2.
    #[arg(long, default_value = "0,1,2")]
    pub seeds: String,
    /// Do not train: write the grid as a job script for a cluster's scheduler.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
    /// File for the emitted script (default: standard output, e.g. `| sbatch`).
    #[arg(long, requires = "emit")]
    pub script: Option<PathBuf>,
    /// An extra `#SBATCH` line for the emitted script, e.g. --sbatch=--time=04:00:00 (repeatable).
    #[arg(long = "sbatch", requires = "emit", allow_hyphen_values = true)]
    pub sbatch: Vec<String>,
    #[command(flatten)]
    pub cmd: RunCmd,
}

/// Options of `trainer sweep` that `trainer run` does not take (each with a value), and those
/// each task sets itself: stripped from the arguments passed on to the tasks.
const NOT_FORWARDED: [&str; 11] = [
    "--node-rank",
    "--orchestrator",
    "--node-address",
    "--data-port",
    "--variants",
    "--seeds",
    "--emit",
    "--script",
    "--sbatch",
    "--variant",
    "--seed",
];

/// The sweep's own arguments minus the sweep-only options: what every task's `trainer run` gets.
pub fn forwarded_args(raw: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = raw.iter();
    while let Some(a) = it.next() {
        let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
        if NOT_FORWARDED.contains(&name) {
            if !a.contains('=') {
                it.next();
            }
        } else if a != "--resume" {
            out.push(a.clone());
        }
    }
    out
}

/// `trainer sweep`; `raw` are its arguments as given (after `sweep`), for the emitted script.
pub fn main(args: &SweepArgs, raw: &[String]) -> Result<ExitCode> {
    // Flattened from `trainer run`, but each run of the grid sets its own.
    if let Some(a) = raw.iter().find(|a| {
        let name = a.split_once('=').map_or(a.as_str(), |(n, _)| n);
        name == "--variant" || name == "--seed"
    }) {
        return Err(Error::Usage(format!(
            "trainer sweep takes --variants and --seeds, not {a}"
        )));
    }
    let variants = grid::parse_variants(&args.variants).map_err(Error::Usage)?;
    let seeds = grid::parse_seeds(&args.seeds).map_err(Error::Usage)?;
    let grid = grid::grid(&variants, &seeds);
    let base = &args.cmd.run;
    base.config()?; // bad options fail before anything is written
    let exp_dir = base.out.join(&base.experiment);
    if let Some(Emit::Slurm) = args.emit {
        return emit_slurm(args, raw, &grid, &exp_dir);
    }
    crate::interrupt::install().map_err(|e| Error::Usage(format!("signal handlers: {e}")))?;
    let data = crate::data::load(&base.config()?.data, &base.corpus_dir)?;
    let actions = execute::plan_all(base, &grid, &data)?;
    let n = |verb: &str| actions.iter().filter(|a| a.verb() == verb).count();
    println!(
        "sweep {}: {} runs ({} variants x {} seeds) in {}: {} to train, {} to resume, {} to restart, {} done already",
        base.experiment,
        grid.len(),
        variants.len(),
        seeds.len(),
        exp_dir.display(),
        n("train"),
        n("resume"),
        n("restart"),
        n("skip"),
    );
    let report = execute::execute(base, &args.cmd.ops, &grid, &data)?;
    print!("{}", table::render(&report.rows));
    if let Some(e) = report.failed {
        return Err(e);
    }
    if report.interrupted {
        println!("sweep interrupted: run the same command again to continue where it stopped");
        return Ok(ExitCode::from(crate::interrupt::EXIT_INTERRUPTED as u8));
    }
    // A run another process holds is not trained by this sweep: the grid is not done.
    let busy = report.count("busy");
    if busy > 0 {
        return Err(Error::Usage(format!(
            "{busy} run(s) of the grid could not be trained: another process trains them \
             (busy above); run the same sweep again when it has finished"
        )));
    }
    Ok(ExitCode::SUCCESS)
}

fn emit_slurm(
    args: &SweepArgs,
    raw: &[String],
    grid: &[grid::RunSpec],
    exp_dir: &std::path::Path,
) -> Result<ExitCode> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let exe = std::env::current_exe().map_err(|e| Error::io("trainer", e))?;
    let log_dir = cwd.join(exp_dir);
    let forwarded = forwarded_args(raw);
    let token_file = args.cmd.ops.nodes.token_file.as_ref();
    let token_file = token_file.map(|f| f.to_string_lossy().into_owned());
    let script = SlurmScript {
        experiment: &args.cmd.run.experiment,
        workdir: &cwd.to_string_lossy(),
        log_dir: &log_dir.to_string_lossy(),
        sbatch: &args.sbatch,
        gpus: match args.cmd.run.device {
            crate::DeviceKind::Cuda | crate::DeviceKind::Wgpu => args.cmd.ops.devices,
            crate::DeviceKind::Flex => 0,
        },
        nodes: args.cmd.ops.nodes.nodes.unwrap_or(1),
        token_file: token_file.as_deref(),
    };
    script.check().map_err(Error::Usage)?;
    // Slurm writes no log into a missing folder (and says nothing): make it now.
    std::fs::create_dir_all(&log_dir).map_err(|e| Error::io(&log_dir, e))?;
    let script = script.render(grid, |run| {
        let mut argv = vec![exe.to_string_lossy().into_owned(), "run".to_owned()];
        argv.extend(forwarded.iter().cloned());
        argv.extend([
            "--variant".to_owned(),
            run.variant.to_string(),
            "--seed".to_owned(),
            run.seed.to_string(),
            "--resume".to_owned(),
        ]);
        argv
    });
    match &args.script {
        Some(path) => {
            runlog::write_atomic(path, script.as_bytes())?;
            eprintln!(
                "wrote {} ({} array tasks); submit it with `sbatch {}`",
                path.display(),
                grid.len(),
                path.display()
            );
        }
        None => print!("{script}"),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::forwarded_args;

    #[test]
    fn sweep_only_options_are_not_forwarded() {
        let raw: Vec<String> = [
            "--variants",
            "x00,x01",
            "--preset",
            "tiny",
            "--seeds=0,1",
            "--emit",
            "slurm",
            "--sbatch=--time=1:00:00",
            "--steps",
            "20",
            "--resume",
            "--out",
            "r",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            forwarded_args(&raw),
            ["--preset", "tiny", "--steps", "20", "--out", "r"]
        );
    }
}
