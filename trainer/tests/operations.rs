//! Operations end to end, through the `trainer` binary on a very small run: a run killed
//! (SIGKILL) or interrupted (SIGINT) and resumed ends exactly as one never stopped, with each
//! evaluation logged once; sweeps skip finished runs and refuse changed configs; a Slurm array's
//! runs count as finished for a later sweep; a locked run cannot be taken; the export carries
//! modded-nanogpt's names and layouts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{run_ok, small, trainer, wait_for_checkpoint};

fn final_val_loss(dir: &Path) -> (runlog::Status, f64) {
    let run = runlog::read_run(dir).unwrap();
    let s = run.summary.expect("summary.json");
    (s.status, s.final_val_loss.expect("a final loss"))
}

fn steps(dir: &Path) -> Vec<u64> {
    let (m, warnings) = runlog::read_metrics(&dir.join(runlog::METRICS_FILE)).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    m.iter().map(|m| m.step).collect()
}

#[test]
fn killed_or_interrupted_runs_resume_to_the_uninterrupted_result() {
    let root = tempfile::tempdir().unwrap();
    let run_args = |out: &str| {
        let mut a = small(&root.path().join(out), 40);
        a.extend(["--variant", "x01", "--checkpoint-every", "10"].map(String::from));
        a
    };
    let dir = |out: &str| root.path().join(out).join("t/x01-s0");

    // The reference: never stopped.
    run_ok(trainer(&["run"], &run_args("whole")));
    let (status, whole) = final_val_loss(&dir("whole"));
    assert_eq!(status, runlog::Status::Finished);
    assert_eq!(steps(&dir("whole")), [0, 10, 20, 30, 40]);

    // SIGKILL after the first checkpoint: no summary, no chance to clean up.
    let mut child = trainer(&["run"], &run_args("killed")).spawn().unwrap();
    wait_for_checkpoint(&mut child, &dir("killed"));
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = dir("killed");
    assert!(
        !killed.join(runlog::SUMMARY_FILE).exists(),
        "the run ended before the kill"
    );
    // A crash in the middle of writing a line leaves it torn.
    let metrics = killed.join(runlog::METRICS_FILE);
    let mut text = std::fs::read_to_string(&metrics).unwrap();
    text.push_str("{\"step\": 20, \"train_time_ms\": 12.5, \"val_lo");
    std::fs::write(&metrics, text).unwrap();
    // Without --resume the checkpoint is not silently discarded.
    let out = trainer(&["run"], &run_args("killed")).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --resume"));
    run_ok(trainer(&["run", "--resume"], &run_args("killed")));
    let (status, resumed) = final_val_loss(&killed);
    assert_eq!(status, runlog::Status::Finished);
    assert!((resumed - whole).abs() <= 1e-6, "{resumed} vs {whole}");
    assert_eq!(
        steps(&killed),
        [0, 10, 20, 30, 40],
        "each evaluation exactly once"
    );

    // SIGINT: a checkpoint, status `interrupted`, exit code 130; then resumed.
    let mut child = trainer(&["run"], &run_args("sigint"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let sigint = dir("sigint");
    wait_for_checkpoint(&mut child, &sigint);
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{out:?}");
    let run = runlog::read_run(&sigint).unwrap();
    let summary = run
        .summary
        .expect("an interrupted run still writes its summary");
    assert_eq!(summary.status, runlog::Status::Interrupted);
    let at = trainer::run::checkpoint::saved_step(&sigint)
        .unwrap()
        .unwrap();
    assert!((10..40).contains(&at), "checkpoint at step {at}");
    run_ok(trainer(&["run", "--resume"], &run_args("sigint")));
    let (status, resumed) = final_val_loss(&sigint);
    assert_eq!(status, runlog::Status::Finished);
    assert!((resumed - whole).abs() <= 1e-6, "{resumed} vs {whole}");
    assert_eq!(steps(&sigint), [0, 10, 20, 30, 40]);

    export_has_modded_nanogpt_names(&dir("whole"), root.path());
}

/// The export of the x01 run: names, shapes and the transposition to PyTorch's layout.
fn export_has_modded_nanogpt_names(run: &Path, tmp: &Path) {
    let out = tmp.join("x01.safetensors");
    run_ok(trainer(
        &[
            "export",
            "--run",
            run.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    ));
    let mut exported = trainer::tensorfile::read(&out).unwrap();
    let mut ckpt = trainer::tensorfile::read(&trainer::run::checkpoint::path(run)).unwrap();
    let names: Vec<&String> = exported.tensors.keys().collect();
    for n in [
        "embed1.weight",
        "embed2.weight",
        "value_embeds.2.weight",
        "lm_head_w",
        "scalars",
    ] {
        assert!(names.iter().any(|k| *k == n), "{n} missing from {names:?}");
    }
    assert!(
        !names.iter().any(|k| k.starts_with("blocks.7.attn")),
        "layer 7 has no attention"
    );
    assert_eq!(names.iter().filter(|k| k.ends_with("qkvo_w")).count(), 15);
    // q of layer 3: burn's [in, out] becomes PyTorch's [out, in] inside qkvo_w[0].
    let q = ckpt.take("model/blocks.3.attn.q").unwrap();
    let qkvo = exported.take("blocks.3.attn.qkvo_w").unwrap();
    let d = q.shape[0];
    assert_eq!(qkvo.shape, [4, d, d]);
    for (i, j) in [(0, 1), (5, 2), (d - 1, 3)] {
        assert_eq!(qkvo.data[j * d + i], q.data[i * d + j]);
    }
    // scalars = skip weights by source layer (16), lambdas [16, 3], value lambdas [16, 2].
    let scalars = exported.take("scalars").unwrap();
    assert_eq!(scalars.shape, [16 + 16 * 3 + 16 * 2]);
    let lambdas = ckpt.take("model/lambdas").unwrap();
    assert_eq!(scalars.data[16..16 + 48], lambdas.data[..]);
    let skips = ckpt.take("model/skip_weights").unwrap();
    assert_eq!(scalars.data[6], skips.data[0]);
    assert_eq!(scalars.data[2], skips.data[2]);
    let rows: Vec<i64> = serde_json::from_str(exported.meta("gpt2_token_of_row").unwrap()).unwrap();
    assert_eq!(rows[..2], [50256, -1]);
    assert_eq!(rows.len(), exported.take("embed1.weight").unwrap().shape[0]);
}

fn file_state(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                (std::fs::read(&p).unwrap(), m.modified().unwrap()),
            )
        })
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if !p.ends_with(trainer::run::lock::LOCK_FILE) {
            out.push(p);
        }
    }
    out
}

