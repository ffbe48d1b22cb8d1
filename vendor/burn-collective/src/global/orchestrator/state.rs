//! Patched (rewritten from 0.21.0): the orchestrator's state, where every client message lands.
//!
//! - Nothing here waits: a response goes into its session's small buffer or, when that is full
//!   (a client that sends but never reads its /response socket), the session is dropped. 0.21.0
//!   awaited the send while holding the state's lock, so one such client wedged every later run.
//! - Nothing a client sends can panic it: a second /response socket for a session, a Finish
//!   before any Register, ... are answered with an error or end that client's connection.
//! - A session ends with either of its sockets, and its registration goes with it: a run whose
//!   node died no longer blocks the next one (0.21.0: `DoubleRegister` until a restart).
//! - Registrations wait in a round until `num_nodes` have come; the round then becomes a group
//!   and the next round starts empty, so a group's members never block later rounds.
//! - A group's node ids follow its nodes' smallest peer ids (their ranks), not the order they
//!   came in: errors can name a node by its rank.

use crate::{
    PeerId,
    global::{
        NodeId,
        shared::{
            CollectiveMessageResponse, GlobalCollectiveError, RemoteRequest, RemoteResponse,
            RequestId, SessionId,
        },
    },
};
use burn_communication::Address;
use std::collections::HashMap;
use tokio::sync::mpsc::{Receiver, Sender, error::TrySendError};

/// Responses a session's client may leave unread before the session is dropped.
const RESPONSE_BUFFER: usize = 16;
/// At most this many nodes in a run, and peers on one node (requests asking more are refused).
pub(crate) const MAX_NODES: u32 = 4096;
pub(crate) const MAX_PEERS: usize = 4096;

/// A client's two sockets: /request (what it asks) and /response (what it is told).
pub(crate) struct Session {
    response_sender: Sender<CollectiveMessageResponse>,
    response_receiver: Option<Receiver<CollectiveMessageResponse>>,
    has_request_socket: bool,
}

impl Session {
    fn new() -> Self {
        let (response_sender, recv) = tokio::sync::mpsc::channel(RESPONSE_BUFFER);
        Self {
            response_sender,
            response_receiver: Some(recv),
            has_request_socket: false,
        }
    }
}

/// A node waiting for the others of its round.
struct Registration {
    session: SessionId,
    request: RequestId,
    address: Address,
    num_nodes: u32,
    peers: Vec<PeerId>,
}

#[derive(Default)]
pub(crate) struct GlobalCollectiveState {
    sessions: HashMap<SessionId, Session>,
    /// The round being gathered.
    round: Vec<Registration>,
    /// Sessions whose round became a group, and their node id there.
    grouped: HashMap<SessionId, NodeId>,
}

impl GlobalCollectiveState {
    pub fn new() -> Self {
        Self::default()
    }

    /// A /request socket opened `id`; an error if the session has one already.
    pub(crate) fn open_request(&mut self, id: SessionId) -> Result<(), GlobalCollectiveError> {
        let session = self.sessions.entry(id).or_insert_with(Session::new);
        if session.has_request_socket {
            return Err(GlobalCollectiveError::SessionTaken);
        }
        session.has_request_socket = true;
        Ok(())
    }

    /// A /response socket opened `id`: the receiver of its responses, once per session.
    pub(crate) fn open_response(
        &mut self,
        id: SessionId,
    ) -> Result<Receiver<CollectiveMessageResponse>, GlobalCollectiveError> {
        let session = self.sessions.entry(id).or_insert_with(Session::new);
        session
            .response_receiver
            .take()
            .ok_or(GlobalCollectiveError::SessionTaken)
    }

    /// Whether the session still lives (a client that reads no responses loses it).
    pub(crate) fn is_open(&self, id: SessionId) -> bool {
        self.sessions.contains_key(&id)
    }

