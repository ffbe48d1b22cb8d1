//! Against the real logs in ../shared/fixtures (each test skips cleanly when they are absent):
//! the import gives the numbers printed in the logs, and the seed draft's figures draw.

mod common;

use common::{decode_png, fixtures, names, pixel, v};
use report::figures;
use report::runs::import::{import_logs, parse_log, ImportOptions};
use report::runs::RunSet;
use report::stats;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The 16 x0-experiment runs, imported once per test binary into the target's temp folder
/// (emptied first: an import never replaces a run that differs from it).
fn x0_runs() -> Option<(PathBuf, RunSet)> {
    static RUNS: OnceLock<Option<(PathBuf, RunSet)>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = fixtures("x0-experiment")?;
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        logs.sort();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-x0-runs");
        let _ = std::fs::remove_dir_all(&out);
        let written = import_logs(&logs, &out, &ImportOptions::default()).unwrap();
        assert_eq!(written.len(), 16);
        let runs = RunSet::load(&out).unwrap();
        Some((out, runs))
    })
    .clone()
}

#[test]
fn record_logs_import_with_their_printed_final_loss_and_time() {
    let Some(dir) = fixtures("modded-nanogpt") else {
        return;
    };
    let cases = [
        (
            "2025-04-22_Record8_075_640429f2.txt",
            "x00",
            2.919750,
            1468.898,
            5960,
        ),
        (
            "2025-09-11_GPT2MediumX01_000_592014ec.txt",
            "x01",
            2.919956,
            1407.511,
            5690,
        ),
    ];
    for (file, variant, loss, secs, steps) in cases {
        let path = dir.join(file);
        // No lambda lines and no x01-s2-like name: the variant must be given, and the error says how.
        let err = parse_log(&path, &ImportOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(file) && err.contains("--variant"), "{err}");
        let opts = ImportOptions {
            variant: Some(variant.into()),
            seed: Some(0),
            hardware: Some("8xH100".into()),
            ..Default::default()
        };
        let run = parse_log(&path, &opts).unwrap();
        // No line of the script's source or of nvidia-smi is taken for a glued `step:` line.
        assert!(run.warnings.is_empty(), "{file}: {:?}", run.warnings);
        assert_eq!(run.summary.status, runlog::Status::Finished, "{file}");
        assert!(
            (run.summary.final_val_loss.unwrap() - loss).abs() < 1e-9,
            "{file}"
        );
        assert!(
            (run.summary.train_time_ms / 1000.0 - secs).abs() < 1e-9,
            "{file}"
        );
        let last = run.metrics.last().unwrap();
        assert_eq!(
            (last.step, last.total_steps),
            (steps, Some(steps)),
            "{file}"
        );
        // One evaluation every 125 steps plus the last; the source code's `val_loss` is no line.
        assert_eq!(run.metrics.len() as u64, (steps - 1) / 125 + 2, "{file}");
        assert_eq!(run.info.device.as_deref(), Some("8xH100"));
        assert_eq!(run.info.experiment, "modded-nanogpt");
    }
}

