//! The blog example project: its schema (`schema.json`) turned into typed Rust by
//! `lifebase codegen rust` (`generated/`, committed, never edited by hand): record types,
//! a typed HTTP client and typed record hooks. Start at `generated::client::Client`.

pub mod generated;

pub use generated::client::Client;
pub use generated::types;
