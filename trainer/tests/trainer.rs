//! Model and optimiser facts from issue 2's "What it must show", on tiny shapes so they run in
//! seconds: zero-head step-0 loss, overfitting a fixed batch, Newton–Schulz singular values,
//! parameter counts per embedding, the layer-0 lambda invariant under Adam, and determinism.

use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, ElementConversion, Tensor, TensorData};
use trainer::config::{ModelConfig, OptimConfig, ScheduleConfig};
use trainer::data::loader::HostBatch;
use trainer::device::FlexAutodiff;
use trainer::kernels::{plain::attend, Ops};
use trainer::model::{param_counts, Batch, Gpt};
use trainer::optim::{self, muon::newton_schulz, HostGrads, OptimState, StepHyper};

type B = FlexAutodiff;
type Inner = burn::backend::Flex;

fn small(extra: usize, vocab: usize) -> ModelConfig {
    ModelConfig {
        layers: 16,
        dim: 32,
        heads: 1,
        head_dim: 32,
        vocab,
        extra_embeddings: extra,
    }
}

/// A fixed batch of 2 rows x 32 tokens over `vocab` ids, with one document boundary (id 0).
fn fixed_batch(vocab: usize) -> HostBatch {
    let window: Vec<u16> = (0..65u32)
        .map(|i| ((i * 7 + i / 5) % (vocab as u32 - 1) + 1) as u16)
        .collect();
    let mut w = window;
    w[0] = 0;
    w[40] = 0;
    HostBatch::from_window(&w, 2, 32, 0)
}

fn loss_of(model: &Gpt<B>, batch: &Batch<B>) -> f64 {
    model.forward(batch, false).loss.into_scalar().elem()
}

/// Trains on the same batch; returns the model and the loss of every step.
fn train_fixed(
    cfg: &ModelConfig,
    steps: usize,
    seed: u64,
    mut each: impl FnMut(&Gpt<B>),
) -> (Gpt<B>, Vec<f64>) {
    let device = Default::default();
    let host = fixed_batch(cfg.vocab);
    let batch = Batch::<B>::new(&host, cfg.heads, cfg.head_dim, Ops::Fused, &device);
    let mut model = Gpt::<B>::new(cfg, seed, &device);
    let mut state = OptimState::default();
    let o = OptimConfig::default();
    let s = ScheduleConfig {
        steps: 1000,
        cooldown_frac: 0.7,
    };
    let mut losses = Vec::new();
    for step in 0..steps {
        let loss = model.forward(&batch, false).loss;
        losses.push(loss.clone().into_scalar().elem::<f64>());
        let grads = HostGrads::of(&model, loss.backward());
        let h = StepHyper::at(step, &o, &s);
        model = optim::step(model, &grads, &mut state, &o, h, Ops::Fused);
        each(&model);
    }
    (model, losses)
}

#[test]
fn step_zero_loss_is_ln_of_the_padded_vocabulary() {
    // 200 rows pad to 256; the zero head gives uniform logits over all 256.
    let cfg = small(2, 200);
    assert_eq!(cfg.padded_vocab(), 256);
    let device = Default::default();
    let model = Gpt::<B>::new(&cfg, 0, &device);
    let batch = Batch::<B>::new(&fixed_batch(200), 1, 32, Ops::Fused, &device);
    let loss = loss_of(&model, &batch);
    assert!(
        (loss - 256f64.ln()).abs() < 1e-5,
        "{loss} vs {}",
        256f64.ln()
    );
}

#[test]
fn a_fixed_batch_overfits() {
    let cfg = small(1, 64);
    let (_, losses) = train_fixed(&cfg, 60, 0, |_| {});
    let first = losses[0];
    let last = *losses.last().unwrap();
    assert!((first - 128f64.ln()).abs() < 1e-5);
    assert!(
        last < 0.25 * 64f64.ln(),
        "loss went {first} -> {last}: no overfitting"
    );
}

#[test]
fn same_seed_same_losses_other_seed_others() {
    let cfg = small(1, 64);
    let a = train_fixed(&cfg, 4, 7, |_| {}).1;
    let b = train_fixed(&cfg, 4, 7, |_| {}).1;
    let c = train_fixed(&cfg, 4, 8, |_| {}).1;
    assert_eq!(a, b, "same seed, same thread count: identical losses");
    assert_ne!(a[1..], c[1..]);
}

#[test]
fn layer_zero_lambdas_for_x_and_x00_keep_their_difference_under_adam() {
    // At layer 0, x is x00, so λx[0] and λ00[0] get identical gradients and Adam moves them
    // identically: their difference stays at the initial 1 (the medium-track logs show
    // 5.706263 vs 4.706265 after 5960 steps).
    let cfg = small(2, 64);
    let mut worst: f64 = 0.0;
    let mut moved: f64 = 0.0;
    let (_, _) = train_fixed(&cfg, 25, 3, |m| {
        let l = m
            .lambdas
            .val()
            .into_data()
            .convert::<f64>()
            .into_vec::<f64>()
            .unwrap();
        worst = worst.max((l[0] - l[1] - 1.0).abs());
        moved = moved.max((l[0] - 1.0).abs());
    });
    assert!(moved > 1e-3, "the lambdas should move ({moved})");
    assert!(worst < 1e-5, "λx[0] - λ00[0] drifted from 1 by {worst}");
}

