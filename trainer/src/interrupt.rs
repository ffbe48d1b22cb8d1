//! Ctrl-C and preemption: SIGINT or SIGTERM asks the training loop to stop at the next step
//! boundary, where it writes a checkpoint, marks the run `interrupted` and returns; a sweep then
//! stops too, so one Ctrl-C ends the whole grid. A second SIGINT exits at once (exit code 130),
//! for a user who does not want to wait for the checkpoint. In a run over several processes a
//! signal to any of them stops all at the same step, node 0 checkpointing, as one to node 0 does
//! (the peers' decision carries it: `train::hooks::decide`).
//!
//! Slurm sends SIGTERM at a job's time limit (and on preemption) before it kills: the emitted
//! script also asks for SIGINT two minutes ahead (`--signal`), so a run checkpoints in time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Exit code of a process stopped by a signal, as shells report it (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

fn flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the handlers; call once, before training starts.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let f = flag();
    // Registered first so that it sees the flag as the earlier signal left it.
    signal_hook::flag::register_conditional_shutdown(SIGINT, EXIT_INTERRUPTED, Arc::clone(f))?;
    signal_hook::flag::register(SIGINT, Arc::clone(f))?;
    signal_hook::flag::register(SIGTERM, Arc::clone(f))?;
    Ok(())
}

/// Whether a stop was asked for; the loop polls this once per step.
pub fn requested() -> bool {
    flag().load(Ordering::SeqCst)
}

/// Asks for a stop as a signal would (tests, and callers that embed the trainer).
pub fn request() {
    flag().store(true, Ordering::SeqCst);
}
