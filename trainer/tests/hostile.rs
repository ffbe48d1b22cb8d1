//! The trainer's hostile inputs, through the `trainer` binary (the report's are in
//! report/tests/hostile/): a shard holding a token past the vocabulary, a checkpoint whose bytes
//! changed on disk, a sweep meeting a run another process holds, and a run of another config
//! sent into an experiment whose runs share one. Each must stop with an error that names what
//! is wrong, and leave nothing behind that a later run or the report would take for a result.

mod common;

use common::{small, text};
use std::process::Output;

fn trainer(args: &[&str], more: &[String]) -> Output {
    common::trainer(args, more).output().unwrap()
}

#[test]
fn a_shard_with_a_token_past_the_vocabulary_is_refused_before_any_run_folder() {
    let root = tempfile::tempdir().unwrap();
    let shards = root.path().join("shards");
    let mut train: Vec<u16> = (0..4000).map(|i| (i % 900) as u16).collect();
    train[1500] = 60000;
    let val: Vec<u16> = (0..1000).map(|i| (i % 900) as u16).collect();
    trainer::data::shard::write(&shards.join("fineweb_train_000000.bin"), &train).unwrap();
    trainer::data::shard::write(&shards.join("fineweb_val_000000.bin"), &val).unwrap();
    let mut args = small(root.path(), 2);
    args.extend(["--data", shards.to_str().unwrap(), "--compact-vocab", "0"].map(String::from));
    let out = trainer(&["run"], &args);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("fineweb_train_000000.bin: token 1500 (byte offset 4024) is 60000, not a GPT-2 token id"),
        "{t}"
    );
    assert!(
        !root.path().join("t").exists(),
        "a run folder was left: {t}"
    );
}

#[test]
fn a_corrupted_checkpoint_is_an_error_and_the_run_is_not_done() {
    let root = tempfile::tempdir().unwrap();
    let args = small(root.path(), 4);
    let first = trainer(&["run", "--checkpoint-every", "2"], &args);
    assert!(first.status.success(), "{}", text(&first));
    let dir = root.path().join("t/x00-s0");
    // As if killed after its last checkpoint: no summary, so a resume is due.
    std::fs::remove_file(dir.join(runlog::SUMMARY_FILE)).unwrap();
    let ckpt = trainer::run::checkpoint::path(&dir);
    let mut bytes = std::fs::read(&ckpt).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 8] {
        *b = !*b;
    }
    std::fs::write(&ckpt, bytes).unwrap();

    let resumed = trainer(&["run", "--resume"], &args);
    let t = text(&resumed);
    assert!(!resumed.status.success(), "{t}");
    assert!(t.contains("last.ckpt: is corrupted"), "{t}");
    let sweep = trainer(&["sweep", "--variants", "x00", "--seeds", "0"], &args);
    let t = text(&sweep);
    assert!(!sweep.status.success(), "{t}");
    assert!(
        t.contains("is corrupted") && t.contains("x00-s0  failed"),
        "{t}"
    );
    // Nothing says the run ended: no later sweep skips it as done.
    assert!(!dir.join(runlog::SUMMARY_FILE).exists(), "{t}");
}

#[test]
fn a_sweep_that_could_not_train_a_run_exits_non_zero() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t/x01-s0");
    let _held = trainer::run::lock::RunLock::acquire(&dir).unwrap();
    let args = small(root.path(), 2);
    let out = trainer(&["sweep", "--variants", "x01", "--seeds", "0"], &args);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("x01-s0  busy"), "{t}");
    assert!(
        t.contains("1 run(s) of the grid could not be trained"),
        "{t}"
    );
}

