//! Schema migrations as files: every schema change is written to the data dir's
//! `migrations/` folder as one JSON file (git-friendly), and recorded as applied in
//! `_migrations`. `apply_pending` replays the files a database has not seen, so
//! `lifebase migrate up` on a new data dir rebuilds the same schema.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::DataDir;
use crate::core::collection::{Collection, bootstrap_collections};
use crate::core::record::now_string;
use crate::store::{Store, StoreError, StoreResult, schema};

/// The format version of migration files.
pub const MIGRATION_FORMAT: u32 = 1;

/// What one migration file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Migration {
    pub version: u32,
    /// `create`, `update`, `delete` or `snapshot`.
    pub action: String,
    /// The collection after the change (`create`, `update`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<Value>,
    /// The collection before the change (`update`, `delete`), used to migrate down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Value>,
    /// Every collection (`snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collections: Option<Vec<Value>>,
    /// The schema before a snapshot, used to migrate down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_collections: Option<Vec<Value>>,
}

/// Creates `_superusers` and `users` on a database that has no collections yet.
pub fn bootstrap(store: &Store) -> StoreResult<()> {
    store.write_sync(|tx| {
        let count: i64 = tx.query_row("SELECT COUNT(*) FROM _collections", [], |row| row.get(0))?;
        if count == 0 {
            for collection in bootstrap_collections(&now_string()) {
                schema::create_collection(tx, &collection)?;
            }
        }
        Ok(())
    })
}

fn parse_collection(json: &Value) -> StoreResult<Collection> {
    Collection::from_storage_json(json).map_err(|errors| {
        StoreError::Other(format!(
            "invalid collection in migration: {}",
            errors.to_json()
        ))
    })
}

