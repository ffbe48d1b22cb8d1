//! Data-parallel runs (`--devices N`) through the `trainer` binary: two peers on the CPU end
//! where one device does with gradient accumulation over the same split, under the same config
//! hash; a run killed after a checkpoint resumes exactly with the same number of devices and
//! continues with another; a batch the peers cannot share is refused.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, run_ok, small, text, trainer, wait_for_checkpoint, Killed};

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
    let out = text(&run_ok(trainer(
        &["run"],
        &args(root.path(), "two", 12, &more),
    )));
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
    let port = free_port();
    let orchestrator = trainer(&["orchestrator", "--port", &port.to_string()], &[])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut children = Killed(vec![orchestrator]);
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no orchestrator");
        std::thread::sleep(Duration::from_millis(50));
    }
    let address = format!("127.0.0.1:{port}");
    for rank in ["0", "1"] {
        let data_port = free_port().to_string();
        let more = [
            "--nodes",
            "2",
            "--node-rank",
            rank,
            "--orchestrator",
            &address,
            "--node-address",
            "127.0.0.1",
            "--data-port",
            &data_port,
            "--peer-timeout",
            "60",
        ];
        let node = trainer(&["run"], &args(root.path(), "nodes", 12, &more))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        children.0.push(node);
    }
    // Both nodes end within the deadline (a hang fails the test, and the guard kills them).
    for i in [1, 2] {
        loop {
            if let Some(status) = children.0[i].try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                let _ = children.0[i]
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err);
                assert!(status.success(), "node {}: {err}", i - 1);
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(240), "the nodes hang");
            std::thread::sleep(Duration::from_millis(50));
        }
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
