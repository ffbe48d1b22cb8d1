use std::net::SocketAddr;

use crate::{
    base::{CommunicationChannel, CommunicationError, Message, ProtocolServer},
    util::init_logging,
    websocket::guard::{self, Bounded, Limits, Remote},
};
use axum::{
    Router,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{self, WebSocket},
    },
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::IntoResponse,
    routing::get,
};
use futures::StreamExt;

#[derive(Clone, Debug)]
pub struct WsServer {
    // Patched: an address to bind and bounds (0.21.0: every interface, a port, no bounds).
    bind: SocketAddr,
    limits: Limits,
    router: Router<()>,
}

pub struct WsServerChannel {
    inner: WebSocket,
}

impl WsServer {
    /// Every interface, port `port`, the default [`Limits`].
    pub fn new(port: u16) -> Self {
        Self::bind(SocketAddr::from(([0, 0, 0, 0], port)), Limits::default())
    }

    /// Patched in: listens on `bind` only, within `limits`.
    pub fn bind(bind: SocketAddr, limits: Limits) -> Self {
        Self {
            bind,
            limits,
            router: Router::new(),
        }
    }
}

impl ProtocolServer for WsServer {
    type Channel = WsServerChannel;
    type Error = WsServerError;

    async fn serve<F>(self, shutdown: F) -> Result<(), Self::Error>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        init_logging();

        let address = self.bind;
        log::info!("Starting server {address}");

        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| WsServerError::Other(format!("cannot listen on {address}: {e}")))?;
        let listener = Bounded::new(listener, self.limits.max_connections);

        axum::serve(
            listener,
            self.router.into_make_service_with_connect_info::<Remote>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;

        Ok(())
    }

    fn route<C, Fut>(mut self, path: &str, callback: C) -> Self
    where
        C: FnOnce(WsServerChannel) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        // Format path: should start with a /
        let path = if path.starts_with("/") {
            path.to_owned()
        } else {
            format!("/{path}")
        };

        let max = self.limits.max_message_size;
        let route = path.clone();
        let method = get(
            move |ConnectInfo(Remote(client)): ConnectInfo<Remote>,
                  headers: HeaderMap,
                  ws: WebSocketUpgrade,
                  _: State<()>| async move {
                // Patched: the process's token, or no upgrade (0.21.0 served anyone).
                let auth = headers.get(AUTHORIZATION).map(|v| v.as_bytes());
                if !guard::accepts(auth) {
                    log::warn!("refused {client} on {route}: wrong or missing token");
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                ws.max_message_size(max)
                    .max_frame_size(max)
                    .on_upgrade(async move |socket| {
                        callback(WsServerChannel { inner: socket }).await;
                    })
                    .into_response()
            },
        );

        self.router = self.router.route(&path, method);

        self
    }
}

impl CommunicationChannel for WsServerChannel {
    type Error = WsServerError;

    async fn send(&mut self, message: Message) -> Result<(), WsServerError> {
        self.inner.send(ws::Message::Binary(message.data)).await?;

        Ok(())
    }

    async fn recv(&mut self) -> Result<Option<Message>, WsServerError> {
        match self.inner.next().await {
            Some(next) => match next {
                Ok(ws::Message::Binary(data)) => Ok(Some(Message { data })),
                Ok(ws::Message::Close(_close_frame)) => Ok(None),
                Err(err) => Err(WsServerError::Axum(err)),
                msg => Err(WsServerError::UnknownMessage(format!("{msg:?}"))),
            },
            // Patched: the stream ended without a close frame (0.21.0: todo!(), a panic).
            None => Ok(None),
        }
    }

    async fn close(&mut self) -> Result<(), WsServerError> {
        let reason = "Peer is closing".to_string();

        self.inner
            .send(ws::Message::Close(Some(ws::CloseFrame {
                code: 1000, // code: Normal
                reason: reason.clone().into(),
            })))
            .await?;

        Ok(())
    }
}

#[derive(Debug)]
pub enum WsServerError {
    Io(std::io::Error),
    Axum(axum::Error),
    UnknownMessage(String),
    Other(String),
}

impl CommunicationError for WsServerError {}

impl From<std::io::Error> for WsServerError {
    fn from(err: std::io::Error) -> Self {
        Self::Io(err)
    }
}

impl From<axum::Error> for WsServerError {
    fn from(err: axum::Error) -> Self {
        Self::Axum(err)
    }
}
