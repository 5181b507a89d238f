//! Realtime: PocketBase's SSE protocol. A `Broker` keeps the connected clients, each with
//! a bounded queue, its subscriptions and the identity its last subscribe request carried.
//! `run` reads the change bus (never anything else) and, per event, asks the services
//! which subscribers may see it and in what shape, then queues the messages. A client
//! whose queue is full is dropped, so a slow reader never slows the others. While no
//! client is connected, `run` does not listen to the bus at all, so a write wakes
//! nothing here; the first client to connect opens the bus receiver `run` goes on with.
//! Start at `Broker` and `run`.

mod topic;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast, mpsc};

use crate::core::record::random_string;
use crate::service::events::{EventBus, RecordEvent};
use crate::service::realtime::AccessCheck;
use crate::service::{App, Auth};

pub use topic::{
    MAX_SUBSCRIPTIONS, MAX_TOPIC_LENGTH, Subscription, TopicError, parse_subscriptions,
};

/// Messages a client may have queued before it counts as too slow and is dropped.
pub const CLIENT_QUEUE: usize = 512;
/// A connection that got nothing to send for this long is closed (the SDKs reconnect).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Upper bound of connected clients, so a flood of connections cannot exhaust memory.
pub const MAX_CLIENTS: usize = 10_000;

/// One server-sent event, already formatted for the wire.
pub type SseMessage = actix_web::web::Bytes;

/// Formats one SSE message the way PocketBase writes them (no space after the colons).
pub fn sse_message(client_id: &str, event: &str, data: &str) -> SseMessage {
    SseMessage::from(format!("id:{client_id}\nevent:{event}\ndata:{data}\n\n"))
}

/// A connected client.
pub struct Client {
    pub id: String,
    sender: mpsc::Sender<SseMessage>,
    state: Mutex<ClientState>,
}

#[derive(Default)]
struct ClientState {
    auth: Auth,
    subscriptions: Vec<Subscription>,
}

impl Client {
    /// Queues a message; `false` when the client is gone or too slow.
    fn send(&self, message: SseMessage) -> bool {
        self.sender.try_send(message).is_ok()
    }

    fn snapshot(&self) -> (Auth, Vec<Subscription>) {
        let state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (state.auth.clone(), state.subscriptions.clone())
    }
}

/// Why a subscribe request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SubscribeError {
    UnknownClient,
    AuthMismatch,
}

/// The connected clients.
pub struct Broker {
    clients: RwLock<HashMap<String, Arc<Client>>>,
    events: Arc<EventBus>,
    /// A bus receiver opened when the first client connected, for `run` to take up.
    /// It exists from before the client is visible, so no event after a connect is
    /// missed however late `run` wakes.
    opened: Mutex<Option<broadcast::Receiver<Arc<RecordEvent>>>>,
    /// Wakes an idle `run` when `opened` is filled.
    connected: Notify,
}

/// Removes its client from the broker when the connection's stream is dropped.
pub struct Registration {
    broker: Arc<Broker>,
    pub client_id: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.broker.remove(&self.client_id);
    }
}

impl Broker {
    pub fn new(events: Arc<EventBus>) -> Broker {
        Broker {
            clients: RwLock::default(),
            events,
            opened: Mutex::default(),
            connected: Notify::new(),
        }
    }