    /// One of the session's sockets closed: the session ends, and its registration with it.
    pub(crate) fn close(&mut self, id: SessionId) {
        if self.sessions.remove(&id).is_some() {
            log::info!("session {id:?} ended");
        }
        self.round.retain(|r| r.session != id);
        self.grouped.remove(&id);
    }

    /// Queues a response for `session`; a client too slow to read them loses its session.
    fn respond(&mut self, session: SessionId, request_id: RequestId, content: RemoteResponse) {
        let Some(s) = self.sessions.get(&session) else {
            return;
        };
        let response = CollectiveMessageResponse {
            request_id,
            content,
        };
        match s.response_sender.try_send(response) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                log::warn!("session {session:?} reads none of its responses; dropped");
                self.close(session);
            }
            Err(TrySendError::Closed(_)) => self.close(session),
        }
    }

    /// Process an incoming node's request
    pub(crate) fn process_request(
        &mut self,
        session_id: SessionId,
        request_id: RequestId,
        request: RemoteRequest,
    ) {
        let done = match request {
            RemoteRequest::Register {
                node_addr,
                num_nodes,
                peers,
            } => self.register(Registration {
                session: session_id,
                request: request_id,
                address: node_addr,
                num_nodes,
                peers,
            }),
            RemoteRequest::Finish => self.finish(session_id, request_id),
        };
        if let Err(err) = done {
            self.respond(session_id, request_id, RemoteResponse::Error(err));
        }
    }

    /// Un-register a node; a pending register request of its session is answered with an error.
    fn finish(
        &mut self,
        session_id: SessionId,
        request_id: RequestId,
    ) -> Result<(), GlobalCollectiveError> {
        if let Some(at) = self.round.iter().position(|r| r.session == session_id) {
            let pending = self.round.remove(at);
            let content = RemoteResponse::Error(GlobalCollectiveError::PendingRegisterOnFinish);
            self.respond(session_id, pending.request, content);
        } else if self.grouped.remove(&session_id).is_none() {
            return Err(GlobalCollectiveError::NotRegisteredOnFinish);
        }
        self.respond(session_id, request_id, RemoteResponse::FinishAck);
        Ok(())
    }

    fn register(&mut self, new: Registration) -> Result<(), GlobalCollectiveError> {
        if new.num_nodes == 0
            || new.num_nodes > MAX_NODES
            || new.peers.is_empty()
            || new.peers.len() > MAX_PEERS
        {
            return Err(GlobalCollectiveError::RegisterParamsMismatch);
        }
        if let Some(first) = self.round.first()
            && first.num_nodes != new.num_nodes
        {
            return Err(GlobalCollectiveError::RegisterParamsMismatch);
        }
        let taken = |r: &Registration| {
            r.session == new.session
                || r.address == new.address
                || r.peers.iter().any(|p| new.peers.contains(p))
        };
        if self.grouped.contains_key(&new.session) || self.round.iter().any(taken) {
            return Err(GlobalCollectiveError::DoubleRegister);
        }
        self.round.push(new);
        if self.round.len() == self.round[0].num_nodes as usize {
            self.form_group();
        }
        Ok(())
    }

    /// The round is complete: its nodes, numbered by rank, learn each other's addresses.
    fn form_group(&mut self) {
        let mut round = std::mem::take(&mut self.round);
        round.sort_by_key(|r| r.peers.iter().map(|p| p.0).min());
        let nodes: HashMap<NodeId, Address> = round
            .iter()
            .enumerate()
            .map(|(i, r)| (NodeId::from(i), r.address.clone()))
            .collect();
        let devices: usize = round.iter().map(|r| r.peers.len()).sum();
        for (i, r) in round.into_iter().enumerate() {
            self.grouped.insert(r.session, NodeId::from(i));
            let content = RemoteResponse::Register {
                node_id: NodeId::from(i),
                nodes: nodes.clone(),
                num_global_devices: devices as u32,
            };
            self.respond(r.session, r.request, content);
        }
    }
}
