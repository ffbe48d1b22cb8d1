use crate::error::Error;
use crate::lens::Lens;
use crate::read::parse_metrics_line;
use crate::types::Metrics;
use serde::Serialize;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` so that a reader sees the old file or the new one, never a mix:
/// a temporary file beside it is written, synced, then renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    // Sync the folder so the rename itself survives a power cut; not every filesystem allows it.
    if let Some(dir) = dir {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Pretty JSON plus a final newline, written atomically (`run.json`, `summary.json`).
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Error::Parse {
        path: path.to_owned(),
        line: None,
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Rewrites a metrics file keeping only its whole, parseable lines, and of those only the ones
/// with `step <= keep_through` when given (a resumed run replays the evaluations after its
/// checkpoint, so they must not be logged twice). Returns how many lines were dropped.
/// A missing file is left missing.
pub fn repair_metrics(path: &Path, keep_through: Option<u64>) -> Result<usize, Error> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut kept = String::with_capacity(text.len());
    let mut dropped = 0;
    for line in text.split_inclusive('\n') {
        let whole = line.ends_with('\n');
        let keep = whole
            && match parse_metrics_line(line.trim_end()) {
                Ok(Some(m)) => keep_through.is_none_or(|s| m.step <= s),
                Ok(None) => false,
                Err(_) => false,
            };
        if keep {
            kept.push_str(line);
        } else if !line.trim().is_empty() {
            dropped += 1;
        }
    }
    if kept.len() != text.len() {
        write_atomic(path, kept.as_bytes())?;
    }
    Ok(dropped)
}

/// Appends one JSON line per evaluation and flushes it to disk at once, so a crashed run keeps
/// its log up to its last evaluation.
pub struct MetricsWriter {
    path: PathBuf,
    file: File,
}

impl MetricsWriter {
    /// Opens `path` for appending, first dropping a torn last line left by an earlier crash
    /// (appending after it would glue two records into one bad line).
    pub fn open(path: &Path) -> Result<Self, Error> {
        repair_metrics(path, None)?;
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(MetricsWriter {
            path: path.to_owned(),
            file,
        })
    }

    pub fn append(&mut self, m: &Metrics) -> Result<(), Error> {
        let mut line = serde_json::to_string(m).map_err(|e| Error::Parse {
            path: self.path.clone(),
            line: None,
            message: e.to_string(),
        })?;
        line.push('\n');
        // One write call per record: a crash tears at most this line, never an earlier one.
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|e| Error::io(&self.path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `lens` to `path` atomically, as `lens_text` gives it.
pub fn write_lens(path: &Path, lens: &Lens) -> Result<(), crate::Error> {
    let text = crate::lens::lens_text(lens).map_err(|e| crate::Error::Parse {
        path: path.to_owned(),
        line: None,
        message: e.to_string(),
    })?;
    write_atomic(path, text.as_bytes())
}
