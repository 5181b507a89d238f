//! The blog example project: its schema (`schema.json`) turned into typed Rust by
//! `lifebase codegen rust` (`generated/`, committed, never edited by hand): record types,
//! a typed HTTP client, typed record hooks and typed record access for its own routes;
//! `routes` is the blog's hand-written route, built on them. Start at
//! `generated::client::Client`, then `routes`.

pub mod generated;
pub mod routes;

pub use generated::client::Client;
pub use generated::types;
