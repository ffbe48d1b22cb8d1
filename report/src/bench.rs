//! `report bench`, the report side of `make bench`: wall time and peak memory of
//!
//! 1. the draft's figures from the 16 x0-experiment runs (imported from
//!    ../shared/fixtures/x0-experiment when present): three val-loss figures, the whole-run
//!    time figure and one heatmap per variant with lambdas: eight figures, each a wide and a
//!    phone PNG (target < 200 ms);
//! 2. every figure of a synthetic 5-variant x 3-seed sweep;
//! 3. loading 1,000 synthetic runs of 6,000 steps (an evaluation every 125 steps, lambdas for
//!    16 layers and 6 components): target < 2 s and < 300 MB.
//!
//! Synthetic runs go to a temporary folder that is removed afterwards. Peak memory is the
//! process's VmHWM, reset before each measurement through /proc/self/clear_refs (Linux).

use crate::figures;
use crate::runs::import::{import_logs, ImportOptions};
use crate::runs::RunSet;
use crate::{Error, Result};
use runlog::{Metrics, RunInfo, Status, Summary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The x0-experiment logs (skipped when absent)
    #[arg(long, default_value = "../shared/fixtures/x0-experiment")]
    pub fixtures: PathBuf,
    /// How many runs the loading benchmark writes and reads
    #[arg(long, default_value_t = 1000)]
    pub load_runs: usize,
    /// Repetitions of each drawing benchmark (the best is reported)
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Keep the drawn figures in this folder (to look at them)
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// A deterministic value in [-1, 1) from a few integers (splitmix64), for synthetic noise.
fn noise(a: u64, b: u64, c: u64) -> f64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(c.wrapping_mul(0x94D0_49BB_1331_11EB));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Shape of a synthetic run.
#[derive(Debug, Clone, Copy)]
pub struct Synthetic {
    pub steps: u64,
    pub every: u64,
    pub layers: usize,
    pub norms: bool,
}

/// Writes (without syncing) a plausible run (loss falling like a real one, lambdas drifting from their
/// initialisation, time per step growing with the number of embeddings) to
/// `root/<experiment>/<variant>-s<seed>/`; returns that folder.
pub fn write_synthetic_run(
    root: &Path,
    experiment: &str,
    extra: u32,
    seed: u64,
    shape: Synthetic,
) -> Result<PathBuf> {
    let variant = runlog::Variant::new(extra).ok_or_else(|| {
        bench_error(format!(
            "a synthetic run has at most 99 extra embeddings, not {extra}"
        ))
    })?;
    let dir = root
        .join(experiment)
        .join(runlog::run_dir_name(variant, seed));
    let ms_per_step = 240.0 + 3.0 * extra as f64 + noise(seed, extra as u64, 7);
    let mut text = String::new();
    let mut last = None;
    for k in 0..=shape.steps / shape.every {
        let step = (k * shape.every).min(shape.steps);
        let m = synthetic_metrics(step, extra, seed, shape, ms_per_step);
        text.push_str(&serde_json::to_string(&m).map_err(|e| bench_error(e.to_string()))?);
        text.push('\n');
        last = Some(m);
    }
    let last = last.ok_or_else(|| bench_error("a synthetic run needs steps".into()))?;
    let info = RunInfo {
        run_id: format!("synthetic-{variant}-s{seed}"),
        extra_embeddings: extra,
        preset: Some("synthetic".into()),
        ..RunInfo::new(experiment, variant, seed)
    };
    let summary = Summary {
        status: Status::Finished,
        final_val_loss: last.val_loss,
        train_time_ms: last.train_time_ms,
        step_avg_ms: Some(ms_per_step),
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    // Plain writes: throwaway data, and syncing 3,000 files would time the disk, not us.
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let json = |v: serde_json::Result<String>| v.map_err(|e| bench_error(e.to_string()));
    let files = [
        (runlog::RUN_FILE, json(serde_json::to_string_pretty(&info))?),
        (runlog::METRICS_FILE, text),
        (
            runlog::SUMMARY_FILE,
            json(serde_json::to_string_pretty(&summary))?,
        ),
    ];
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::write(&path, body).map_err(|e| Error::io(&path, e))?;
    }
    Ok(dir)
}

/// One evaluation of a synthetic run at `step`: loss falling like a real one's, lambdas
/// drifting from their initialisation, norms (when `shape` asks for them) growing with depth.
fn synthetic_metrics(
    step: u64,
    extra: u32,
    seed: u64,
    shape: Synthetic,
    ms_per_step: f64,
) -> Metrics {
    let s = step as f64;
    let loss = 2.9 - 0.001 * extra as f64
        + 7.9 * (-s / 150.0).exp()
        + 0.9 * (-s / 1800.0).exp()
        + 0.002 * noise(seed, extra as u64, step);
    let frac = s / shape.steps as f64;
    let mut lambdas = BTreeMap::new();
    lambdas.insert(
        "x".to_owned(),
        (0..shape.layers)
            .map(|l| 1.0 - 0.5 * frac * (l as f64 / shape.layers as f64))
            .collect(),
    );
    for e in 0..=extra as usize {
        let v = (0..shape.layers)
            .map(|l| {
                frac * (2.0 - l as f64 / 4.0 + e as f64) + 0.05 * noise(seed, e as u64, l as u64)
            })
            .collect();
        lambdas.insert(runlog::lambda_key(e), v);
    }
    let mut m = Metrics::new(step, s * ms_per_step, loss);
    m.total_steps = Some(shape.steps);
    m.lambdas = Some(lambdas);
    if shape.norms {
        m.x_norms = Some(
            (0..shape.layers)
                .map(|l| 1.0 + 0.8 * l as f64 * frac)
                .collect(),
        );
    }
    m
}

/// What keeps a benchmark from measuring.
fn bench_error(message: String) -> Error {
    Error::Bench { message }
}

/// Resets the peak-RSS counter (Linux); false where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory in MB since the last reset (VmHWM), where /proc tells it.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn mem_text() -> String {
    peak_mb().map_or("peak memory unknown".into(), |m| {
        format!("peak RSS {m:.0} MB")
    })
}

