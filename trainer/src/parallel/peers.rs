//! The threads a step's forward and backward passes run on: one rayon pool per peer, each of
//! `threads / peers` threads, owned by the run. A peer's pass and the kernels inside it run in
//! its pool and nowhere else.
//!
//! Why pools of their own: burn's autodiff holds a graph's lock for the whole of a backward pass,
//! and a thread that waits inside a kernel's parallel loop may take up any other job of its pool.
//! If that job were another graph's backward pass (another peer's, or another run's in the same
//! process), its final clean-up would wait for the lock the same thread already holds. In a pool
//! that only ever holds one pass's own kernel tasks, that cannot happen.

use crate::device::DeviceKind;
use crate::error::{Error, Result};
use rayon::ThreadPool;

pub struct Peers {
    pools: Vec<ThreadPool>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let threads: Vec<usize> = self.pools.iter().map(|p| p.current_num_threads()).collect();
        f.debug_struct("Peers").field("threads", &threads).finish()
    }
}

impl Peers {
    /// `peers` pools sharing `threads` threads (at least one each).
    pub fn new(peers: usize, threads: usize) -> Result<Self> {
        let peers = peers.max(1);
        let each = (threads / peers).max(1);
        let pools = (0..peers)
            .map(|p| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(each)
                    .thread_name(move |i| format!("peer{p}-{i}"))
                    .build()
                    .map_err(|e| Error::Usage(format!("a pool of {each} threads: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(Peers { pools })
    }

    pub fn len(&self) -> usize {
        self.pools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }

    /// `work(p, item)` for the `p`-th item in peer `p`'s pool, all side by side; the results in
    /// item order. At most as many items as peers.
    pub fn run<T: Send, R: Send>(
        &self,
        items: Vec<T>,
        work: impl Fn(usize, T) -> R + Sync,
    ) -> Vec<R> {
        assert!(items.len() <= self.pools.len(), "more shares than peers");
        let work = &work;
        std::thread::scope(|s| {
            let mut items = items.into_iter().enumerate();
            let first = items.next();
            let others: Vec<_> = items
                .map(|(p, item)| {
                    let pool = &self.pools[p];
                    s.spawn(move || pool.install(|| work(p, item)))
                })
                .collect();
            let mut out: Vec<R> = first
                .map(|(p, item)| self.pools[p].install(|| work(p, item)))
                .into_iter()
                .collect();
            for h in others {
                match h.join() {
                    Ok(r) => out.push(r),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }
}

/// Shares of a pass of `rows` rows computed side by side: one per CPU thread with the fused
/// kernels (at most one per row; spare threads then work inside the peers); the plain ops (the
/// oracle) and a GPU take the rows in one pass.
pub fn shares(device: DeviceKind, plain_ops: bool, threads: usize, rows: usize) -> usize {
    match (device, plain_ops) {
        (DeviceKind::Flex, false) => threads.min(rows).max(1),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_runs_in_its_own_peers_pool() {
        let peers = Peers::new(3, 6).unwrap();
        assert_eq!(peers.len(), 3);
        let out = peers.run(vec![10, 20, 30], |p, x| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            (p, x + 1, rayon::current_num_threads(), name)
        });
        for (i, (p, x, threads, name)) in out.into_iter().enumerate() {
            assert_eq!((p, x, threads), (i, 10 * (i + 1) + 1, 2));
            assert!(name.starts_with(&format!("peer{i}-")), "{name}");
        }
        assert_eq!(Peers::new(4, 2).unwrap().run(vec![1], |_, x| x), vec![1]);
    }
}
