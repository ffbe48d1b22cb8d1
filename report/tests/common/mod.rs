//! Helpers shared by the report's tests: runs written through runlog, and the fixture folder.
#![allow(dead_code)]

pub mod missing;

use runlog::{Metrics, RunInfo, Status, Summary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `../shared/fixtures/<name>` from the repository root, or `None` (the test then skips; under
/// CI it fails).
pub fn fixtures(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        missing::missing(
            &dir.display().to_string(),
            "CI lays the fixtures out at ../shared/fixtures next to the checkout",
        );
        None
    }
}

/// A variant by name (tests name them as the drafts do).
pub fn v(name: &str) -> runlog::Variant {
    runlog::Variant::parse(name).unwrap()
}

/// Variant names, for comparing with a list of strings.
pub fn names(vs: &[runlog::Variant]) -> Vec<String> {
    vs.iter().map(|v| v.to_string()).collect()
}

pub fn info(experiment: &str, variant: &str, seed: u64) -> RunInfo {
    RunInfo {
        run_id: format!("test-{variant}-s{seed}"),
        preset: Some("test".into()),
        ..RunInfo::new(experiment, runlog::Variant::parse(variant).unwrap(), seed)
    }
}

/// Evaluation `k` of a small run: loss falling from 5 towards `floor`, 100 ms per step.
pub fn eval(step: u64, ms_per_step: f64, floor: f64, layers: usize, comps: usize) -> Metrics {
    let mut m = Metrics::new(
        step,
        step as f64 * ms_per_step,
        floor + 2.0 / (1.0 + step as f64 / 10.0),
    );
    let mut l = BTreeMap::new();
    l.insert(
        "x".to_string(),
        (0..layers).map(|i| 1.0 - 0.01 * i as f64).collect(),
    );
    for c in 0..comps {
        l.insert(
            runlog::lambda_key(c),
            (0..layers)
                .map(|i| 0.1 * (c + 1) as f64 - 0.05 * i as f64)
                .collect(),
        );
    }
    m.lambdas = Some(l);
    m.x_norms = Some((0..layers).map(|i| 1.0 + i as f64).collect());
    m
}

/// Writes a finished run of `evals` evaluations 10 steps apart; returns its folder.
pub fn write_run(
    root: &Path,
    variant: &str,
    seed: u64,
    evals: u64,
    layers: usize,
    floor: f64,
) -> PathBuf {
    let dir = root.join("exp").join(runlog::run_dir_name(variant, seed));
    let comps: usize = variant[1..].parse::<usize>().unwrap() + 1;
    runlog::write_json_atomic(&dir.join(runlog::RUN_FILE), &info("exp", variant, seed)).unwrap();
    let mut w = runlog::MetricsWriter::open(&dir.join(runlog::METRICS_FILE)).unwrap();
    let ms = 100.0 + seed as f64;
    let mut last = None;
    for k in 0..evals {
        let m = eval(k * 10, ms, floor, layers, comps);
        w.append(&m).unwrap();
        last = Some(m);
    }
    let last = last.unwrap();
    let summary = Summary {
        status: Status::Finished,
        final_val_loss: last.val_loss,
        train_time_ms: last.train_time_ms,
        step_avg_ms: Some(ms),
        tokens_per_s: None,
        peak_rss_mb: None,
    };
    runlog::write_json_atomic(&dir.join(runlog::SUMMARY_FILE), &summary).unwrap();
    dir
}

/// Decodes a PNG written by the report (a palette image, expanded): (width, height, RGB bytes).
pub fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        info.color_type,
        png::ColorType::Rgb,
        "{}: opaque RGB",
        path.display()
    );
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

pub fn pixel(rgb: &[u8], width: u32, x: i32, y: i32) -> (u8, u8, u8) {
    let i = (y as usize * width as usize + x as usize) * 3;
    (rgb[i], rgb[i + 1], rgb[i + 2])
}
