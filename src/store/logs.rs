//! The request log in `aux.db`: PocketBase's `_logs` table (id, level, message, data,
//! created). Reads go through a small pool of `query_only` connections; writes go through
//! one `LogWriter` connection that only the service's log thread owns, so logging never
//! waits for (or delays) the `data.db` writer.

use std::time::Duration;

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, params, params_from_iter};

use super::records::{self, ListQuery, ListResult};
use super::sql::bind;
use super::{StoreError, StoreResult, configure};
use crate::config::DataDir;
use crate::core::collection::Collection;
use crate::core::rules::SqlFragment;

/// `_logs` and its indexes. Every index but the one on `message` appends at its end as
/// time goes on (ids sort by time). An index on `message` (`METHOD /path?query`) would
/// take a write to a random page for every request, about a quarter of a cheap
/// request's cost, and serves no query the logs API makes (`~` is `LIKE '%…%'`), so
/// there is none, and an older data dir's is dropped.
const CREATE_LOGS: &str = "CREATE TABLE IF NOT EXISTS _logs (
        id TEXT PRIMARY KEY NOT NULL,
        level INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}',
        created TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX IF NOT EXISTS _logs_created_idx ON _logs (created);
    CREATE INDEX IF NOT EXISTS idx_logs_level ON _logs (level);
    DROP INDEX IF EXISTS idx_logs_message;
    CREATE INDEX IF NOT EXISTS idx_logs_created_hour
        ON _logs (strftime('%Y-%m-%d %H:00:00', created));";

/// One row of `_logs`, ready to insert; `data` is JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub id: String,
    pub level: i64,
    pub message: String,
    pub data: String,
    pub created: String,
}

/// One hour of the log stats: `date` is `YYYY-MM-DD HH:00:00`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogHour {
    pub date: String,
    pub total: i64,
}

/// The read side of `aux.db`.
#[derive(Clone)]
pub struct LogStore {
    readers: Pool<SqliteConnectionManager>,
    data_dir: DataDir,
}

fn flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI
}

impl LogStore {
    /// Creates `_logs` if needed and opens the readers.
    pub(super) fn open(data_dir: &DataDir) -> StoreResult<LogStore> {
        let mut conn = Connection::open_with_flags(data_dir.aux_db(), flags())?;
        configure(&mut conn, false)?;
        conn.execute_batch(CREATE_LOGS)?;
        drop(conn);
        let manager = SqliteConnectionManager::file(data_dir.aux_db())
            .with_flags(flags())
            .with_init(|conn| configure(conn, true));
        let readers = Pool::builder()
            .max_size(2)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build(manager)?;
        Ok(LogStore {
            readers,
            data_dir: data_dir.clone(),
        })
    }

    /// Opens the one connection that writes logs. Its owner must be the only writer.
    pub fn writer(&self) -> StoreResult<LogWriter> {
        let mut conn = Connection::open_with_flags(self.data_dir.aux_db(), flags())?;
        configure(&mut conn, false)?;
        Ok(LogWriter { conn })
    }

    /// Runs `work` with a pooled `aux.db` reader on the blocking thread pool.
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
}

/// One page of logs; `collection` describes `_logs` (see `service::logs`).
pub fn list(
    conn: &Connection,
    collection: &Collection,
    query: &ListQuery,
) -> StoreResult<ListResult> {
    records::list(conn, collection, query)
}

/// The log of this id.
pub fn get(
    conn: &Connection,
    collection: &Collection,
    id: &str,
) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    let query = ListQuery {
        conditions: vec![SqlFragment {
            sql: "`_logs`.`id` = ?".into(),
            params: vec![crate::core::rules::SqlValue::Text(id.to_string())],
        }],
        order: None,
        limit: 1,
        offset: 0,
        count_total: false,
    };
    records::list(conn, collection, &query)?
        .rows
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// Logs per hour among those matching `condition`, oldest hour first.
pub fn stats(conn: &Connection, condition: &SqlFragment) -> StoreResult<Vec<LogHour>> {
    let filter = if condition.sql.trim().is_empty() {
        "1=1"
    } else {
        condition.sql.as_str()
    };
    let sql = format!(
        "SELECT strftime('%Y-%m-%d %H:00:00', `_logs`.`created`) AS date, count(`_logs`.`id`) AS total
         FROM `_logs` WHERE ({filter}) GROUP BY date ORDER BY date"
    );
    let params: Vec<_> = condition.params.iter().map(bind).collect();
    let mut statement = conn.prepare(&sql)?;
    let hours = statement
        .query_map(params_from_iter(params.iter()), |row| {
            Ok(LogHour {
                date: row.get::<_, Option<String>>(0)?.unwrap_or_default(),
                total: row.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(hours)
}

/// The connection that writes `_logs`.
pub struct LogWriter {
    conn: Connection,
}

impl LogWriter {
    /// Inserts `rows` in one transaction.
    pub fn insert(&mut self, rows: &[LogRow]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        {
            let mut statement = tx.prepare_cached(
                "INSERT OR IGNORE INTO _logs (id, level, message, data, created) VALUES (?, ?, ?, ?, ?)",
            )?;
            for row in rows {
                statement.execute(params![
                    row.id,
                    row.level,
                    row.message,
                    row.data,
                    row.created
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes the logs created at or before `created_before` and, when given, those
    /// below `min_level`; returns how many went.
    pub fn delete_old(
        &mut self,
        created_before: &str,
        min_level: Option<i64>,
    ) -> StoreResult<usize> {
        let deleted = match min_level {
            Some(level) => self.conn.execute(
                "DELETE FROM _logs WHERE created <= ? OR level < ?",
                params![created_before, level],
            )?,
            None => self.conn.execute(
                "DELETE FROM _logs WHERE created <= ?",
                params![created_before],
            )?,
        };
        Ok(deleted)
    }
}
