//! Patched in (not in 0.21.0): what a websocket server owes to clients it does not trust.
//!
//! - A shared token: set once per process with [`set_token`]; every client of this process sends
//!   it (`Authorization: Bearer ...`) and every server of this process refuses an upgrade without
//!   it (401, logged with the client's address).
//! - A bound on connections: a listener that closes a connection beyond [`Limits`]'
//!   `max_connections` at once (logged), so idle or slow clients cannot pile up.
//! - A bound on what a client may send in one message (`max_message_size`, also the largest
//!   frame): 0.21.0 took axum's 64 MiB per message, fragments included.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bounds of a [`WsServer`](super::WsServer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once (websockets and handshakes); more are closed at once.
    pub max_connections: usize,
    /// The largest message (and frame) a client may send, in bytes.
    pub max_message_size: usize,
}

impl Default for Limits {
    /// Every message a server of this crate receives is a small request (the orchestrator's
    /// requests, a tensor's id, a sync): tensors only ever travel from server to client.
    fn default() -> Self {
        Limits {
            max_connections: 256,
            max_message_size: 1 << 20,
        }
    }
}

static TOKEN: RwLock<Option<String>> = RwLock::new(None);

/// The token every connection of this process presents and every server of it requires
/// (`None`: no token, as in 0.21.0).
pub fn set_token(token: Option<String>) {
    *TOKEN.write().unwrap_or_else(|e| e.into_inner()) = token;
}

pub(crate) fn token() -> Option<String> {
    TOKEN.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The `Authorization` header's value for this process's token.
pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Whether a request's `Authorization` header carries this process's token (compared in time
/// independent of where they differ); true when no token is set.
pub(crate) fn accepts(header: Option<&[u8]>) -> bool {
    let Some(token) = token() else {
        return true;
    };
    let want = bearer(&token);
    let Some(got) = header else {
        return false;
    };
    got.len() == want.len()
        && got
            .iter()
            .zip(want.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A client's address, as the routes see it.
#[derive(Clone, Copy, Debug)]
pub struct Remote(pub SocketAddr);

impl Connected<IncomingStream<'_, Bounded>> for Remote {
    fn connect_info(stream: IncomingStream<'_, Bounded>) -> Self {
        *stream.remote_addr()
    }
}

/// A TCP listener that keeps at most `max` connections open.
pub(crate) struct Bounded {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    max: usize,
}

impl Bounded {
    pub(crate) fn new(listener: TcpListener, max: usize) -> Self {
        Bounded {
            listener,
            permits: Arc::new(Semaphore::new(max)),
            max,
        }
    }
}

impl Listener for Bounded {
    type Io = Guarded;
    type Addr = Remote;

    async fn accept(&mut self) -> (Guarded, Remote) {
        loop {
            let (stream, addr) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait, as axum's own listener does.
                    log::warn!("accepting a connection: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    return (
                        Guarded {
                            stream,
                            _permit: permit,
                        },
                        Remote(addr),
                    );
                }
                Err(_) => log::warn!(
                    "closed a connection from {addr}: {} connections are open already",
                    self.max
                ),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Remote> {
        self.listener.local_addr().map(Remote)
    }
}

/// A connection holding one of the listener's places until it closes.
pub(crate) struct Guarded {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
