//! Rules: turns PocketBase-style API rules and `?filter=` / `?sort=` strings into SQL.
//! Pure and synchronous; knows nothing about HTTP or connections. Output is always a
//! `SqlFragment` whose user values are bound parameters. Start at `compile_filter()`.

use serde_json::{Map, Value};

/// A value bound to a `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// A piece of SQL and the values of its `?` placeholders, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlFragment {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// The authenticated record of a request, as rules see it through `@request.auth.*`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthInfo {
    pub collection_id: String,
    pub collection_name: String,
    /// Every field of the auth record (hidden ones included), with `id`.
    pub record: Map<String, Value>,
}

/// What rules can read of the current request (`@request.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestInfo {
    pub auth: Option<AuthInfo>,
    pub method: String,
    /// `default`, `oauth2`, `otp`, `password`, `realtime`, `protectedFile`...
    pub context: String,
    pub query: Map<String, Value>,
    pub headers: Map<String, Value>,
    pub body: Map<String, Value>,
}
