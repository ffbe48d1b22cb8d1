//! The fused CPU kernels against their plain burn-ops oracles (issue 10): every kernel's values
//! and gradients on rows holding several documents, and the whole model's loss and every
//! parameter's gradient at fixed weights. (Whole runs, fused against plain, are in trainer.rs.)

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Distribution, ElementConversion, Tensor};
use trainer::data::loader::HostBatch;
use trainer::device::FlexAutodiff;
use trainer::kernels::{plain, Batch, Kernels, Ops};
use trainer::model::Gpt;
use trainer::optim::{self, HostGrads, OptimState, StepHyper};

type B = FlexAutodiff;

/// max |a - b| / max |b|: the measure for gradients.
fn rel<const D: usize>(
    a: Tensor<burn::backend::Flex, D>,
    b: Tensor<burn::backend::Flex, D>,
) -> f64 {
    let a = a.into_data().into_vec::<f32>().unwrap();
    let b = b.into_data().into_vec::<f32>().unwrap();
    assert_eq!(a.len(), b.len());
    let max = b.iter().fold(0.0f64, |m, x| m.max(x.abs() as f64));
    let diff = a
        .iter()
        .zip(&b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() as f64));
    assert!(max > 0.0, "the oracle is all zeros: nothing is compared");
    diff / max
}

/// The backend's generator is one for the process and tests run on threads side by side: seeding
/// and drawing under one lock keeps another test's draw from landing between them (it did: the
/// fused and plain runs of `check` then got different loss weights).
static GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn random<const D: usize>(shape: [usize; D], std: f64, seed: u64) -> Tensor<B, D> {
    let device = Default::default();
    let _one = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    B::seed(&device, seed);
    Tensor::random(shape, Distribution::Normal(0.0, std), &device).require_grad()
}

/// A batch of `rows` x `seq` with document boundaries (token 0) at `eots` (flat positions).
fn host(rows: usize, seq: usize, vocab: u16, eots: &[usize]) -> HostBatch {
    let mut w: Vec<u16> = (0..rows * seq + 1)
        .map(|i| (i * 7 % (vocab as usize - 1) + 1) as u16)
        .collect();
    for &e in eots {
        w[e] = 0;
    }
    HostBatch::from_window(&w, rows, seq, 0)
}

/// Runs `f` on fresh copies of `inputs` (fused, then plain), a random linear loss on its output,
/// and compares outputs and every input's gradient.
fn check<const D: usize>(
    inputs: &[Tensor<B, 2>],
    fused: impl Fn(Vec<Tensor<B, 2>>) -> Tensor<B, D>,
    oracle: impl Fn(Vec<Tensor<B, 2>>) -> Tensor<B, D>,
    what: &str,
) {
    let run = |f: &dyn Fn(Vec<Tensor<B, 2>>) -> Tensor<B, D>| {
        let xs: Vec<Tensor<B, 2>> = inputs
            .iter()
            .map(|x| x.clone().detach().require_grad())
            .collect();
        let y = f(xs.clone());
        let w = Tensor::<B, D>::from_inner(random::<D>(y.dims(), 1.0, 99).inner());
        let grads = (y.clone() * w).sum().backward();
        let g: Vec<_> = xs
            .iter()
            .map(|x| x.grad(&grads).expect("a gradient"))
            .collect();
        (y.inner(), g)
    };
    let (yf, gf) = run(&fused);
    let (yp, gp) = run(&oracle);
    let r = rel(yf, yp);
    assert!(r <= 1e-6, "{what}: output differs by {r:e}");
    for (i, (a, b)) in gf.into_iter().zip(gp).enumerate() {
        let r = rel(a, b);
        assert!(r <= 1e-5, "{what}: gradient of input {i} differs by {r:e}");
    }
}