    fn take_opened(&self) -> Option<broadcast::Receiver<Arc<RecordEvent>>> {
        self.opened
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// Registers a new client; `None` when the server already has too many.
    pub fn connect(self: &Arc<Self>) -> Option<(Registration, mpsc::Receiver<SseMessage>)> {
        let (sender, receiver) = mpsc::channel(CLIENT_QUEUE);
        let id = random_string(
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            40,
        );
        let client = Arc::new(Client {
            id: id.clone(),
            sender,
            state: Mutex::new(ClientState::default()),
        });
        {
            let mut clients = self
                .clients
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if clients.len() >= MAX_CLIENTS {
                return None;
            }
            if clients.is_empty() {
                *self
                    .opened
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some(self.events.subscribe());
                self.connected.notify_one();
            }
            clients.insert(id.clone(), client);
        }
        Some((
            Registration {
                broker: self.clone(),
                client_id: id,
            },
            receiver,
        ))
    }

    pub fn remove(&self, client_id: &str) {
        self.clients
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(client_id);
    }

    pub fn len(&self) -> usize {
        self.clients
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn all(&self) -> Vec<Arc<Client>> {
        self.clients
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Replaces a client's subscriptions and sets the identity used for its rule checks.
    /// As in PocketBase, a guest may become authenticated, but an authenticated client may
    /// not switch to another identity.
    pub fn subscribe(
        &self,
        client_id: &str,
        auth: Auth,
        subscriptions: Vec<Subscription>,
    ) -> Result<(), SubscribeError> {
        let client = self
            .clients
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(client_id)
            .cloned()
            .ok_or(SubscribeError::UnknownClient)?;
        let mut state = client
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Auth::Record { collection, record } = &state.auth {
            let same = matches!(&auth, Auth::Record { collection: new_collection, record: new_record }
                if new_collection.id == collection.id && new_record.get("id") == record.get("id"));
            if !same {
                return Err(SubscribeError::AuthMismatch);
            }
        }
        state.auth = auth;
        state.subscriptions = subscriptions;
        Ok(())
    }
}

/// Delivers every record event to the subscribers allowed to see it, in bus order.
/// Listens to the bus only while clients are connected.
pub async fn run(app: Arc<App>, broker: Arc<Broker>) {
    loop {
        let mut receiver = loop {
            if let Some(receiver) = broker.take_opened() {
                break receiver;
            }
            broker.connected.notified().await;
        };
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    if broker.is_empty() {
                        // Idle again; the next first client opens a new receiver.
                        break;
                    }
                    // Clients came back before this receiver was dropped: it is still
                    // current, and the one opened for them would repeat its events.
                    drop(broker.take_opened());
                    deliver(&app, &broker, &event).await;
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "realtime fell behind the change bus; events were skipped"
                    );
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

struct Pending {
    client: Arc<Client>,
    topic: String,
    check: AccessCheck,
}

async fn deliver(app: &App, broker: &Broker, event: &Arc<RecordEvent>) {
    let record_id = event
        .record
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut pending = vec![];
    for client in broker.all() {
        let (auth, subscriptions) = client.snapshot();
        for subscription in subscriptions {
            let Some(kind) = subscription.matches(&event.collection, record_id) else {
                continue;
            };
            pending.push(Pending {
                client: client.clone(),
                topic: subscription.topic.clone(),
                check: AccessCheck {
                    auth: auth.clone(),
                    kind,
                    query: subscription.query.clone(),
                    headers: subscription.headers.clone(),
                },
            });
        }
    }
    if pending.is_empty() {
        return;
    }
    let checks = pending.iter().map(|p| p.check.clone()).collect();
    let allowed = match app.event_access(event, checks).await {
        Ok(allowed) => allowed,
        Err(error) => {
            tracing::error!(%error, "realtime access checks failed");
            return;
        }
    };
    let mut shaped: HashMap<String, String> = HashMap::new();
    for (item, allowed) in pending.into_iter().zip(allowed) {
        if !allowed {
            continue;
        }
        // Subscribers with the same identity and options see the same JSON.
        let key = item.check.key();
        let data = match shaped.get(&key) {
            Some(data) => data.clone(),
            None => {
                let record = match app.event_record_json(event, &item.check).await {
                    Ok(record) => record,
                    Err(error) => {
                        tracing::debug!(%error, "realtime record shaping failed");
                        continue;
                    }
                };
                let data = json!({"record": record, "action": event.action.as_str()}).to_string();
                shaped.insert(key, data.clone());
                data
            }
        };
        if !item
            .client
            .send(sse_message(&item.client.id, &item.topic, &data))
        {
            tracing::info!(client = %item.client.id, "dropping a realtime client that stopped reading");
            broker.remove(&item.client.id);
        }
    }
}
