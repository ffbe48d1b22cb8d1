//! Norm-corrected lambdas: each component's share of a layer's input, worked out by hand on a
//! synthetic run; the figure's names; the error where a run logs no norms; claims and
//! directives over shares, and the layer without attention.

mod common;

use report::figures::{self, FigureSpec};
use report::runs::RunSet;
use report::stats::{self, ComponentNorms, NormSource};
use runlog::{Metrics, Run};
use std::collections::BTreeMap;

/// A finished x01 run of three layers whose last evaluation logs these lambdas and norms.
fn run(x: [f64; 3], x00: [f64; 3], x01: [f64; 3], norms: Option<[f64; 3]>) -> Run {
    let mut m = Metrics::new(100, 1000.0, 3.0);
    let lambdas: BTreeMap<String, Vec<f64>> = [("x", x), ("x00", x00), ("x01", x01)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect();
    m.lambdas = Some(lambdas);
    m.x_norms = norms.map(|n| n.to_vec());
    Run::new(
        std::path::Path::new("runs/exp/x01-s0"),
        common::info("exp", "x01", 0),
        vec![m],
        None,
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn a_share_is_lambda_times_rms_over_the_summed_magnitudes() {
    let r = run(
        [1.5, 0.8, 1.0],
        [0.5, 0.2, -0.5],
        [-1.0, 1.0, 0.5],
        Some([1.0, 10.0, 40.0]),
    );
    let g = stats::run_shares(&r, &NormSource::Logged).unwrap();
    // Layer 0: x is x00, one term (1.5 + 0.5)·1 = 2 beside |−1|·1: 2/3 and −1/3, in x's cell.
    assert!(close(g.get("x", 0).unwrap(), 2.0 / 3.0));
    assert_eq!(g.get("x00", 0), Some(0.0));
    assert!(close(g.sum0().unwrap(), 2.0 / 3.0));
    assert!(close(g.get("x01", 0).unwrap(), -1.0 / 3.0));
    // Layer 1: 0.8·10 = 8, 0.2·1, 1·1: total 9.2.
    assert!(close(g.get("x", 1).unwrap(), 8.0 / 9.2));
    assert!(close(g.get("x00", 1).unwrap(), 0.2 / 9.2));
    assert!(close(g.get("x01", 1).unwrap(), 1.0 / 9.2));
    // Layer 2: 1·40, −0.5, 0.5: total 41; the sign is the lambda's.
    assert!(close(g.get("x", 2).unwrap(), 40.0 / 41.0));
    assert!(close(g.get("x00", 2).unwrap(), -0.5 / 41.0));
    // Magnitudes add up to 1 at every layer.
    for l in 0..3 {
        let sum: f64 = g.values.iter().map(|v| v[l].abs()).sum();
        assert!(close(sum, 1.0), "layer {l}: {sum}");
    }
}

#[test]
fn imported_norms_weigh_every_run_alike() {
    let r = run([1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0], None);
    let norms = ComponentNorms {
        x: vec![1.0, 3.0, 8.0],
        inputs: [("x01".to_string(), 2.0)].into_iter().collect(),
    };
    let source = NormSource::Imported {
        norms,
        from: "one other x01 run".into(),
    };
    let g = stats::run_shares(&r, &source).unwrap();
    // Layer 2: x 8, x00 1 (no norm given: an RMS-normed vector's), x01 2: total 11.
    assert!(close(g.get("x", 2).unwrap(), 8.0 / 11.0));
    assert!(close(g.get("x00", 2).unwrap(), 1.0 / 11.0));
    assert!(close(g.get("x01", 2).unwrap(), 2.0 / 11.0));
    assert_eq!(source.said(), "norms of one other x01 run");
}

#[test]
fn a_run_without_norms_is_an_error_naming_its_experiment() {
    let r = run([1.0; 3], [0.5; 3], [0.5; 3], None);
    let err = stats::run_shares(&r, &NormSource::Logged)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("experiment exp: x01-s0")
            && err.contains("no residual norms (x_norms")
            && err.contains("no norms are imported for x01"),
        "{err}"
    );
}

#[test]
fn the_normalized_figure_has_its_name() {
    let spec = |n: &str| figures::parse(n).unwrap().0;
    assert_eq!(
        spec("lambdas-layers-x01-normalized.png"),
        FigureSpec::LayerLines {
            variant: common::v("x01"),
            seed: None,
            aligned: false,
            normalized: true,
        }
    );
    assert_eq!(
        spec("lambdas-layers-x04-s2-aligned-normalized.png"),
        FigureSpec::LayerLines {
            variant: common::v("x04"),
            seed: Some(2),
            aligned: true,
            normalized: true,
        }
    );
    // The suffix goes last, once.
    assert!(figures::parse("lambdas-layers-x01-normalized-aligned.png").is_err());
    assert!(figures::parse("lambdas-layers-x01-normalized-normalized.png").is_err());
    assert!(figures::known_text().contains("lambdas-layers-VARIANT[-sSEED][-aligned]-normalized"));
}

#[test]
fn generated_runs_draw_the_normalized_figure_and_list_it() {
    let tmp = tempfile::tempdir().unwrap();
    for seed in 0..2 {
        common::write_run(tmp.path(), "x01", seed, 3, 16, 3.0);
    }
    let runs = RunSet::load(tmp.path()).unwrap();
    let names = figures::names_for(&runs);
    assert!(names.contains(&"lambdas-layers-x01-normalized.png".to_string()));
    assert!(names.contains(&"lambdas-layers-x01-aligned-normalized.png".to_string()));
    let out = tempfile::tempdir().unwrap();
    let drawn =
        figures::draw_figure("lambdas-layers-x01-normalized.png", &runs, out.path()).unwrap();
    // Sixteen layers: the medium pattern, whose layer 7 has no attention.
    assert!(
        drawn.gist.contains("layer 7, shaded, has no attention"),
        "{}",
        drawn.gist
    );
    assert!(
        drawn
            .gist
            .starts_with("Line chart (Share of each layer's input"),
        "{}",
        drawn.gist
    );
}

/// The original study's printed norms of one x01 run of 5960 steps (../shared/fixtures/x0-study/
/// predictions.md, its last line, `x_norms=`): the residual entering each layer, then x00's,
/// over a batch of 65536 tokens x 1024 dimensions, in bf16.
const PRINTED_X: [f64; 16] = [
    8192., 327680., 618496., 495616., 573440., 403456., 423936., 397312., 428032., 589824.,
    593920., 606208., 473088., 622592., 749568., 794624.,
];

fn committed(experiment: &str) -> RunSet {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let all = RunSet::load(&repo.join("runs")).unwrap();
    all.only_experiment(experiment).unwrap()
}

#[test]
fn at_layer_8_the_medium_x01s_residual_takes_a_larger_share_and_x00_hardly_any() {
    let runs = committed("x0-experiment");
    let rs = runs.result_runs(common::v("x01"));
    assert_eq!(rs.len(), 5);
    let inputs: BTreeMap<String, f64> = [("x00".to_string(), 8192.0), ("x01".into(), 8192.0)]
        .into_iter()
        .collect();
    let source = NormSource::Imported {
        norms: ComponentNorms::from_printed(&PRINTED_X, &inputs, 8192.0),
        from: "one other x01 run".into(),
    };
    for r in &rs {
        let g = stats::run_shares(r, &source).unwrap();
        let at = |c: &str, l: usize| g.get(c, l).unwrap();
        // λx falls from layer 7 to 8 in every run, yet its share rises: x00 drops out.
        assert!(
            at("x", 8) > at("x", 7) && at("x", 8) > 0.98,
            "{}",
            r.dir.display()
        );
        assert!(
            at("x00", 7) > 0.06 && at("x00", 8).abs() < 0.015,
            "{}",
            r.dir.display()
        );
        // The negative λ00 of the last layers is a small share of their input.
        assert!((-0.04..-0.03).contains(&at("x00", 15)), "{}", at("x00", 15));
    }
    let spread = stats::share_spread(&rs, &source, false).unwrap();
    assert!((spread.mean.sum0().unwrap() - 0.926).abs() < 0.001);
    // The same runs with their own (absent) norms: the experiment is named.
    let err = stats::share_spread(&rs, &NormSource::Logged, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("experiment x0-experiment: x01-r"), "{err}");
    // The report takes the same printed norms from the imported lens (lens-x01.json), and only
    // for x01: x02..x04 logged none and imported none.
    match stats::norm_source(&runs, common::v("x01")) {
        NormSource::Imported { norms, from } => {
            let by_hand = source_norms(&inputs);
            assert_eq!(norms.x, by_hand.x);
            for c in ["x00", "x01"] {
                assert_eq!(norms.inputs[c], by_hand.inputs[c], "{c}");
            }
            assert!(from.contains("predictions.md"), "{from}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        stats::norm_source(&runs, common::v("x02")),
        NormSource::Logged
    );
}

fn source_norms(inputs: &BTreeMap<String, f64>) -> ComponentNorms {
    ComponentNorms::from_printed(&PRINTED_X, inputs, 8192.0)
}

#[test]
fn on_the_cpu_the_residual_gives_up_share_at_layer_8_in_every_run() {
    let runs = committed("embeddings-extravaganza-1");
    let rs = runs.result_runs(common::v("x01"));
    let source = stats::norm_source(&runs, common::v("x01"));
    assert_eq!(source, NormSource::Logged);
    for r in &rs {
        let g = stats::run_shares(r, &source).unwrap();
        assert!(g.get("x", 8) < g.get("x", 7), "{}", r.dir.display());
    }
}

#[test]
fn the_heatmap_outlines_layer_7_which_has_no_attention() {
    use report::figures::Plot;
    let tmp = tempfile::tempdir().unwrap();
    common::write_run(tmp.path(), "x01", 0, 3, 16, 3.0);
    let runs = RunSet::load(tmp.path()).unwrap();
    let plot = figures::heatmap_plot("lambdas-x01.png", &runs).unwrap();
    let look = figures::look::WIDE;
    let rgb = figures::pixels(&plot, &look).unwrap();
    let width = plot.size(&look).0 as usize;
    let dark_edge = |layer: usize| {
        let (l, t, _, b) = plot.cell_rect(1, layer);
        let y = ((t + b) / 2) as usize;
        (l - 1..=l + 1).any(|x| {
            let i = (y * width + x as usize) * 3;
            rgb[i..i + 3] == [30, 30, 30]
        })
    };
    assert!(dark_edge(7));
    assert!(!dark_edge(6) && !dark_edge(9));
    assert!(
        plot.gist()
            .ends_with("Layer 7, outlined, has no attention."),
        "{}",
        plot.gist()
    );
}

/// Builds the draft `a.md` over the runs under `dir/runs` into `dir/out`: the outcome, and its
/// problems one a line.
fn build_draft(dir: &std::path::Path, draft: &str) -> (report::build::Outcome, String) {
    std::fs::create_dir_all(dir.join("posts")).unwrap();
    std::fs::write(dir.join("posts/a.md"), draft).unwrap();
    std::fs::write(
        dir.join("site.toml"),
        "title = \"T\"\nauthor = \"A\"\nbase_url = \"https://example.org/\"\n",
    )
    .unwrap();
    let mut o = report::build::BuildOptions::new(
        dir.join("posts"),
        dir.join("runs"),
        Some(dir.join("out")),
    );
    o.config = dir.join("site.toml");
    o.templates = dir.join("templates");
    let out = report::build::build(&o).unwrap();
    let text = out.problems.iter().map(|p| format!("{p}\n")).collect();
    (out, text)
}

#[test]
fn lambda_share_fills_a_number_or_names_the_experiment_without_norms() {
    let tmp = tempfile::tempdir().unwrap();
    // Two seeds (their losses differ), the same lambdas: common::eval's, x_norms 1 + layer.
    let mut dirs = Vec::new();
    for (seed, floor) in [(0, 3.0), (1, 3.1)] {
        dirs.push(common::write_run(
            &tmp.path().join("runs"),
            "x01",
            seed,
            3,
            4,
            floor,
        ));
    }
    let draft = "# T\n\nx at 1: {{ lambda_share(variant=\"x01\", component=\"x\", layer=1, \
                 digits=3) }}.\n";
    let (o, text) = build_draft(tmp.path(), draft);
    assert!(!o.failed(), "{text}");
    let md = std::fs::read_to_string(tmp.path().join("out/a/a.md")).unwrap();
    // Layer 1: x 0.99·2 = 1.98, x00 0.05·1, x01 0.15·1: 1.98 / 2.18.
    assert!(md.contains("x at 1: 0.908 ± 0.000 (n=2)."), "{md}");

    // The same runs without their norms: the build stops, naming the experiment.
    for dir in &dirs {
        let path = dir.join("metrics.jsonl");
        let lines: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("x_norms");
                v.to_string()
            })
            .collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    }
    let (o, text) = build_draft(tmp.path(), draft);
    assert!(o.failed(), "{text}");
    assert!(
        text.contains("a.md:3: error: experiment exp: x01-s0")
            && text.contains("logs lambdas but no residual norms (x_norms"),
        "{text}"
    );
}
