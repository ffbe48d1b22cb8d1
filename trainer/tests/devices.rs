//! Data-parallel runs (`--devices N`) through the `trainer` binary: two peers on the CPU end
//! where one device does with gradient accumulation over the same split, under the same config
//! hash; a run killed after a checkpoint resumes exactly with the same number of devices and
//! continues with another; a batch the peers cannot share is refused.
//!
//! Two processes through `trainer orchestrator` (issue 17, cases 11 and 12): they end as one
//! process with two peers; `kill -9` of either stops the other with an error naming it (no
//! panic, summary.json written by node 0) and the same orchestrator takes the resumed run; a
//! signal to node 1 stops both as one to node 0 does.

use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

mod common;
use common::{
    free_port, run_ok, small, text, trainer, wait_for_checkpoint, Killed, Orchestrator, TOKEN,
};

fn final_val_loss(dir: &Path) -> f64 {
    let run = runlog::read_run(dir).unwrap();
    let s = run.summary.expect("summary.json");
    assert_eq!(s.status, runlog::Status::Finished);
    s.final_val_loss.expect("a final loss")
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

fn args(root: &Path, out: &str, steps: u32, more: &[&str]) -> Vec<String> {
    let mut a = small(&root.join(out), steps);
    a.extend(["--variant", "x02", "--threads", "2"].map(String::from));
    a.extend(more.iter().map(|s| s.to_string()));
    a
}

#[test]
fn two_devices_equal_one_device_accumulating_the_same_split() {
    let root = tempfile::tempdir().unwrap();
    let dir = |out: &str| root.path().join(out).join("t/x02-s0");
    run_ok(trainer(
        &["run"],
        &args(root.path(), "one", 12, &["--micro-batch", "1"]),
    ));
    run_ok(trainer(
        &["run"],
        &args(root.path(), "two", 12, &["--devices", "2"]),
    ));
    let (one, two) = (final_val_loss(&dir("one")), final_val_loss(&dir("two")));
    assert!(relative(two, one) <= 1e-6, "{two} vs {one}");
    let info = |out: &str| runlog::read_run(&dir(out)).unwrap().info;
    assert_eq!(info("one").config_hash, info("two").config_hash);
    let device = info("two").device.unwrap();
    assert!(device.starts_with("2 x flex-cpu"), "{device}");
    assert!(info("one").device.unwrap().starts_with("flex-cpu"));
    // Not a trivially equal pair: the whole batch in one pass rounds differently.
    let steps: Vec<f64> = runlog::read_run(&dir("two"))
        .unwrap()
        .metrics
        .iter()
        .filter_map(|m| m.val_loss)
        .collect();
    assert!(steps.last().unwrap() < steps.first().unwrap(), "{steps:?}");

    // Another machine asked for a run that has ended skips it as node 0 does, without waiting
    // for an orchestrator (none listens here).
    let more = [
        "--nodes",
        "2",
        "--node-rank",
        "1",
        "--orchestrator",
        "127.0.0.1:9",
        "--peer-timeout",
        "30",
    ];
    let mut skip = trainer(&["run"], &args(root.path(), "two", 12, &more));
    skip.env("TRAINER_TOKEN", TOKEN);
    let out = text(&run_ok(skip));
    assert!(out.contains("already finished"), "{out}");

    // Three peers cannot share two rows.
    let out = trainer(
        &["run"],
        &args(root.path(), "three", 2, &["--devices", "3"]),
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("does not divide among 3 peers"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_killed_run_resumes_on_the_same_or_another_number_of_devices() {
    let root = tempfile::tempdir().unwrap();
    let dir = |out: &str| root.path().join(out).join("t/x02-s0");
    let two = ["--devices", "2", "--checkpoint-every", "10"];
    run_ok(trainer(&["run"], &args(root.path(), "whole", 40, &two)));
    let whole = final_val_loss(&dir("whole"));
    for (out, resume_on) in [("same", "2"), ("other", "1")] {
        let mut child = trainer(&["run"], &args(root.path(), out, 40, &two))
            .spawn()
            .unwrap();
        wait_for_checkpoint(&mut child, &dir(out));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            !dir(out).join(runlog::SUMMARY_FILE).exists(),
            "ended before the kill"
        );
        let again = [
            "--devices",
            resume_on,
            "--checkpoint-every",
            "10",
            "--resume",
        ];
        run_ok(trainer(&["run"], &args(root.path(), out, 40, &again)));
        let resumed = final_val_loss(&dir(out));
        let steps: Vec<u64> = runlog::read_run(&dir(out))
            .unwrap()
            .metrics
            .iter()
            .map(|m| m.step)
            .collect();
        assert_eq!(steps, [0, 10, 20, 30, 40], "{out}: each evaluation once");
        // The same split is the same run; another split only rounds differently.
        let tolerance = if resume_on == "2" { 1e-6 } else { 1e-3 };
        assert!(
            relative(resumed, whole) <= tolerance,
            "{out}: {resumed} vs {whole}"
        );
    }
}

/// A node of a two-node run through `o`, its output in `log`.
fn node(
    o: &Orchestrator,
    root: &Path,
    steps: u32,
    rank: usize,
    more: &[&str],
    log: &Path,
) -> Child {
    let (address, data_port) = (format!("127.0.0.1:{}", o.port), free_port().to_string());
    let rank = rank.to_string();
    let mut all = vec![
        "--nodes",
        "2",
        "--node-rank",
        &rank,
        "--orchestrator",
        &address,
        "--node-address",
        "127.0.0.1",
        "--data-port",
        &data_port,
    ];
    all.extend(more);
    let out = std::fs::File::create(log).unwrap();
    trainer(&["run"], &args(root, "nodes", steps, &all))
        .env("TRAINER_TOKEN", TOKEN)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap()
}

/// Node 0 and node 1 of one run (`more` options for both), in `nodes.0[0]` and `nodes.0[1]`.
fn two_nodes(o: &Orchestrator, root: &Path, steps: u32, more: &[&str]) -> Killed {
    let logs = |rank| root.join(format!("node{rank}.log"));
    Killed(
        (0..2)
            .map(|r| node(o, root, steps, r, more, &logs(r)))
            .collect(),
    )
}

fn node_log(root: &Path, rank: usize) -> String {
    std::fs::read_to_string(root.join(format!("node{rank}.log"))).unwrap_or_default()
}

/// How `child` ended, failing the test after `within`.
fn wait(child: &mut Child, within: Duration, what: &str) -> ExitStatus {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            t0.elapsed() < within,
            "{what}: still running after {within:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the run has evaluated at a step past `step` (its log says so).
fn wait_past(dir: &Path, step: u64, nodes: &mut Killed) {
    let t0 = Instant::now();
    loop {
        let last = runlog::read_run(dir)
            .ok()
            .and_then(|r| r.metrics.last().map(|m| m.step));
        if last.is_some_and(|s| s > step) {
            return;
        }
        for (rank, n) in nodes.0.iter_mut().enumerate() {
            assert!(n.try_wait().unwrap().is_none(), "node {rank} ended early");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no evaluation past {step}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn steps_logged(dir: &Path) -> Vec<u64> {
    let run = runlog::read_run(dir).unwrap();
    run.metrics.iter().map(|m| m.step).collect()
}

// Needs the patched burn-collective (vendor/README.md): as released, 0.21.0's global all-reduce
// hangs from its second round on.
#[test]
fn two_processes_through_the_orchestrator_equal_one_process_with_two_peers() {
    let root = tempfile::tempdir().unwrap();
    let dir = |out: &str| root.path().join(out).join("t/x02-s0");
    run_ok(trainer(
        &["run"],
        &args(root.path(), "one", 12, &["--devices", "2"]),
    ));
    let o = Orchestrator::start(&[]);
    let mut nodes = two_nodes(&o, root.path(), 12, &["--peer-timeout", "60"]);
    // Both nodes end within the deadline (a hang fails the test, and the guard kills them).
    for (rank, n) in nodes.0.iter_mut().enumerate() {
        let status = wait(n, Duration::from_secs(240), "the nodes hang");
        assert!(
            status.success(),
            "node {rank}: {}",
            node_log(root.path(), rank)
        );
    }
    let (one, nodes) = (final_val_loss(&dir("one")), final_val_loss(&dir("nodes")));
    assert!(relative(nodes, one) <= 1e-6, "{nodes} vs {one}");
    let device = runlog::read_run(&dir("nodes"))
        .unwrap()
        .info
        .device
        .unwrap();
    assert!(device.starts_with("2 nodes x 1 x flex-cpu"), "{device}");
}

/// Steps of the runs below: long enough that a kill or a signal lands mid-run.
const STEPS: u32 = 80;

#[test]
fn a_killed_node_stops_the_other_naming_it_and_the_same_orchestrator_resumes_the_run() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("nodes/t/x02-s0");
    run_ok(trainer(
        &["run"],
        &args(root.path(), "one", STEPS, &["--devices", "2"]),
    ));
    let o = Orchestrator::start(&[]);
    let timeout = 10;
    let timeout_s = timeout.to_string();
    let every = ["--peer-timeout", &timeout_s, "--checkpoint-every", "10"];
    let resume = [
        "--peer-timeout",
        &timeout_s,
        "--checkpoint-every",
        "10",
        "--resume",
    ];
    // kill -9 node 1, then (resumed) node 0: each time the other stops, naming it.
    for (victim, survivor, more) in [(1, 0, &every[..]), (0, 1, &resume[..])] {
        let saved = trainer::run::checkpoint::saved_step(&dir)
            .unwrap()
            .unwrap_or(0);
        let mut nodes = two_nodes(&o, root.path(), STEPS, more);
        wait_past(&dir, saved + 10, &mut nodes);
        nodes.0[victim].kill().unwrap();
        let t0 = Instant::now();
        let within = Duration::from_secs(timeout + 20);
        let status = wait(&mut nodes.0[survivor], within, "the survivor");
        let log = node_log(root.path(), survivor);
        let error = log.lines().find(|l| l.starts_with("error:")).unwrap_or("");
        eprintln!(
            "node {survivor} after {:.1} s: {error}",
            t0.elapsed().as_secs_f64()
        );
        assert!(!status.success(), "node {survivor}: {log}");
        assert!(
            log.contains(&format!("node {victim}")),
            "node {survivor}: {log}"
        );
        assert!(log.contains("--resume"), "node {survivor}: {log}");
        assert!(!log.contains("panicked"), "node {survivor}: {log}");
        if survivor == 0 {
            let summary = runlog::read_run(&dir)
                .unwrap()
                .summary
                .expect("summary.json");
            assert_eq!(summary.status, runlog::Status::Interrupted, "{log}");
        }
    }
    // A fresh two-node --resume through the same orchestrator ends the run (0.21.0's
    // orchestrator still held the dead run's nodes: "DoubleRegister").
    let mut nodes = two_nodes(&o, root.path(), STEPS, &resume);
    for (rank, n) in nodes.0.iter_mut().enumerate() {
        let status = wait(n, Duration::from_secs(240), "the resumed nodes");
        assert!(
            status.success(),
            "node {rank}: {}",
            node_log(root.path(), rank)
        );
    }
    let evals: Vec<u64> = (0..=STEPS as u64).step_by(10).collect();
    assert_eq!(steps_logged(&dir), evals, "each evaluation once");
    let (one, resumed) = (
        final_val_loss(&root.path().join("one/t/x02-s0")),
        final_val_loss(&dir),
    );
    assert!(relative(resumed, one) <= 1e-6, "{resumed} vs {one}");
    assert!(!o.log().contains("panicked"), "{}", o.log());
}

#[test]
fn a_signal_to_node_1_stops_both_nodes_as_one_to_node_0_does() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("nodes/t/x02-s0");
    let o = Orchestrator::start(&[]);
    // No periodic checkpoint: the one found after the stop is the one node 0 wrote for it.
    let mut more = vec!["--peer-timeout", "60", "--checkpoint-every", "0"];
    let mut last = 0;
    for signal in ["-TERM", "-INT"] {
        let mut nodes = two_nodes(&o, root.path(), STEPS, &more);
        wait_past(&dir, last + 10, &mut nodes);
        let pid = nodes.0[1].id().to_string();
        assert!(Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
        for (rank, n) in nodes.0.iter_mut().enumerate() {
            let status = wait(n, Duration::from_secs(60), "a node after the signal");
            let log = node_log(root.path(), rank);
            assert_eq!(
                status.code(),
                Some(130),
                "node {rank} after {signal}: {log}"
            );
            assert!(log.contains("interrupted after"), "node {rank}: {log}");
        }
        let run = runlog::read_run(&dir).unwrap();
        let status = run.summary.expect("summary.json").status;
        assert_eq!(status, runlog::Status::Interrupted);
        let step = trainer::run::checkpoint::saved_step(&dir)
            .unwrap()
            .expect("node 0's checkpoint");
        assert!(
            step > last && step < STEPS as u64,
            "checkpoint of step {step}"
        );
        last = step;
        more.push("--resume");
        more.dedup();
    }
    let mut nodes = two_nodes(&o, root.path(), STEPS, &more);
    for (rank, n) in nodes.0.iter_mut().enumerate() {
        let status = wait(n, Duration::from_secs(240), "the resumed nodes");
        assert!(
            status.success(),
            "node {rank}: {}",
            node_log(root.path(), rank)
        );
    }
    let evals: Vec<u64> = (0..=STEPS as u64).step_by(10).collect();
    assert_eq!(steps_logged(&dir), evals, "each evaluation once");
}
