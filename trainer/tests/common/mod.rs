//! Helpers of the tests that run the `trainer` binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_trainer");

/// A run small enough for a test: `steps` steps of 2 x 64 tokens, evaluated every 10, into
/// `out/t/`.
pub fn small(out: &Path, steps: u32) -> Vec<String> {
    let steps = steps.to_string();
    [
        "--out",
        out.to_str().unwrap(),
        "--experiment",
        "t",
        "--steps",
        &steps,
        "--eval-every",
        "10",
        "--batch-size",
        "2",
        "--seq-len",
        "64",
        "--val-tokens",
        "256",
        "--quiet",
    ]
    .map(String::from)
    .to_vec()
}

/// `trainer ARGS MORE`, not started yet.
pub fn trainer(args: &[&str], more: &[String]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).args(more);
    c
}

/// Runs `c`, which must succeed.
pub fn run_ok(mut c: Command) -> Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// stdout and stderr together, for assertions.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits until the run's checkpoint exists, failing the test if the run ends first.
pub fn wait_for_checkpoint(child: &mut Child, dir: &Path) {
    let t0 = Instant::now();
    while !trainer::run::checkpoint::path(dir).exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its first checkpoint"
        );
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no checkpoint after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Children killed when the test ends, however it ends (a failure never leaves them running).
pub struct Killed(pub Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A port free on loopback now (the caller binds it soon after).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub mod ws;

/// The token of the tests' runs over several processes (TRAINER_TOKEN).
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// `trainer orchestrator` on a free port of loopback with [`TOKEN`] and `more` options, its
/// output in a file; listening when returned, killed when dropped.
pub struct Orchestrator {
    pub child: Child,
    pub port: u16,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Orchestrator {
    pub fn start(more: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("orchestrator.log");
        let out = std::fs::File::create(&log).unwrap();
        let port = free_port();
        let child = Command::new(BIN)
            .args(["orchestrator", "--port", &port.to_string()])
            .args(more)
            .env("TRAINER_TOKEN", TOKEN)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut o = Orchestrator {
            child,
            port,
            log,
            _dir: dir,
        };
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(o.child.try_wait().unwrap().is_none(), "{}", o.log());
            assert!(t0.elapsed() < Duration::from_secs(30), "no orchestrator");
            std::thread::sleep(Duration::from_millis(20));
        }
        o
    }

    /// Everything it printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its resident memory now, in MB (Linux).
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb / 1024.0
    }
}

impl Drop for Orchestrator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
