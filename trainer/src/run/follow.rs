//! A machine other than node 0 (`--nodes M`): it starts where node 0 says, fresh or from the
//! checkpoint of the step node 0 resumes from; its run folder is only read.

use crate::device::{TrainBackend, WithBackend};
use crate::error::{Error, Result};
use crate::parallel::collective::{Member, Topology};
use crate::run::checkpoint;
use crate::run::devices::{run_devices, Leader};
use crate::train::{NoHooks, RunContext, RunOutcome, TrainState};

/// A machine other than node 0: starts where node 0 says (fresh, or its checkpoint's step).
pub struct Follow<'a> {
    pub ctx: &'a RunContext,
    pub top: &'a Topology,
    pub threads: usize,
}

impl WithBackend for Follow<'_> {
    type Output = Result<RunOutcome>;
    fn run<B: TrainBackend>(self, _device: B::Device) -> Self::Output {
        let ctx = self.ctx;
        let start = |d: &B::Device, m: &Member<B::InnerBackend>| match m.agree(0)? {
            0 => Ok(TrainState::<B>::fresh(&ctx.config, d)),
            code => {
                let state = checkpoint::load::<B>(&ctx.dir, &ctx.config, d)?;
                if state.step as u32 + 1 != code {
                    return Err(Error::Usage(format!(
                        "{}: node 0 resumes from step {} but this machine sees a checkpoint of \
                         step {} (is the run folder on a filesystem both share?)",
                        ctx.dir.display(),
                        code - 1,
                        state.step
                    )));
                }
                Ok(state)
            }
        };
        let leader = Leader {
            writer: None,
            hooks: &mut NoHooks,
        };
        run_devices(ctx, self.top, self.threads, &start, leader)
    }
}
