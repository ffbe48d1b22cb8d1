//! Figures: named like the draft's image links, drawn with plotters.
//!
//! [`draw`] takes a file name, parses it into a [`FigureSpec`] and writes the figure into the
//! output folder (atomically; the same inputs give byte-identical files). Names, with `.png`
//! or `.svg` (see [`known`], which `report figures --list` prints):
//!
//! | name | figure |
//! |---|---|
//! | `val_loss-step.png`, `val_loss-time.png` | val loss by step / training time, whole runs |
//! | `val_loss-step-5500-6000.png` | steps 5500 to 6000 (any numbers) |
//! | `val_loss-time-1400-1550.png` | training seconds 1400 to 1550 (any numbers) |
//! | `lambdas-x01.png`, `lambdas-x01-s2.png` | lambda heatmap: mean over seeds / one seed |
//! | `lambdas-norm-x01.png`, `lambdas-norm-x01-s2.png` | the same, weighted by activation norms |
//! | `lambdas-steps-x01.png`, `lambdas-steps-x01-s2-layers-0-7-15.png` | lambdas over training |
//! | `results.md` | the markdown table of final results ([`results_table`]) |
//!
//! [`names`] parses names into [`FigureSpec`]s; each kind of figure is its own module:
//! [`val_loss`], [`heatmap`], [`lambda_lines`], [`table`]; [`clip`] cuts lines at window edges
//! and [`style`] fixes size, font, colours and PNG encoding. [`draw_all`] draws several
//! figures in parallel.

pub mod clip;
pub mod heatmap;
pub mod lambda_lines;
pub mod names;
pub mod range;
pub mod style;
pub mod table;
pub mod val_loss;

pub use names::{known, known_text, names_for, parse, FigureSpec, Format, Known};
pub use table::results_table;

use crate::runs::{describe, is_finished, standing, RunSet};
use crate::stats;
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use runlog::Variant;
use std::path::{Path, PathBuf};

/// A figure that can be drawn on any plotters backend (bitmap for PNG, SVG).
pub trait Plot {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// The runs a lambda figure averages: one seed's run, or the variant's result runs; finished
/// runs only (an error says how the others stand).
fn pick_runs<'a>(
    runs: &'a RunSet,
    name: &str,
    variant: Variant,
    seed: Option<u64>,
) -> Result<Vec<&'a runlog::Run>> {
    let all = runs.runs_of(variant);
    if all.is_empty() {
        let known: Vec<String> = runs.variants().iter().map(Variant::to_string).collect();
        return Err(Error::figure(
            name,
            format!(
                "no run of variant {variant}; variants here: {}",
                known.join(", ")
            ),
        ));
    }
    let picked: Vec<&runlog::Run> = all
        .iter()
        .copied()
        .filter(|r| seed.is_none_or(|s| r.info.seed == s))
        .collect();
    if picked.is_empty() {
        let seeds: Vec<String> = runs.seeds(variant).iter().map(u64::to_string).collect();
        return Err(Error::figure(
            name,
            format!(
                "no run of {variant} with seed {}; seeds: {}",
                seed.unwrap_or_default(),
                seeds.join(", ")
            ),
        ));
    }
    let done: Vec<&runlog::Run> = picked.iter().copied().filter(|r| is_finished(r)).collect();
    if done.is_empty() {
        let how: Vec<String> = picked
            .iter()
            .map(|r| format!("{}: {}", describe(r), standing(r)))
            .collect();
        return Err(Error::figure(
            name,
            format!(
                "{variant}: 0 of {} finished; only finished runs are drawn ({})",
                picked.len(),
                how.join("; ")
            ),
        ));
    }
    Ok(done)
}

fn heatmap_title(
    variant: Variant,
    seed: Option<u64>,
    grid: &stats::LambdaGrid,
    normed: bool,
) -> String {
    let what = if normed {
        "Lambdas × RMS of their input"
    } else {
        "Lambdas"
    };
    match seed {
        Some(s) => format!("{what}: {variant}, seed {s}, step {}", grid.step),
        None if grid.n == 1 => format!("{what}: {variant} (1 run), step {}", grid.step),
        None => format!(
            "{what}: {variant}, mean of {} seeds, step {}",
            grid.n, grid.step
        ),
    }
}

/// The drawable figure a spec names (not the table).
enum Prepared {
    ValLoss(val_loss::ValLossPlot),
    Heatmap(heatmap::HeatmapPlot),
    Lines(lambda_lines::LambdaLinesPlot),
}

