//! The logit lens against its oracles: a finished run's lens.json has `x-out`'s cross-entropy
//! equal to the run's logged final val loss, its top-1 is the model's own argmax (computed here
//! without the lens, from the logits before the softcap), the lens from the checkpoint is the
//! lens written at the end of training, and the fused kernels' lens is the plain ops' within the
//! kernels' tolerances. A run with neither checkpoint nor lens.json is refused, naming the file.

mod common;
use burn::module::AutodiffModule;
use burn::tensor::Tensor;
use std::path::{Path, PathBuf};
use trainer::config::Config;
use trainer::data::loader::val_batches;
use trainer::device::FlexAutodiff;
use trainer::kernels::{plain, Ops};
use trainer::model::Batch;
use trainer::run::lens::{from_checkpoint, LensArgs};

/// An x01 run of 20 steps of 2 x 64 tokens, 512 validation tokens.
fn run_args(out: &Path) -> trainer::RunArgs {
    let mut args = trainer::RunArgs::quick(out, "x01", 0, 20);
    args.batch_size = Some(2);
    args.seq_len = Some(64);
    args.eval_every = Some(10);
    args.val_tokens = Some(512);
    args
}

/// That run, finished.
fn train(out: &Path) -> PathBuf {
    let args = run_args(out);
    trainer::run::launch::launch(&args, &Default::default()).unwrap();
    args.run_dir()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn a_finished_run_carries_its_lens_anchored_at_its_val_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = train(tmp.path());
    let run = runlog::read_run(&dir).unwrap();
    let lens = run
        .lens
        .clone()
        .expect("lens.json written at the end of the run");
    let final_loss = run.summary.as_ref().unwrap().final_val_loss.unwrap();
    let x_out = &lens.components["x-out"];
    assert!(
        rel(x_out.cross_entropy.unwrap(), final_loss) < 1e-5,
        "x-out {} against the val loss {final_loss}",
        x_out.cross_entropy.unwrap()
    );
    assert_eq!(x_out.tokens, 512, "the run's validation tokens");
    for c in ["x00", "x01", "x-out", "ve2_o15"]
        .into_iter()
        .map(String::from)
        .chain((0..16).map(|i| format!("x-{i}")))
    {
        assert!(lens.components.contains_key(&c), "{c}");
    }
    // The residual entering layer 0 is x00 itself: the same vector, the same numbers.
    assert_eq!(lens.components["x-0"], lens.components["x00"]);
    assert_eq!(lens.step, Some(20));
    assert_eq!(lens.sample.tokens.len(), 32);
    assert_eq!(
        lens.sample.tokens[0], "<|endoftext|>",
        "the validation split starts a story"
    );
    assert_eq!(lens.sample.top["x-out"][5].len(), 5);
    let c = runlog::check::check_dir(&dir);
    assert!(c.is_ok(), "{:?}", c.problems);

    // From the checkpoint: the same weights, the same lens.
    let again = from_checkpoint(&LensArgs::new(&dir)).unwrap().unwrap();
    assert_eq!(again.lens, lens);

    // A text of one's own in the sample: here the validation split's first words again, so
    // every token is in the compacted vocabulary.
    let text = tmp.path().join("text.txt");
    std::fs::write(&text, lens.sample.tokens[1..9].concat()).unwrap();
    let mut args = LensArgs::new(&dir);
    args.text = Some(text);
    args.out = Some(tmp.path().join("text-lens.json"));
    let own = from_checkpoint(&args).unwrap().unwrap().lens;
    assert_eq!(
        own.sample.text,
        "the first 8 tokens of the text of text.txt"
    );
    assert_eq!(own.sample.tokens, lens.sample.tokens[..8]);
    assert_eq!(own.sample.top["x01"], lens.sample.top["x01"][..8]);
    assert_eq!(
        own.components, lens.components,
        "the rates are the validation tokens'"
    );
}

