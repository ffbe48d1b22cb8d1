//! The PyTorch anchor of the reference bench: `TORCH_PYTHON` (a Python with torch) runs
//! ../shared/bench/pytorch/torch_bench.py (or the script `TORCH_BENCH` names) on the same work,
//! alternately with the trainer (trainer, PyTorch, trainer, PyTorch, ...) so that both meet the
//! same machine load, and the ratio of their tokens per second is printed. The script and the
//! interpreter are run directly, never through a shell.

use super::{print_row, train_flops_per_token, BenchArgs, BenchResult};
use crate::config::Config;
use crate::error::{Error, Result};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

/// Where the script lives when `TORCH_BENCH` does not say: beside the repository.
pub const DEFAULT_SCRIPT: &str = "../shared/bench/pytorch/torch_bench.py";

/// What the script prints (one JSON line; other keys are ignored).
#[derive(Debug, serde::Deserialize)]
struct TorchLine {
    ms_per_step_mean: f64,
    cpu_ms_per_step: f64,
    tokens_per_s: f64,
}

/// One PyTorch measurement, as a row of the table.
pub fn measure(
    python: &OsStr,
    script: &PathBuf,
    threads: usize,
    args: &BenchArgs,
    cfg: &Config,
) -> Result<BenchResult> {
    let bad = |message: String| Error::Data {
        path: script.clone(),
        message,
    };
    let out = Command::new(python)
        .arg(script)
        .args(["--threads", &threads.to_string()])
        .args(["--steps", &args.steps.to_string()])
        .args(["--warmup", &args.warmup.to_string()])
        .output()
        .map_err(|e| {
            bad(format!(
                "could not run it with {}: {e}",
                python.to_string_lossy()
            ))
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(bad(format!(
            "failed ({}): {}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'));
    let line = line.ok_or_else(|| bad("printed no JSON line".into()))?;
    let t: TorchLine =
        serde_json::from_str(line).map_err(|e| bad(format!("unreadable result `{line}`: {e}")))?;
    if !(t.ms_per_step_mean > 0.0 && t.tokens_per_s > 0.0) {
        return Err(bad(format!("implausible result `{line}`")));
    }
    Ok(BenchResult {
        name: format!("torch-{threads}t"),
        ms_forward: f64::NAN,
        ms_backward: f64::NAN,
        ms_optim: f64::NAN,
        ms_step: t.ms_per_step_mean,
        cpu_ms_step: t.cpu_ms_per_step,
        tokens_per_s: t.tokens_per_s,
        flops_per_s: train_flops_per_token(cfg) * cfg.tokens_per_step() as f64
            / (t.ms_per_step_mean / 1e3),
    })
}

/// `args.rounds` rounds of trainer then PyTorch; prints every row and the median ratio.
pub fn alternate(
    python: &OsStr,
    threads: usize,
    args: &BenchArgs,
    cfg: &Config,
    mut trainer: impl FnMut() -> BenchResult,
) -> Result<()> {
    let script = std::env::var_os("TORCH_BENCH")
        .map_or_else(|| PathBuf::from(DEFAULT_SCRIPT), PathBuf::from);
    println!(
        "alternating with PyTorch ({}, {threads} threads), {} rounds:",
        script.display(),
        args.rounds
    );
    let mut ratios = Vec::new();
    for _ in 0..args.rounds.max(1) {
        let ours = trainer();
        print_row(&ours);
        let theirs = measure(python, &script, threads, args, cfg)?;
        print_row(&theirs);
        ratios.push(ours.tokens_per_s / theirs.tokens_per_s);
    }
    let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!(
        "trainer / PyTorch tokens/s: median {:.2}x (rounds: {})",
        median(&mut ratios),
        each.join(", ")
    );
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_rounds() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
