//! Storage: SQLite through rusqlite + r2d2. One writer connection that every write goes
//! through (so there is never `SQLITE_BUSY` between our own writers), a pool of
//! `query_only` readers, WAL mode. Knows SQL, tables and rows; knows nothing of HTTP or
//! rules (it receives compiled `SqlFragment`s). Start at `Store::open`, then `records.rs`.

mod checkpoint;
mod error;
pub mod files;
pub mod logs;
pub mod otps;
pub mod records;
pub mod schema;
pub mod sql;
mod writer;

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::config::DataDir;

pub use error::{ConstraintKind, StoreError};

pub type StoreResult<T> = Result<T, StoreError>;

/// WAL pages after which the writer's own commit copies the WAL back into the database
/// (SQLite's automatic checkpoint; its default is 1000). Normally the checkpoint thread
/// (`checkpoint.rs`) keeps the WAL shorter than this; this is the backstop for when it
/// falls behind. A checkpoint inside a commit costs the writer the copy and two fsyncs.
const WAL_CHECKPOINT_PAGES: i64 = 16000;
/// Bytes a WAL file keeps after a checkpoint reset it (`journal_size_limit`).
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The database of one node.
#[derive(Clone)]
pub struct Store {
    readers: Pool<SqliteConnectionManager>,
    /// The writer connection; only the writer thread uses it, besides checkpoints.
    writer: Pool<SqliteConnectionManager>,
    /// The queue of the writer thread.
    writes: std::sync::mpsc::Sender<Box<dyn writer::Job>>,
    generations: Arc<Generations>,
    /// The request log in `aux.db`, with its own connections.
    pub logs: logs::LogStore,
}

/// Change counters, so caches can tell whether what they hold is still current: one for
/// the whole database and one per table, each bumped after a commit that changed it.
/// Rows changed on the writer are noted by SQLite's update hook while the transaction
/// runs and counted only once it has committed.
#[derive(Debug, Default)]
pub struct Generations {
    global: AtomicU64,
    tables: Mutex<HashMap<String, u64>>,
    pending: Mutex<HashSet<String>>,
}

impl Generations {
    fn note(&self, table: &str) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !pending.contains(table) {
            pending.insert(table.to_string());
        }
    }

    fn discard(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    fn committed(&self) {
        let pending: Vec<String> = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain()
            .collect();
        let mut tables = self
            .tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for table in pending {
            *tables.entry(table).or_default() += 1;
        }
        self.global.fetch_add(1, Ordering::SeqCst);
    }
}

fn configure(conn: &mut Connection, query_only: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;",
    )?;
    if query_only {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    // Plans must not depend on bound values: SQLite otherwise marks a statement whose
    // `LIMIT ?` or `LIKE ?` it specialised for one value as expired on every rebind, so
    // each run of a cached statement would parse and plan it again.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(256);
    register_functions(conn)?;
    Ok(())
}