#[test]
fn sweeps_skip_finished_runs_and_refuse_changed_configs_and_slurm_tasks_count() {
    let root = tempfile::tempdir().unwrap();
    let with = |steps: u32, experiment: &str| {
        let mut a = vec![
            "--variants",
            "x00,x01",
            "--seeds",
            "0",
            "--checkpoint-every",
            "0",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        let mut run = small(root.path(), steps);
        let i = run.iter().position(|x| x == "--experiment").unwrap();
        run[i + 1] = experiment.to_owned();
        a.extend(run);
        a
    };
    let first = run_ok(trainer(&["sweep"], &with(3, "t")));
    let text = String::from_utf8_lossy(&first.stdout);
    assert_eq!(text.matches(" trained ").count(), 2, "{text}");
    let exp = root.path().join("t");
    let before = file_state(&exp);

    // Again: both finished with this config, so nothing trains and nothing is written.
    let again = run_ok(trainer(&["sweep"], &with(3, "t")));
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        text.contains("0 to train, 0 to resume, 0 to restart, 2 done already"),
        "{text}"
    );
    assert_eq!(text.matches(" skipped ").count(), 2, "{text}");
    assert_eq!(file_state(&exp), before, "a skipped run's files changed");

    // Another number of steps is another config: refused, naming the difference; untouched.
    let out = trainer(&["sweep"], &with(4, "t")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("x00-s0: holds a run with a different config"),
        "{err}"
    );
    assert!(
        err.contains("config.schedule.steps:  3 (recorded) -> 4 (requested)"),
        "{err}"
    );
    assert!(err.contains("x01-s0"), "both refusals are listed: {err}");
    assert_eq!(file_state(&exp), before, "a refused sweep wrote something");

    // The same grid as a Slurm array, its tasks run one by one as Slurm would, in another
    // experiment: then a sweep sees every run finished.
    let script = root.path().join("array.sh");
    run_ok(trainer(
        &[
            "sweep",
            "--emit",
            "slurm",
            "--script",
            script.to_str().unwrap(),
        ],
        &with(3, "s"),
    ));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --array=0-1\n"), "{text}");
    for task in 0..2 {
        let out = Command::new("bash")
            .arg(&script)
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "task {task}: {out:?}");
    }
    let after = run_ok(trainer(&["sweep"], &with(3, "s")));
    let text = String::from_utf8_lossy(&after.stdout);
    assert!(text.contains("2 done already"), "{text}");
    assert_eq!(text.matches(" skipped ").count(), 2, "{text}");
}

