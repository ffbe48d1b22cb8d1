//! The report's subcommands for runs, statistics and figures: `import`, `import-lens`, `stats`,
//! `figures`, `bench`. Each reads its arguments, calls the library, prints what it did; warnings about
//! runs go to stderr, naming file and line.

use crate::figures;
use crate::runs::import::lens::{LensImport, LensWrite};
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
    /// For a run that set no seed: which repeat of its configuration it is (OUT/EXPERIMENT/
    /// VARIANT-rN/; run.json records "seed": null, "repeat": N)
    #[arg(long, conflicts_with = "seed")]
    pub repeat: Option<u64>,
    /// A setting the log does not print but its runs differ in, as key=value (repeatable),
    /// recorded as config.settings.KEY: runs that differ in it are separate configurations
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
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
    /// Import only the `## NAME` section of a file holding many runs (a file whose log lines sit
    /// in several sections is refused without it)
    #[arg(long)]
    pub section: Option<String>,
    /// Replace a run imported before (never a trained run); each replacement is named on stderr
    #[arg(long)]
    pub force: bool,
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
    /// Replace a lens imported before that differs; the replacement is named on stderr
    #[arg(long)]
    pub force: bool,
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
    /// Test each configuration's mean final val loss below this (one-sided t-test, the record
    /// rule; the medium track's target is 2.92)
    #[arg(long)]
    pub threshold: Option<f64>,
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
        repeat: args.repeat,
        experiment: args.experiment.clone(),
        preset: args.preset.clone(),
        hardware: args.hardware.clone(),
        source: args.source.clone(),
        section: args.section.clone(),
        force: args.force,
        settings: args.settings.clone(),
    };
    let done = import_all(&args.files, &args.out, &opts)?;
    for w in &done.warnings {
        eprintln!("warning: {w}");
    }
    for r in &done.replaced {
        eprintln!("{r}");
    }
    for u in &done.unchanged {
        eprintln!("{}: already holds this import; unchanged", u.display());
    }
    for dir in &done.dirs {
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
        force: args.force,
    };
    let (path, done) = crate::runs::import::lens::import_lens(&args.file, &args.out, &opts)?;
    match done {
        LensWrite::New => {}
        LensWrite::Unchanged => {
            eprintln!("{}: already holds this import; unchanged", path.display())
        }
        LensWrite::Replaced => eprintln!(
            "{}: replaced the lens there with {}",
            path.display(),
            args.file.display()
        ),
    }
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
    if !stats::several_configurations(&runs).is_empty() {
        // A variant of several configurations: its runs are never pooled, so the table is one
        // row per configuration (the per-variant comparisons would pool them).
        print_configurations(&runs);
    } else {
        print_variants(&runs, args.at_time)?;
    }
    if let Some(t) = args.threshold {
        print_record_tests(&runs, t);
    }
    Ok(())
}

/// One row per configuration: n, final val loss, its range, the training time.
fn print_configurations(runs: &RunSet) {
    println!(
        "Configurations (a variant's runs of different step counts or recorded settings are \
         never pooled):\n{:<28} {:>4} {:>22} {:>8} {:>8} {:>9}",
        "configuration", "n", "final val loss", "min", "max", "time (s)"
    );
    for c in stats::configurations(runs) {
        let Some(s) = c.final_loss() else {
            println!("{:<28} no finished run", c.label);
            continue;
        };
        let time = c
            .train_time()
            .map_or("–".into(), |t| format!("{:.1}", t.mean));
        println!(
            "{:<28} {:>4} {:>22} {:>8.5} {:>8.5} {time:>9}",
            c.label,
            s.n,
            s.display(5).replace(&format!(" (n={})", s.n), ""),
            s.min,
            s.max
        );
        for x in &c.left_out {
            println!("         left out: {x}");
        }
    }
}

/// One row per variant, compared with the baseline.
fn print_variants(runs: &RunSet, at_time: Option<f64>) -> Result<()> {
    let table = stats::compute(runs, at_time)?;
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
    print_differences(&table);
    Ok(())
}

/// Each variant against the baseline: the difference of final val loss with its 95% interval,
/// p, and the minimum detectable difference.
fn print_differences(table: &stats::StatsTable) {
    println!(
        "\nFinal val loss against {}:\n{:<8} {:>7} {:>10}  {:<22} {:>7} {:>9}",
        table.baseline, "variant", "n", "diff", "95% interval", "p", "MDE"
    );
    for r in table.rows.iter().filter(|r| r.variant != table.baseline) {
        let base_n = table.row(table.baseline).map_or(0, |b| b.n);
        let n = format!("{}+{base_n}", r.n);
        match &r.vs_baseline {
            Some(d) => println!(
                "{:<8} {n:>7} {:>+10.4}  {:<22} {:>7.3} {:>9}",
                r.variant,
                d.diff,
                format!("[{:+.4}, {:+.4}]", d.ci95.0, d.ci95.1),
                d.p,
                d.mde.map_or("–".into(), |m| format!("{m:.4}")),
            ),
            None => println!("{:<8} {n:>7}  – (a side has n < 2 or no spread)", r.variant),
        }
    }
    println!(
        "diff: mean minus {}'s, 95% Welch interval. MDE: the smallest true difference a \
         two-sided Welch t-test (alpha {}) detects with power {}, from these runs' spread and \
         counts per side; a difference below it going undetected says little.",
        table.baseline,
        stats::compare::MDE_ALPHA,
        stats::compare::MDE_POWER
    );
}

/// Each configuration's one-sided t-test of its mean final val loss below `threshold`.
fn print_record_tests(runs: &RunSet, threshold: f64) {
    let configs = stats::configurations(runs);
    println!(
        "\nRecord test against {threshold} (one-sided one-sample t-test, mean below):\n{:<28} \
         {:>4} {:>22} {:>9} {:>8} {:>9} {:>9}",
        "configuration", "n", "final val loss", "upper 95%", "t", "p", "time (s)"
    );
    for c in &configs {
        let (Some(s), time) = (c.final_loss(), c.train_time()) else {
            println!("{:<28} no finished run", c.label);
            continue;
        };
        let time = time.map_or("–".into(), |t| format!("{:.1}", t.mean));
        match stats::below_threshold(&s, threshold) {
            Some(r) => println!(
                "{:<28} {:>4} {:>22} {:>9.5} {:>8.3} {:>9.5} {time:>9}",
                c.label,
                r.n,
                s.display(5).replace(&format!(" (n={})", s.n), ""),
                r.upper95,
                r.t,
                r.p
            ),
            None => println!(
                "{:<28} {:>4} {:>22} {:>9} {:>8} {:>9} {time:>9}  (a test needs n ≥ 2 and some spread)",
                c.label,
                s.n,
                s.display(5).replace(&format!(" (n={})", s.n), ""),
                "–",
                "–",
                "–"
            ),
        }
        for x in &c.left_out {
            println!("         left out: {x}");
        }
    }
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
