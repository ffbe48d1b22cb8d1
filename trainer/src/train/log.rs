//! The run log through runlog: run.json at the start, a metrics line per evaluation, and
//! summary.json at the end. Also the facts run.json records about the machine.

use crate::error::Result;
use runlog::{Metrics, Summary};
use std::path::Path;
use std::process::Command;

/// `git rev-parse HEAD` of the working directory, with `-dirty` for uncommitted changes.
pub fn git_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let mut c = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    if dirty {
        c.push_str("-dirty");
    }
    Some(c)
}

/// The processor, for run.json's `device`: a run's timings mean little without it.
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))?
        .split_once(':')?
        .1
        .trim()
        .to_string();
    let cores = info.lines().filter(|l| l.starts_with("processor")).count();
    Some(format!("{model}, {cores} cores"))
}

pub fn hostname() -> Option<String> {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

/// Now as RFC 3339 UTC (`2026-11-29T22:07:33Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
pub fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts a fresh run log in `dir`: earlier metrics and summary of a run with this name go.
pub fn start_fresh(dir: &Path, info: &runlog::RunInfo) -> Result<runlog::MetricsWriter> {
    for f in [runlog::METRICS_FILE, runlog::SUMMARY_FILE] {
        let p = dir.join(f);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| crate::error::Error::io(&p, e))?;
        }
    }
    runlog::write_json_atomic(&dir.join(runlog::RUN_FILE), info)?;
    Ok(runlog::MetricsWriter::open(
        &dir.join(runlog::METRICS_FILE),
    )?)
}

pub fn write_summary(dir: &Path, s: &Summary) -> Result<()> {
    Ok(runlog::write_json_atomic(
        &dir.join(runlog::SUMMARY_FILE),
        s,
    )?)
}

pub fn append(w: &mut runlog::MetricsWriter, m: &Metrics) -> Result<()> {
    Ok(w.append(m)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
