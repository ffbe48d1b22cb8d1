//! Data-parallel peers (`--devices N`, `--nodes M`): who takes part in a run and how their
//! numbers meet. Every peer registers with burn-collective (one thread per device in a process;
//! with several nodes, the processes meet through its global orchestrator), computes the
//! gradient of its share of each step's rows, and the shares are summed by burn's all-reduce.
//! Global rank 0 (the leader) evaluates, logs and checkpoints; the others follow its decisions
//! ([`Member::agree`]) and prove every so often that their weights are still the leader's
//! ([`Member::check_same`]).
//!
//! Every wait on the others has a deadline: a peer that died leaves the rest with a clear error
//! instead of a hang.

use crate::error::{Error, Result};
use crate::optim::HostGrads;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use burn_collective::{CollectiveConfig, CollectiveError, PeerId, ReduceOperation};
use std::sync::mpsc;
use std::time::Duration;

/// Seconds a peer waits for the others by default (an evaluation of the leader's included).
pub const DEFAULT_TIMEOUT_S: u64 = 600;

/// Where the processes of a run over several machines meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Global {
    pub nodes: usize,
    pub node_rank: usize,
    /// The orchestrator's host and port (`trainer orchestrator --port P`).
    pub orchestrator: (String, u16),
    /// This node's address, as the others reach it, and the port of its tensor service.
    pub node_host: String,
    pub data_port: u16,
    /// What this node presents to the orchestrator and the other nodes, and requires of them.
    pub token: crate::token::Token,
}

/// How a run is spread: devices per process, and the machines when there are several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The kind of device each peer drives.
    pub kind: crate::DeviceKind,
    pub devices: usize,
    pub global: Option<Global>,
    pub timeout: Duration,
}

impl Topology {
    /// One device, one process: no collective at all.
    pub fn single() -> Self {
        Topology {
            kind: crate::DeviceKind::Flex,
            devices: 1,
            global: None,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_S),
        }
    }

    pub fn nodes(&self) -> usize {
        self.global.as_ref().map_or(1, |g| g.nodes)
    }

    pub fn node_rank(&self) -> usize {
        self.global.as_ref().map_or(0, |g| g.node_rank)
    }

    /// Peers in the whole run.
    pub fn world(&self) -> usize {
        self.devices * self.nodes()
    }

    pub fn is_parallel(&self) -> bool {
        self.world() > 1
    }

    /// run.json's `device`: how many of `name` took part.
    pub fn describe(&self, name: &str) -> String {
        match (self.devices, self.nodes()) {
            (1, 1) => name.to_owned(),
            (d, 1) => format!("{d} x {name}"),
            (d, n) => format!("{n} nodes x {d} x {name}"),
        }
    }

    fn config(&self) -> Result<CollectiveConfig> {
        let mut c = CollectiveConfig::default().with_num_devices(self.devices);
        if let Some(g) = &self.global {
            let (host, port) = &g.orchestrator;
            let parse = |s: String| {
                s.parse::<burn_communication::Address>()
                    .map_err(|e| Error::Usage(format!("address `{s}`: {e:?}")))
            };
            // The process's connections present it, its tensor service requires it.
            burn_communication::websocket::set_token(Some(g.token.expose().to_owned()));
            c = c
                .with_num_nodes(g.nodes as u32)
                .with_global_address(parse(format!("ws://{host}:{port}"))?)
                .with_node_address(parse(format!("ws://{}:{}", g.node_host, g.data_port))?)
                .with_data_service_port(g.data_port);
        }
        Ok(c)
    }
}

impl<B: Backend> crate::optim::split::Share for Member<B> {
    fn rank(&self) -> usize {
        self.rank
    }
    fn world(&self) -> usize {
        self.world
    }
    fn sum(&self, values: Vec<f32>, what: &str) -> Result<Vec<f32>> {
        Member::sum(self, values, what)
    }
}

/// One peer of a run, registered with the collective: its global rank among `world`.
pub struct Member<B: Backend> {
    rank: usize,
    world: usize,
    /// Its machine's rank among `nodes` (0 of 1 without several machines).
    node: usize,
    nodes: usize,
    device: B::Device,
    timeout: Duration,
}

impl<B: Backend> Member<B> {
    /// Registers local peer `local` of this process (waits until every peer has).
    pub fn join(top: &Topology, local: usize, device: B::Device) -> Result<Self> {
        let m = Member {
            rank: top.node_rank() * top.devices + local,
            world: top.world(),
            node: top.node_rank(),
            nodes: top.nodes(),
            device: device.clone(),
            timeout: top.timeout,
        };
        let (id, config) = (m.id(), top.config()?);
        m.within("joining the run", move || {
            burn_collective::register::<B>(id, device, config)
        })?;
        Ok(m)
    }

