//! The domain, pure: collections and fields, record values, the filter/rule language,
//! auth claims and domain errors. No I/O and no actix, rusqlite or NATS types live here,
//! so everything in it is testable with plain values. Start at `collection::Collection`.

pub mod collection;
pub mod error;
pub mod record;
pub mod rules;