#[test]
fn x0_experiment_imports_with_the_readme_final_losses() {
    let Some((_tmp, runs)) = x0_runs() else {
        return;
    };
    // ../shared/fixtures/x0-experiment/README.md, column "final val_loss".
    let expected = [
        ("x00", vec![2.919369, 2.918872]),
        (
            "x01",
            vec![2.918328, 2.915804, 2.917091, 2.916389, 2.917224],
        ),
        ("x02", vec![2.916375, 2.915414, 2.916951]),
        ("x03", vec![2.915782]),
        (
            "x04",
            vec![2.915031, 2.916131, 2.916808, 2.916833, 2.915045],
        ),
    ];
    assert_eq!(names(&runs.variants()), ["x00", "x01", "x02", "x03", "x04"]);
    for (variant, losses) in &expected {
        let got: Vec<f64> = runs
            .runs_of(v(variant))
            .iter()
            .map(|r| r.summary.as_ref().unwrap().final_val_loss.unwrap())
            .collect();
        assert_eq!(got.len(), losses.len(), "{variant}");
        for (g, e) in got.iter().zip(losses) {
            assert!((g - e).abs() < 1e-9, "{variant}: {g} vs {e}");
        }
        assert_eq!(
            runs.seeds(v(variant)),
            (0..losses.len() as u64).collect::<Vec<_>>()
        );
    }
    // Quirks: the baselines log no lambdas; the others 16 layers for x, x00..x0N.
    let x00 = runs.run(v("x00"), 0).unwrap();
    assert!(x00.metrics.iter().all(|m| m.lambdas.is_none()));
    let x04 = runs.run(v("x04"), 3).unwrap();
    let last = x04.metrics.last().unwrap();
    assert_eq!(last.step, 5960);
    let l = last.lambdas.as_ref().unwrap();
    assert_eq!(
        l.keys().collect::<Vec<_>>(),
        ["x", "x00", "x01", "x02", "x03", "x04"]
    );
    assert!(l.values().all(|v| v.len() == 16));
    // v_lambdas and ve_lambdas become [v, ve] pairs per layer; the unet lambdas skip weights.
    assert_eq!(last.ve_lambdas.as_ref().unwrap().len(), 16);
    assert_eq!(last.skip_weights.as_ref().unwrap().len(), 16);
    assert!(runs.warnings().is_empty(), "{:?}", runs.warnings());
}

#[test]
fn x0_experiment_statistics() {
    let Some((_tmp, runs)) = x0_runs() else {
        return;
    };
    let table = stats::compute(&runs, None).unwrap();
    assert_eq!(table.baseline, v("x00"));
    let x01 = table.row(v("x01")).unwrap();
    let mean = (2.918328 + 2.915804 + 2.917091 + 2.916389 + 2.917224) / 5.0;
    assert_eq!(x01.n, 5);
    assert!((x01.final_loss.mean - mean).abs() < 1e-12);
    assert!((x01.final_loss.min - 2.915804).abs() < 1e-12);
    assert!(x01.t_test_vs_baseline.unwrap().p < 0.05);
    // One seed: no std, no test.
    let x03 = table.row(v("x03")).unwrap();
    assert_eq!((x03.n, x03.final_loss.std), (1, None));
    assert!(x03.t_test_vs_baseline.is_none());
    // The fixed time is the earliest final time: x00-s0's 1445.945 s.
    assert!((table.at_time_s - 1445.945).abs() < 1e-9);
    let at = x03.loss_at_time.unwrap().mean;
    assert!(
        at > x03.final_loss.mean,
        "x03 at 1445.9 s has not reached its final loss"
    );
}

#[test]
fn the_seed_drafts_figures_draw_from_the_x0_experiment() {
    let Some((_tmp, runs)) = x0_runs() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let names = [
        "val_loss-step.png",
        "val_loss-step-5500-6000.png",
        "val_loss-time-1400-1550.png",
        "lambdas-x01.png",
    ];
    for name in names {
        let path = figures::draw(name, &runs, out.path()).unwrap();
        assert_eq!(path, out.path().join(name));
        let (w, h, rgb) = decode_png(&path);
        assert!(w >= 1200 && h >= 400, "{name}: {w}x{h}");
        // Opaque light background in the corner.
        assert_eq!(pixel(&rgb, w, 2, 2), (255, 255, 255), "{name}");
        // Same inputs, same bytes.
        let first = std::fs::read(&path).unwrap();
        figures::draw(name, &runs, out.path()).unwrap();
        assert_eq!(
            first,
            std::fs::read(&path).unwrap(),
            "{name} is not byte-identical"
        );
    }
    // The baselines have no lambdas: a clear message naming a run, not a panic.
    let err = figures::draw("lambdas-x00.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lambdas-x00.png") && err.contains("x00-s0") && err.contains("no lambdas"),
        "{err}"
    );
    // Imported runs have no activation norms.
    let err = figures::draw("lambdas-norm-x01.png", &runs, out.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("x_norms"), "{err}");
}

