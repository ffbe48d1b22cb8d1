//! What the preview shows, and who is told when it changes. The state (the folder of the last
//! good build, the problems of the last build when it failed, and a token naming both) sits in a
//! tokio watch channel: requests read it, the builder replaces it, and every client listening on
//! `/__livereload` (Server-Sent Events) is sent the new token. A page knows the token it was
//! served with, so a client that connects after a change is told at once.

use super::body::Body;
use hyper::body::Bytes;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};

/// The path clients listen on.
pub const EVENTS_PATH: &str = "/__livereload";
/// A comment sent this often on an idle event stream, so a closed client is noticed (its
/// write fails) and proxies keep the stream open.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// One state of the preview.
#[derive(Debug, Clone)]
pub struct State {
    /// The folder served: the last good build.
    pub root: PathBuf,
    /// The last build's problems when it failed (shown over every page); empty when it passed.
    pub problems: Vec<String>,
    /// Names this state: a page served with another token is out of date.
    pub token: String,
}

/// The state shared by the server and the builder.
pub struct Site {
    state: watch::Sender<Arc<State>>,
    /// Live reload on: pages get the script and the overlay, `/__livereload` answers.
    live: bool,
    /// Clients listening on `/__livereload` at most (each holds a connection).
    listeners: Arc<Semaphore>,
    generation: AtomicU64,
    /// Tells this process's tokens from an earlier one's (a page left open across a restart).
    epoch: u64,
}

impl Site {
    /// A fixed folder, served as it is: no script, no events.
    pub fn fixed(root: &Path) -> Arc<Site> {
        Site::new(root, Vec::new(), false, 0)
    }

    /// A preview whose pages reload when [`Site::show`] changes what is served.
    pub fn live(root: &Path, problems: Vec<String>, listeners: usize) -> Arc<Site> {
        Site::new(root, problems, true, listeners)
    }

    fn new(root: &Path, problems: Vec<String>, live: bool, listeners: usize) -> Arc<Site> {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let first = State {
            root: root.to_owned(),
            problems,
            token: format!("{epoch:x}-0"),
        };
        Arc::new(Site {
            state: watch::Sender::new(Arc::new(first)),
            live,
            listeners: Arc::new(Semaphore::new(listeners)),
            generation: AtomicU64::new(0),
            epoch,
        })
    }

    pub fn live_reload(&self) -> bool {
        self.live
    }

    /// What is served now.
    pub fn now(&self) -> Arc<State> {
        self.state.borrow().clone()
    }

    /// Serves `root` with `problems` over every page from now on, and tells every listener.
    pub fn show(&self, root: &Path, problems: Vec<String>) {
        let n = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        self.state.send_replace(Arc::new(State {
            root: root.to_owned(),
            problems,
            token: format!("{:x}-{n}", self.epoch),
        }));
    }

    /// The body of a `/__livereload` answer: the current token at once, then every new one;
    /// `None` when as many clients as allowed already listen.
    pub(super) fn events(&self) -> Option<Body> {
        let permit = self.listeners.clone().try_acquire_owned().ok()?;
        let mut states = self.state.subscribe();
        let (out, body) = mpsc::channel::<Bytes>(4);
        tokio::spawn(async move {
            let _permit = permit;
            // `retry`: how soon the browser reconnects after the server restarts (ms).
            let first = format!(
                "retry: 1000\n\n{}",
                event(&states.borrow_and_update().token)
            );
            if out.send(Bytes::from(first)).await.is_err() {
                return;
            }
            loop {
                let next = tokio::select! {
                    changed = states.changed() => match changed {
                        Ok(()) => Bytes::from(event(&states.borrow_and_update().token)),
                        Err(_) => return,
                    },
                    _ = tokio::time::sleep(KEEPALIVE) => Bytes::from_static(b": keep-alive\n\n"),
                    _ = out.closed() => return,
                };
                if out.send(next).await.is_err() {
                    return;
                }
            }
        });
        Some(Body::Events(body))
    }
}

/// One Server-Sent Event naming the state.
fn event(token: &str) -> String {
    format!("event: state\ndata: {token}\n\n")
}
