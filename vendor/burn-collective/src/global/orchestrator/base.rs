use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::global::{
    orchestrator::state::GlobalCollectiveState,
    shared::{CollectiveMessage, GlobalCollectiveError, SessionId},
};
use burn_communication::{
    CommunicationChannel, Message, ProtocolServer,
    util::os_shutdown_signal,
    websocket::{Limits, WsServer},
};

/// The global collective state manages collective operations on the global level
#[derive(Clone)]
pub(crate) struct GlobalOrchestrator {
    // Patched: a plain mutex, never held across an await (0.21.0 awaited sends under it).
    state: Arc<Mutex<GlobalCollectiveState>>,
}

impl GlobalOrchestrator {
    /// Starts the comms server with two routes: "/request" and "/response"
    pub(crate) async fn start<F, S: ProtocolServer + Debug>(
        shutdown_signal: F,
        comms_server: S,
    ) -> Result<(), GlobalCollectiveError>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let state = GlobalCollectiveState::new();
        let server = Self {
            state: Arc::new(Mutex::new(state)),
        };

        comms_server
            .route("/response", {
                let server = server.clone();
                async move |socket| {
                    if let Err(err) = server.handle_socket_response::<S>(socket).await {
                        log::error!("[Response Handler] Error: {err:?}")
                    }
                }
            })
            .route("/request", {
                let server = server.clone();
                async move |socket| {
                    if let Err(err) = server.handle_socket_request::<S>(socket).await {
                        log::error!("[Request Handler] Error: {err:?}")
                    }
                }
            })
            .serve(shutdown_signal)
            .await
            .map_err(|err| GlobalCollectiveError::Server(format!("{err:?}")))?;

        Ok(())
    }

    fn state(&self) -> MutexGuard<'_, GlobalCollectiveState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn handle_socket_response<S: ProtocolServer>(
        self,
        mut stream: S::Channel,
    ) -> Result<(), GlobalCollectiveError> {
        log::info!("[Response Handler] On new connection.");

        let Some(id) = read_init::<S>(&mut stream).await? else {
            log::warn!("Response socket closed early!");
            return Ok(());
        };
        // Patched: a second /response socket for a session is an error (0.21.0: unwrap on None).
        let mut receiver = self.state().open_response(id)?;

        // Patched: the session also ends when this socket does (0.21.0 only noticed on a send).
        let ended = loop {
            tokio::select! {
                response = receiver.recv() => {
                    let Some(response) = response else {
                        break Ok(());
                    };
                    let bytes = rmp_serde::to_vec(&response)
                        .map_err(|_| GlobalCollectiveError::InvalidMessage)?;
                    if let Err(err) = stream.send(Message::new(bytes.into())).await {
                        break Err(err.into());
                    }
                }
                msg = stream.recv() => match msg {
                    Ok(None) => break Ok(()),
                    Ok(Some(_)) => break Err(GlobalCollectiveError::InvalidMessage),
                    Err(err) => break Err(err.into()),
                },
            }
        };
        self.state().close(id);

        log::info!("[Response Handler] Closing connection.");
        ended
    }

    async fn handle_socket_request<S: ProtocolServer>(
        self,
        mut stream: S::Channel,
    ) -> Result<(), GlobalCollectiveError> {
        log::info!("[Request Handler] On new connection.");

        let Some(session_id) = read_init::<S>(&mut stream).await? else {
            return Ok(());
        };
        self.state().open_request(session_id)?;
        // Patched: whatever ends this connection ends its session and forgets its registration.
        let ended = self.serve_requests::<S>(&mut stream, session_id).await;
        self.state().close(session_id);
        ended
    }

    async fn serve_requests<S: ProtocolServer>(
        &self,
        stream: &mut S::Channel,
        session_id: SessionId,
    ) -> Result<(), GlobalCollectiveError> {
        loop {
            let Some(msg) = stream.recv().await? else {
                log::info!("Peer closed the connection");
                return Ok(());
            };
            let msg = rmp_serde::from_slice::<CollectiveMessage>(&msg.data)
                .map_err(|_| GlobalCollectiveError::InvalidMessage)?;
            let CollectiveMessage::Request(request_id, remote_request) = msg else {
                return Err(GlobalCollectiveError::InvalidMessage);
            };
            let open = {
                let mut state = self.state();
                state.process_request(session_id, request_id, remote_request);
                state.is_open(session_id)
            };
            if !open {
                return Err(GlobalCollectiveError::SessionDropped);
            }
        }
    }
}

/// The first message of a socket, which must be `Init`; `None` when it closes first.
async fn read_init<S: ProtocolServer>(
    stream: &mut S::Channel,
) -> Result<Option<SessionId>, GlobalCollectiveError> {
    let Some(msg) = stream.recv().await? else {
        return Ok(None);
    };
    match rmp_serde::from_slice::<CollectiveMessage>(&msg.data) {
        Ok(CollectiveMessage::Init(id)) => Ok(Some(id)),
        Ok(_) => Err(GlobalCollectiveError::FirstMsgNotInit),
        Err(_) => Err(GlobalCollectiveError::InvalidMessage),
    }
}

/// Start a global orchestrator with WebSocket on the given port
pub async fn start_global_orchestrator(port: u16) {
    let server = WsServer::new(port);
    let res = GlobalOrchestrator::start(os_shutdown_signal(), server).await;
    if let Err(err) = res {
        log::error!("Global Collective Orchestrator error: {err:?}");
    }
}

/// Patched in: the orchestrator on `bind` within `limits`, until SIGINT or SIGTERM; an error
/// when it cannot listen. Set the token first (`burn_communication::websocket::set_token`).
pub async fn serve_global_orchestrator(
    bind: std::net::SocketAddr,
    limits: Limits,
) -> Result<(), GlobalCollectiveError> {
    GlobalOrchestrator::start(os_shutdown_signal(), WsServer::bind(bind, limits)).await
}