#[test]
fn rms_norm_relu_square_linear_and_mix_equal_their_oracles() {
    let x = random([96, 48], 2.0, 1);
    check(
        std::slice::from_ref(&x),
        |v| B::fused_rms_norm(v[0].clone()),
        |v| plain::rms_norm(v[0].clone()),
        "rms norm",
    );
    check(
        std::slice::from_ref(&x),
        |v| B::fused_relu_square(v[0].clone()),
        |v| plain::relu_square(v[0].clone()),
        "relu²",
    );
    let w = random([48, 80], 0.5, 9);
    check(
        &[x.clone(), w],
        |v| B::fused_linear(v[0].clone(), v[1].clone()),
        |v| v[0].clone().matmul(v[1].clone()),
        "linear",
    );
    // x plus three stacked embeddings, and four lambdas (a `[1, 4]` input, flattened).
    let (stack, lam) = (random([3, 96 * 48], 1.0, 2), random([1, 4], 1.0, 3));
    check(
        &[x, stack, lam],
        |v| B::fused_mix(v[0].clone(), v[1].clone(), v[2].clone().reshape([4])),
        |v| plain::mix(v[0].clone(), &v[1], v[2].clone().reshape([4])),
        "mix",
    );
}

#[test]
fn embedding_lookups_equal_burns_with_repeated_tokens() {
    // 2 rows of 40 over 7 tokens: every token repeats, so rows of the gradient sum several.
    let h = host(2, 40, 8, &[0, 13]);
    let device = Default::default();
    let fused = Batch::<B>::new(&h, 1, 8, Ops::Fused, &device);
    let oracle = Batch::<B>::new(&h, 1, 8, Ops::Plain, &device);
    let table = random([8, 16], 1.0, 10);
    check(
        &[table],
        |v| B::fused_embedding(v[0].clone(), &fused.host),
        |v| plain::embedding(v[0].clone(), oracle.inputs.clone()),
        "embedding",
    );
}

#[test]
fn attention_equals_its_oracle_with_several_documents_per_row() {
    // 3 rows of 150 (three query blocks, the last partial), 2 heads of 16. Row 0: documents
    // starting at 0, 5 and 70; row 1: one document; row 2: a new document every few tokens.
    let (rows, seq, heads, hd) = (3, 150, 2, 16);
    let mut eots = vec![0, 5, 70];
    eots.extend((2 * seq..3 * seq).step_by(9));
    let h = host(rows, seq, 50, &eots);
    assert!(h.docs[..seq].contains(&3) && h.docs[2 * seq..].iter().any(|&d| d > 10));
    let device = Default::default();
    let fused = Batch::<B>::new(&h, heads, hd, Ops::Fused, &device);
    let oracle = Batch::<B>::new(&h, heads, hd, Ops::Plain, &device);
    let p = oracle.plain.as_ref().unwrap();
    let dims = fused.dims();
    let qkv = random([rows * seq, 3 * heads * hd], 1.5, 4);
    let (ve, lam) = (
        random([rows * seq, heads * hd], 1.0, 5),
        random([1, 2], 1.0, 6),
    );
    check(
        &[qkv.clone(), ve, lam.clone()],
        |v| {
            B::fused_attention(
                v[0].clone(),
                Some(v[1].clone()),
                v[2].clone().reshape([2]),
                &fused.host,
            )
        },
        |v| {
            plain::attention(
                v[0].clone(),
                Some(v[1].clone()),
                v[2].clone().reshape([2]),
                dims,
                p,
            )
        },
        "attention with a value embedding",
    );
    check(
        &[qkv, lam],
        |v| B::fused_attention(v[0].clone(), None, v[1].clone().reshape([2]), &fused.host),
        |v| plain::attention(v[0].clone(), None, v[1].clone().reshape([2]), dims, p),
        "attention without",
    );
}

