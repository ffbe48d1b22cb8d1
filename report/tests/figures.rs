//! Figure names, errors, determinism and colours, on runs written here.

mod common;

use common::{decode_png, pixel, write_run};
use report::figures::{self, look, style, FigureSpec, Format};
use report::runs::RunSet;
use report::stats::Axis;
use report::Error;

fn sweep(variants: &[&str]) -> (tempfile::TempDir, RunSet) {
    let tmp = tempfile::tempdir().unwrap();
    for (i, v) in variants.iter().enumerate() {
        for seed in 0..2 {
            write_run(tmp.path(), v, seed, 8, 4, 3.0 - 0.01 * i as f64);
        }
    }
    let runs = RunSet::load(tmp.path()).unwrap();
    (tmp, runs)
}

#[test]
fn names_parse_like_the_drafts_links() {
    let p = |n: &str| figures::parse(n).unwrap();
    assert_eq!(
        p("val_loss-step.png"),
        (
            FigureSpec::ValLoss {
                axis: Axis::Step,
                window: None
            },
            Format::Png
        )
    );
    assert_eq!(
        p("images/val_loss-step-5500-6000.png").0,
        FigureSpec::ValLoss {
            axis: Axis::Step,
            window: Some((5500.0, 6000.0))
        }
    );
    assert_eq!(
        p("val_loss-time-1400-1550.svg"),
        (
            FigureSpec::ValLoss {
                axis: Axis::Time,
                window: Some((1400.0, 1550.0))
            },
            Format::Svg
        )
    );
    assert_eq!(
        p("lambdas-x01-s2.png").0,
        FigureSpec::Heatmap {
            variant: common::v("x01"),
            seed: Some(2),
            normed: false,
            aligned: false
        }
    );
    assert_eq!(
        p("lambdas-x01-aligned.png").0,
        FigureSpec::Heatmap {
            variant: common::v("x01"),
            seed: None,
            normed: false,
            aligned: true
        }
    );
    assert_eq!(
        p("lambdas-layers-x04-aligned.png").0,
        FigureSpec::LayerLines {
            variant: common::v("x04"),
            seed: None,
            aligned: true,
            normalized: false
        }
    );
    assert_eq!(
        p("lambdas-norm-x03.png").0,
        FigureSpec::Heatmap {
            variant: common::v("x03"),
            seed: None,
            normed: true,
            aligned: false
        }
    );
    assert_eq!(
        p("lambdas-steps-x01-layers-0-7-15.png").0,
        FigureSpec::LambdaLines {
            variant: common::v("x01"),
            seed: None,
            layers: vec![0, 7, 15]
        }
    );
    for bad in [
        "val_loss-epoch.png",
        "lambdas-big.png",
        "val_loss-step-1-2-3.png",
        "x.jpg",
        "lambdas-x01-s2-layers.png",
        "lambdas-norm-x01-aligned.png",
        "lambdas-layers-x01-layers-3.png",
    ] {
        let err = figures::parse(bad).unwrap_err();
        assert!(matches!(err, Error::UnknownFigure { .. }), "{bad}");
        let msg = err.to_string();
        assert!(
            msg.contains(bad) && msg.contains("val_loss-step-FROM-TO.png"),
            "{msg}"
        );
    }
    assert!(figures::parse("val_loss-step-600-500.png")
        .unwrap_err()
        .to_string()
        .contains("empty"));
}

#[test]
fn a_window_past_the_data_draws_and_one_outside_it_names_the_range() {
    let (_tmp, runs) = sweep(&["x00", "x01"]);
    let out = tempfile::tempdir().unwrap();
    // Runs cover steps 0-70; a window reaching past the end is fine.
    figures::draw("val_loss-step-50-100.png", &runs, out.path()).unwrap();
    let err = figures::draw("val_loss-step-100-200.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("overlaps no data") && err.contains("steps 0-70"),
        "{err}"
    );
    let err = figures::draw("lambdas-x07.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no run of variant x07") && err.contains("x00, x01"),
        "{err}"
    );
    let err = figures::draw("lambdas-x01-s9.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("seed 9") && err.contains("seeds: 0, 1"),
        "{err}"
    );
    let err = figures::draw("lambdas-steps-x01-layers-9.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("layer 9") && err.contains("0-3"), "{err}");
}

