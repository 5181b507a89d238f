//! Record rows: reads with compiled filters, inserts, updates and deletes. Values come in
//! and go out as normalized JSON maps (see `core::record`).

use rusqlite::types::Value as SqlParam;
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value};

use super::StoreResult;
use super::sql::{Ident, bind, from_column, to_column};
use crate::core::collection::{Collection, Field};
use crate::core::rules::SqlFragment;

/// A page request over a collection's table.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Conditions, ANDed together.
    pub conditions: Vec<SqlFragment>,
    /// ORDER BY terms (without the keyword); empty for table order.
    pub order: Option<SqlFragment>,
    pub limit: i64,
    pub offset: i64,
    /// Whether to count every matching row.
    pub count_total: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ListResult {
    pub rows: Vec<Map<String, Value>>,
    pub total: Option<i64>,
}

fn select_columns(collection: &Collection) -> String {
    let table = Ident::new(&collection.name);
    let mut sql = String::with_capacity(collection.fields.len() * (table.as_str().len() + 16));
    for (index, field) in collection.fields.iter().enumerate() {
        if index > 0 {
            sql.push_str(", ");
        }
        sql.push_str(table.as_str());
        sql.push('.');
        Ident::push(&mut sql, &field.name);
    }
    sql
}

fn read_row(
    collection: &Collection,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<Map<String, Value>> {
    let mut values = Map::with_capacity(collection.fields.len());
    for (index, field) in collection.fields.iter().enumerate() {
        let raw = row.get_ref(index)?;
        values.insert(field.name.clone(), from_column(field, raw));
    }
    Ok(values)
}

fn where_clause(conditions: &[SqlFragment], params: &mut Vec<SqlParam>) -> String {
    let parts: Vec<String> = conditions
        .iter()
        .filter(|fragment| !fragment.sql.trim().is_empty())
        .map(|fragment| {
            params.extend(fragment.params.iter().map(bind));
            format!("({})", fragment.sql)
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    }
}

/// Lists one page of rows.
pub fn list(
    conn: &Connection,
    collection: &Collection,
    query: &ListQuery,
) -> StoreResult<ListResult> {
    let table = Ident::new(&collection.name);
    let mut params = vec![];
    let filter = where_clause(&query.conditions, &mut params);
    let total = if query.count_total {
        let sql = format!("SELECT COUNT(*) FROM {table}{filter}");
        let mut statement = conn.prepare_cached(&sql)?;
        Some(statement.query_row(params_from_iter(params.iter()), |row| row.get::<_, i64>(0))?)
    } else {
        None
    };
    let mut sql = format!("SELECT {} FROM {table}{filter}", select_columns(collection));
    let mut all_params = params;
    if let Some(order) = &query.order
        && !order.sql.trim().is_empty()
    {
        sql.push_str(" ORDER BY ");
        sql.push_str(&order.sql);
        all_params.extend(order.params.iter().map(bind));
    }
    sql.push_str(" LIMIT ? OFFSET ?");
    all_params.push(SqlParam::Integer(query.limit));
    all_params.push(SqlParam::Integer(query.offset));
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params_from_iter(all_params.iter()), |row| {
            read_row(collection, row)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListResult { rows, total })
}

/// The rows matching `first` (SQL with one `?`, bound to `value`) and every condition,
/// at most `limit` of them.
fn select_where(
    conn: &Connection,
    collection: &Collection,
    first: String,
    value: SqlParam,
    conditions: &[SqlFragment],
    limit: i64,
) -> StoreResult<Vec<Map<String, Value>>> {
    let table = Ident::new(&collection.name);
    let mut params = vec![value];
    let mut all = vec![SqlFragment {
        sql: first,
        params: vec![],
    }];
    all.extend(conditions.iter().cloned());
    let filter = where_clause(&all, &mut params);
    params.push(SqlParam::Integer(limit));
    let sql = format!(
        "SELECT {} FROM {table}{filter} LIMIT ?",
        select_columns(collection)
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement
        .query_map(params_from_iter(params.iter()), |row| {
            read_row(collection, row)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn json_list(ids: &[String]) -> SqlParam {
    SqlParam::Text(Value::from(ids.to_vec()).to_string())
}

/// One row by id, if it exists and matches every condition.
pub fn get(
    conn: &Connection,
    collection: &Collection,
    id: &str,
    conditions: &[SqlFragment],
) -> StoreResult<Option<Map<String, Value>>> {
    let first = format!("{}.`id` = ?", Ident::new(&collection.name));
    let rows = select_where(
        conn,
        collection,
        first,
        SqlParam::Text(id.into()),
        conditions,
        1,
    )?;
    Ok(rows.into_iter().next())
}

/// The rows with these ids (any order; missing ids are skipped).
pub fn get_many(
    conn: &Connection,
    collection: &Collection,
    ids: &[String],
    conditions: &[SqlFragment],
) -> StoreResult<Vec<Map<String, Value>>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let first = format!(
        "{}.`id` IN (SELECT value FROM json_each(?))",
        Ident::new(&collection.name)
    );
    select_where(
        conn,
        collection,
        first,
        json_list(ids),
        conditions,
        ids.len() as i64,
    )
}

/// The rows whose relation `field` holds one of `ids` (single or multiple relation), at
/// most `limit` of them.
pub fn referencing(
    conn: &Connection,
    collection: &Collection,
    field: &Field,
    ids: &[String],
    conditions: &[SqlFragment],
    limit: i64,
) -> StoreResult<Vec<Map<String, Value>>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let table = Ident::new(&collection.name);
    let column = Ident::new(&field.name);
    let membership = if field.kind.is_multiple() {
        format!(
            "EXISTS (SELECT 1 FROM json_each({table}.{column}) AS _rel WHERE _rel.value IN (SELECT value FROM json_each(?)))"
        )
    } else {
        format!("{table}.{column} IN (SELECT value FROM json_each(?))")
    };
    select_where(
        conn,
        collection,
        membership,
        json_list(ids),
        conditions,
        limit,
    )
}

/// How many of `ids` exist in the collection.
pub fn count_existing(
    conn: &Connection,
    collection: &Collection,
    ids: &[String],
) -> StoreResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    if let [id] = ids {
        // One id (a single relation): a point lookup, without the JSON round trip and
        // the temporary index of `COUNT(DISTINCT)`.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE `id` = ?)",
            Ident::new(&collection.name)
        );
        let found: bool = conn
            .prepare_cached(&sql)?
            .query_row([id], |row| row.get(0))?;
        return Ok(usize::from(found));
    }
    let sql = format!(
        "SELECT COUNT(DISTINCT `id`) FROM {} WHERE `id` IN (SELECT value FROM json_each(?))",
        Ident::new(&collection.name)
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let count: i64 =
        statement.query_row([Value::from(ids.to_vec()).to_string()], |row| row.get(0))?;
    Ok(count as usize)
}

/// The first row whose `field` equals `value` (case-insensitively for text), for identity lookups.
pub fn find_by_field(
    conn: &Connection,
    collection: &Collection,
    field: &str,
    value: &str,
) -> StoreResult<Option<Map<String, Value>>> {
    let table = Ident::new(&collection.name);
    let sql = format!(
        "SELECT {} FROM {table} WHERE {table}.{} = ? COLLATE NOCASE LIMIT 1",
        select_columns(collection),
        Ident::new(field)
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query_map([value], |row| read_row(collection, row))?;
    Ok(rows.next().transpose()?)
}

/// Inserts a row; `values` holds every column.
pub fn insert(
    conn: &Connection,
    collection: &Collection,
    values: &Map<String, Value>,
) -> StoreResult<()> {
    let mut columns = vec![];
    let mut params = vec![];
    for field in &collection.fields {
        if let Some(value) = values.get(&field.name) {
            columns.push(Ident::new(&field.name).to_string());
            params.push(to_column(field, value));
        }
    }
    let placeholders = vec!["?"; columns.len()].join(", ");
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({placeholders})",
        Ident::new(&collection.name),
        columns.join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(params.iter()))?;
    Ok(())
}

/// Updates the given columns of one row.
pub fn update(
    conn: &Connection,
    collection: &Collection,
    id: &str,
    values: &Map<String, Value>,
) -> StoreResult<()> {
    let mut assignments = vec![];
    let mut params = vec![];
    for field in &collection.fields {
        if field.name == "id" {
            continue;
        }
        if let Some(value) = values.get(&field.name) {
            assignments.push(format!("{} = ?", Ident::new(&field.name)));
            params.push(to_column(field, value));
        }
    }
    if assignments.is_empty() {
        return Ok(());
    }
    params.push(SqlParam::Text(id.to_string()));
    let sql = format!(
        "UPDATE {} SET {} WHERE `id` = ?",
        Ident::new(&collection.name),
        assignments.join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(params.iter()))?;
    Ok(())
}

/// Deletes one row; `false` when it did not exist.
pub fn delete(conn: &Connection, collection: &Collection, id: &str) -> StoreResult<bool> {
    let sql = format!(
        "DELETE FROM {} WHERE `id` = ?",
        Ident::new(&collection.name)
    );
    let changed = conn.prepare_cached(&sql)?.execute([id])?;
    Ok(changed > 0)
}

/// Counts the rows of a collection.
pub fn count(conn: &Connection, collection: &Collection) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM {}", Ident::new(&collection.name));
    Ok(conn.query_row(&sql, [], |row| row.get(0))?)
}

/// Whether a row with `values` (which need not be stored any more, e.g. a deleted record)
/// matches every condition. The row stands in for the collection's table through a CTE of
/// the same name, so compiled rules run against it unchanged.
pub fn snapshot_matches(
    conn: &Connection,
    collection: &Collection,
    values: &Map<String, Value>,
    conditions: &[SqlFragment],
) -> StoreResult<bool> {
    let table = Ident::new(&collection.name);
    let columns: Vec<String> = collection
        .fields
        .iter()
        .map(|field| Ident::new(&field.name).to_string())
        .collect();
    let mut params: Vec<SqlParam> = collection
        .fields
        .iter()
        .map(|field| match values.get(&field.name) {
            Some(value) => to_column(field, value),
            None => to_column(field, &field.kind.zero_value()),
        })
        .collect();
    let placeholders = vec!["?"; columns.len()].join(", ");
    let filter = where_clause(conditions, &mut params);
    let sql = format!(
        "WITH {table} ({}) AS (VALUES ({placeholders})) SELECT 1 FROM {table}{filter} LIMIT 1",
        columns.join(", ")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(params.iter()))?;
    Ok(rows.next()?.is_some())
}