/// Best wall time of `repeat` calls, in ms.
fn best_of(repeat: usize, mut f: impl FnMut() -> Result<usize>) -> Result<(f64, usize)> {
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        n = f()?;
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((best, n))
}

/// Draws all names in parallel; the first failure is an error.
fn draw_every(names: &[String], runs: &RunSet, out: &Path) -> Result<usize> {
    let paths = figures::draw_all(names, runs, out)
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    Ok(paths.len())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let tmp = TempDir(std::env::temp_dir().join(format!("report-bench-{}", std::process::id())));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("report bench ({threads} threads, best of {})", args.repeat);
    // 1. The draft's figures from the real x0-experiment runs.
    x0_figures(args, &tmp.0)?;
    // 2. Every figure of a 5-variant x 3-seed sweep.
    let shape = Synthetic {
        steps: 6000,
        every: 125,
        layers: 16,
        norms: true,
    };
    sweep_figures(args, &tmp.0, shape)?;
    // 3. Loading many runs.
    loading(args, &tmp.0, shape)?;
    // 4. A whole `report build` (the site's part).
    crate::site_bench::run(&args.fixtures, &tmp.0.join("site"), args.repeat)
}

/// The draft's figures drawn from the runs imported from the x0-experiment logs (skipped
/// without them): in parallel, on one thread, and in memory.
fn x0_figures(args: &BenchArgs, tmp: &Path) -> Result<()> {
    let logs: Vec<PathBuf> = match std::fs::read_dir(&args.fixtures) {
        Ok(rd) => {
            let mut v: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect();
            v.sort();
            v
        }
        Err(_) => Vec::new(),
    };
    if logs.is_empty() {
        println!(
            "x0-experiment figures: skipped ({} not found)",
            args.fixtures.display()
        );
    } else {
        let runs_dir = tmp.join("x0-runs");
        import_logs(&logs, &runs_dir, &ImportOptions::default())?;
        let runs = load_checked(&runs_dir)?;
        let mut names: Vec<String> = [
            "val_loss-step.png",
            "val_loss-step-5500-6000.png",
            "val_loss-time-1400-1550.png",
            "val_loss-time.png",
        ]
        .map(String::from)
        .to_vec();
        for v in runs.variants() {
            if crate::stats::mean_lambdas(&runs.result_runs(v)).is_ok() {
                let heatmap = figures::FigureSpec::mean_heatmap(v, false);
                names.push(heatmap.file_name(figures::Format::Png));
            }
        }
        let out = args
            .keep
            .as_ref()
            .map_or(tmp.join("x0-figures"), |k| k.join("x0"));
        reset_peak();
        let (ms, n) = best_of(args.repeat, || draw_every(&names, &runs, &out))?;
        println!(
            "x0-experiment: {n} figures (wide and phone PNG each) from {} runs in {ms:.1} ms (target < 200 ms), {}",
            runs.runs().len(),
            mem_text()
        );
        let (ms1, _) = best_of(args.repeat, || {
            names
                .iter()
                .try_for_each(|n| figures::draw(n, &runs, &out).map(|_| ()))?;
            Ok(names.len())
        })?;
        println!("x0-experiment: the same on one thread in {ms1:.1} ms");
        let (ms_mem, _) = best_of(args.repeat, || {
            let bytes: usize = names
                .iter()
                .map(|n| {
                    figures::render_named(n, &runs)
                        .map(|f| f.renderings.iter().map(|r| r.bytes.len()).sum::<usize>())
                })
                .sum::<Result<usize>>()?;
            Ok(bytes)
        })?;
        println!("x0-experiment: the same in memory, one thread, no file written: {ms_mem:.1} ms");
    }
    Ok(())
}

