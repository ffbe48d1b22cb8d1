use std::{collections::HashMap, marker::PhantomData, sync::Arc, time::Duration};

use burn_communication::{Address, CommunicationChannel, ConnectError, Message, ProtocolClient};
use tokio::{
    runtime::Runtime,
    sync::{
        Mutex,
        mpsc::{Receiver, Sender},
    },
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::global::shared::{
    CollectiveMessage, CollectiveMessageResponse, GlobalCollectiveError, RemoteRequest,
    RemoteResponse, RequestId, SessionId,
};

/// Worker that handles communication with the orchestrator for global collective operations.
pub(crate) struct GlobalClientWorker<P: ProtocolClient> {
    handle: Option<JoinHandle<Result<(), GlobalCollectiveError>>>,
    cancel_token: CancellationToken,
    request_sender: Sender<ClientRequest>,
    // Patched in: why the connection to the orchestrator failed, for the requests that wait.
    failure: Arc<std::sync::Mutex<Option<GlobalCollectiveError>>>,
    _phantom_data: PhantomData<P>,
}

// Rename
struct GlobalClientWorkerState {
    requests: HashMap<RequestId, Sender<RemoteResponse>>,
    // Patched in: no response can come any more (the connection is lost).
    closed: bool,
}

impl GlobalClientWorkerState {
    fn new() -> Self {
        Self {
            requests: HashMap::new(),
            closed: false,
        }
    }

    /// Patched in: the requests waiting, and those to come, learn that no response will come.
    fn close(&mut self) {
        self.closed = true;
        self.requests.clear();
    }
}

#[derive(Debug)]
pub(crate) struct ClientRequest {
    pub request: RemoteRequest,
    pub callback: Sender<RemoteResponse>,
}

impl ClientRequest {
    pub(crate) fn new(request: RemoteRequest, callback: Sender<RemoteResponse>) -> Self {
        Self { request, callback }
    }
}

impl<C: ProtocolClient> GlobalClientWorker<C> {
    /// Create a new global client worker and start the tasks.
    pub(crate) fn new(
        runtime: &Runtime,
        cancel_token: CancellationToken,
        global_address: &Address,
    ) -> Self {
        let (request_sender, request_recv) = tokio::sync::mpsc::channel::<ClientRequest>(10);

        let state = Arc::new(Mutex::new(GlobalClientWorkerState::new()));
        let failure = Arc::new(std::sync::Mutex::new(None));

        let handle = runtime.spawn(Self::start(
            state,
            cancel_token.clone(),
            global_address.clone(),
            request_recv,
            failure.clone(),
        ));

        Self {
            handle: Some(handle),
            cancel_token,
            request_sender,
            failure,
            _phantom_data: PhantomData,
        }
    }

    /// Start the global client tasks
    async fn start(
        state: Arc<Mutex<GlobalClientWorkerState>>,
        cancel_token: CancellationToken,
        global_address: Address,
        request_recv: Receiver<ClientRequest>,
        failure: Arc<std::sync::Mutex<Option<GlobalCollectiveError>>>,
    ) -> Result<(), GlobalCollectiveError> {
        // Init the connection.
        let (request, response) = match Self::init_connection(&global_address).await {
            Ok(streams) => streams,
            Err(err) => {
                // Patched: recorded before the requests waiting are dropped (and so answered).
                *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(err.clone());
                return Err(err);
            }
        };

        // Websocket async worker loading responses from the server.
        let response_handle = tokio::spawn(Self::response_loader(
            state.clone(),
            response,
            cancel_token.clone(),
        ));

        // Channel async worker sending operations to the server.
        let request_handle = tokio::spawn(Self::request_sender(
            request_recv,
            state,
            request,
            cancel_token.clone(),
        ));

        if let Err(e) = response_handle.await {
            log::error!("Response handler failed: {e:?}");
        }
        if let Err(e) = request_handle.await {
            log::error!("Request handler failed: {e:?}");
        }

        Ok(())
    }

    async fn init_connection(
        address: &Address,
    ) -> Result<(C::Channel, C::Channel), GlobalCollectiveError> {
        let session_id = SessionId::new();

        let stream_request = tokio::spawn(Self::connect_with_retry(
            address.clone(),
            "request",
            std::time::Duration::from_secs(1),
            None,
            session_id,
        ));
        let stream_response = tokio::spawn(Self::connect_with_retry(
            address.clone(),
            "response",
            std::time::Duration::from_secs(1),
            None,
            session_id,
        ));

        let unreachable = |_| GlobalCollectiveError::OrchestratorUnreachable;
        let request = stream_request.await.map_err(unreachable)??;
        let response = stream_response.await.map_err(unreachable)??;

        Ok((request, response))
    }

    /// Connect with websocket with retries.
    async fn connect_with_retry(
        address: Address,
        route: &str,
        retry_pause: Duration,
        retry_max: Option<u32>,
        session_id: SessionId,
    ) -> Result<C::Channel, GlobalCollectiveError> {
        let mut retries = 0;
        loop {
            if let Some(max) = retry_max
                && retries >= max
            {
                log::warn!("Failed to connect to {address} after {max} retries.");
                return Err(GlobalCollectiveError::OrchestratorUnreachable);
            }

            // Try to connect to the request address.
            println!("Connecting to {address} ...");
            // Patched: a refusal (wrong token) ends the retries; a failed send retries
            // (0.21.0 retried a refusal forever and panicked on the send).
            match C::connect_checked(address.clone(), route).await {
                Ok(mut stream) => {
                    let init_msg = CollectiveMessage::Init(session_id);
                    let bytes = rmp_serde::to_vec(&init_msg)
                        .map_err(|_| GlobalCollectiveError::InvalidMessage)?;
                    match stream.send(Message::new(bytes.into())).await {
                        Ok(()) => return Ok(stream),
                        Err(err) => log::warn!("{address}: {err:?}"),
                    }
                }
                Err(ConnectError::Refused(why)) => {
                    return Err(GlobalCollectiveError::OrchestratorRefused(why));
                }
                Err(ConnectError::Unreachable) => {}
            }

            println!("Failed to connect to {address}, retrying... Attempt #{retries}");
            tokio::time::sleep(retry_pause).await;
            retries += 1;
        }
    }

    /// Unregister the worker and close the connection.
    pub(crate) async fn close_connection(&mut self) -> Result<(), GlobalCollectiveError> {
        if let Some(handle) = self.handle.take() {
            // Un-register from server
            let req = RemoteRequest::Finish;
            let resp = self.request(req).await;
            if resp != RemoteResponse::FinishAck {
                log::error!("Requested to finish, did not get FinishAck; got {resp:?}");
                return Err(GlobalCollectiveError::WrongOrchestratorResponse);
            }

            self.cancel_token.cancel();

            match handle.await {
                Ok(Err(e)) => log::error!("Connection error {e:?}"),
                Err(e) => log::error!("Connection task failed: {e:?}"),
                Ok(Ok(())) => {}
            }
        }

        Ok(())
    }

    async fn response_loader(
        state: Arc<Mutex<GlobalClientWorkerState>>,
        mut stream_response: C::Channel,
        cancel_token: CancellationToken,
    ) {
        loop {
            tokio::select! {
                // Check if the cancel token is cancelled
                _ = cancel_token.cancelled() => {
                    break;
                }
                // .. Or get a message from the websocket
                response = stream_response.recv() => {
                    match response {
                        Err(err) => {
                            log::error!("Error receiving message from websocket: {err:?}");
                            break;
                        }
                        Ok(response) => {
                            let Some(response) = response else {
                                log::warn!("Closed connection");
                                break;
                            };

                            // Patched: a response that does not decode ends the connection, one
                            // to no request of ours is ignored (0.21.0: panics).
                            let Ok(response) = rmp_serde::from_slice::<CollectiveMessageResponse>(&response.data) else {
                                log::error!("The orchestrator sent something other than a response");
                                break;
                            };
                            let state_resp = state.lock().await;
                            match state_resp.requests.get(&response.request_id) {
                                Some(callback) => {
                                    let _ = callback.send(response.content).await;
                                }
                                None => log::warn!("A response to no request: {response:?}"),
                            }
                        }
                    }
                }
            }
        }

        log::info!("Worker closing connection");
        // Patched: the requests still waiting learn that no response will come.
        state.lock().await.close();
        if let Err(err) = stream_response.close().await {
            log::warn!("Closing the response stream: {err:?}");
        }
    }

    async fn request_sender(
        mut request_recv: Receiver<ClientRequest>,
        worker: Arc<Mutex<GlobalClientWorkerState>>,
        mut stream_request: C::Channel,
        cancel_token: CancellationToken,
    ) {
        loop {
            tokio::select! {
                _ = cancel_token.cancelled() => {
                    break;
                },
                request = request_recv.recv() => {
                    // Patched: 0.21.0 went on polling a closed channel (a busy loop).
                    let Some(request) = request else {
                        break;
                    };

                    let id = RequestId::new();

                    // Register the callback if there is one
                    {
                        let mut state = worker.lock().await;
                        if state.closed {
                            // Patched: dropping the callback answers the request with an error.
                            continue;
                        }
                        state.requests.insert(id, request.callback);
                    }

                    let request = CollectiveMessage::Request(id, request.request);

                    let Ok(bytes) = rmp_serde::to_vec::<CollectiveMessage>(&request) else {
                        log::error!("A request that does not serialise: {request:?}");
                        continue;
                    };
                    // Patched: a lost orchestrator ends the worker (0.21.0: a panic).
                    if let Err(err) = stream_request.send(Message::new(bytes.into())).await {
                        log::error!("Sending to the orchestrator: {err:?}");
                        worker.lock().await.close();
                        break;
                    }
                }
            }
        }

        log::info!("Worker closing connection");
        if let Err(err) = stream_request.close().await {
            log::warn!("Closing the request stream: {err:?}");
        }
    }

    /// The orchestrator's response; an error response when the connection to it is lost
    /// (patched: 0.21.0 panicked).
    pub(crate) async fn request(&self, req: RemoteRequest) -> RemoteResponse {
        let (callback, mut response_recv) = tokio::sync::mpsc::channel::<RemoteResponse>(10);
        let client_req = ClientRequest::new(req, callback);
        if self.request_sender.send(client_req).await.is_ok()
            && let Some(response) = response_recv.recv().await
        {
            return response;
        }
        let failure = self
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        RemoteResponse::Error(failure.unwrap_or(GlobalCollectiveError::OrchestratorUnreachable))
    }
}