#[test]
fn x_out_top1_is_the_models_own_argmax() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = train(tmp.path());
    let run = runlog::read_run(&dir).unwrap();
    let lens = run.lens.unwrap();
    let cfg: Config = serde_json::from_value(run.info.config).unwrap();
    let data = trainer::data::load(&cfg.data, Path::new("data/corpus")).unwrap();
    let device = Default::default();
    let model = trainer::run::checkpoint::load::<FlexAutodiff>(&dir, &cfg, &device)
        .unwrap()
        .model
        .valid();
    let (rows, seq) = (cfg.data.batch_size, cfg.data.seq_len);
    // The model's argmax: the trunk's last residual, normed, through the head, without the
    // softcap (which keeps the order of the logits), in burn's plain ops.
    let argmax = |host: &trainer::data::loader::HostBatch| -> Vec<u32> {
        let b = Batch::new(host, model.heads, model.head_dim, Ops::Plain, &device);
        let z: Tensor<_, 2> =
            plain::rms_norm(model.trunk(&b, false, false).x).matmul(model.lm_head.val());
        let width = z.dims()[1];
        let v: Vec<f32> = z.into_data().iter::<f32>().collect();
        v.chunks(width)
            .map(|r| (0..width).fold(0, |best, i| if r[i] > r[best] { i } else { best }) as u32)
            .collect()
    };
    let mut hits = 0;
    let mut n = 0;
    for host in val_batches(&data.val, rows, seq, cfg.data.val_tokens, data.eot) {
        let top = argmax(&host);
        hits += top
            .iter()
            .zip(&host.targets)
            .filter(|(a, b)| a == b)
            .count();
        n += top.len();
    }
    let x_out = &lens.components["x-out"];
    assert_eq!(x_out.tokens, n as u64);
    assert_eq!(x_out.next_top1, hits as f64 / n as f64);
    // The sample's top-1 token at each position is the model's argmax there.
    let sample = &data.val[..=32];
    let host = trainer::data::loader::HostBatch::from_window(sample, 1, 32, data.eot);
    let vocab = trainer::lens::vocab::Vocab::of(&data);
    for (i, id) in argmax(&host).into_iter().enumerate() {
        assert_eq!(
            lens.sample.top["x-out"][i][0].0,
            vocab.text(id),
            "position {i}"
        );
    }
}

#[test]
fn the_fused_lens_is_the_plain_ops_lens_within_the_kernels_tolerances() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = train(tmp.path());
    let fused = runlog::read_run(&dir).unwrap().lens.unwrap();
    let mut args = LensArgs::new(&dir);
    args.plain_ops = true;
    args.out = Some(tmp.path().join("plain.json"));
    let plain = from_checkpoint(&args).unwrap().unwrap().lens;
    assert_eq!(fused.components.len(), plain.components.len());
    for (name, f) in &fused.components {
        let p = &plain.components[name];
        let n = f.tokens as f64;
        for (what, a, b) in [
            ("cross_entropy", f.cross_entropy, p.cross_entropy),
            ("entropy", f.entropy, p.entropy),
        ] {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(rel(a, b) < 1e-5, "{name} {what}: fused {a}, plain {b}");
        }
        // A top-1 may flip where two logits tie within rounding: at most a token or two.
        for (what, a, b) in [
            ("next", f.next_top1, p.next_top1),
            ("copy", f.copy_top1, p.copy_top1),
            ("bigram", f.bigram_top1.unwrap(), p.bigram_top1.unwrap()),
        ] {
            assert!(
                (a - b).abs() * n <= 2.0,
                "{name} {what}: fused {a}, plain {b}"
            );
        }
    }
}

#[test]
fn a_run_without_checkpoint_or_lens_is_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = train(tmp.path());
    std::fs::remove_dir_all(dir.join(trainer::run::checkpoint::CHECKPOINT_DIR)).unwrap();
    // Its lens.json stays as it is: nothing to decode again.
    assert!(from_checkpoint(&LensArgs::new(&dir)).unwrap().is_none());
    std::fs::remove_file(dir.join(runlog::LENS_FILE)).unwrap();
    let out = common::trainer(&["lens", "--run", dir.to_str().unwrap()], &[])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = common::text(&out);
    let ckpt = trainer::run::checkpoint::path(&dir);
    assert!(
        text.contains(&format!(
            "error: {}: missing: the run has no checkpoint to decode, and no lens.json",
            ckpt.display()
        )),
        "{text}"
    );
}

/// A run stopped early by `--stop-after-step` is interrupted, not finished: its weights are not
/// the run's, so it writes no lens; resumed to the end, it writes the final weights' lens.
#[test]
fn a_run_stopped_early_writes_its_lens_only_when_resumed_to_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    let args = run_args(tmp.path());
    let dir = args.run_dir();
    let stop = trainer::run::operations::OpsArgs {
        stop_after_step: Some(10),
        ..Default::default()
    };
    trainer::run::launch::launch(&args, &stop).unwrap();
    let run = runlog::read_run(&dir).unwrap();
    assert_eq!(run.summary.unwrap().status, runlog::Status::Interrupted);
    assert!(run.lens.is_none(), "no lens of a run stopped at step 10");
    assert!(!dir.join(runlog::LENS_FILE).exists());
    let resume = trainer::run::operations::OpsArgs {
        resume: true,
        ..Default::default()
    };
    trainer::run::launch::launch(&args, &resume).unwrap();
    let run = runlog::read_run(&dir).unwrap();
    let summary = run.summary.unwrap();
    assert_eq!(summary.status, runlog::Status::Finished);
    let lens = run
        .lens
        .expect("lens.json written when the resumed run ends");
    assert_eq!(lens.step, Some(20));
    let ce = lens.components["x-out"].cross_entropy.unwrap();
    assert!(rel(ce, summary.final_val_loss.unwrap()) < 1e-5, "{ce}");
}