#[test]
fn every_figure_of_a_sweep_draws_the_same_bytes_twice() {
    let (_tmp, runs) = sweep(&["x00", "x01", "x02"]);
    let mut names = figures::names_for(&runs);
    names.push("val_loss-time-0.5-5.png".into());
    names.push("lambdas-steps-x02-s1-layers-3.png".into());
    names.push("val_loss-step.svg".into());
    assert!(names.contains(&"lambdas-norm-x02.png".to_string()));
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (name, (ra, rb)) in names.iter().zip(
        figures::draw_all(&names, &runs, a.path())
            .into_iter()
            .zip(figures::draw_all(&names, &runs, b.path())),
    ) {
        let (pa, pb) = (ra.unwrap(), rb.unwrap());
        let (ba, bb) = (std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
        assert!(ba == bb, "{name} differs between two draws");
    }
    let table = std::fs::read_to_string(a.path().join("results.md")).unwrap();
    assert!(table.starts_with("| variant |"), "{table}");
    // x02 has the lowest floor: its final loss is the bold one.
    let x02 = table.lines().find(|l| l.starts_with("| x02")).unwrap();
    assert!(x02.contains("| **"), "{x02}");
}

/// How many pixels of the image have exactly this colour.
fn count(rgb: &[u8], c: plotters::style::RGBColor) -> usize {
    rgb.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count()
}

#[test]
fn a_variant_keeps_its_colour_whichever_variants_are_drawn_with_it() {
    let x02 = style::variant_colour("x02", 0);
    assert_eq!(x02, style::variant_colour("x02", 5));
    for set in [&["x00", "x01", "x02"][..], &["x02", "x04"][..]] {
        let (_tmp, runs) = sweep(set);
        let out = tempfile::tempdir().unwrap();
        let path = figures::draw("val_loss-step.png", &runs, out.path()).unwrap();
        let (_, _, rgb) = decode_png(&path);
        assert!(count(&rgb, x02) > 500, "x02's line in {set:?}");
        assert_eq!(
            count(&rgb, style::variant_colour("x03", 0)),
            0,
            "no x03 in {set:?}"
        );
    }
}

#[test]
fn the_diverging_scale_is_centred_on_zero() {
    let (lo, mid, hi) = (
        style::diverging(-1.0),
        style::diverging(0.0),
        style::diverging(1.0),
    );
    assert_eq!((mid.0, mid.1, mid.2), (247, 247, 247));
    assert!(hi.0 > hi.2 && lo.2 > lo.0, "positive red, negative blue");
    assert_eq!(style::diverging(7.0), hi, "clamped");
    assert_eq!(style::nice_limit(5.54), 6.0);
    assert_eq!(style::nice_limit(0.9), 1.0);
}

#[test]
fn tick_labels_get_the_decimals_their_ticks_need() {
    assert_eq!(style::decimals_for(0.0, 6000.0, 8), 0);
    assert_eq!(style::decimals_for(2.914, 2.937, 8), 3);
    // 0.5 steps: one decimal, so 0.5, 1.5 and 2.5 do not all print as 0 or 2.
    assert_eq!(style::decimals_for(-0.2, 2.65, 6), 1);
    // A tick a rounding error below zero is zero, not `-0.0`.
    assert_eq!(style::number(-1e-17, 1), "0.0");
    assert_eq!(style::number(-0.04, 1), "0.0");
    assert_eq!(style::number(-0.06, 1), "-0.1");
}

#[test]
fn every_figure_is_saved_in_each_rendition_as_a_palette_png() {
    let (_tmp, runs) = sweep(&["x00", "x01", "x02"]);
    let out = tempfile::tempdir().unwrap();
    let mut names = figures::names_for(&runs);
    names.retain(|n| n.ends_with(".png"));
    names.push("val_loss-step-20-60.png".into());
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        let d = figures::draw_figure(name, &runs, out.path()).unwrap();
        assert_eq!(d.files.len(), look::RENDITIONS.len(), "{name}");
        assert_eq!(d.files[0].0, out.path().join(name));
        for ((path, (w, h)), look) in d.files.iter().zip(look::RENDITIONS) {
            assert_eq!(path, &out.path().join(look.file_name(name)));
            assert_eq!(*w, look.width, "{}", path.display());
            let reader = png::Decoder::new(std::fs::File::open(path).unwrap())
                .read_info()
                .unwrap();
            let info = reader.info();
            assert_eq!(
                info.color_type,
                png::ColorType::Indexed,
                "{}",
                path.display()
            );
            assert!(info.palette.as_ref().unwrap().len() <= 3 * 256);
            let (dw, dh, _) = decode_png(path);
            assert_eq!((dw, dh), (*w, *h), "{}", path.display());
        }
        // A phone screen is narrow: its rendition is taller than wide or close to square.
        let (pw, ph) = d.phone().unwrap().1;
        let (ww, wh) = d.files[0].1;
        assert!(ph as f64 / pw as f64 > wh as f64 / ww as f64, "{name}");
        assert!(!d.gist.is_empty(), "{name}");
    }
}

