//! The run log through runlog: run.json at the start, a metrics line per evaluation, and
//! summary.json at the end (the machine's facts come from [`crate::host`]).

use crate::error::Result;
use runlog::{Metrics, Summary};
use std::path::Path;

/// Starts a fresh run log in `dir`: earlier metrics and summary of a run with this name go.
pub fn start_fresh(dir: &Path, info: &runlog::RunInfo) -> Result<runlog::MetricsWriter> {
    // An earlier run's lens too: this run writes its own when it ends.
    for f in [
        runlog::METRICS_FILE,
        runlog::SUMMARY_FILE,
        runlog::LENS_FILE,
    ] {
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
    fn a_fresh_start_removes_an_earlier_runs_log_summary_and_lens() {
        let dir = std::env::temp_dir().join(format!("start-fresh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for f in [
            runlog::METRICS_FILE,
            runlog::SUMMARY_FILE,
            runlog::LENS_FILE,
        ] {
            std::fs::write(dir.join(f), "old").unwrap();
        }
        let info = runlog::RunInfo::new("e", runlog::Variant::BASELINE, 0);
        drop(super::start_fresh(&dir, &info).unwrap());
        assert!(
            !dir.join(runlog::LENS_FILE).exists(),
            "a stale lens would decode other weights"
        );
        assert!(!dir.join(runlog::SUMMARY_FILE).exists());
        assert_eq!(std::fs::read(dir.join(runlog::METRICS_FILE)).unwrap(), b"");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