#[test]
fn a_run_of_another_config_is_refused_from_an_experiment_whose_runs_share_one() {
    let root = tempfile::tempdir().unwrap();
    let first = trainer(&["run", "--variant", "x00"], &small(root.path(), 2));
    assert!(first.status.success(), "{}", text(&first));
    // Another variant and seed of the same config is welcome; another step count is not.
    let out = trainer(
        &["run", "--variant", "x01", "--seed", "1"],
        &small(root.path(), 3),
    );
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("x01-s1: the runs of experiment `t` share one config"),
        "{t}"
    );
    assert!(
        t.contains("config.schedule.steps:  2 (x00-s0) -> 3 (requested)"),
        "{t}"
    );
    assert!(!root.path().join("t/x01-s1").exists(), "{t}");
    let sweep = trainer(
        &["sweep", "--variants", "x01,x02", "--seeds", "0"],
        &small(root.path(), 3),
    );
    let t = text(&sweep);
    assert!(!sweep.status.success(), "{t}");
    assert!(t.contains("the sweep trains nothing"), "{t}");
    assert!(
        t.contains("x01-s0: the runs") && t.contains("x02-s0: the runs"),
        "{t}"
    );
    let ok = trainer(
        &["run", "--variant", "x01", "--seed", "1"],
        &small(root.path(), 2),
    );
    assert!(ok.status.success(), "{}", text(&ok));
}

/// Nothing was written under `root` (no run folder, no script).
fn empty(root: &std::path::Path) -> bool {
    std::fs::read_dir(root).unwrap().next().is_none()
}

#[test]
fn a_line_break_in_a_name_or_an_sbatch_value_reaches_no_script_and_no_folder() {
    let root = tempfile::tempdir().unwrap();
    let (out_dir, script) = (root.path().join("runs"), root.path().join("sweep.sbatch"));
    let (out_dir, script) = (out_dir.to_str().unwrap(), script.to_str().unwrap());
    let emit = |more: &[&str]| {
        let mut a = vec!["--emit", "slurm", "--script", script, "--out", out_dir];
        a.extend(more);
        trainer(
            &["sweep"],
            &a.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    // Issue 17, case 9, as written: `--experiment $'x\ntouch PWNED #'`.
    let out = emit(&["--experiment", "x\ntouch PWNED #"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(r#"--experiment "x\ntouch PWNED #" is not a plain name: it holds a line break"#),
        "{t}"
    );
    let out = emit(&["--sbatch=--time=1:00:00\ntouch PWNED"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(r#"--sbatch value "--time=1:00:00\ntouch PWNED" is not one sbatch option: it holds a line break"#),
        "{t}"
    );
    assert!(empty(root.path()), "a script or a folder was written: {t}");
    // `trainer run` refuses the name too, and `trainer data` a shard name.
    let mut run = small(root.path(), 2);
    let at = run.iter().position(|a| a == "--experiment").unwrap();
    run[at + 1] = "x\ntouch PWNED #".into();
    let out = trainer(&["run"], &run);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains("is not a plain name: it holds a line break"),
        "{t}"
    );
    let data = ["--out", out_dir, "--name", "../escape"].map(String::from);
    let out = trainer(&["data"], &data);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(r#"--name "../escape" is not a plain name"#),
        "{t}"
    );
    assert!(empty(root.path()), "{t}");
}

#[test]
fn impossible_node_counts_and_a_folder_of_two_shard_sets_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let run = |more: &[&str], env: &[(&str, &str)]| {
        let mut a = small(root.path(), 2);
        a.extend(more.iter().map(|s| s.to_string()));
        let out = common::trainer(&["run"], &a)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{more:?} {env:?}: {}", text(&out));
        text(&out)
    };
    let zero = "--nodes (or NNODES) must be at least 1";
    assert!(run(&["--nodes", "0"], &[]).contains(zero));
    assert!(run(&[], &[("NNODES", "0")]).contains(zero));
    let t = run(&["--nodes", "1", "--node-rank", "3"], &[]);
    assert!(
        t.contains("--node-rank (or NODE_RANK) 3 is not one of the 1 node(s) (0..0)"),
        "{t}"
    );
    assert!(empty(root.path()), "a run folder was left");
    // Two sets of shards in one --data folder (before: both read as one stream, mixed).
    let shards = tempfile::tempdir().unwrap();
    let tokens: Vec<u16> = (0..4000).map(|i| (i % 900) as u16).collect();
    for set in ["fineweb", "text"] {
        for split in ["train", "val"] {
            let file = shards.path().join(format!("{set}_{split}_000000.bin"));
            trainer::data::shard::write(&file, &tokens).unwrap();
        }
    }
    let t = run(&["--data", shards.path().to_str().unwrap()], &[]);
    assert!(
        t.contains("holds shards of 2 sets (fineweb_*, text_*); a run reads one set"),
        "{t}"
    );
    assert!(empty(root.path()), "{t}");
}