    fn id(&self) -> PeerId {
        PeerId(self.rank as u32)
    }

    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn world(&self) -> usize {
        self.world
    }

    /// Global rank 0: evaluates, logs and checkpoints for everyone.
    pub fn leads(&self) -> bool {
        self.rank == 0
    }

    /// This peer's rows of a step's `rows` (which the world divides).
    pub fn rows(&self, rows: usize) -> (usize, usize) {
        let each = rows / self.world;
        (self.rank * each, (self.rank + 1) * each)
    }

    /// The element-wise sum of every peer's `values` (same length everywhere); `what` names the
    /// sum in errors.
    pub fn sum(&self, mut values: Vec<f32>, what: &str) -> Result<Vec<f32>> {
        let n = values.len();
        // The machines' ring cuts a tensor into one slice per peer at least: zeros pad it.
        values.resize(n.max(self.world), 0.0);
        let len = values.len();
        let t = Tensor::<B, 1>::from_data(TensorData::new(values, [len]), &self.device);
        let t = t.into_primitive().tensor();
        let id = self.id();
        let out = self.within(what, move || {
            burn_collective::all_reduce::<B>(id, t, ReduceOperation::Sum)
        })?;
        let out = Tensor::<B, 1>::from_primitive(TensorPrimitive::Float(out));
        let mut out = out.into_data().into_vec::<f32>().expect("f32 tensor");
        out.truncate(n);
        Ok(out)
    }

    /// Every peer's gradients and loss summed (each share already weighted by its part of the
    /// step's rows), laid out in path order, which every peer shares.
    pub fn sum_grads(&self, loss: f64, grads: HostGrads) -> Result<(f64, HostGrads)> {
        let len: usize = grads.by_path.values().map(Vec::len).sum();
        let mut flat = Vec::with_capacity(len + 1);
        for g in grads.by_path.values() {
            flat.extend_from_slice(g);
        }
        flat.push(loss as f32);
        let summed = self.sum(flat, "summing the gradients")?;
        let mut grads = grads;
        let mut at = 0;
        for g in grads.by_path.values_mut() {
            let n = g.len();
            g.copy_from_slice(&summed[at..at + n]);
            at += n;
        }
        Ok((summed[at] as f64, grads))
    }

    /// The leader's `code` (the others pass anything; it is ignored): one decision for all.
    pub fn agree(&self, code: u32) -> Result<u32> {
        Ok(self.decide(code, false)?.0)
    }

    /// The leader's `code`, and whether any peer was `signalled`, in one sum.
    pub fn decide(&self, code: u32, signalled: bool) -> Result<(u32, bool)> {
        let mine = if self.leads() { code as f32 } else { 0.0 };
        let flag = if signalled { 1.0 } else { 0.0 };
        let all = self.sum(vec![mine, flag], "taking the leader's decision")?;
        Ok((all[0] as u32, all[1] > 0.0))
    }

    /// An error unless every peer's `checksum` equals the leader's (`what` says of what).
    pub fn check_same(&self, checksum: u64, what: &str) -> Result<()> {
        // Two exact 24-bit halves per peer, each in its own slot: the sum gathers them.
        let mut slots = vec![0.0f32; 2 * self.world];
        slots[2 * self.rank] = (checksum & 0xff_ffff) as f32;
        slots[2 * self.rank + 1] = ((checksum >> 24) & 0xff_ffff) as f32;
        let all = self.sum(slots, "comparing the weights")?;
        match (1..self.world).find(|&r| all[2 * r..2 * r + 2] != all[0..2]) {
            Some(peer) => Err(Error::Drifted {
                peer,
                what: what.into(),
            }),
            None => Ok(()),
        }
    }

    /// Unregisters (the collective can be joined again in this process).
    pub fn leave(self) {
        let id = self.id();
        let _ = self.within("leaving the run", move || {
            burn_collective::finish_collective::<B>(id)
        });
    }

    /// `f` (a blocking collective call), given up after the timeout.
    fn within<T: Send + 'static>(
        &self,
        what: &str,
        f: impl FnOnce() -> Result<T, CollectiveError> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        let who = match self.nodes {
            1 => format!("peer {} of {}", self.rank, self.world),
            n => format!(
                "node {} of {n} (peer {} of {})",
                self.node, self.rank, self.world
            ),
        };
        match rx.recv_timeout(self.timeout) {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(Error::Collective {
                who,
                what: what.into(),
                why: describe(&e),
                released: matches!(e, CollectiveError::LocalServerMissing),
            }),
            Err(_) => Err(Error::PeerTimeout {
                who,
                others: self.others(),
                secs: self.timeout.as_secs(),
                what: what.into(),
            }),
        }
    }

    /// Who this peer waits for: the other machines by rank, or the other peers.
    fn others(&self) -> String {
        let ranks: Vec<String> = (0..self.nodes)
            .filter(|&n| n != self.node)
            .map(|n| n.to_string())
            .collect();
        match ranks.len() {
            0 => "the other peers".into(),
            1 => format!("node {}", ranks[0]),
            _ => format!("nodes {}", ranks.join(", ")),
        }
    }
}

