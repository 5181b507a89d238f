//! SQL building blocks: quoted identifiers, bound values, and the conversion between
//! record values (JSON) and SQLite column values.

use rusqlite::types::Value as SqlParam;
use serde_json::{Map, Value};

use crate::core::collection::{ColumnKind, Field};
use crate::core::record::number_to_json;
use crate::core::rules::SqlValue;

/// An identifier quoted for SQLite. Built only from names that passed the schema's
/// identifier validation; the quoting makes even a hostile name inert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident(String);

impl Ident {
    pub fn new(name: &str) -> Ident {
        let mut quoted = String::with_capacity(name.len() + 2);
        Ident::push(&mut quoted, name);
        Ident(quoted)
    }

    /// Appends `name` quoted to `sql`, without an `Ident` of its own.
    pub fn push(sql: &mut String, name: &str) {
        sql.push('`');
        for part in name.split_inclusive('`') {
            sql.push_str(part);
            if part.ends_with('`') {
                sql.push('`');
            }
        }
        sql.push('`');
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Ident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A compiled rule/filter value as a rusqlite parameter.
pub fn bind(value: &SqlValue) -> SqlParam {
    match value {
        SqlValue::Null => SqlParam::Null,
        SqlValue::Integer(number) => SqlParam::Integer(*number),
        SqlValue::Real(number) => SqlParam::Real(*number),
        SqlValue::Text(text) => SqlParam::Text(text.clone()),
    }
}

/// A record value (already normalized by `core::record`) as the column value of `field`.
pub fn to_column(field: &Field, value: &Value) -> SqlParam {
    match field.kind.column_kind() {
        ColumnKind::Text => match value {
            Value::String(text) => SqlParam::Text(text.clone()),
            Value::Null => SqlParam::Text(String::new()),
            other => SqlParam::Text(other.to_string()),
        },
        ColumnKind::Real => SqlParam::Real(value.as_f64().unwrap_or(0.0)),
        ColumnKind::Bool => SqlParam::Integer(i64::from(value.as_bool().unwrap_or(false))),
        ColumnKind::JsonArray => match value {
            Value::Array(_) => SqlParam::Text(value.to_string()),
            _ => SqlParam::Text("[]".into()),
        },
        ColumnKind::Json => match value {
            Value::Null => SqlParam::Null,
            other => SqlParam::Text(other.to_string()),
        },
        ColumnKind::GeoPoint => SqlParam::Text(value.to_string()),
    }
}

/// A column value read back from SQLite as the record value of `field`.
pub fn from_column(field: &Field, raw: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    let text = |raw: ValueRef<'_>| -> Option<String> {
        match raw {
            ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            ValueRef::Integer(number) => Some(number.to_string()),
            ValueRef::Real(number) => Some(number.to_string()),
            _ => None,
        }
    };
    match field.kind.column_kind() {
        ColumnKind::Text => Value::String(text(raw).unwrap_or_default()),
        ColumnKind::Real => match raw {
            ValueRef::Real(number) => number_to_json(number),
            ValueRef::Integer(number) => number_to_json(number as f64),
            ValueRef::Text(bytes) => number_to_json(
                String::from_utf8_lossy(bytes)
                    .trim()
                    .parse::<f64>()
                    .unwrap_or(0.0),
            ),
            _ => number_to_json(0.0),
        },
        ColumnKind::Bool => match raw {
            ValueRef::Integer(number) => Value::Bool(number != 0),
            ValueRef::Real(number) => Value::Bool(number != 0.0),
            ValueRef::Text(bytes) => Value::Bool(matches!(bytes, b"1" | b"true")),
            _ => Value::Bool(false),
        },
        ColumnKind::JsonArray => match text(raw) {
            Some(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(items)) => Value::Array(items),
                Ok(Value::Null) | Err(_) if text.is_empty() => Value::Array(vec![]),
                Ok(Value::String(single)) if !single.is_empty() => {
                    Value::Array(vec![Value::String(single)])
                }
                Ok(_) | Err(_) => Value::Array(vec![Value::String(text)]),
            },
            None => Value::Array(vec![]),
        },
        ColumnKind::Json => match text(raw) {
            Some(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            None => Value::Null,
        },
        ColumnKind::GeoPoint => {
            let parsed = text(raw)
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .unwrap_or(Value::Null);
            let coordinate = |key: &str| parsed.get(key).and_then(Value::as_f64).unwrap_or(0.0);
            let mut point = Map::new();
            point.insert("lon".into(), number_to_json(coordinate("lon")));
            point.insert("lat".into(), number_to_json(coordinate("lat")));
            Value::Object(point)
        }
    }
}

/// The column definition of `field` in a `CREATE TABLE`.
pub fn column_definition(field: &Field) -> String {
    let name = Ident::new(&field.name);
    if field.name == "id" {
        return format!("{name} TEXT PRIMARY KEY NOT NULL");
    }
    match field.kind.column_kind() {
        ColumnKind::Text => format!("{name} TEXT NOT NULL DEFAULT ''"),
        ColumnKind::Real => format!("{name} REAL NOT NULL DEFAULT 0"),
        ColumnKind::Bool => format!("{name} INTEGER NOT NULL DEFAULT 0"),
        ColumnKind::JsonArray => format!("{name} TEXT NOT NULL DEFAULT '[]'"),
        ColumnKind::Json => format!("{name} TEXT DEFAULT NULL"),
        ColumnKind::GeoPoint => format!("{name} TEXT NOT NULL DEFAULT '{{\"lon\":0,\"lat\":0}}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::Ident;

    #[test]
    fn identifiers_are_quoted_with_backticks_doubled() {
        let cases = [
            ("title", "`title`"),
            ("", "``"),
            ("a`b", "`a``b`"),
            ("`", "````"),
            ("``x`", "`````x```"),
        ];
        for (name, quoted) in cases {
            assert_eq!(Ident::new(name).as_str(), quoted, "{name:?}");
        }
    }
}
