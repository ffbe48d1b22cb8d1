//! burn-collective's global all-reduce between two processes on loopback, without the trainer:
//! the orchestrator runs in this test, and the test's own executable, started twice with
//! NODES_TEST_RANK set, plays the two nodes. Each node sums many small and large tensors with the
//! other in a row and checks every sum, so a hang or a wrong number in the transport shows here
//! first, apart from training.

use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_collective::{CollectiveConfig, PeerId, ReduceOperation};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, Killed};

type B = burn::backend::Flex;

const RANK: &str = "NODES_TEST_RANK";
const ROUNDS: usize = 40;
const LARGE: usize = 1 << 20;

fn node(rank: u32, orchestrator: u16, data_port: u16) {
    let address = |port: u16| format!("ws://127.0.0.1:{port}").parse().unwrap();
    let config = CollectiveConfig::default()
        .with_num_devices(1)
        .with_num_nodes(2)
        .with_global_address(address(orchestrator))
        .with_node_address(address(data_port))
        .with_data_service_port(data_port);
    let device = Default::default();
    burn_collective::register::<B>(PeerId(rank), device, config).unwrap();
    for round in 0..ROUNDS {
        // Alternating sizes: a decision of 2 numbers, then a gradient's worth.
        let len = if round % 2 == 0 { 2 } else { LARGE };
        let mine: Vec<f32> = (0..len)
            .map(|i| (rank as usize * 1000 + round + i % 7) as f32)
            .collect();
        let t = Tensor::<B, 1>::from_data(TensorData::new(mine, [len]), &device);
        let out = burn_collective::all_reduce::<B>(
            PeerId(rank),
            t.into_primitive().tensor(),
            ReduceOperation::Sum,
        )
        .unwrap();
        let out = Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(out));
        let out = out.into_data().into_vec::<f32>().unwrap();
        for (i, x) in out.iter().enumerate() {
            let want = (1000 + 2 * (round + i % 7)) as f32;
            assert_eq!(*x, want, "round {round}, element {i}");
        }
        eprintln!("node {rank}: round {round} summed");
    }
    burn_collective::finish_collective::<B>(PeerId(rank)).unwrap();
}

#[test]
fn two_processes_sum_many_small_and_large_tensors_through_the_orchestrator() {
    if let Ok(rank) = std::env::var(RANK) {
        let port = |var: &str| std::env::var(var).unwrap().parse().unwrap();
        node(
            rank.parse().unwrap(),
            port("NODES_TEST_ORCH"),
            port("NODES_TEST_DATA"),
        );
        return;
    }
    let orchestrator = free_port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(burn_collective::start_global_orchestrator(orchestrator));
    });
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", orchestrator)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no orchestrator");
        std::thread::sleep(Duration::from_millis(20));
    }
    let exe = std::env::current_exe().unwrap();
    let mut nodes = Killed(Vec::new());
    for rank in 0..2 {
        let child = Command::new(&exe)
            .args([
                "two_processes_sum_many_small_and_large_tensors_through_the_orchestrator",
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(RANK, rank.to_string())
            .env("NODES_TEST_ORCH", orchestrator.to_string())
            .env("NODES_TEST_DATA", free_port().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        nodes.0.push(child);
    }
    for rank in 0..2 {
        let status = loop {
            if let Some(status) = nodes.0[rank].try_wait().unwrap() {
                break status;
            }
            if t0.elapsed() > Duration::from_secs(60) {
                // Both hang: kill them so that their stderr says how far each got.
                for c in &mut nodes.0 {
                    let _ = c.kill();
                }
                break nodes.0[rank].wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        use std::io::Read;
        let _ = nodes.0[rank]
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err);
        let last: Vec<&str> = err.lines().rev().take(8).collect();
        assert!(status.success(), "node {rank} ({status}): {last:#?}");
        assert!(
            err.contains(&format!("node {rank}: round {} summed", ROUNDS - 1)),
            "node {rank}: {last:#?}"
        );
    }
}
