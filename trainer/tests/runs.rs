//! Whole runs through the one entry point, [`trainer::run::launch`], as `trainer run` and sweeps start
//! them: the run log contract, reruns, bad arguments, hooks and divergence, and 30 steps of the
//! fused kernels against the plain ops.

use burn::tensor::{Tensor, TensorData};
use trainer::device::FlexAutodiff;
use trainer::kernels::Ops;
use trainer::run::launch::{launch, launch_with_hooks, LaunchError, OpsArgs};
use trainer::RunOutcome;

type B = FlexAutodiff;

fn run(args: &trainer::RunArgs) -> Result<RunOutcome, LaunchError> {
    Ok(launch(args, &OpsArgs::default())?
        .trained()
        .expect("a new run trains"))
}

fn quick(out: &std::path::Path, variant: &str, seed: u64, steps: usize) -> trainer::RunArgs {
    trainer::RunArgs {
        batch_size: Some(2),
        seq_len: Some(64),
        val_tokens: Some(256),
        eval_every: Some(2),
        threads: Some(2),
        ..trainer::RunArgs::quick(out, variant, seed, steps)
    }
}

#[test]
fn a_run_writes_the_run_log_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&quick(dir.path(), "x04", 0, 3)).unwrap();
    assert_eq!(out.dir, dir.path().join("test").join("x04-s0"));
    assert_eq!(out.status, runlog::Status::Finished);
    let run = runlog::read_run(&out.dir).unwrap();
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);
    let info = &run.info;
    assert_eq!(
        (
            info.variant.to_string().as_str(),
            info.extra_embeddings,
            info.seed
        ),
        ("x04", 4, Some(0))
    );
    // What the trainer writes passes every check the report makes before publishing.
    let checked = runlog::check::check_dir(&out.dir);
    assert!(checked.is_ok(), "{:?}", checked.problems);
    assert_eq!(info.threads, Some(2));
    assert!(info.config_hash.as_ref().is_some_and(|h| h.len() == 64));
    assert!(info.data_hash.is_some() && info.params.as_ref().unwrap().embeddings > 0);
    assert!(info.config["data_info"]["vocab_size"].as_u64().unwrap() > 2);
    // Evaluations at steps 0, 2 and the last step, 3.
    let steps: Vec<u64> = run.metrics.iter().map(|m| m.step).collect();
    assert_eq!(steps, vec![0, 2, 3]);
    let last = run.metrics.last().unwrap();
    let lambdas = last.lambdas.as_ref().unwrap();
    let keys: Vec<&str> = lambdas.keys().map(String::as_str).collect();
    assert_eq!(keys, ["x", "x00", "x01", "x02", "x03", "x04"]);
    assert!(lambdas.values().all(|v| v.len() == 16));
    assert_eq!(last.x_norms.as_ref().unwrap().len(), 16);
    assert_eq!(last.skip_weights.as_ref().unwrap().len(), 3);
    assert_eq!(last.ve_lambdas.as_ref().unwrap().len(), 16);
    assert!(last.train_loss.is_some() && last.tokens == Some(3 * 128));
    assert!(last.train_time_ms > 0.0 && last.val_loss.unwrap() < run.metrics[0].val_loss.unwrap());
    let summary = run.summary.unwrap();
    assert_eq!(summary.final_val_loss, last.val_loss);
    assert!(summary.tokens_per_s.unwrap() > 0.0);
}

#[test]
fn a_rerun_reproduces_its_first_losses_and_config_hash() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ra = run(&quick(a.path(), "x01", 1, 2)).unwrap();
    let rb = run(&quick(b.path(), "x01", 1, 2)).unwrap();
    assert_eq!(ra.train_losses, rb.train_losses);
    assert_eq!(ra.final_val_loss, rb.final_val_loss);
    let hash = |d: &std::path::Path| runlog::read_run(d).unwrap().info.config_hash;
    assert_eq!(hash(&ra.dir), hash(&rb.dir));
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let e = run(&quick(dir.path(), "x4", 0, 1)).unwrap_err().to_string();
    assert!(e.contains("`x4`"), "{e}");
    let mut args = quick(dir.path(), "x01", 0, 1);
    args.data = Some(dir.path().join("no-such-folder"));
    let e = run(&args).unwrap_err().to_string();
    assert!(e.contains("no-such-folder"), "{e}");
}

/// Stops the run at its first evaluation after `at` steps, as a SIGINT handler would.
struct StopAfter(usize);
impl trainer::train::Hooks for StopAfter {
    fn after_step<A: burn::tensor::backend::AutodiffBackend>(
        &mut self,
        _: &trainer::train::RunContext,
        s: &trainer::TrainState<A>,
    ) -> trainer::Result<trainer::train::Control> {
        Ok(if s.step >= self.0 {
            trainer::train::Control::Stop(runlog::Status::Interrupted)
        } else {
            trainer::train::Control::Continue
        })
    }
}

