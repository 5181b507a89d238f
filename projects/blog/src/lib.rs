//! The blog example project: its schema (`schema.json`) turned into typed Rust by
//! `lifebase codegen rust` (`generated/`, committed, never edited by hand): record types,
//! a typed HTTP client, typed record hooks and typed record access for its own routes;
//! `routes` is the blog's hand-written route, built on them; `generated_ui/` (from
//! `lifebase codegen ui`) holds admin pages per collection. Start at
//! `generated::client::Client`, then `routes`.

pub mod generated;
pub mod generated_ui;
pub mod routes;

pub use generated::client::Client;
pub use generated::types;
