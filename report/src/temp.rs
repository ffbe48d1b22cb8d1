//! A temporary folder removed on drop (std only: tempfile is a test dependency here).

use std::path::{Path, PathBuf};

pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder under the system's temporary folder, named `<prefix>-<pid>-<nanos>`
    /// and resolved (no symbolic link in its path, so messages can name files inside it).
    pub fn new(prefix: &str) -> crate::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let p = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| crate::Error::io(&p, e))?;
        let p = p.canonicalize().map_err(|e| crate::Error::io(&p, e))?;
        Ok(TempDir(p))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
