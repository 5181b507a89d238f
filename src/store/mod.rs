//! Storage: SQLite through rusqlite + r2d2. One writer connection that every write goes
//! through (so there is never `SQLITE_BUSY` between our own writers), a pool of
//! `query_only` readers, WAL mode. Knows SQL, tables and rows; knows nothing of HTTP or
//! rules (it receives compiled `SqlFragment`s). Start at `Store::open`, then `records.rs`.

mod error;
pub mod files;
pub mod otps;
pub mod records;
pub mod schema;
pub mod sql;

use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};

use crate::config::DataDir;

pub use error::{ConstraintKind, StoreError};

pub type StoreResult<T> = Result<T, StoreError>;

/// The database of one node.
#[derive(Clone)]
pub struct Store {
    readers: Pool<SqliteConnectionManager>,
    writer: Pool<SqliteConnectionManager>,
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
        let writer_manager = SqliteConnectionManager::file(&path)
            .with_flags(flags)
            .with_init(|conn| configure(conn, false));
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
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(reader_manager)?;
        open_aux(data_dir)?;
        Ok(Store { readers, writer })
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

    /// Runs `work` inside one IMMEDIATE transaction of the single writer, on the blocking
    /// thread pool; commits when `work` returns `Ok`, rolls back otherwise.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.writer.clone();
        tokio::task::spawn_blocking(move || write_blocking(&pool, work))
            .await
            .map_err(|error| StoreError::Other(format!("write task failed: {error}")))?
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
        let pool = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = work(&tx)?;
            tx.commit()?;
            after_commit(&value);
            drop(conn);
            Ok(value)
        })
        .await
        .map_err(|error| StoreError::Other(format!("write task failed: {error}")))?
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
        let pool = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            match work(&tx)? {
                Ok(value) => {
                    tx.commit()?;
                    after_commit(&value);
                    Ok(Ok(value))
                }
                Err(error) => {
                    tx.rollback()?;
                    Ok(Err(error))
                }
            }
        })
        .await
        .map_err(|error| StoreError::Other(format!("write task failed: {error}")))?
    }

    /// The same as `write`, for callers that are not on an async runtime (the CLI).
    pub fn write_sync<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    {
        write_blocking(&self.writer, work)
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

fn write_blocking<T, F>(pool: &Pool<SqliteConnectionManager>, work: F) -> StoreResult<T>
where
    F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
{
    let mut conn = pool.get()?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let value = work(&tx)?;
    tx.commit()?;
    Ok(value)
}

fn open_aux(data_dir: &DataDir) -> StoreResult<()> {
    let mut conn = Connection::open(data_dir.aux_db())?;
    configure(&mut conn, false)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _logs (
            id TEXT PRIMARY KEY NOT NULL,
            level INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}',
            created TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX IF NOT EXISTS _logs_created_idx ON _logs (created);",
    )?;
    Ok(())
}
