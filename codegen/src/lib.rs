//! lifebase's code generators: pure functions from the collections schema (the JSON of
//! PocketBase's `GET /api/collections` items) to generated documents. No I/O, no lifebase
//! types: the main crate normalizes collections with `Collection::to_json` and hands the
//! values over, so `lifebase codegen` and the live `GET /api/openapi.json` share one
//! generator without a dependency cycle. Output is deterministic (keys in a fixed order,
//! collections sorted by name, no timestamps). Start at `openapi::document`.

pub mod openapi;
pub mod rust;
pub mod ui;

use serde_json::Value;

/// Pretty JSON text with a trailing newline, the form generated files are committed in.
pub fn to_pretty_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string());
    text.push('\n');
    text
}