fn stored_collection(conn: &Connection, id: &str) -> StoreResult<Option<Collection>> {
    let data: Option<String> = conn
        .query_row("SELECT data FROM _collections WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?;
    match data {
        None => Ok(None),
        Some(data) => {
            let json: Value = serde_json::from_str(&data)
                .map_err(|error| StoreError::Other(format!("corrupt collection: {error}")))?;
            parse_collection(&json).map(Some)
        }
    }
}

/// Creates or updates `collection` so the database matches it.
fn upsert(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    match stored_collection(conn, &collection.id)? {
        Some(old) => schema::update_collection(conn, &old, collection),
        None => schema::create_collection(conn, collection),
    }
}

fn remove(conn: &Connection, id: &str) -> StoreResult<()> {
    if let Some(old) = stored_collection(conn, id)? {
        schema::delete_collection(conn, &old)?;
    }
    Ok(())
}

fn all_stored(conn: &Connection) -> StoreResult<Vec<Collection>> {
    schema::load_collections(conn)
}

fn apply(conn: &Connection, migration: &Migration) -> StoreResult<()> {
    match migration.action.as_str() {
        "create" | "update" => {
            let json = migration
                .collection
                .as_ref()
                .ok_or_else(|| StoreError::Other("migration without collection".into()))?;
            upsert(conn, &parse_collection(json)?)
        }
        "delete" => {
            let json = migration
                .previous
                .as_ref()
                .ok_or_else(|| StoreError::Other("migration without previous".into()))?;
            let id = json.get("id").and_then(Value::as_str).unwrap_or_default();
            remove(conn, id)
        }
        "snapshot" => {
            let collections = migration.collections.as_deref().unwrap_or_default();
            replace_all(conn, collections)
        }
        other => Err(StoreError::Other(format!(
            "unknown migration action {other:?}"
        ))),
    }
}

fn revert(conn: &Connection, migration: &Migration) -> StoreResult<()> {
    match migration.action.as_str() {
        "create" => {
            let json = migration
                .collection
                .as_ref()
                .ok_or_else(|| StoreError::Other("migration without collection".into()))?;
            remove(
                conn,
                json.get("id").and_then(Value::as_str).unwrap_or_default(),
            )
        }
        "update" | "delete" => {
            let json = migration
                .previous
                .as_ref()
                .ok_or_else(|| StoreError::Other("migration without previous".into()))?;
            upsert(conn, &parse_collection(json)?)
        }
        "snapshot" => {
            let previous = migration
                .previous_collections
                .as_deref()
                .unwrap_or_default();
            replace_all(conn, previous)
        }
        other => Err(StoreError::Other(format!(
            "unknown migration action {other:?}"
        ))),
    }
}

/// Makes the schema exactly `collections` (system collections are never dropped).
fn replace_all(conn: &Connection, collections: &[Value]) -> StoreResult<()> {
    let wanted: Vec<Collection> = collections
        .iter()
        .map(parse_collection)
        .collect::<Result<_, _>>()?;
    for existing in all_stored(conn)? {
        if !existing.system && !wanted.iter().any(|c| c.id == existing.id) {
            schema::delete_collection(conn, &existing)?;
        }
    }
    // Collections may reference each other; create them all first, then apply fields.
    for collection in &wanted {
        upsert(conn, collection)?;
    }
    Ok(())
}

fn migration_files(dir: &Path) -> StoreResult<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(vec![]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_migration(path: &Path) -> StoreResult<Migration> {
    let text = std::fs::read_to_string(path)?;
    let migration: Migration = serde_json::from_str(&text).map_err(|error| {
        StoreError::Other(format!("{}: not a migration file: {error}", path.display()))
    })?;
    if migration.version != MIGRATION_FORMAT {
        return Err(StoreError::Other(format!(
            "{}: migration format {} is not supported (expected {MIGRATION_FORMAT})",
            path.display(),
            migration.version
        )));
    }
    Ok(migration)
}

/// Applies every migration file the database has not recorded, in file-name order.
/// Returns the names of the applied files.
pub fn apply_pending(store: &Store, data_dir: &DataDir) -> StoreResult<Vec<String>> {
    let mut applied = vec![];
    for path in migration_files(&data_dir.migrations())? {
        let name = file_name(&path);
        let done = store.read_sync(|conn| {
            Ok(conn
                .query_row("SELECT 1 FROM _migrations WHERE file = ?1", [&name], |_| {
                    Ok(())
                })
                .optional()?
                .is_some())
        })?;
        if done {
            continue;
        }
        let migration = read_migration(&path)?;
        let file = name.clone();
        store.write_sync(move |tx| {
            apply(tx, &migration).map_err(|error| StoreError::Other(format!("{file}: {error}")))?;
            mark_applied(tx, &file)
        })?;
        applied.push(name);
    }
    Ok(applied)
}

/// Reverts the last `count` applied migrations, newest first. Returns their names.
pub fn revert_last(store: &Store, data_dir: &DataDir, count: usize) -> StoreResult<Vec<String>> {
    let names: Vec<String> = store.read_sync(|conn| {
        let mut statement =
            conn.prepare("SELECT file FROM _migrations ORDER BY applied DESC, file DESC LIMIT ?1")?;
        let rows = statement.query_map([count as i64], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    })?;
    for name in &names {
        let path = data_dir.migrations().join(name);
        let migration = read_migration(&path)?;
        let file = name.clone();
        store.write_sync(move |tx| {
            revert(tx, &migration)
                .map_err(|error| StoreError::Other(format!("{file}: {error}")))?;
            tx.execute("DELETE FROM _migrations WHERE file = ?1", [&file])?;
            Ok(())
        })?;
    }
    Ok(names)
}

fn mark_applied(conn: &Connection, name: &str) -> StoreResult<()> {
    let now = chrono::Utc::now().timestamp_micros();
    conn.execute(
        "INSERT OR REPLACE INTO _migrations (file, applied) VALUES (?1, ?2)",
        params![name, now],
    )?;
    Ok(())
}

/// Writes `migration` as a new file and records it as applied, inside the caller's
/// transaction. If the transaction fails afterwards the file is removed by the caller
/// through the returned path.
pub fn record(
    conn: &Connection,
    data_dir: &DataDir,
    migration: &Migration,
    label: &str,
) -> StoreResult<PathBuf> {
    let dir = data_dir.migrations();
    std::fs::create_dir_all(&dir)?;
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S%6f");
    let safe_label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut path = dir.join(format!("{stamp}_{}_{safe_label}.json", migration.action));
    let mut suffix = 2;
    while path.exists() {
        path = dir.join(format!(
            "{stamp}_{}_{safe_label}_{suffix}.json",
            migration.action
        ));
        suffix += 1;
    }
    let text = serde_json::to_string_pretty(migration)
        .map_err(|error| StoreError::Other(error.to_string()))?;
    std::fs::write(&path, text + "\n")?;
    mark_applied(conn, &file_name(&path))?;
    Ok(path)
}

/// Writes one `snapshot` migration holding the whole current schema.
pub fn snapshot(store: &Store, data_dir: &DataDir) -> StoreResult<PathBuf> {
    let data_dir = data_dir.clone();
    store.write_sync(move |tx| {
        let collections: Vec<Value> = all_stored(tx)?
            .iter()
            .map(Collection::to_storage_json)
            .collect();
        let migration = Migration {
            version: MIGRATION_FORMAT,
            action: "snapshot".into(),
            collection: None,
            previous: None,
            previous_collections: Some(collections.clone()),
            collections: Some(collections),
        };
        record(tx, &data_dir, &migration, "collections")
    })
}
