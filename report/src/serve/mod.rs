//! `report serve`: a local preview that rebuilds when an input changes and tells the pages.
//!
//! The stages, one module each:
//! - [`builds`]: each build goes into a folder of its own (site/ and images/ are never written);
//!   the last good one is served, so a failed build leaves the pages as they were;
//! - [`watch`]: notify watches drafts, runs, templates and site.toml; one burst of saves makes
//!   one rebuild;
//! - [`live`]: what is served (that folder, the failed build's problems) and the
//!   `/__livereload` event stream that tells open pages when it changes;
//! - [`overlay`]: the script (reload, scroll kept) and the problems panel put into served pages
//!   only;
//! - [`server`] and [`answer`]: hyper's HTTP/1 on a one-thread tokio runtime, bounded
//!   (connections, head size and time), GET and HEAD only; [`files`]: a URL to a file, never
//!   outside the site.

mod answer;
mod body;
pub mod builds;
pub mod files;
pub mod live;
pub mod overlay;
pub mod server;
pub mod watch;

pub use answer::MAX_TARGET;
pub use live::{Site, State, EVENTS_PATH};
pub use server::{Limits, Server};
pub use watch::Watch;

use crate::build::{BuildOptions, Outcome};
use crate::post::Kind;
use crate::{Error, Result};
use builds::{digest, Builds};
use std::path::PathBuf;
use std::sync::Arc;

/// Builds, serves the build on `addr`, and rebuilds whenever an input changes. Returns only
/// when the first build cannot start, the address is taken or the inputs cannot be watched.
pub fn serve(o: &BuildOptions, addr: &str) -> Result<()> {
    let mut builds = Builds::new()?;
    let (root, first) = builds.build(o);
    let first = first?;
    first.print();
    builds.keep(&root);
    let limits = Limits::default();
    let site = Site::live(&root, shown_problems(&first), limits.listeners);
    let server = Server::bind_site(addr, site.clone(), limits)?;
    let mut watch = Watch::new(o, builds.dir())?;
    stop_on_signal(builds.dir().to_owned())?;
    println!(
        "serving at http://{}:{}/ (building in {}; pages reload when a build changes them; \
         Ctrl-C stops)",
        addr.rsplit_once(':').map_or("127.0.0.1", |(host, _)| host),
        server.port(),
        builds.dir().display()
    );
    std::thread::spawn(move || server.run());
    let mut served = digest(&root);
    while let Some(changed) = watch.next_burst() {
        if changed.is_empty() {
            continue;
        }
        let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        println!("changed: {}", names.join(", "));
        rebuild(o, &mut builds, &site, &mut served);
    }
    Err(Error::serving("the watcher of the inputs stopped".into()))
}

/// One rebuild: a good build that changes the site is served; a failed one leaves the last
/// good pages served with its problems over them.
fn rebuild(o: &BuildOptions, builds: &mut Builds, site: &Arc<Site>, served: &mut u64) {
    let started = std::time::Instant::now();
    let (root, result) = builds.build(o);
    let now = site.now();
    let problems = match result {
        Err(e) => {
            eprintln!("error: {e}");
            vec![e.to_string()]
        }
        Ok(out) => {
            out.print();
            if out.failed() {
                shown_problems(&out)
            } else {
                let d = digest(&root);
                if d == *served && now.problems.is_empty() {
                    builds.discard(&root);
                    println!(
                        "rebuilt in {:.2?}: nothing served changed",
                        started.elapsed()
                    );
                    return;
                }
                builds.keep(&root);
                site.show(&root, Vec::new());
                *served = d;
                println!("rebuilt in {:.2?}: pages reload", started.elapsed());
                return;
            }
        }
    };
    builds.discard(&root);
    println!(
        "the build failed in {:.2?}; the last good pages stay served, with its {} problem(s) \
         over them",
        started.elapsed(),
        problems.len()
    );
    if problems != now.problems {
        site.show(&now.root, problems);
    }
}

/// What the overlay lists for a build: nothing when it passed, else every problem (notes
/// aside) as `report check` prints them, `file:line: kind: message`.
fn shown_problems(out: &Outcome) -> Vec<String> {
    if !out.failed() {
        return Vec::new();
    }
    out.problems
        .iter()
        .filter(|p| p.kind != Kind::Note)
        .map(|p| p.to_string())
        .collect()
}

/// Ctrl-C or SIGTERM: the builds' folder is removed before the process ends (exit code 130 or
/// 143, as the signal's own would be). The handlers are in place when this returns.
fn stop_on_signal(dir: PathBuf) -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::serving(format!("cannot wait for Ctrl-C: {e}")))?;
    let signals = {
        let _in = rt.enter();
        Signals::new().map_err(|e| Error::serving(format!("cannot wait for Ctrl-C: {e}")))?
    };
    std::thread::spawn(move || {
        let code = rt.block_on(signals.next());
        for _ in 0..3 {
            // A build may still be writing into it: try again.
            if std::fs::remove_dir_all(&dir).is_ok() || !dir.exists() {
                break;
            }
        }
        std::process::exit(code);
    });
    Ok(())
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The exit code for the first signal that comes.
    async fn next(mut self) -> i32 {
        tokio::select! {
            _ = self.interrupt.recv() => 130,
            _ = self.terminate.recv() => 143,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}
