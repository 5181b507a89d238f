//! lifebase: a PocketBase-compatible backend-as-a-service in one binary.
//!
//! A request flows `api` (actix handlers) -> `service` (rules, validation, order of
//! operations) -> `store` (SQLite: one writer, pooled readers) and back; `core` holds the
//! pure domain (collections, records, the filter language) that every layer shares.
//! `cli` parses the command line and starts the server. See ARCHITECTURE.md.

pub mod api;
pub mod cli;
pub mod config;
pub mod core;
pub mod realtime;
pub mod server;
pub mod service;
pub mod store;
pub mod ui;

#[cfg(test)]
mod tests;
