//! The change bus: every committed record change becomes a `RecordEvent`, published after
//! commit, in commit order, with a sequence number. Realtime (and later the admin UI,
//! replication and plugins) subscribe here; nothing else tells them about changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};
use tokio::sync::broadcast;

use crate::core::collection::Collection;

/// How many events a slow subscriber may fall behind before it misses some.
const BUS_CAPACITY: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAction {
    Create,
    Update,
    Delete,
}

impl RecordAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordAction::Create => "create",
            RecordAction::Update => "update",
            RecordAction::Delete => "delete",
        }
    }
}

/// A record change that has been committed.
#[derive(Debug, Clone)]
pub struct RecordEvent {
    /// Increases by one per event, so subscribers can detect gaps.
    pub seq: u64,
    pub action: RecordAction,
    pub collection: Arc<Collection>,
    /// The record's stored values (after the change; before it, for deletes).
    pub record: Map<String, Value>,
}

/// A change made inside a transaction, published once the transaction committed.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: RecordAction,
    pub collection: Arc<Collection>,
    pub record: Map<String, Value>,
}

/// A broadcast channel of `RecordEvent`s.
pub struct EventBus {
    sender: broadcast::Sender<Arc<RecordEvent>>,
    seq: AtomicU64,
}

impl Default for EventBus {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(BUS_CAPACITY);
        EventBus {
            sender,
            seq: AtomicU64::new(0),
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<RecordEvent>> {
        self.sender.subscribe()
    }

    /// Publishes committed changes in order. Call only after the commit.
    pub fn publish(&self, changes: Vec<Change>) {
        for change in changes {
            let event = RecordEvent {
                seq: self.seq.fetch_add(1, Ordering::SeqCst) + 1,
                action: change.action,
                collection: change.collection,
                record: change.record,
            };
            // No subscriber is not an error: nobody is listening yet.
            let _ = self.sender.send(Arc::new(event));
        }
    }
}
