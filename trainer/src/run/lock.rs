//! The run-folder lock: while a process trains a run, no other process (a second sweep, a second
//! Slurm task) may train it.
//!
//! The lock is an advisory `flock` on `<run dir>/train.lock.pid`, held for as long as the
//! [`RunLock`] lives. The kernel drops it when the holder dies, however it dies (SIGKILL, power
//! cut of a node on a network filesystem once its lease expires), so a stale lock cannot block a
//! run: the next process simply takes it, and is told whose lock it took over. The file's text
//! (pid, host, start time) only serves the messages; it is emptied on a clean release.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Ignored by git through the `*.lock.pid` pattern.
pub const LOCK_FILE: &str = "train.lock.pid";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: the run is being trained by another process ({holder}); wait for it, or stop it first")]
    Held { path: PathBuf, holder: String },
    #[error("{path}: cannot lock the run folder: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held while this process trains the run; dropping it releases the folder.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
    took_over: Option<String>,
}

impl RunLock {
    /// Locks `run_dir` (creating it), or says who holds it.
    pub fn acquire(run_dir: &Path) -> Result<RunLock, LockError> {
        let path = run_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(run_dir).map_err(io)?;
        // Never truncate on open: the text belongs to whoever holds the lock.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file).unwrap_or_else(|| "holder unknown".into());
                return Err(LockError::Held { path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Text left behind means the last holder never released the lock: it died.
        let took_over = read_holder(&mut file);
        let text = format!(
            "pid {}\nhost {}\nsince {}\n",
            std::process::id(),
            crate::host::hostname().unwrap_or_else(|| "unknown".into()),
            crate::host::now_rfc3339()
        );
        (|| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(text.as_bytes())?;
            file.sync_data()
        })()
        .map_err(io)?;
        Ok(RunLock {
            file,
            path,
            took_over,
        })
    }

    /// The holder whose stale lock (its process had died) this one replaced.
    pub fn took_over(&self) -> Option<&str> {
        self.took_over.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Empty text marks a clean release; the kernel drops the flock when the file closes.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The holder's text on one line ("pid 12 on host a since ..."), `None` when empty.
fn read_holder(file: &mut File) -> Option<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    let fields: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (!fields.is_empty()).then(|| fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    /// Not a test of its own: the child process of `second_process_is_refused_until_holder_dies`,
    /// which takes the lock, says so, and holds it until it is killed.
    #[test]
    #[ignore]
    fn hold_lock_child() {
        let Ok(dir) = std::env::var("LOCK_CHILD_DIR") else {
            return;
        };
        let _lock = RunLock::acquire(Path::new(&dir)).unwrap();
        println!("locked");
        std::io::stdout().flush().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(120));
    }

    #[test]
    fn second_process_is_refused_until_holder_dies() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "run::lock::tests::hold_lock_child",
                "--ignored",
                "--nocapture",
            ])
            .env("LOCK_CHILD_DIR", dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("locked") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "child ended early");
        }
        let pid = format!("pid {}", child.id());
        match RunLock::acquire(dir.path()) {
            Err(LockError::Held { holder, .. }) => assert!(holder.contains(&pid), "{holder}"),
            other => panic!("a second process took a held lock: {other:?}"),
        }
        // SIGKILL: the holder gets no chance to release; its lock is now stale.
        child.kill().unwrap();
        child.wait().unwrap();
        let lock = RunLock::acquire(dir.path()).expect("stale lock taken over");
        assert!(lock.took_over().unwrap().contains(&pid));
    }

    #[test]
    fn clean_release_leaves_nothing_to_take_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        assert!(first.took_over().is_none());
        // flock conflicts between two opens even inside one process.
        assert!(matches!(
            RunLock::acquire(dir.path()),
            Err(LockError::Held { .. })
        ));
        drop(first);
        let again = RunLock::acquire(dir.path()).unwrap();
        assert!(again.took_over().is_none());
        let text = std::fs::read_to_string(again.path()).unwrap();
        assert!(text.starts_with(&format!("pid {}\n", std::process::id())));
    }
}