#[test]
fn slurm_script_for_five_variants_by_three_seeds_has_fifteen_tasks() {
    let root = tempfile::tempdir().unwrap();
    let out = run_ok(trainer(
        &[
            "sweep",
            "--variants",
            "x00..x04",
            "--seeds",
            "0,1,2",
            "--emit",
            "slurm",
            "--sbatch=--time=04:00:00",
        ],
        &small(root.path(), 40),
    ));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\n#SBATCH --array=0-14\n"), "{text}");
    assert!(text.contains("\n#SBATCH --time=04:00:00\n"), "{text}");
    let tasks: Vec<&str> = text.lines().filter(|l| l.contains(") exec ")).collect();
    assert_eq!(tasks.len(), 15);
    for (i, t) in tasks.iter().enumerate() {
        assert!(t.trim_start().starts_with(&format!("{i}) exec ")), "{t}");
        assert_eq!(t.matches(" run ").count(), 1, "one command per task: {t}");
        let (v, s) = (i % 5, i / 5);
        assert!(
            t.contains(&format!("--variant x0{v} --seed {s} --resume ;;")),
            "{t}"
        );
        assert!(t.contains("--steps 40") && !t.contains("--variants"), "{t}");
    }
    // Emitting trains nothing.
    assert!(!root.path().join("t/x00-s0/run.json").exists());
}

#[test]
fn a_second_process_cannot_take_a_locked_run() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("t/x02-s0");
    let _held = trainer::run::lock::RunLock::acquire(&dir).unwrap();
    let out = trainer(&["run", "--variant", "x02"], &small(root.path(), 40))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("being trained by another process"), "{err}");
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert!(
        !dir.join(runlog::RUN_FILE).exists(),
        "it wrote into a locked run"
    );
}

#[test]
fn ctrl_c_stops_the_whole_sweep_and_the_next_sweep_resumes_it() {
    let root = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "--variants",
        "x00,x01",
        "--seeds",
        "0",
        "--checkpoint-every",
        "5",
    ]
    .map(String::from)
    .to_vec();
    args.extend(small(root.path(), 40));
    let first = root.path().join("t/x00-s0");
    let mut child = trainer(&["sweep"], &args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_checkpoint(&mut child, &first);
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted"), "{text}");
    assert!(
        text.contains("x01-s0  not run"),
        "the sweep went on: {text}"
    );
    assert!(!root.path().join("t/x01-s0/run.json").exists());

    let again = run_ok(trainer(&["sweep"], &args));
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("1 to train, 1 to resume"), "{text}");
    assert!(text.contains("x00-s0  resumed from "), "{text}");
    assert_eq!(steps(&first), [0, 10, 20, 30, 40]);
    assert_eq!(
        final_val_loss(&root.path().join("t/x01-s0")).0,
        runlog::Status::Finished
    );
}
