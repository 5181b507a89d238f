//! `to_json`: the public JSON of a record, shaped exactly as PocketBase returns it.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::core::collection::{Collection, FieldKind};

use super::cast::{to_bool, to_f64, to_geo_point, to_string, to_unique_strings};
use super::number_to_json;
use super::prepare::geo_json;

/// What the reader may see.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Include hidden fields (superusers).
    pub show_hidden: bool,
    /// Include the `email` of an auth record whatever its `emailVisibility`
    /// (superusers, managers and the record's owner).
    pub show_email: bool,
}

/// The public JSON of a record: keys sorted alphabetically, `collectionId` and
/// `collectionName`, every visible field (its zero value when missing). `password` and
/// `tokenKey` never appear; hidden fields only with `show_hidden`; an auth record's
/// `email` only with `show_email` or when its `emailVisibility` is true.
pub fn to_json(
    collection: &Collection,
    values: &Map<String, Value>,
    options: &ExportOptions,
) -> Map<String, Value> {
    let mut sorted: BTreeMap<String, Value> = BTreeMap::new();
    let email_visible = options.show_email || values.get("emailVisibility").is_some_and(to_bool);
    for field in &collection.fields {
        if matches!(field.kind, FieldKind::Password { .. }) {
            continue;
        }
        if collection.is_auth() {
            if field.name == "tokenKey" {
                continue;
            }
            if field.name == "email" && !email_visible {
                continue;
            }
        }
        if field.hidden && !options.show_hidden {
            continue;
        }
        let value = values.get(&field.name).unwrap_or(&Value::Null);
        let public = match &field.kind {
            FieldKind::Number { .. } => number_to_json(to_f64(value)),
            FieldKind::Bool => Value::Bool(to_bool(value)),
            FieldKind::Json { .. } => value.clone(),
            FieldKind::GeoPoint => {
                let (lon, lat) = to_geo_point(value);
                geo_json(lon, lat)
            }
            kind if kind.is_multiple() => Value::from(to_unique_strings(value)),
            FieldKind::Select { .. } | FieldKind::Relation { .. } | FieldKind::File { .. } => {
                Value::String(to_unique_strings(value).pop().unwrap_or_default())
            }
            _ => Value::String(to_string(value)),
        };
        sorted.insert(field.name.clone(), public);
    }
    sorted.insert("collectionId".into(), Value::String(collection.id.clone()));
    sorted.insert(
        "collectionName".into(),
        Value::String(collection.name.clone()),
    );
    sorted.into_iter().collect()
}
