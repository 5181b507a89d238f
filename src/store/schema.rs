//! System tables and the DDL that keeps each collection's table in step with its schema.
//! Every function here runs inside the caller's transaction.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::StoreResult;
use super::sql::{Ident, column_definition};
use crate::core::collection::{Collection, CollectionKind, ColumnKind, Field};
use crate::store::StoreError;

/// Creates the system tables of a new database (idempotent).
pub fn create_system_tables(conn: &Connection) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _collections (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            type TEXT NOT NULL,
            system INTEGER NOT NULL DEFAULT 0,
            data TEXT NOT NULL,
            created TEXT NOT NULL DEFAULT '',
            updated TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE TABLE IF NOT EXISTS _params (
            id TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL,
            created TEXT NOT NULL DEFAULT '',
            updated TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE TABLE IF NOT EXISTS _migrations (
            file TEXT PRIMARY KEY NOT NULL,
            applied INTEGER NOT NULL
        ) STRICT;",
    )?;
    conn.execute_batch(super::otps::CREATE_TABLE)?;
    Ok(())
}

/// Every stored collection, in creation order.
pub fn load_collections(conn: &Connection) -> StoreResult<Vec<Collection>> {
    let mut statement = conn.prepare("SELECT data FROM _collections ORDER BY rowid")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let mut collections = vec![];
    for row in rows {
        let data = row?;
        let json: Value = serde_json::from_str(&data)
            .map_err(|error| StoreError::Other(format!("corrupt collection JSON: {error}")))?;
        let collection = Collection::from_storage_json(&json).map_err(|errors| {
            StoreError::Other(format!(
                "stored collection does not parse: {:?}",
                errors.to_json()
            ))
        })?;
        collections.push(collection);
    }
    Ok(collections)
}

/// Reads a value of the `_params` table.
pub fn get_param(conn: &Connection, id: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM _params WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?)
}

/// Writes a value of the `_params` table.
pub fn set_param(conn: &Connection, id: &str, value: &str, now: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO _params (id, value, created, updated) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT(id) DO UPDATE SET value = excluded.value, updated = excluded.updated",
        params![id, value, now],
    )?;
    Ok(())
}

fn save_row(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO _collections (id, name, type, system, data, created, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type,
           system = excluded.system, data = excluded.data, updated = excluded.updated",
        params![
            collection.id,
            collection.name,
            collection.kind.as_str(),
            collection.system,
            collection.to_storage_json().to_string(),
            collection.created,
            collection.updated
        ],
    )?;
    Ok(())
}

fn create_table_sql(table: &str, fields: &[Field]) -> String {
    let columns: Vec<String> = fields.iter().map(column_definition).collect();
    format!(
        "CREATE TABLE {} ({}) STRICT",
        Ident::new(table),
        columns.join(", ")
    )
}

fn create_indexes(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    for index in collection.normalized_indexes() {
        conn.execute_batch(&index.to_sql())?;
    }
    Ok(())
}

