use std::fmt;
use std::sync::Arc;

use lifebase::service::App;
use lifebase::service::events::{RecordAction, RecordEvent};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::types;

/// A request hook's refusal, meant to be answered as PocketBase's error
/// `{"status", "message", "data": {}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError {
    pub status: u16,
    pub message: String,
}

/// Why `run` stopped before the event bus closed.
#[derive(Debug)]
pub enum RunError {
    /// The hooks fell behind the bus and missed this many events.
    Lagged(u64),
    /// A committed record did not decode into its generated type, so the generated
    /// code is older than the schema (run `task codegen:rust`).
    Decode {
        collection: String,
        error: serde_json::Error,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Lagged(missed) => write!(f, "the hooks missed {missed} events"),
            RunError::Decode { collection, error } => {
                write!(f, "a `{collection}` record does not decode: {error}")
            }
        }
    }
}

impl std::error::Error for RunError {}

/// Runs `hooks` for every record change `app` commits, in commit order, until the
/// event bus closes (`Ok`) or the hooks fall behind or meet a record they cannot
/// decode (`Err`). Spawn it next to the server: `actix_web::rt::spawn(run(app, hooks))`.
pub async fn run(app: Arc<App>, hooks: Hooks) -> Result<(), RunError> {
    let mut events = app.events.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => hooks.dispatch(&event)?,
            Err(RecvError::Lagged(missed)) => return Err(RunError::Lagged(missed)),
            Err(RecvError::Closed) => return Ok(()),
        }
    }
}

fn decode<T: DeserializeOwned>(event: &RecordEvent) -> Result<T, RunError> {
    serde_json::from_value(Value::Object(event.record.clone())).map_err(|error| RunError::Decode {
        collection: event.collection.name.clone(),
        error,
    })
}