fn prepare(name: &str, spec: &FigureSpec, runs: &RunSet) -> Result<Prepared> {
    let stats_err = |e: Error| match e {
        Error::Stats(m) => Error::figure(name, m),
        other => other,
    };
    Ok(match spec {
        FigureSpec::ValLoss { axis, window } => Prepared::ValLoss(
            val_loss::ValLossPlot::new(runs, *axis, *window).map_err(|m| Error::figure(name, m))?,
        ),
        FigureSpec::Heatmap {
            variant,
            seed,
            normed,
        } => {
            let rs = pick_runs(runs, name, *variant, *seed)?;
            let grid = if *normed {
                stats::norm_weighted(&rs)
            } else {
                stats::mean_lambdas(&rs)
            }
            .map_err(stats_err)?;
            let title = heatmap_title(*variant, *seed, &grid, *normed);
            Prepared::Heatmap(heatmap::HeatmapPlot::new(grid, title))
        }
        FigureSpec::LambdaLines {
            variant,
            seed,
            layers,
        } => {
            let rs = pick_runs(runs, name, *variant, *seed)?;
            let who = match seed {
                Some(s) => format!("{variant}, seed {s}"),
                None if rs.len() == 1 => format!("{variant} (1 run)"),
                None => format!("{variant}, mean of {} seeds", rs.len()),
            };
            let title = format!("Lambdas over training: {who}");
            Prepared::Lines(
                lambda_lines::LambdaLinesPlot::new(&rs, layers, title)
                    .map_err(|m| Error::figure(name, m))?,
            )
        }
        FigureSpec::Table => return Err(Error::figure(name, "is a table, not a plot")),
    })
}

/// Renders a plot to PNG bytes (RGB, 200 dpi) or SVG text.
pub fn render<P: Plot>(plot: &P, format: Format, path: &Path) -> Result<Vec<u8>> {
    style::init_fonts();
    let size = plot.size();
    let fail = |m: String| Error::figure(&path.display().to_string(), m);
    match format {
        Format::Png => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                plot.draw(&root).map_err(fail)?;
            }
            style::encode_png(path, &rgb, size)
        }
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                plot.draw(&root).map_err(fail)?;
            }
            Ok(text.into_bytes())
        }
        Format::Markdown => Err(fail("a plot cannot be written as markdown".into())),
    }
}

/// The bytes of the figure `name` (PNG, SVG or markdown), drawn in memory.
pub fn render_named(name: &str, runs: &RunSet) -> Result<Vec<u8>> {
    let (spec, format) = parse(name)?;
    let path = Path::new(name);
    Ok(match &spec {
        FigureSpec::Table => results_table(runs)?.into_bytes(),
        _ => match prepare(name, &spec, runs)? {
            Prepared::ValLoss(p) => render(&p, format, path)?,
            Prepared::Heatmap(p) => render(&p, format, path)?,
            Prepared::Lines(p) => render(&p, format, path)?,
        },
    })
}

/// Draws the figure `name` from `runs` into `out_dir/<file name>`; returns the path written.
pub fn draw(name: &str, runs: &RunSet, out_dir: &Path) -> Result<PathBuf> {
    let bytes = render_named(name, runs)?;
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let path = out_dir.join(file);
    runlog::write_atomic(&path, &bytes)?;
    Ok(path)
}

/// The heatmap a name like `lambdas-x01.png` asks for, ready to render (tests read its
/// cell geometry and colours).
pub fn heatmap_plot(name: &str, runs: &RunSet) -> Result<heatmap::HeatmapPlot> {
    let (spec, _) = parse(name)?;
    match prepare(name, &spec, runs)? {
        Prepared::Heatmap(p) => Ok(p),
        _ => Err(Error::figure(name, "is not a heatmap")),
    }
}

/// Draws every named figure, spread over the machine's cores (figures are independent);
/// one result per name, in the order of `names`, so one bad name does not stop the others.
pub fn draw_all(names: &[String], runs: &RunSet, out_dir: &Path) -> Vec<Result<PathBuf>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(names.len().max(1));
    if threads <= 1 {
        return names.iter().map(|n| draw(n, runs, out_dir)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<PathBuf>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(name) = names.get(i) else { break mine };
                        mine.push((i, draw(name, runs, out_dir)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
