//! burn-collective's global all-reduce between two processes on loopback, without the trainer:
//! `trainer orchestrator` runs beside this test, and the test's own executable, started twice
//! with NODES_TEST_RANK set, plays the two nodes. Each node sums many small and large tensors
//! with the other in a row and checks every sum, so a hang or a wrong number in the transport
//! shows here first, apart from training.
//!
//! Then the orchestrator against clients that do not play by the rules (issue 17, case 8), each
//! played by hand over a raw websocket ([`common::ws`]): no token or a wrong one, a client that
//! never reads its responses, two sockets claiming one session, messages that never end, a flood
//! of connections, and arbitrary bytes (proptest). After each, the orchestrator has not panicked
//! and still forms a round of two nodes.

use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_collective::orchestrator::wire;
use burn_collective::{CollectiveConfig, PeerId, ReduceOperation};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::ws::{self, Ws};
use common::{free_port, Killed, Orchestrator, TOKEN};

type B = burn::backend::Flex;

const RANK: &str = "NODES_TEST_RANK";
const ROUNDS: usize = 40;
const LARGE: usize = 1 << 20;

fn node(rank: u32, orchestrator: u16, data_port: u16) {
    burn_communication::websocket::set_token(Some(TOKEN.into()));
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
    let o = Orchestrator::start(&[]);
    let orchestrator = o.port;
    let t0 = Instant::now();
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

/// Two nodes registering by hand, rank 1 first: each gets its rank as node id (the patched
/// orchestrator numbers a group by rank), and the round forms. Retried with fresh sessions while
/// the orchestrator is still forgetting what came before (a test's earlier sockets).
fn a_round_forms(o: &Orchestrator, session: u64) {
    let t0 = Instant::now();
    loop {
        match try_round(o, session + t0.elapsed().as_millis() as u64 * 16) {
            Ok(()) => return,
            Err(why) if t0.elapsed() < Duration::from_secs(10) => {
                eprintln!("round not formed yet: {why}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(why) => panic!("no round of two nodes: {why}\n{}", o.log()),
        }
    }
}

fn try_round(o: &Orchestrator, session: u64) -> Result<(), String> {
    let mut nodes: Vec<(Ws, Ws)> = Vec::new();
    for rank in [1u32, 0] {
        let open = |route| {
            let (status, ws) = ws::open(o.port, route, Some(TOKEN));
            let mut ws = ws.ok_or(format!("/{route}: {status:?}"))?;
            ws.send(&wire::init(session + u64::from(rank)))
                .map_err(|e| e.to_string())?;
            Ok::<Ws, String>(ws)
        };
        let (mut request, response) = (open("request")?, open("response")?);
        let address = format!(
            "ws://127.0.0.1:{}",
            40000 + session % 1000 + u64::from(rank)
        );
        request
            .send(&wire::register(7, &address, 2, &[rank]))
            .map_err(|e| e.to_string())?;
        nodes.push((request, response));
    }
    for (i, (_, response)) in nodes.iter_mut().enumerate() {
        let rank = 1 - i;
        let got = response.recv().and_then(|b| wire::response(&b));
        let got = got.ok_or("no response")?;
        if !got.contains(&format!("Register {{ node_id: NodeId({rank})")) {
            return Err(got);
        }
    }
    Ok(())
}

fn assert_never_panicked(o: &mut Orchestrator) {
    assert!(o.child.try_wait().unwrap().is_none(), "{}", o.log());
    assert!(!o.log().contains("panicked"), "{}", o.log());
}

#[test]
fn the_orchestrator_listens_on_loopback_and_refuses_a_missing_or_wrong_token() {
    let mut o = Orchestrator::start(&[]);
    // /proc/net/tcp: the listening socket (state 0A) is bound to 127.0.0.1, not every interface.
    let port = format!(":{:04X}", o.port);
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let local: Vec<&str> = tcp
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 3 && f[1].ends_with(&port) && f[3] == "0A").then_some(f[1])
        })
        .collect();
    assert_eq!(local, [format!("0100007F{port}")], "{tcp}");
    for (route, token) in [
        ("request", None),
        ("response", Some("wrong-token-0123456789abcd")),
        ("request", Some("")),
    ] {
        let (status, ws) = ws::open(o.port, route, token);
        assert!(status.contains(" 401 "), "{route} {token:?}: {status}");
        assert!(ws.is_none());
    }
    let (status, _ws) = ws::open(o.port, "request", Some(TOKEN));
    assert!(status.contains(" 101 "), "{status}");
    let t0 = Instant::now();
    while o.log().matches("wrong or missing token").count() < 3 {
        assert!(t0.elapsed() < Duration::from_secs(10), "{}", o.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(o.log().contains("refused 127.0.0.1:"), "{}", o.log());
    // A node started with another token is refused at once (not after --peer-timeout) and
    // says why.
    let root = tempfile::tempdir().unwrap();
    let mut run = common::small(root.path(), 2);
    let (address, data_port) = (format!("127.0.0.1:{}", o.port), free_port().to_string());
    run.extend(
        [
            "--nodes",
            "2",
            "--node-rank",
            "0",
            "--orchestrator",
            &address,
            "--node-address",
            "127.0.0.1",
            "--data-port",
            &data_port,
            "--peer-timeout",
            "120",
        ]
        .map(String::from),
    );
    let t0 = Instant::now();
    let out = common::trainer(&["run"], &run)
        .env("TRAINER_TOKEN", "another-token-0123456789")
        .output()
        .unwrap();
    let text = common::text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("joining the run: the orchestrator refused this node")
            && text.contains("refused this process's token (wrong or missing)"),
        "{text}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(100),
        "refused only after the timeout"
    );
    assert_never_panicked(&mut o);

    // No token at all: it does not start; never one from the command line.
    let out = common::trainer(&["orchestrator", "--port", &free_port().to_string()], &[])
        .env_remove("TRAINER_TOKEN")
        .output()
        .unwrap();
    let text = common::text(&out);
    assert!(!out.status.success());
    assert!(text.contains("needs a shared token"), "{text}");
    assert!(text.contains("never taken from the command line"), "{text}");
}

#[test]
fn a_client_that_reads_no_responses_or_claims_a_taken_session_wedges_nothing() {
    let mut o = Orchestrator::start(&[]);
    // Issue 17, case 8: Init, then three Finish requests, never opening /response.
    let (_, greedy) = ws::open(o.port, "request", Some(TOKEN));
    let mut greedy = greedy.unwrap();
    greedy.send(&wire::init(7)).unwrap();
    for r in 0..3 {
        greedy.send(&wire::finish(r)).unwrap();
    }
    // Two /response sockets claiming one session (0.21.0: an unwrap on None): the second is
    // closed, the orchestrator goes on.
    let (_, first) = ws::open(o.port, "response", Some(TOKEN));
    let mut first = first.unwrap();
    first.send(&wire::init(8)).unwrap();
    let (_, second) = ws::open(o.port, "response", Some(TOKEN));
    let mut second = second.unwrap();
    second.send(&wire::init(8)).unwrap();
    assert_eq!(second.recv(), None, "the second /response socket is closed");
    a_round_forms(&o, 1_000);
    // The greedy client goes on: its unread responses fill their buffer, its session is
    // dropped and its socket closed; later rounds still form.
    let sent = (3..200)
        .take_while(|&r| greedy.send(&wire::finish(r)).is_ok())
        .count();
    assert_eq!(greedy.recv(), None, "still open after {sent} more requests");
    a_round_forms(&o, 2_000);
    assert!(
        o.log().contains("reads none of its responses; dropped"),
        "{}",
        o.log()
    );
    assert_never_panicked(&mut o);
}

#[test]
fn endless_messages_and_a_flood_of_connections_stay_within_bounds() {
    let mut o = Orchestrator::start(&["--max-connections", "16"]);
    let before = o.rss_mb();
    // Ten clients each sending a 60 MiB message in fragments (a frame of 60 KiB, under the
    // frame limit, 1024 times): each is cut off long before the end.
    let clients: Vec<_> = (0..10u64)
        .map(|c| {
            let port = o.port;
            std::thread::spawn(move || {
                let (_, ws) = ws::open(port, "request", Some(TOKEN));
                let mut ws = ws.unwrap();
                ws.send(&wire::init(100 + c)).unwrap();
                let chunk = vec![0x5a; 60 << 10];
                (0..1024)
                    .take_while(|&i| ws.frame(false, if i == 0 { 2 } else { 0 }, &chunk).is_ok())
                    .count()
            })
        })
        .collect();
    for c in clients {
        let frames = c.join().unwrap();
        assert!(frames < 1024, "a client sent all of its 60 MiB");
    }
    let after = o.rss_mb();
    eprintln!("orchestrator: {before:.1} MB before ten 60 MiB messages, {after:.1} MB after");
    assert!(after < before + 40.0, "{before:.1} MB -> {after:.1} MB");
    // Forty idle connections where sixteen are allowed: those past the bound are closed at once.
    use std::io::Read;
    let mut idle: Vec<std::net::TcpStream> = (0..40)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", o.port)).unwrap())
        .collect();
    // Closed ones read an end of stream (or a reset); open ones have nothing to read yet.
    std::thread::sleep(Duration::from_millis(300));
    let mut closed = 0;
    for s in &mut idle {
        s.set_nonblocking(true).unwrap();
        closed += match s.read(&mut [0u8; 1]) {
            Ok(n) => usize::from(n == 0),
            Err(e) => usize::from(e.kind() != std::io::ErrorKind::WouldBlock),
        };
    }
    assert!(closed >= 24, "{closed} of 40 closed\n{}", o.log());
    assert!(
        o.log().contains("16 connections are open already"),
        "{}",
        o.log()
    );
    drop(idle);
    a_round_forms(&o, 3_000);
    assert_never_panicked(&mut o);
}

#[test]
fn arbitrary_bytes_and_messages_never_panic_the_orchestrator() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let mut o = Orchestrator::start(&[]);
    let message = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        (0..4u64).prop_map(wire::init),
        (0..4u32).prop_map(wire::finish),
        (
            0..4u32,
            0..3u16,
            0..4u32,
            proptest::collection::vec(0..4u32, 0..3)
        )
            .prop_map(|(request, port, nodes, peers)| {
                wire::register(
                    request,
                    &format!("ws://127.0.0.1:{}", 9000 + port),
                    nodes,
                    &peers,
                )
            }),
    ];
    let case = (
        prop_oneof![Just("request"), Just("response")],
        proptest::collection::vec(message, 0..8),
    );
    let config = Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    };
    let port = o.port;
    TestRunner::new(config)
        .run(&case, |(route, messages)| {
            let (status, ws) = ws::open(port, route, Some(TOKEN));
            prop_assert!(status.contains(" 101 "), "{}", status);
            let mut ws = ws.unwrap();
            for m in &messages {
                if ws.send(m).is_err() {
                    break;
                }
            }
            Ok(())
        })
        .unwrap();
    a_round_forms(&o, 4_000);
    assert_never_panicked(&mut o);
}