#[test]
fn x01_heatmap_cell_has_the_colour_of_the_mean_of_five_seeds() {
    let Some((_tmp, runs)) = x0_runs() else {
        return;
    };
    // x00 at layer 15, by hand from the five logs' last x00_lambdas lines.
    let x01 = runs.runs_of(v("x01"));
    assert_eq!(x01.len(), 5);
    let mean: f64 = x01
        .iter()
        .map(|r| r.metrics.last().unwrap().lambdas.as_ref().unwrap()["x00"][15])
        .sum::<f64>()
        / 5.0;
    let grid = stats::mean_lambdas(&x01).unwrap();
    assert_eq!(grid.components, ["x", "x00", "x01"]);
    assert!((grid.get("x00", 15).unwrap() - mean).abs() < 1e-12);
    assert!(mean < -1.0, "x00 turns negative in the last layer: {mean}");

    let plot = figures::heatmap_plot("lambdas-x01.png", &runs).unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = figures::draw("lambdas-x01.png", &runs, out.path()).unwrap();
    let (w, _, rgb) = decode_png(&path);
    let (l, t, _, _) = plot.cell_rect(1, 15);
    // Near the cell's corner: inside the fill, clear of the value written at its centre.
    let got = pixel(&rgb, w, l + 6, t + 6);
    let want = plot.colour_of(mean);
    assert_eq!(got, (want.0, want.1, want.2));
    // A negative value is blue on this scale, and the scale is centred on zero.
    assert!(want.2 > want.0, "negative should be blue: {want:?}");
    let zero = plot.colour_of(0.0);
    assert!(
        zero.0 > 240 && zero.1 > 240 && zero.2 > 240,
        "zero is near-white: {zero:?}"
    );
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_committed_original_runs_are_what_the_recorded_import_writes() {
    let Some(fixtures) = fixtures("x0-experiment") else {
        return;
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("bash")
        .arg(repo.join("scripts/import-x0-experiment.sh"))
        .env("REPORT", env!("CARGO_BIN_EXE_report"))
        .env("FIXTURES", &fixtures)
        .env("OUT", out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the import script failed");
    let fresh = out.path().join("x0-experiment");
    let committed = repo.join("runs/x0-experiment");
    let names = files_under(&fresh);
    // 16 runs of three files, and the study's logit lens of one more x01 run.
    assert_eq!(names.len(), 16 * 3 + 1, "{names:?}");
    assert!(names.contains(&PathBuf::from("lens-x01.json")), "{names:?}");
    assert_eq!(names, files_under(&committed), "the same files");
    for name in &names {
        // No run file is edited by hand: each is byte for byte what the import writes.
        assert!(
            std::fs::read(fresh.join(name)).unwrap()
                == std::fs::read(committed.join(name)).unwrap(),
            "runs/x0-experiment/{} differs from what `make import-x0` writes",
            name.display()
        );
    }
    // Each run names the section of the results file it was published under, and the
    // baselines, which log no lambdas, still have the preset's 16 layers.
    let runs = RunSet::load(&committed).unwrap();
    assert!(runs.problems().is_empty(), "{:?}", runs.problems());
    // The runs set no seed: repeats, their numbers from the logs' file names.
    assert!(runs.run(v("x00"), 1).is_none());
    let x00 = runlog::RecordedConfig::of(&runs.repeat(v("x00"), 1).unwrap().info).unwrap();
    assert_eq!(x00.layers, Some(16));
    assert!(
        x00.source.as_deref().unwrap().ends_with(
            "results.md, section \"## 999-1\" (a baseline of the study's earlier experiment \
                 00003-value-embeddings)"
        ),
        "{:?}",
        x00.source
    );
    let x04 = runlog::RecordedConfig::of(&runs.repeat(v("x04"), 3).unwrap().info).unwrap();
    assert!(x04.source.unwrap().ends_with("\"## 3-3\""));
}
