//! Configuration: the validated, typed settings the server runs with, and the layout
//! of the data dir. Built by `cli` from flags and environment; read everywhere else.
//! Depends only on std.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Where everything a node keeps on disk lives.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The main database: system tables and one table per collection.
    pub fn data_db(&self) -> PathBuf {
        self.root.join("data.db")
    }

    /// The auxiliary database: request logs.
    pub fn aux_db(&self) -> PathBuf {
        self.root.join("aux.db")
    }

    /// Uploaded files, one folder per collection id and record id.
    pub fn storage(&self) -> PathBuf {
        self.root.join("storage")
    }

    pub fn backups(&self) -> PathBuf {
        self.root.join("backups")
    }

    /// Schema migration files, one JSON file per schema change.
    pub fn migrations(&self) -> PathBuf {
        self.root.join("migrations")
    }
}

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    pub http: SocketAddr,
    pub data_dir: DataDir,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Number of pooled read connections.
    pub readers: u32,
}

impl Config {
    pub const DEFAULT_HTTP: &'static str = "127.0.0.1:8090";
    pub const DEFAULT_DIR: &'static str = "./lb_data";
    pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
}
