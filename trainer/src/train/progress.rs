//! The progress bar: step, loss, ms per step, tokens per second, ETA (indicatif, on stderr).

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(steps: usize, quiet: bool, name: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(steps as u64);
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] step {pos}/{len} {msg} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_prefix(name.to_owned());
    pb
}

pub fn message(loss: f64, val: Option<f64>, ms_per_step: f64, tokens_per_s: f64) -> String {
    let val = val.map_or(String::new(), |v| format!(" val {v:.4}"));
    format!("loss {loss:.4}{val} | {ms_per_step:.0} ms/step | {tokens_per_s:.0} tok/s")
}
