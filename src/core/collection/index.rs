//! Index definitions as PocketBase stores them: `CREATE [UNIQUE] INDEX name ON table (cols) [WHERE ...]`.
//! They are parsed into parts and rebuilt with quoted identifiers before reaching SQLite.

use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq)]
pub struct IndexColumn {
    pub name: String,
    pub collate: String,
    pub sort: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub unique: bool,
    pub name: String,
    pub table: String,
    pub columns: Vec<IndexColumn>,
    pub where_clause: String,
}

static INDEX_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?([`"\[]?[\w]+[`"\]]?)\s+ON\s+([`"\[]?[\w]+[`"\]]?)\s*\((.+?)\)\s*(?:WHERE\s+(.+?))?\s*;?\s*$"#)
        .unwrap_or_else(|error| panic!("index regex must compile: {error}"))
});

static COLUMN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)^\s*([`"\[]?[\w]+[`"\]]?)(?:\s+COLLATE\s+(\w+))?(?:\s+(ASC|DESC))?\s*$"#)
        .unwrap_or_else(|error| panic!("index column regex must compile: {error}"))
});

fn unquote(identifier: &str) -> String {
    identifier.trim_matches(['`', '"', '[', ']']).to_string()
}

/// Parses an index definition; the error is a message for the client.
pub fn parse_index(sql: &str) -> Result<Index, String> {
    let invalid = || "Invalid CREATE INDEX statement.".to_string();
    let captures = INDEX_RE.captures(sql).ok_or_else(invalid)?;
    let mut columns = vec![];
    let column_list = captures.get(4).map(|m| m.as_str()).unwrap_or("");
    for part in column_list.split(',') {
        let column = COLUMN_RE.captures(part).ok_or_else(invalid)?;
        columns.push(IndexColumn {
            name: unquote(column.get(1).map(|m| m.as_str()).unwrap_or("")),
            collate: column
                .get(2)
                .map(|m| m.as_str().to_uppercase())
                .unwrap_or_default(),
            sort: column
                .get(3)
                .map(|m| m.as_str().to_uppercase())
                .unwrap_or_default(),
        });
    }
    let where_clause = captures
        .get(5)
        .map(|m| m.as_str().trim().to_string())
        .unwrap_or_default();
    if where_clause.contains(';') || where_clause.contains("--") || where_clause.contains("/*") {
        return Err(invalid());
    }
    Ok(Index {
        unique: captures.get(1).is_some(),
        name: unquote(captures.get(2).map(|m| m.as_str()).unwrap_or("")),
        table: unquote(captures.get(3).map(|m| m.as_str()).unwrap_or("")),
        columns,
        where_clause,
    })
}

impl Index {
    /// The statement that creates this index, identifiers quoted.
    pub fn to_sql(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|column| {
                let mut part = format!("`{}`", column.name);
                if !column.collate.is_empty() {
                    part.push_str(&format!(" COLLATE {}", column.collate));
                }
                if !column.sort.is_empty() {
                    part.push_str(&format!(" {}", column.sort));
                }
                part
            })
            .collect();
        let mut sql = format!(
            "CREATE {}INDEX `{}` ON `{}` ({})",
            if self.unique { "UNIQUE " } else { "" },
            self.name,
            self.table,
            columns.join(", ")
        );
        if !self.where_clause.is_empty() {
            sql.push_str(&format!(" WHERE {}", self.where_clause));
        }
        sql
    }
}
