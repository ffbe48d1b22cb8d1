//! Figures: named like the draft's image links, drawn with plotters.
//!
//! [`draw_figure`] takes a file name, parses it into a [`FigureSpec`] and writes the figure
//! into the output folder in both renditions of [`look`]: `NAME` (wide) and `NAME.phone.png`
//! (drawn for a phone screen), atomically and only when the bytes change; the same inputs give
//! byte-identical files. It also says what the figure shows in a sentence drawn from the
//! plotted numbers ([`Plot::gist`], the page's alt text). Names, with `.png` or `.svg` (see
//! [`known`], which `report figures --list` prints):
//!
//! | name | figure |
//! |---|---|
//! | `val_loss-step.png`, `val_loss-time.png` | val loss by step / training time, whole runs |
//! | `val_loss-step-5500-6000.png` | steps 5500 to 6000 (any numbers) |
//! | `val_loss-time-1400-1550.png` | training seconds 1400 to 1550 (any numbers) |
//! | `lambdas-x01.png`, `lambdas-x01-s2.png` | lambda heatmap: mean over seeds / one seed |
//! | `lambdas-x01-aligned.png` | the mean after aligning each seed's added-embedding signs |
//! | `lambdas-layers-x01.png`, `lambdas-layers-x01-aligned.png` | lambdas across layers, mean ± std |
//! | `lambdas-norm-x01.png`, `lambdas-norm-x01-s2.png` | the same, weighted by activation norms |
//! | `lambdas-steps-x01.png`, `lambdas-steps-x01-s2-layers-0-7-15.png` | lambdas over training |
//! | `lens-x01.png`, `lens-x01-s2.png` | logit lens: components by top-1 rates ([`lens`]) |
//! | `finals-x0-record.png`, `finals-x0-record-below-2.92.png` | each configuration's final losses, mean and 95% interval (and the record test against 2.92) |
//! | `results.md` | the markdown table of final results ([`results_table`]) |
//!
//! [`names`] parses names into [`FigureSpec`]s, `prepare` turns a spec and the runs into a plot;
//! each kind of figure is its own module:
//! [`val_loss`], [`heatmap`], [`layer_lines`], [`lambda_lines`], [`lens`], [`finals`], [`table`]; [`clip`] cuts lines at window edges,
//! [`look`] holds the renditions' sizes, titles and legends, [`style`] font and colours,
//! [`encode`] writes palette PNGs ([`palette`] reduces the colours). [`draw_all`] draws several
//! figures in parallel.

pub mod clip;
pub mod encode;
pub mod finals;
pub mod heatmap;
pub mod lambda_lines;
pub mod layer_lines;
pub mod lens;
pub mod look;
pub mod names;
pub mod palette;
pub mod plot;
mod prepare;
pub mod range;
pub mod series;
pub mod style;
pub mod table;
pub mod val_loss;

pub use names::{known, known_text, names_for, parse, FigureSpec, Format, Known};
pub use plot::{Plot, PlotError};
pub use table::results_table;

use crate::runs::RunSet;
use crate::{Error, Result};
use look::{Look, RENDITIONS};
use plotters::prelude::*;
use prepare::{prepare, Prepared};
use std::path::{Path, PathBuf};

/// Renders a plot in one look to PNG bytes (palette, 200 dpi) or SVG text.
pub fn render<P: Plot>(plot: &P, look: &Look, format: Format, path: &Path) -> Result<Vec<u8>> {
    style::init_fonts();
    let size = plot.size(look);
    let fail = |m: PlotError| Error::figure(&path.display().to_string(), m);
    match format {
        Format::Png => {
            let rgb = pixels(plot, look).map_err(fail)?;
            encode::png(path, &rgb, size)
        }
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                plot.draw(&root, look).map_err(fail)?;
            }
            Ok(text.into_bytes())
        }
        Format::Markdown => Err(Error::figure(
            &path.display().to_string(),
            "a plot cannot be written as markdown",
        )),
    }
}

/// The plot drawn in one look as RGB pixels (3 bytes each, rows of `plot.size(look).0`).
pub fn pixels<P: Plot>(plot: &P, look: &Look) -> Result<Vec<u8>, PlotError> {
    style::init_fonts();
    let size = plot.size(look);
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        plot.draw(&root, look)?;
    }
    Ok(rgb)
}