#[test]
fn each_extra_embedding_adds_vocab_times_dim_parameters() {
    let device = Default::default();
    let counts: Vec<(u64, u64)> = (0..4)
        .map(|n| {
            let (total, emb, _) = param_counts(&Gpt::<Inner>::new(&small(n, 100), 0, &device));
            (total, emb)
        })
        .collect();
    for w in counts.windows(2) {
        // One table of 100 x 32, plus one lambda per layer (16) for the new embedding.
        assert_eq!(w[1].1 - w[0].1, 100 * 32);
        assert_eq!(w[1].0 - w[0].0, 100 * 32 + 16);
    }
}

/// Singular values via the eigenvalues of the Gram matrix (cyclic Jacobi, f64).
fn singular_values(m: &[f32], rows: usize, cols: usize) -> Vec<f64> {
    let (r, c) = if rows <= cols {
        (rows, cols)
    } else {
        (cols, rows)
    };
    let at = |i: usize, j: usize| if rows <= cols { m[i * cols + j] } else { m[j * cols + i] } as f64;
    let mut g = vec![0.0; r * r];
    for i in 0..r {
        for j in 0..r {
            g[i * r + j] = (0..c).map(|k| at(i, k) * at(j, k)).sum();
        }
    }
    for _ in 0..30 {
        for p in 0..r {
            for q in p + 1..r {
                let apq = g[p * r + q];
                if apq.abs() < 1e-15 {
                    continue;
                }
                let theta = (g[q * r + q] - g[p * r + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (cs, sn) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for k in 0..r {
                    let (gkp, gkq) = (g[k * r + p], g[k * r + q]);
                    g[k * r + p] = cs * gkp - sn * gkq;
                    g[k * r + q] = sn * gkp + cs * gkq;
                }
                for k in 0..r {
                    let (gpk, gqk) = (g[p * r + k], g[q * r + k]);
                    g[p * r + k] = cs * gpk - sn * gqk;
                    g[q * r + k] = sn * gpk + cs * gqk;
                }
            }
        }
    }
    (0..r).map(|i| g[i * r + i].max(0.0).sqrt()).collect()
}

#[test]
fn newton_schulz_pushes_singular_values_into_0_9_to_1_1() {
    let device = Default::default();
    Inner::seed(&device, 11);
    for (rows, cols) in [(64, 256), (256, 64)] {
        let g = Tensor::<Inner, 2>::random([rows, cols], Distribution::Normal(0.0, 1.0), &device);
        let before = singular_values(&g.to_data().into_vec::<f32>().unwrap(), rows, cols);
        let o = newton_schulz(g).into_data().into_vec::<f32>().unwrap();
        let s = singular_values(&o, rows, cols);
        let (lo, hi) = s
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(
            lo >= 0.9 && hi <= 1.1,
            "{rows}x{cols}: singular values in [{lo}, {hi}]"
        );
        let spread = before.iter().fold(0.0f64, |a, &x| a.max(x))
            / before.iter().fold(f64::MAX, |a, &x| a.min(x));
        assert!(
            spread > 2.0,
            "the input was not already orthogonal ({spread})"
        );
    }
}

#[test]
fn fast_attention_equals_textbook_softmax_attention() {
    let device = Default::default();
    Inner::seed(&device, 5);
    let (b, t, d) = (2, 16, 8);
    let rnd = |s| Tensor::<Inner, 3>::random(s, Distribution::Normal(0.0, 1.0), &device);
    let (q, k, v) = (rnd([b, t, d]), rnd([b, t, d]), rnd([b, t, d]));
    // Causal plus a document boundary at position 5 of row 1.
    let mut window: Vec<u16> = vec![3; b * t + 1];
    window[t + 5] = 0;
    let host = HostBatch::from_window(&window, b, t, 0);
    let bias =
        Tensor::<Inner, 3>::from_data(TensorData::new(host.attention_bias(1), [b, t, t]), &device);
    let fast = attend(q.clone(), k.clone(), v.clone(), &bias);
    let scores = q.matmul(k.swap_dims(1, 2)) + bias;
    let textbook = burn::tensor::activation::softmax(scores, 2).matmul(v);
    let diff: f32 = (fast - textbook).abs().max().into_scalar().elem();
    assert!(diff < 1e-5, "max difference {diff}");
}

#[test]
fn the_medium_track_logs_show_the_same_layer_zero_invariant() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/x0-experiment");
    if !dir.exists() {
        // Under CI a skip would pass without testing: the fixtures must be there.
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(!ci, "{} is absent and CI is set", dir.display());
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let first_value = |line: &str| -> f64 {
        let list = &line[line.find('[').unwrap() + 1..];
        list.split([',', ']'])
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    for run in ["x01-s0.txt", "x04-s0.txt"] {
        let text = std::fs::read_to_string(dir.join(run)).unwrap();
        let last = |key: &str| {
            text.lines()
                .rfind(|l| l.contains(key))
                .map(first_value)
                .unwrap()
        };
        let d = last(" x_lambdas:") - last(" x00_lambdas:");
        assert!((d - 1.0).abs() < 2e-5, "{run}: λx[0] - λ00[0] = {d}");
    }
}
