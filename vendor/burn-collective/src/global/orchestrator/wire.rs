//! Patched in: the orchestrator's messages as bytes, for tests that play a client by hand (a
//! hostile one included) without the crate's own client.

use crate::PeerId;
use crate::global::shared::{
    CollectiveMessage, CollectiveMessageResponse, RemoteRequest, RequestId, SessionId,
};

fn encode(msg: &CollectiveMessage) -> Vec<u8> {
    rmp_serde::to_vec(msg).unwrap_or_default()
}

/// The first message of each socket: the session it belongs to.
pub fn init(session: u64) -> Vec<u8> {
    encode(&CollectiveMessage::Init(SessionId::from_raw(session)))
}

/// A node's registration: its address, the run's node count, its peers (global ranks).
pub fn register(request: u32, node_addr: &str, num_nodes: u32, peers: &[u32]) -> Vec<u8> {
    // Address parses any string.
    let Ok(node_addr) = node_addr.parse() else {
        return Vec::new();
    };
    let request_body = RemoteRequest::Register {
        node_addr,
        num_nodes,
        peers: peers.iter().map(|p| PeerId(*p)).collect(),
    };
    encode(&CollectiveMessage::Request(
        RequestId::from_raw(request),
        request_body,
    ))
}

/// A node leaving.
pub fn finish(request: u32) -> Vec<u8> {
    encode(&CollectiveMessage::Request(
        RequestId::from_raw(request),
        RemoteRequest::Finish,
    ))
}

/// A response as text (`None`: not a response).
pub fn response(bytes: &[u8]) -> Option<String> {
    rmp_serde::from_slice::<CollectiveMessageResponse>(bytes)
        .ok()
        .map(|r| format!("{r:?}"))
}