/// One rendition of a figure, in memory.
#[derive(Debug, Clone)]
pub struct Rendering {
    pub look: Look,
    pub bytes: Vec<u8>,
    pub size: (u32, u32),
}

/// A figure drawn in memory: every rendition of a plot (wide first), or the table's markdown
/// as its only one; and what it shows (empty for the table).
#[derive(Debug, Clone)]
pub struct Figure {
    pub renderings: Vec<Rendering>,
    pub gist: String,
}

fn render_plot<P: Plot>(plot: &P, format: Format, path: &Path) -> Result<Figure> {
    let renderings = RENDITIONS
        .iter()
        .map(|look| {
            Ok(Rendering {
                look: *look,
                bytes: render(plot, look, format, path)?,
                size: plot.size(look),
            })
        })
        .collect::<Result<_>>()?;
    Ok(Figure {
        renderings,
        gist: plot.gist(),
    })
}

/// The figure `name` (PNG, SVG or markdown), drawn in memory in every rendition.
pub fn render_named(name: &str, runs: &RunSet) -> Result<Figure> {
    let (spec, format) = parse(name)?;
    let path = Path::new(name);
    Ok(match &spec {
        FigureSpec::Table => Figure {
            renderings: vec![Rendering {
                look: look::WIDE,
                bytes: results_table(runs)?.into_bytes(),
                size: (0, 0),
            }],
            gist: String::new(),
        },
        _ => match prepare(name, &spec, runs)? {
            Prepared::ValLoss(p) => render_plot(&p, format, path)?,
            Prepared::Heatmap(p) => render_plot(&p, format, path)?,
            Prepared::Lines(p) => render_plot(&p, format, path)?,
            Prepared::Layers(p) => render_plot(&p, format, path)?,
            Prepared::Lens(p) => render_plot(&p, format, path)?,
            Prepared::Finals(p) => render_plot(&p, format, path)?,
        },
    })
}

/// A figure written to disk: the file of each rendition (wide first) with its pixel size, and
/// what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub files: Vec<(PathBuf, (u32, u32))>,
    pub gist: String,
}

impl Drawn {
    /// The wide rendition's file (the table's only one).
    pub fn path(&self) -> &Path {
        &self.files[0].0
    }

    /// The file and size of rendition `look` (files are in the order of [`RENDITIONS`]).
    pub fn rendition(&self, look: &Look) -> Option<&(PathBuf, (u32, u32))> {
        let i = RENDITIONS.iter().position(|l| l == look)?;
        self.files.get(i)
    }

    /// The phone rendition's file and size, for a plot.
    pub fn phone(&self) -> Option<&(PathBuf, (u32, u32))> {
        self.rendition(&look::PHONE)
    }
}

impl AsRef<Path> for Drawn {
    fn as_ref(&self) -> &Path {
        self.path()
    }
}

/// Draws the figure `name` from `runs` into `out_dir`, every rendition under its file name
/// ([`Look::file_name`]); a file already holding the same bytes is left alone.
pub fn draw_figure(name: &str, runs: &RunSet, out_dir: &Path) -> Result<Drawn> {
    let figure = render_named(name, runs)?;
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut files = Vec::new();
    for r in &figure.renderings {
        let path = out_dir.join(r.look.file_name(file));
        if std::fs::read(&path).map_or(true, |old| old != r.bytes) {
            runlog::write_atomic(&path, &r.bytes)?;
        }
        files.push((path, r.size));
    }
    Ok(Drawn {
        files,
        gist: figure.gist,
    })
}

/// Draws the figure `name` (every rendition, see [`draw_figure`]); returns the wide file.
pub fn draw(name: &str, runs: &RunSet, out_dir: &Path) -> Result<PathBuf> {
    draw_figure(name, runs, out_dir).map(|d| d.path().to_owned())
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
pub fn draw_all(names: &[String], runs: &RunSet, out_dir: &Path) -> Vec<Result<Drawn>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(names.len().max(1));
    if threads <= 1 {
        return names
            .iter()
            .map(|n| draw_figure(n, runs, out_dir))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<Drawn>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(name) = names.get(i) else { break mine };
                        mine.push((i, draw_figure(name, runs, out_dir)));
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