#[test]
fn the_head_and_softcapped_cross_entropy_equal_their_oracle() {
    let h = host(4, 40, 200, &[0, 17, 90]);
    let device = Default::default();
    let fused = Batch::<B>::new(&h, 1, 8, Ops::Fused, &device);
    let oracle = Batch::<B>::new(&h, 1, 8, Ops::Plain, &device);
    // Logits well beyond the softcap's linear range, over a padded vocabulary of 256.
    let (x, w) = (random([160, 24], 1.0, 7), random([24, 256], 4.0, 8));
    let targets = &oracle.plain.as_ref().unwrap().targets;
    check(
        &[x, w],
        |v| B::fused_head_loss(v[0].clone(), v[1].clone(), &fused.host),
        |v| plain::softcap_cross_entropy(v[0].clone().matmul(v[1].clone()), targets),
        "head and softcapped cross-entropy",
    );
}

/// Largest relative gradient difference over every parameter, and how many were compared.
struct Grads<'a> {
    fused: &'a <B as AutodiffBackend>::Gradients,
    plain: &'a <B as AutodiffBackend>::Gradients,
    worst: (f64, String),
    path: Vec<String>,
    count: usize,
}

impl ModuleVisitor<B> for Grads<'_> {
    fn enter_module(&mut self, name: &str, _: &str) {
        self.path.push(name.into());
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<B, D>>) {
        let (a, b) = (
            p.val().grad(self.fused).unwrap(),
            p.val().grad(self.plain).unwrap(),
        );
        let r = rel(a, b);
        if r > self.worst.0 {
            self.worst = (r, self.path.join("."));
        }
        self.count += 1;
    }
}

#[test]
fn the_whole_model_has_the_plain_paths_loss_and_gradients() {
    let mut cfg = trainer::Preset::Tiny.config(4, 0).model;
    (cfg.vocab, cfg.dim, cfg.heads, cfg.head_dim) = (90, 32, 2, 16);
    let device = Default::default();
    let h = host(3, 96, 90, &[0, 30, 31, 100, 200, 250]);
    let mut model = Gpt::<B>::new(&cfg, 5, &device);
    // Three plain steps first: the zero-initialised head and projections would leave most
    // gradients zero.
    let (o, s) = (
        trainer::config::OptimConfig::default(),
        trainer::Preset::Tiny.config(4, 0).schedule,
    );
    let mut state = OptimState::default();
    let grads_of = |m: &Gpt<B>, ops| {
        let loss = m
            .forward(
                &Batch::new(&h, cfg.heads, cfg.head_dim, ops, &device),
                false,
            )
            .loss;
        (loss.clone().into_scalar().elem::<f64>(), loss.backward())
    };
    for step in 0..3 {
        let g = HostGrads::of(&model, grads_of(&model, Ops::Plain).1);
        model = optim::step(
            model,
            &g,
            &mut state,
            &o,
            StepHyper::at(step, &o, &s),
            Ops::Plain,
        );
    }
    let (lf, gf) = grads_of(&model, Ops::Fused);
    let (lp, gp) = grads_of(&model, Ops::Plain);
    assert!(((lf - lp) / lp).abs() <= 1e-6, "loss {lf} vs {lp}");
    let mut v = Grads {
        fused: &gf,
        plain: &gp,
        worst: (0.0, String::new()),
        path: Vec::new(),
        count: 0,
    };
    model.visit(&mut v);
    assert_eq!(v.count, trainer::optim::groups::paths(&model).len());
    assert!(
        v.worst.0 <= 1e-5,
        "gradient of {} differs by {:e}",
        v.worst.1,
        v.worst.0
    );
}

#[test]
fn a_batch_carries_the_plain_ops_tensors_only_when_it_runs_them() {
    let h = host(2, 32, 50, &[0, 40]);
    let device = Default::default();
    assert!(Batch::<B>::new(&h, 1, 8, Ops::Fused, &device)
        .plain
        .is_none());
    let p = Batch::<B>::new(&h, 1, 8, Ops::Plain, &device)
        .plain
        .unwrap();
    assert_eq!(p.attn_bias.dims(), [2, 32, 32]);
    assert_eq!(p.cos_q.dims(), [2, 32, 8]);
}
