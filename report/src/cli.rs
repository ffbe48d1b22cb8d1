//! The report's subcommands for runs, statistics and figures: `import`, `import-lens`, `stats`,
//! `figures`, `bench`. Each reads its arguments, calls the library, prints what it did; warnings about
//! runs go to stderr, naming file and line.

use crate::figures;
use crate::runs::import::lens::LensImport;
use crate::runs::import::{import_all, ImportOptions};
use crate::runs::RunSet;
use crate::stats::{self, Summary, TTest};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// modded-nanogpt training logs (text), e.g. x01-s2.txt
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Runs folder to write into: OUT/EXPERIMENT/VARIANT-sSEED/
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// Variant (x00 = baseline, x01, ...); default: the highest x0N_lambdas key, else the file name
    #[arg(long)]
    pub variant: Option<String>,
    /// Seed; default: from a file name like x01-s2.txt
    #[arg(long)]
    pub seed: Option<u64>,
    /// Experiment name; default: the log's folder name
    #[arg(long)]
    pub experiment: Option<String>,
    /// Preset the run used: recorded in run.json with the shape it fixes (medium: 16 layers,
    /// dim 1024, 8 heads, vocabulary 50257, 8 x 64Ki tokens per step)
    #[arg(long)]
    pub preset: Option<String>,
    /// Hardware it ran on, e.g. 8xH100 (recorded as run.json's device)
    #[arg(long)]
    pub hardware: Option<String>,
    /// Where the log was published: repository, file and section (recorded in run.json's config)
    #[arg(long)]
    pub source: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ImportLensArgs {
    /// A logit-lens printout (`tokens=`, `predictions=`, `x_norms=` lines), e.g. predictions.md
    pub file: PathBuf,
    /// Runs folder to write into: OUT/EXPERIMENT/lens-VARIANT.json
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// The experiment the lens belongs to
    #[arg(long)]
    pub experiment: String,
    /// The variant decoded; default: the highest x0N component
    #[arg(long)]
    pub variant: Option<String>,
    /// Where the printout was published: repository, file
    #[arg(long)]
    pub source: String,
    /// What the printout does not say about itself (its script, where its tokens came from);
    /// may be given several times
    #[arg(long)]
    pub note: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Runs folder
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Only the runs of this experiment
    #[arg(long)]
    pub experiment: Option<String>,
    /// Compare val loss at this training time (s); default: the earliest final time
    #[arg(long)]
    pub at_time: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct FiguresArgs {
    /// Runs folder
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Folder to write the figures into
    #[arg(long, default_value = "figures")]
    pub out: PathBuf,
    /// Only the runs of this experiment
    #[arg(long)]
    pub experiment: Option<String>,
    /// Say which figures can be drawn, and stop
    #[arg(long)]
    pub list: bool,
    /// Figure file names, e.g. val_loss-step-5500-6000.png; none: every figure the runs allow
    pub names: Vec<String>,
}

/// The runs of `dir` (of one experiment), refused when any fails its checks or when several
/// experiments would be pooled; runs that have not finished are named and left out.
fn load(dir: &Path, experiment: Option<&str>) -> Result<RunSet> {
    let all = RunSet::load(dir)?;
    for w in all.warnings() {
        eprintln!("warning: {w}");
    }
    let runs = match experiment {
        Some(e) => all.only_experiment(e)?,
        None => {
            let exps = all.experiments();
            if exps.len() > 1 {
                return Err(Error::NoRuns {
                    dir: dir.to_owned(),
                    reason: format!(
                        "holds runs of {} experiments ({}); pass --experiment to pick one (runs \
                         of different experiments are never pooled)",
                        exps.len(),
                        exps.join(", ")
                    ),
                });
            }
            all
        }
    };
    if !runs.problems().is_empty() {
        for p in runs.problems() {
            eprintln!("error: {p}");
        }
        return Err(Error::BadRuns {
            dir: dir.to_owned(),
            count: runs.problems().len(),
        });
    }
    for r in runs.unfinished() {
        eprintln!(
            "note: {}: {}; left out",
            crate::runs::describe(r),
            crate::runs::standing(r)
        );
    }
    Ok(runs)
}

pub fn import(args: &ImportArgs) -> Result<()> {
    let opts = ImportOptions {
        variant: args.variant.clone(),
        seed: args.seed,
        experiment: args.experiment.clone(),
        preset: args.preset.clone(),
        hardware: args.hardware.clone(),
        source: args.source.clone(),
    };
    let (dirs, warnings) = import_all(&args.files, &args.out, &opts)?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    for dir in dirs {
        println!("{}", dir.display());
    }
    Ok(())
}

pub fn import_lens(args: &ImportLensArgs) -> Result<()> {
    let opts = LensImport {
        experiment: args.experiment.clone(),
        variant: args.variant.clone(),
        source: args.source.clone(),
        notes: args.note.clone(),
    };
    let path = crate::runs::import::lens::import_lens(&args.file, &args.out, &opts)?;
    println!("{}", path.display());
    Ok(())
}

fn spread(s: Option<&Summary>, d: usize) -> String {
    s.map_or("–".into(), |s| s.display(d))
}

fn p(t: Option<&TTest>) -> String {
    t.map_or("–".into(), |t| format!("{:.3}", t.p))
}

pub fn stats(args: &StatsArgs) -> Result<()> {
    let runs = load(&args.runs, args.experiment.as_deref())?;
    let table = stats::compute(&runs, args.at_time)?;
    println!(
        "{:<8} {:<28} {:>8} {:>8} {:>7}  {:<28} {:>7}  {:<22}",
        "variant",
        "final val loss",
        "min",
        "max",
        "p",
        format!("val loss at {:.1} s", table.at_time_s),
        "p",
        "train time (s)"
    );
    for r in &table.rows {
        println!(
            "{:<8} {:<28} {:>8.4} {:>8.4} {:>7}  {:<28} {:>7}  {:<22}",
            r.variant,
            r.final_loss.display(4),
            r.final_loss.min,
            r.final_loss.max,
            p(r.t_test_vs_baseline.as_ref()),
            spread(r.loss_at_time.as_ref(), 4),
            p(r.t_test_at_time.as_ref()),
            r.train_time_s.display(1),
        );
        for x in &r.excluded {
            println!("         left out: {x}");
        }
    }
    println!("p: two-sided Welch t-test against {}", table.baseline);
    Ok(())
}

pub fn figures(args: &FiguresArgs) -> Result<()> {
    if args.list {
        println!(
            "Figure names (.svg instead of .png for SVG):\n{}",
            figures::known_text()
        );
        if let Ok(runs) = load(&args.runs, args.experiment.as_deref()) {
            println!("\nDrawable from {}:", args.runs.display());
            for n in figures::names_for(&runs) {
                println!("  {n}");
            }
        }
        return Ok(());
    }
    let runs = load(&args.runs, args.experiment.as_deref())?;
    let names = if args.names.is_empty() {
        figures::names_for(&runs)
    } else {
        args.names.clone()
    };
    let mut failed = 0;
    for result in figures::draw_all(&names, &runs, &args.out) {
        match result {
            Ok(drawn) => {
                for (path, _) in &drawn.files {
                    println!("{}", path.display());
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(crate::Error::Figure {
            name: args.out.display().to_string(),
            message: format!("{failed} of {} figures could not be drawn", names.len()),
        });
    }
    Ok(())
}