/// Adds the math functions filters need (`geoDistance` compiles to acos/cos/sin/radians),
/// since the bundled SQLite is built without its math extension.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    type Unary = fn(f64) -> f64;
    let unary: [(&str, Unary); 4] = [
        ("acos", f64::acos),
        ("cos", f64::cos),
        ("sin", f64::sin),
        ("radians", f64::to_radians),
    ];
    for (name, function) in unary {
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            let value: Option<f64> = ctx.get(0)?;
            // acos of a value a rounding error past 1 is NaN; clamp like a careful caller would.
            Ok(value.map(|v| {
                let v = if name == "acos" {
                    v.clamp(-1.0, 1.0)
                } else {
                    v
                };
                function(v)
            }))
        })?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the data dir's databases and system tables.
    pub fn open(data_dir: &DataDir, readers: u32) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir.root())?;
        std::fs::create_dir_all(data_dir.storage())?;
        let path = data_dir.data_db();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let generations = Arc::new(Generations::default());
        let noted = generations.clone();
        let writer_manager = SqliteConnectionManager::file(&path)
            .with_flags(flags)
            .with_init(move |conn| {
                configure(conn, false)?;
                conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
                conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
                let noted = noted.clone();
                conn.update_hook(Some(move |_action, _database: &str, table: &str, _row| {
                    noted.note(table)
                }))?;
                Ok(())
            });
        let writer = Pool::builder()
            .max_size(1)
            .connection_timeout(Duration::from_secs(30))
            .build(writer_manager)?;
        {
            let conn = writer.get()?;
            schema::create_system_tables(&conn)?;
        }
        let reader_manager = SqliteConnectionManager::file(&path)
            .with_flags(flags)
            .with_init(|conn| configure(conn, true));
        let readers = Pool::builder()
            .max_size(readers.max(1))
            // A pooled SQLite connection cannot go stale; checking it on every checkout
            // only costs a parse.
            .test_on_check_out(false)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(reader_manager)?;
        let logs = logs::LogStore::open(data_dir)?;
        let checkpointer = checkpoint::Checkpointer::spawn(&path, flags)?;
        let writes = writer::spawn(writer.clone(), generations.clone(), checkpointer)?;
        Ok(Store {
            readers,
            writer,
            writes,
            generations,
            logs,
        })
    }

    /// Runs `work` with a pooled read connection on the blocking thread pool.
    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            work(&conn)
        })
        .await
        .map_err(|error| StoreError::Other(format!("read task failed: {error}")))?
    }

    /// How many commits there have been since the store opened.
    pub fn generation(&self) -> u64 {
        self.generations.global.load(Ordering::SeqCst)
    }

    /// How many commits have changed rows of `table` since the store opened.
    pub fn table_generation(&self, table: &str) -> u64 {
        self.generations
            .tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(table)
            .copied()
            .unwrap_or(0)
    }

    /// Runs a short read (a lookup by key) right here when a reader is free, and on the
    /// blocking pool otherwise. Saves the two thread hand-offs that dominate the cost of
    /// a point read; never waits for a connection on an async worker.
    pub async fn read_point<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        match self.readers.try_get() {
            Some(conn) => work(&conn),
            None => self.read(work).await,
        }
    }

    /// Runs `work` inside one IMMEDIATE transaction of the single writer, on the blocking
    /// thread pool; commits when `work` returns `Ok`, rolls back otherwise.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_then(work, |_| {}).await
    }

    /// Like `write`, then runs `after_commit` with the result once the transaction has
    /// committed, while the writer is still held: what it does (publishing events)
    /// happens in commit order.
    pub async fn write_then<T, F, A>(&self, work: F, after_commit: A) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let outcome = self
            .write_or_rollback(move |tx| work(tx).map(Ok::<T, Infallible>), after_commit)
            .await?;
        match outcome {
            Ok(value) => Ok(value),
            Err(never) => match never {},
        }
    }

    /// Like `write_then`, for work that can fail without a store error: `Ok(Err(_))` rolls
    /// the transaction back and is handed to the caller; `Ok(Ok(_))` commits and runs
    /// `after_commit`.
    pub async fn write_or_rollback<T, E, F, A>(
        &self,
        work: F,
        after_commit: A,
    ) -> StoreResult<Result<T, E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<Result<T, E>> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.enqueue(work, after_commit, move |outcome| {
            let _ = reply.send(outcome);
        })?;
        answer
            .await
            .map_err(|_| StoreError::Other("the writer stopped".into()))?
    }

    fn enqueue<T, E, F, A, R>(&self, work: F, after_commit: A, reply: R) -> StoreResult<()>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<Result<T, E>> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
        R: FnOnce(StoreResult<Result<T, E>>) + Send + 'static,
    {
        let job = writer::TypedJob {
            work: Some(work),
            after_commit: Some(after_commit),
            reply: Some(reply),
            outcome: None,
        };
        self.writes
            .send(Box::new(job))
            .map_err(|_| StoreError::Other("the writer stopped".into()))
    }

    /// The same as `write`, for callers that are not on an async runtime (the CLI).
    pub fn write_sync<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = std::sync::mpsc::channel();
        self.enqueue(
            move |tx| work(tx).map(Ok::<T, Infallible>),
            |_| {},
            move |outcome| {
                let _ = reply.send(outcome);
            },
        )?;
        let outcome = answer
            .recv()
            .map_err(|_| StoreError::Other("the writer stopped".into()))??;
        match outcome {
            Ok(value) => Ok(value),
            Err(never) => match never {},
        }
    }

    /// The same as `read`, for callers that are not on an async runtime (the CLI).
    pub fn read_sync<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&Connection) -> StoreResult<T>,
    {
        let conn = self.readers.get()?;
        work(&conn)
    }

    /// Flushes the WAL into the main database file (used on graceful shutdown).
    pub fn checkpoint(&self) -> StoreResult<()> {
        let conn = self.writer.get()?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}
