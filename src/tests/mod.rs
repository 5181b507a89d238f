//! In-crate tests that look at the repository itself rather than at behaviour: every
//! folder explains itself in one paragraph (a `//!` header for Rust folders, a README for
//! the others). Black-box tests of the running binary live in the top-level `tests/`.

mod tidy;
