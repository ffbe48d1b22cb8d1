use std::{
    marker::PhantomData,
    sync::{Arc, Mutex},
    vec,
};

use burn_communication::{CommunicationChannel, Message, Protocol, ProtocolClient};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, RwLock};

use crate::{NodeId, global::shared::GlobalCollectiveError, node::base::NodeState};

/// Handles the status of sync requests from other nodes
pub(crate) struct SyncService<P: Protocol> {
    /// Current node's state, shared with the thread that does aggregations
    node_state: Arc<RwLock<Option<NodeState>>>,
    /// The number of peers that have requested to sync with us since the last successful sync.
    syncing_peers: Mutex<Vec<NodeId>>,
    /// Notification on each incoming sync request
    sync_notif: Notify,

    _p: PhantomData<P>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SyncRequest(NodeId);

impl<P: Protocol> SyncService<P> {
    pub fn new(node_state: Arc<RwLock<Option<NodeState>>>) -> Self {
        Self {
            node_state,
            syncing_peers: Mutex::new(vec![]),
            sync_notif: Notify::new(),
            _p: PhantomData,
        }
    }

    fn add_syncing_peer(&self, peer: NodeId) {
        let mut syncing_peers = self.syncing_peers.lock().unwrap_or_else(|e| e.into_inner());
        syncing_peers.push(peer);
    }

    /// Sync with all peers.
    ///
    /// Patched: a peer that cannot be reached is an error naming it (0.21.0 panicked).
    pub async fn sync(&self) -> Result<(), GlobalCollectiveError> {
        // we can't sync while we register
        let node_state = self.node_state.read().await;
        let node_state = node_state
            .as_ref()
            .ok_or(GlobalCollectiveError::AllReduceBeforeRegister)?;

        // this peer is syncing
        self.add_syncing_peer(node_state.node_id);
        for (id, addr) in &node_state.nodes {
            if *id == node_state.node_id {
                continue;
            }

            let mut connection = P::Client::connect(addr.clone(), "sync")
                .await
                .ok_or(GlobalCollectiveError::PeerLost(*id))?;
            let msg = SyncRequest(node_state.node_id);
            let sync_bytes =
                rmp_serde::to_vec(&msg).map_err(|_| GlobalCollectiveError::InvalidMessage)?;
            connection
                .send(Message::new(sync_bytes.into()))
                .await
                .map_err(|_| GlobalCollectiveError::PeerLost(*id))?;
        }
        loop {
            // Patched: registered before looking, so that a request arriving between the look
            // and the wait still wakes this one (0.21.0 asked only after looking).
            let notified = self.sync_notif.notified();
            {
                let mut syncing_peers =
                    self.syncing_peers.lock().unwrap_or_else(|e| e.into_inner());
                if node_state.nodes.keys().all(|id| syncing_peers.contains(id)) {
                    // Patched: all nodes have synced; take one request of each off the list
                    // itself (0.21.0 cleared a copy, so every later sync waited forever). A
                    // request of the next round, from a node already past this one, stays.
                    for id in node_state.nodes.keys() {
                        if let Some(at) = syncing_peers.iter().position(|p| p == id) {
                            syncing_peers.swap_remove(at);
                        }
                    }
                    return Ok(());
                }
            }
            // Wait for the next sync to come in
            notified.await
        }
    }

    pub async fn handle_sync_connection<C: CommunicationChannel>(&self, mut channel: C) {
        // Patched: a connection that fails or sends something else is dropped (0.21.0: panics).
        let Ok(Some(msg)) = channel.recv().await else {
            return;
        };

        let Ok(msg) = rmp_serde::from_slice::<SyncRequest>(&msg.data) else {
            log::warn!("[Sync] a message that is not a sync request; ignored");
            return;
        };

        self.add_syncing_peer(msg.0);

        self.sync_notif.notify_waiters();
    }
}