/// The outermost `band` pixels of each edge hold no ink: nothing (a tick label, a legend, a
/// colour bar's label) is cut by the border. Returns the edges that do, with where.
fn ink_at_the_border(rgb: &[u8], w: u32, h: u32, band: u32) -> Vec<String> {
    let bg = [255u8, 255, 255];
    let inked = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        rgb[i..i + 3] != bg
    };
    let mut out = Vec::new();
    for (edge, xs, ys) in [
        ("left", 0..band, 0..h),
        ("right", w - band..w, 0..h),
        ("top", 0..w, 0..band),
        ("bottom", 0..w, h - band..h),
    ] {
        let hit = ys
            .clone()
            .flat_map(|y| xs.clone().map(move |x| (x, y)))
            .find(|&(x, y)| inked(x, y));
        if let Some((x, y)) = hit {
            out.push(format!("{edge} edge inked at ({x}, {y})"));
        }
    }
    out
}

#[test]
fn no_figure_has_ink_on_its_outer_rows_and_columns() {
    // Losses that need four decimals, long runs (wide step labels), and every kind of figure.
    let tmp = tempfile::tempdir().unwrap();
    for (i, v) in ["x00", "x01", "x02", "x03", "x04"].iter().enumerate() {
        for seed in 0..3 {
            write_run(tmp.path(), v, seed, 40, 4, 3.0 - 0.0013 * i as f64);
        }
    }
    let runs = RunSet::load(tmp.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut names = figures::names_for(&runs);
    names.retain(|n| n.ends_with(".png"));
    names.extend(
        [
            "val_loss-step-20-40.png",
            "val_loss-step-5-35.png",
            "val_loss-time-0.5-5.png",
            "lambdas-x04-aligned.png",
            "lambdas-layers-x04-aligned.png",
        ]
        .map(String::from),
    );
    let mut bad = Vec::new();
    let mut checked = 0;
    for name in &names {
        let d = figures::draw_figure(name, &runs, out.path()).unwrap();
        for (path, _) in &d.files {
            let (w, h, rgb) = decode_png(path);
            for e in ink_at_the_border(&rgb, w, h, 2) {
                bad.push(format!("{}: {e}", path.display()));
            }
            checked += 1;
        }
    }
    assert!(checked >= 3 * 12, "{checked} files checked");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn a_heatmaps_palette_keeps_every_cell_colour_and_comes_close_elsewhere() {
    let (_tmp, runs) = sweep(&["x00", "x01", "x02"]);
    let out = tempfile::tempdir().unwrap();
    let name = "lambdas-x02.png";
    let plot = figures::heatmap_plot(name, &runs).unwrap();
    let drawn = figures::draw_figure(name, &runs, out.path()).unwrap();
    let grid = report::stats::mean_lambdas(&runs.result_runs(common::v("x02"))).unwrap();
    let (w, _, rgb) = decode_png(drawn.path());
    // Layer 0 of x and x00 is one cell holding their sum: they are the same vector there.
    let sum = grid.get("x", 0).unwrap() + grid.get("x00", 0).unwrap();
    assert_eq!((plot.shown(0, 0), plot.shown(1, 0)), (sum, sum));
    for (row, comp) in grid.components.iter().enumerate() {
        for layer in 0..grid.layers {
            let (l, t, _, _) = plot.cell_rect(row, layer);
            let value = if layer == 0 && row < 2 {
                sum
            } else {
                grid.get(comp, layer).unwrap()
            };
            assert_eq!(plot.shown(row, layer), value, "{comp} {layer}");
            let want = plot.colour_of(value);
            assert_eq!(
                pixel(&rgb, w, l + 6, t + 6),
                (want.0, want.1, want.2),
                "{comp} {layer}"
            );
        }
    }
    // Against the drawing before the palette: most pixels exact, the rest close.
    for ((path, _), look) in drawn.files.iter().zip(look::RENDITIONS) {
        let exact = figures::pixels(&plot, &look).unwrap();
        let (_, _, saved) = decode_png(path);
        assert_eq!(exact.len(), saved.len());
        let diff: Vec<u32> = exact
            .iter()
            .zip(&saved)
            .map(|(a, b)| (*a as i32 - *b as i32).unsigned_abs())
            .collect();
        let mean = diff.iter().sum::<u32>() as f64 / diff.len() as f64;
        let off = diff.iter().filter(|d| **d > 0).count() as f64 / diff.len() as f64;
        // Text is anti-aliased shades, and the phone rendition is ~5% text: up to 3% inexact.
        assert!(
            mean < 0.2 && off < 0.03,
            "{}: mean {mean}, {off} off",
            path.display()
        );
    }
}

#[test]
fn a_finals_figure_names_its_experiment_and_draws_from_its_runs_only() {
    let p = |n: &str| figures::parse(n).map(|(s, _)| s);
    assert_eq!(
        p("finals-x0-experiment-below-2.92.png").unwrap(),
        FigureSpec::Finals {
            experiment: "x0-experiment".into(),
            threshold: Some(2.92)
        }
    );
    assert_eq!(
        p("images/exp/finals-embeddings-extravaganza-1.png").unwrap(),
        FigureSpec::Finals {
            experiment: "embeddings-extravaganza-1".into(),
            threshold: None
        }
    );
    // The name reaches no path, yet a name outside the closed alphabet is refused.
    let err = p("finals-.hidden.png").unwrap_err().to_string();
    assert!(err.contains("experiment"), "{err}");
    assert!(p("finals-exp-below-x.png").is_err());
    let (_tmp, runs) = sweep(&["x00", "x01"]);
    let out = tempfile::tempdir().unwrap();
    let err = figures::draw_figure("finals-other.png", &runs, out.path()).unwrap_err();
    assert!(
        err.to_string().contains("no run of experiment 'other'"),
        "{err}"
    );
    let d = figures::draw_figure("finals-exp-below-5.png", &runs, out.path()).unwrap();
    assert_eq!(d.files.len(), 3);
    // Both seeds of a variant end alike here: no spread, so no t-test, and the figure says so.
    assert!(
        d.gist
            .contains("one row per configuration, ordered by step count")
            && d.gist.contains("x00 · n=2 · p: –")
            && d.gist.contains("x01 · n=2 · p: –"),
        "{}",
        d.gist
    );
}

/// The logit-lens figure (from the study's lens, imported into the committed x0-experiment) is
/// saved like every other kind: one palette PNG per rendition at its width, a phone rendition
/// taller for its width than the wide one, no ink on any border, and a gist for the alt text.
#[test]
fn the_lens_figure_is_saved_in_each_rendition_with_a_clean_border() {
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../runs/x0-experiment");
    let runs = RunSet::load(&committed).unwrap();
    let names = figures::names_for(&runs);
    assert!(names.contains(&"lens-x01.png".to_string()), "{names:?}");
    let out = tempfile::tempdir().unwrap();
    let d = figures::draw_figure("lens-x01.png", &runs, out.path()).unwrap();
    assert_eq!(d.files.len(), look::RENDITIONS.len());
    let mut bad = Vec::new();
    for ((path, (w, h)), look) in d.files.iter().zip(look::RENDITIONS) {
        assert_eq!(path, &out.path().join(look.file_name("lens-x01.png")));
        assert_eq!(*w, look.width, "{}", path.display());
        let reader = png::Decoder::new(std::fs::File::open(path).unwrap())
            .read_info()
            .unwrap();
        assert_eq!(reader.info().color_type, png::ColorType::Indexed);
        let (dw, dh, rgb) = decode_png(path);
        assert_eq!((dw, dh), (*w, *h), "{}", path.display());
        for e in ink_at_the_border(&rgb, dw, dh, 2) {
            bad.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let (pw, ph) = d.phone().unwrap().1;
    let (ww, wh) = d.files[0].1;
    assert!(ph as f64 / pw as f64 > wh as f64 / ww as f64);
    assert!(
        d.gist.contains("top-1 = input most often from"),
        "{}",
        d.gist
    );
}
