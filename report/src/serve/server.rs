//! The HTTP server: hyper's HTTP/1 on a tokio runtime of one thread, so an idle or slow client
//! holds no thread and blocks nobody. Bounded: at most [`Limits::connections`] connections
//! (one more is answered 503 and closed), a request head of at most [`Limits::head_bytes`]
//! (431) read within [`Limits::head_time`], an answer written within [`Limits::answer_time`]
//! (the live-reload stream aside, whose listeners are bounded on their own).

use super::answer::answer;
use super::live::Site;
use crate::Error;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// The bounds of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; one more is answered 503 and closed.
    pub connections: usize,
    /// Of them, clients listening on `/__livereload` at most.
    pub listeners: usize,
    /// The request line and headers together, in bytes; past them, 431 (nothing more is read).
    pub head_bytes: usize,
    /// A request head (and an idle kept-alive connection) must arrive within this.
    pub head_time: Duration,
    /// A connection other than a live-reload stream is closed after this.
    pub answer_time: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 64,
            listeners: 32,
            head_bytes: 40 * 1024,
            head_time: Duration::from_secs(10),
            answer_time: Duration::from_secs(120),
        }
    }
}

/// Serves a [`Site`] over HTTP.
pub struct Server {
    listener: std::net::TcpListener,
    site: Arc<Site>,
    limits: Limits,
}

impl Server {
    /// Serves the folder `root` as it is (no live reload). `addr` like `127.0.0.1:8000` (port 0:
    /// any free port).
    pub fn bind(addr: &str, root: &Path) -> crate::Result<Server> {
        Server::bind_site(addr, Site::fixed(root), Limits::default())
    }

    pub fn bind_site(addr: &str, site: Arc<Site>, limits: Limits) -> crate::Result<Server> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::serving(format!("cannot listen on {addr}: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::serving(format!("{addr}: {e}")))?;
        Ok(Server {
            listener,
            site,
            limits,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// Answers requests until the process ends (or the runtime cannot start: then says why).
    pub fn run(self) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        match runtime {
            Ok(rt) => rt.block_on(self.accept()),
            Err(e) => eprintln!("error: the preview server cannot start: {e}"),
        }
    }

    async fn accept(self) {
        let loopback = self
            .listener
            .local_addr()
            .is_ok_and(|a: SocketAddr| a.ip().is_loopback());
        let listener = match tokio::net::TcpListener::from_std(self.listener) {
            Ok(l) => l,
            Err(e) => return eprintln!("error: the preview server cannot listen: {e}"),
        };
        let permits = Arc::new(Semaphore::new(self.limits.connections));
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait for some to close, never stop serving.
                    eprintln!("warning: the preview server could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                busy(stream);
                continue;
            };
            let (site, limits) = (self.site.clone(), self.limits);
            tokio::spawn(async move {
                connection(stream, site, limits, loopback).await;
                drop(permit);
            });
        }
    }
}

/// One more connection than allowed: told so, without waiting for it, and closed.
fn busy(stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\
Content-Length: 32\r\nConnection: close\r\n\r\ntoo many connections; try again\n";
    let _ = stream.try_write(BUSY);
}

/// Serves one connection's requests within the limits.
async fn connection(stream: TcpStream, site: Arc<Site>, limits: Limits, loopback: bool) {
    let streaming = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = streaming.clone();
    let service = hyper::service::service_fn(move |req| {
        let (site, flag) = (site.clone(), flag.clone());
        async move {
            let events = req.uri().path() == super::live::EVENTS_PATH;
            let r = answer(req, site, loopback).await;
            if events && r.status().is_success() {
                flag.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok::<_, Infallible>(r)
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.head_time)
        .max_buf_size(limits.head_bytes.max(8192))
        .max_header_size(limits.head_bytes);
    let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    if tokio::time::timeout(limits.answer_time, conn.as_mut())
        .await
        .is_err()
        && streaming.load(std::sync::atomic::Ordering::Relaxed)
    {
        // A live-reload stream lasts as long as its page is open.
        let _ = conn.await;
    }
}