fn drop_indexes(conn: &Connection, table: &str) -> StoreResult<()> {
    let names: Vec<String> = {
        let mut statement = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
        )?;
        let rows = statement.query_map([table], |row| row.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for name in names {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {}", Ident::new(&name)))?;
    }
    Ok(())
}

/// Creates a new collection: its row in `_collections` and its table (or view).
pub fn create_collection(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    match collection.kind {
        CollectionKind::View => create_view(conn, collection)?,
        _ => {
            conn.execute_batch(&create_table_sql(&collection.name, &collection.fields))?;
            create_indexes(conn, collection)?;
        }
    }
    save_row(conn, collection)
}

fn create_view(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    conn.execute_batch(&format!(
        "CREATE VIEW {} AS {}",
        Ident::new(&collection.name),
        collection.view_query
    ))?;
    Ok(())
}

/// The result columns of a SELECT, found by preparing it (nothing is run).
pub fn query_columns(conn: &Connection, select: &str) -> StoreResult<Vec<String>> {
    let statement = conn.prepare(select)?;
    if statement.readonly() {
        Ok(statement
            .column_names()
            .into_iter()
            .map(str::to_string)
            .collect())
    } else {
        Err(StoreError::Other(
            "the view query must be a read-only SELECT".into(),
        ))
    }
}

/// Applies a changed collection: rebuilds its table when its columns changed (keeping
/// every row, matched by field id so renames keep their data), renames it when its name
/// changed, and recreates its indexes.
pub fn update_collection(conn: &Connection, old: &Collection, new: &Collection) -> StoreResult<()> {
    if new.kind == CollectionKind::View {
        conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", Ident::new(&old.name)))?;
        create_view(conn, new)?;
        return save_row(conn, new);
    }
    drop_indexes(conn, &old.name)?;
    if columns_changed(old, new) {
        rebuild_table(conn, old, new)?;
    } else if old.name != new.name {
        conn.execute_batch(&format!(
            "ALTER TABLE {} RENAME TO {}",
            Ident::new(&old.name),
            Ident::new(&new.name)
        ))?;
    }
    create_indexes(conn, new)?;
    save_row(conn, new)
}

fn columns_changed(old: &Collection, new: &Collection) -> bool {
    old.fields.len() != new.fields.len()
        || old.fields.iter().zip(&new.fields).any(|(a, b)| {
            a.id != b.id || a.name != b.name || a.kind.column_kind() != b.kind.column_kind()
        })
}

fn rebuild_table(conn: &Connection, old: &Collection, new: &Collection) -> StoreResult<()> {
    let temporary = format!("_rebuild_{}", new.name);
    conn.execute_batch(&create_table_sql(&temporary, &new.fields))?;
    let mut targets = vec![];
    let mut sources = vec![];
    for field in &new.fields {
        let Some(previous) = old.field_by_id(&field.id) else {
            continue;
        };
        targets.push(Ident::new(&field.name).to_string());
        sources.push(convert_column(previous, field));
    }
    if !targets.is_empty() {
        conn.execute_batch(&format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            Ident::new(&temporary),
            targets.join(", "),
            sources.join(", "),
            Ident::new(&old.name)
        ))?;
    }
    conn.execute_batch(&format!(
        "DROP TABLE {}; ALTER TABLE {} RENAME TO {};",
        Ident::new(&old.name),
        Ident::new(&temporary),
        Ident::new(&new.name)
    ))?;
    Ok(())
}

/// The SQL expression that turns an old column into the new field's storage.
fn convert_column(old: &Field, new: &Field) -> String {
    let column = Ident::new(&old.name);
    match (old.kind.column_kind(), new.kind.column_kind()) {
        (ColumnKind::Text, ColumnKind::JsonArray) => {
            format!("CASE WHEN {column} = '' THEN '[]' ELSE json_array({column}) END")
        }
        (ColumnKind::JsonArray, ColumnKind::Text) => {
            format!("COALESCE(json_extract({column}, '$[#-1]'), '')")
        }
        (same_old, same_new) if same_old == same_new => column.to_string(),
        (_, ColumnKind::Text) => format!("COALESCE(CAST({column} AS TEXT), '')"),
        (_, ColumnKind::Real) => format!("COALESCE(CAST({column} AS REAL), 0)"),
        (_, ColumnKind::Bool) => format!("COALESCE(CAST({column} AS INTEGER) != 0, 0)"),
        (_, ColumnKind::JsonArray) => "'[]'".to_string(),
        (_, ColumnKind::Json) => "NULL".to_string(),
        (_, ColumnKind::GeoPoint) => "'{\"lon\":0,\"lat\":0}'".to_string(),
    }
}

/// Drops a collection's table (or view) and its row.
pub fn delete_collection(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    let kind = if collection.kind == CollectionKind::View {
        "VIEW"
    } else {
        "TABLE"
    };
    conn.execute_batch(&format!(
        "DROP {kind} IF EXISTS {}",
        Ident::new(&collection.name)
    ))?;
    conn.execute("DELETE FROM _collections WHERE id = ?1", [&collection.id])?;
    Ok(())
}

/// Deletes every row of a collection's table.
pub fn truncate(conn: &Connection, collection: &Collection) -> StoreResult<()> {
    // The WHERE keeps SQLite from its truncate shortcut, which skips the update hook
    // that the change counters rely on.
    conn.execute_batch(&format!(
        "DELETE FROM {} WHERE 1",
        Ident::new(&collection.name)
    ))?;
    Ok(())
}
