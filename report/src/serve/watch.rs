//! Notices changes to the build's inputs (drafts and their images, runs, templates, site.toml)
//! with notify: inotify, FSEvents or ReadDirectoryChanges, and polling where none of them can
//! start. Each input folder is watched recursively and the folder holding each input
//! non-recursively, so a save-by-rename (an editor writes a temporary file and renames it over
//! the draft), a folder made after the start (templates/) and a replaced site.toml all count.
//! Saves come in bursts (an editor's temporary file, rename and backup; a run's three files):
//! [`Watch::next_burst`] returns once the inputs have been quiet for a moment, so one burst
//! makes one rebuild. Reads are not changes: the build reading its inputs never wakes it.

use crate::build::BuildOptions;
use crate::Error;
use notify::event::{AccessKind, AccessMode};
use notify::{Config, Event, EventKind, EventKindMask, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the inputs must be quiet before a burst counts as over.
pub const QUIET: Duration = Duration::from_millis(150);
/// A burst that never goes quiet (a run writing its metrics) still rebuilds this often.
const MAX_BURST: Duration = Duration::from_secs(2);

pub struct Watch {
    watcher: Box<dyn Watcher + Send>,
    events: Receiver<notify::Result<Event>>,
    /// Input folders (watched recursively) and files, absolute.
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    /// Changes under this folder (the preview's own builds) never count.
    ignore: PathBuf,
    quiet: Duration,
    /// The watcher is gone: no event will come.
    stopped: bool,
}

impl Watch {
    /// Watches `o`'s inputs; changes under `ignore` are not changes of the inputs.
    pub fn new(o: &BuildOptions, ignore: &Path) -> crate::Result<Watch> {
        let (tx, events) = channel();
        // Creation, removal, changes of data, names and metadata, and a file closed after
        // writing; never an open or a read.
        let config = Config::default()
            .with_event_kinds(EventKindMask::CORE | EventKindMask::ACCESS_CLOSE)
            .with_poll_interval(Duration::from_millis(500));
        let watcher: Box<dyn Watcher + Send> =
            match notify::RecommendedWatcher::new(tx.clone(), config.clone()) {
                Ok(w) => Box::new(w),
                Err(e) => {
                    eprintln!("warning: {e}; watching the inputs by polling every 0.5 s instead");
                    let poll = notify::PollWatcher::new(tx, config)
                        .map_err(|e| Error::serving(format!("cannot watch the inputs: {e}")))?;
                    Box::new(poll)
                }
            };
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        let mut w = Watch {
            watcher,
            events,
            dirs: [&o.posts, &o.runs, &o.templates].map(|p| abs(p)).to_vec(),
            files: vec![abs(&o.config)],
            ignore: abs(ignore),
            quiet: QUIET,
            stopped: false,
        };
        w.arm();
        Ok(w)
    }

    /// Waits this long for quiet instead of [`QUIET`].
    pub fn with_quiet(mut self, quiet: Duration) -> Watch {
        self.quiet = quiet;
        self
    }

    /// (Re)places the watches: folders that appeared or were replaced since are watched too.
    fn arm(&mut self) {
        for d in &self.dirs {
            let _ = self.watcher.unwatch(d);
            if d.is_dir() {
                if let Err(e) = self.watcher.watch(d, RecursiveMode::Recursive) {
                    eprintln!("warning: cannot watch {}: {e}", d.display());
                }
            }
        }
        let parents: BTreeSet<PathBuf> = self
            .dirs
            .iter()
            .chain(&self.files)
            .filter_map(|p| p.parent().filter(|p| p.is_dir()).map(Path::to_owned))
            .collect();
        for parent in &parents {
            let _ = self.watcher.unwatch(parent);
            if let Err(e) = self.watcher.watch(parent, RecursiveMode::NonRecursive) {
                eprintln!("warning: cannot watch {}: {e}", parent.display());
            }
        }
    }

    /// Blocks until an input changes, then until the inputs have been quiet for the quiet
    /// time; returns the inputs that changed. `None` when the watcher has stopped.
    pub fn next_burst(&mut self) -> Option<Vec<PathBuf>> {
        loop {
            if let Some(burst) = self.wait(Duration::from_secs(3600)) {
                return Some(burst);
            }
            if self.stopped {
                return None;
            }
        }
    }

    /// As [`Watch::next_burst`], giving up (`None`) when nothing changes within `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<Vec<PathBuf>> {
        let mut changed = Vec::new();
        let deadline = Instant::now() + limit;
        while changed.is_empty() {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.events.recv_timeout(left) {
                Ok(e) => self.note(e, &mut changed),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    self.stopped = true;
                    return None;
                }
            }
        }
        let start = Instant::now();
        while start.elapsed() < MAX_BURST {
            match self.events.recv_timeout(self.quiet) {
                Ok(e) => self.note(e, &mut changed),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.arm();
        changed.sort();
        changed.dedup();
        Some(changed)
    }

    /// Adds the inputs an event names to `changed`.
    fn note(&self, event: notify::Result<Event>, changed: &mut Vec<PathBuf>) {
        let event = match event {
            Ok(e) => e,
            Err(e) => return eprintln!("warning: watching the inputs: {e}"),
        };
        if let EventKind::Access(a) = event.kind {
            if a != AccessKind::Close(AccessMode::Write) {
                return;
            }
        }
        if event.need_rescan() {
            // Events were lost: anything may have changed.
            changed.extend(self.dirs.iter().cloned());
            return;
        }
        changed.extend(event.paths.into_iter().filter(|p| self.is_input(p)));
    }

    /// Whether a change at `p` can change the build.
    fn is_input(&self, p: &Path) -> bool {
        if p.starts_with(&self.ignore) || is_scratch(p) {
            return false;
        }
        self.files.iter().any(|f| f == p) || self.dirs.iter().any(|d| p.starts_with(d))
    }
}

/// An editor's scratch file: vim's swap files and write test, emacs's lock and autosave files,
/// backups ending in `~`. A draft is never one of these.
fn is_scratch(p: &Path) -> bool {
    let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swx", ".swo"].iter().any(|s| name.ends_with(s))
}