/// Every figure `names_for` gives for a synthetic sweep of 5 variants x 3 seeds.
fn sweep_figures(args: &BenchArgs, tmp: &Path, shape: Synthetic) -> Result<()> {
    let sweep = tmp.join("sweep");
    for extra in 0..5 {
        for seed in 0..3 {
            write_synthetic_run(&sweep, "sweep", extra, seed, shape)?;
        }
    }
    let runs = load_checked(&sweep)?;
    let mut names = figures::names_for(&runs);
    names.extend(["val_loss-step-5500-6000.png", "val_loss-time-1400-1550.png"].map(String::from));
    let out = args
        .keep
        .as_ref()
        .map_or(tmp.join("sweep-figures"), |k| k.join("sweep"));
    reset_peak();
    let (ms, n) = best_of(args.repeat, || draw_every(&names, &runs, &out))?;
    println!(
        "sweep 5 variants x 3 seeds: {n} figures in {ms:.1} ms, {}",
        mem_text()
    );
    Ok(())
}

/// Writing and loading `args.load_runs` synthetic runs, and the memory loading takes.
fn loading(args: &BenchArgs, tmp: &Path, shape: Synthetic) -> Result<()> {
    let many = tmp.join("many");
    let t = Instant::now();
    for i in 0..args.load_runs as u64 {
        // x04: lambdas for x, x00..x04 (6 components) on 16 layers, plus activation norms.
        write_synthetic_run(&many, "load", 4, i, shape)?;
    }
    let write_s = t.elapsed().as_secs_f64();
    let bytes: u64 = walkdir::WalkDir::new(&many)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    let reset = reset_peak();
    let t = Instant::now();
    let runs = load_checked(&many)?;
    let load_s = t.elapsed().as_secs_f64();
    let evals: usize = runs.runs().iter().map(|r| r.metrics.len()).sum();
    println!(
        "load: {} runs ({evals} evaluations, {:.0} MB on disk, written in {write_s:.1} s) in {load_s:.2} s \
         (target < 2 s), {}{} (target < 300 MB)",
        runs.runs().len(),
        bytes as f64 / 1e6,
        mem_text(),
        if reset { "" } else { " of the whole process" }
    );
    Ok(())
}

/// The runs of `dir`, all of which must pass their checks (a benchmark of runs left out would
/// measure nothing).
fn load_checked(dir: &Path) -> Result<RunSet> {
    let runs = RunSet::load(dir)?;
    match runs.problems().first() {
        Some(p) => Err(bench_error(format!(
            "benchmark runs fail their checks: {p}"
        ))),
        None => Ok(runs),
    }
}
