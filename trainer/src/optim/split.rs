//! Newton–Schulz shared out among data-parallel peers, as modded-nanogpt spreads it over its GPUs:
//! every peer updates Adam's parameters and Muon's momenta itself (cheap, and the same
//! everywhere), orthogonalises only the matrices it owns, and one sum hands every peer every
//! result. The others add zeros to a peer's result, so the sum is exact: the step equals the one
//! a single device takes.

use super::{dims2, muon, muon_step, Job, Slot, StepHyper};
use crate::config::OptimConfig;
use crate::error::Result;
use burn::tensor::backend::Backend;
use rayon::prelude::*;

/// The peers a step is shared with (implemented by the collective's `Member`, which sits above).
pub trait Share: Sync {
    fn rank(&self) -> usize;
    fn world(&self) -> usize;
    /// The element-wise sum of every peer's `values` (the same length everywhere).
    fn sum(&self, values: Vec<f32>, what: &str) -> Result<Vec<f32>>;
}

/// Which peer orthogonalises each job's matrix (`None`: not a Muon job with a gradient). Jobs
/// come largest first; each goes to the peer with the least work so far (Newton–Schulz costs
/// about rows x cols x min(rows, cols)), the same choice on every peer.
fn owners<B: Backend>(jobs: &[Job<B>], world: usize) -> Vec<Option<usize>> {
    let mut load = vec![0usize; world];
    jobs.iter()
        .map(|j| match (&j.slot, j.grad) {
            (Some(Slot::Muon { .. }), Some(_)) => {
                let (r, c) = dims2(&j.param);
                let peer = (0..world).min_by_key(|&p| load[p]).unwrap_or(0);
                load[peer] += r * c * r.min(c);
                Some(peer)
            }
            _ => None,
        })
        .collect()
}

/// The fused optimiser step over `jobs` (largest first) as one peer of `share`.
pub(super) fn step<B: Backend>(
    jobs: &mut [Job<B>],
    cfg: &OptimConfig,
    h: StepHyper,
    share: &dyn Share,
) -> Result<()> {
    let owners = owners(jobs, share.world());
    let mut orth: Vec<Vec<f32>> = vec![Vec::new(); jobs.len()];
    jobs.par_iter_mut()
        .zip(orth.par_iter_mut())
        .zip(owners.par_iter())
        .with_max_len(1)
        .for_each(|((j, o), owner)| {
            j.fetch();
            let (Some(peer), Some(Slot::Muon { slot, mlp }), Some(grad)) =
                (owner, &mut j.slot, j.grad)
            else {
                // Adam, or no gradient: done here, as on one device (Muon's matrices never
                // reach this closure).
                return j.run(cfg, h, |u| u);
            };
            let u = slot.momentum(grad, &muon_step(cfg, h, *mlp));
            let (r, c) = dims2(&j.param);
            *o = match *peer == share.rank() {
                true => muon::newton_schulz_host(&u, r, c),
                false => vec![0.0; u.len()],
            };
        });
    let summed = share.sum(orth.concat(), "sharing the orthogonalised matrices")?;
    let mut at = 0;
    for o in orth.iter_mut() {
        let n = o.len();
        o.copy_from_slice(&summed[at..at + n]);
        at += n;
    }
    jobs.par_iter_mut()
        .zip(orth.par_iter())
        .for_each(|(j, o)| match &j.slot {
            Some(Slot::Muon { mlp, .. }) if !o.is_empty() => {
                let shape = dims2(&j.param);
                muon::apply(&mut j.param.data, o, shape, &muon_step(cfg, h, *mlp));
            }
            _ => {}
        });
    Ok(())
}