#[test]
fn a_hook_can_stop_the_run_and_a_nan_loss_means_diverged() {
    let dir = tempfile::tempdir().unwrap();
    let out = launch_with_hooks(
        &quick(dir.path(), "x00", 0, 5),
        &OpsArgs::default(),
        &mut StopAfter(1),
    )
    .unwrap()
    .trained()
    .unwrap();
    assert_eq!((out.status, out.steps), (runlog::Status::Interrupted, 1));
    let summary = runlog::read_run(&out.dir).unwrap().summary.unwrap();
    assert_eq!(summary.status, runlog::Status::Interrupted);

    // A NaN in the head makes the first loss NaN: the run stops, logs a null loss, says why.
    let args = quick(dir.path(), "x00", 1, 5);
    let (config, data) = trainer::prepare(&args).unwrap();
    let ctx = trainer::train::RunContext {
        config,
        data,
        dir: args.run_dir(),
        quiet: true,
        micro_batch: None,
        ops: Ops::Fused,
        peers: trainer::parallel::peers::Peers::new(2, 2).unwrap(),
    };
    let device = Default::default();
    let mut state = trainer::TrainState::<B>::fresh(&ctx.config, &device);
    let [r, c] = state.model.lm_head.val().dims();
    state.model.lm_head = burn::module::Param::from_tensor(Tensor::from_data(
        TensorData::new(vec![f32::NAN; r * c], [r, c]),
        &device,
    ));
    let mut writer = runlog::MetricsWriter::open(&ctx.dir.join(runlog::METRICS_FILE)).unwrap();
    let out = trainer::train::train(
        &ctx,
        state,
        &mut writer,
        &mut trainer::train::NoHooks,
        &device,
    )
    .unwrap();
    assert_eq!(
        (out.status, out.steps, out.final_val_loss),
        (runlog::Status::Diverged, 0, None)
    );
    let (metrics, _) = runlog::read_metrics(&ctx.dir.join(runlog::METRICS_FILE)).unwrap();
    assert_eq!(metrics.last().unwrap().val_loss, None);
}

/// Copies a run folder (checkpoint included).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Resumes the run under `out` from its checkpoint, with the fused kernels or the plain ops.
fn resume(out: &std::path::Path, plain_ops: bool) -> Vec<f64> {
    let ops = OpsArgs {
        resume: true,
        plain_ops,
        ..OpsArgs::default()
    };
    launch(&thirty(out), &ops)
        .unwrap()
        .trained()
        .unwrap()
        .train_losses
}

/// x04, 2 rows of 96 tokens (several documents each), 32 steps.
fn thirty(out: &std::path::Path) -> trainer::RunArgs {
    trainer::RunArgs {
        seq_len: Some(96),
        eval_every: Some(100),
        val_tokens: Some(192),
        ..quick(out, "x04", 0, 32)
    }
}

#[test]
fn thirty_steps_of_the_fused_kernels_match_the_plain_ops_and_repeat_exactly() {
    // Both paths start from one checkpoint after 2 plain steps. Before that, the zero-initialised
    // output projections make every block pass its input through, so the gradients of the skip
    // weights and of λx, λ00 are zero up to rounding (the residual is a multiple of x00, along
    // which the final norm's gradient vanishes), and Adam's first step moves each of them by ±lr
    // whatever their size: each implementation's rounding would pick its own signs.
    let base = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        base.path().join("a"),
        base.path().join("b"),
        base.path().join("c"),
    );
    let start = OpsArgs {
        checkpoint_every: 2,
        plain_ops: true,
        ..OpsArgs::default()
    };
    let first = launch_with_hooks(&thirty(&a), &start, &mut StopAfter(2))
        .unwrap()
        .trained()
        .unwrap();
    assert_eq!(
        (first.status, first.steps),
        (runlog::Status::Interrupted, 2)
    );
    for other in [&b, &c] {
        copy_dir(&a.join("test"), &other.join("test"));
    }
    let plain = resume(&a, true);
    let fused = resume(&b, false);
    let again = resume(&c, false);
    assert_eq!(fused.len(), 30);
    assert_eq!(fused, again, "same seed, same threads: the same losses");
    let worst = fused
        .iter()
        .zip(&plain)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(
        worst <= 1e-3,
        "fused and plain losses differ by up to {worst}"
    );
    assert_ne!(
        fused, plain,
        "the plain ops ran, not the fused kernels under another name"
    );
    assert!(
        fused[29] < fused[0] - 0.5,
        "the loss fell: {} -> {}",
        fused[0],
        fused[29]
    );
}