/// What went wrong, in words (node ids are ranks: the patched orchestrator numbers them so).
fn describe(e: &CollectiveError) -> String {
    use burn_collective::GlobalCollectiveError as G;
    const RESUME: &str = "continue from the last checkpoint with --resume";
    match e {
        CollectiveError::LocalServerMissing => "another peer of this process failed".into(),
        CollectiveError::RegisterParamsMismatch => {
            "the peers were started with different settings".into()
        }
        CollectiveError::Global(G::PeerLost(node)) => format!(
            "node {} is gone (its connection was lost: it died or was stopped); {RESUME}",
            node.index()
        ),
        CollectiveError::Global(G::OrchestratorRefused(why)) => format!(
            "the orchestrator refused this node: {why}; every machine and the orchestrator \
             need the same token (TRAINER_TOKEN or --token-file)"
        ),
        CollectiveError::Global(G::DoubleRegister) => "another node has registered with the \
             same --node-rank or --node-address/--data-port"
            .into(),
        CollectiveError::Global(G::RegisterParamsMismatch) => {
            "the nodes were started with different --nodes or --devices".into()
        }
        other => format!("{other:?}"),
    }
}

/// Forgets every peer of `B` in this process, so that those still waiting fail at once (a peer
/// of theirs failed) and a later run can join afresh.
pub fn reset<B: Backend>() {
    burn_collective::reset_collective::<B>();
}

/// A cheap fingerprint of values (their bits, in order).
pub fn checksum<'a>(values: impl IntoIterator<Item = &'a [f32]>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in values {
        for x in chunk {
            h = (h ^ u64::from(x.to_bits())).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    fn with_two<R: Send>(f: impl Fn(Member<B>) -> R + Sync) -> Vec<R> {
        let _one = crate::run::devices::session();
        let top = Topology {
            kind: crate::DeviceKind::Flex,
            devices: 2,
            global: None,
            timeout: Duration::from_secs(20),
        };
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|p| {
                    let (f, top) = (&f, &top);
                    s.spawn(move || f(Member::join(top, p, Default::default()).unwrap()))
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    #[test]
    fn two_peers_on_one_flex_device_sum_and_agree_and_see_drift() {
        let out = with_two(|m| {
            let mut g = HostGrads::default();
            g.by_path.insert("a".into(), vec![m.rank() as f32 + 1.0; 3]);
            g.by_path.insert("b".into(), vec![0.5; 2]);
            let (loss, g) = m.sum_grads(0.25, g).unwrap();
            let leader = m.agree(if m.leads() { 3 } else { 7 }).unwrap();
            let same = m.check_same(42, "now").is_ok();
            let differ = m
                .check_same(m.rank() as u64, "now")
                .unwrap_err()
                .to_string();
            m.leave();
            (loss, g, leader, same, differ)
        });
        for (loss, g, leader, same, differ) in out {
            assert_eq!(loss, 0.5);
            assert_eq!(g.by_path["a"], vec![3.0; 3]);
            assert_eq!(g.by_path["b"], vec![1.0; 2]);
            assert_eq!(leader, 3);
            assert!(same);
            assert!(differ.contains("peer 1's weights differ"), "{differ}");
        }
    }

    #[test]
    fn a_peer_that_never_comes_is_an_error_after_the_timeout() {
        let _one = crate::run::devices::session();
        let top = Topology {
            kind: crate::DeviceKind::Flex,
            devices: 2,
            global: None,
            timeout: Duration::from_millis(300),
        };
        let err = Member::<B>::join(&top, 0, Default::default())
            .err()
            .unwrap()
            .to_string();
        reset::<B>();
        assert!(err.contains("no answer from the other peers"), "{err}");
    }

    #[test]
    fn a_silent_or_drifted_peer_is_its_own_error_not_a_usage_error() {
        let top = Topology {
            kind: crate::DeviceKind::Flex,
            devices: 2,
            global: None,
            timeout: Duration::from_millis(300),
        };
        let one = crate::run::devices::session();
        let err = Member::<B>::join(&top, 0, Default::default())
            .err()
            .unwrap();
        reset::<B>();
        drop(one);
        assert!(
            matches!(&err, Error::PeerTimeout { others, secs: 0, .. } if others == "the other peers"),
            "{err:?}"
        );
        let drifted = with_two(|m| {
            let e = m.check_same(m.rank() as u64, "now").unwrap_err();
            m.leave();
            e
        });
        for e in drifted {
            assert!(matches!(e, Error::Drifted { peer: 1, .. }), "{e:?}");
        }
    }
}
