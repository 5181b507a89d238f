//! `to_json`: the public JSON of a record, shaped exactly as PocketBase returns it.

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
    let options = visibility(values, options);
    export(collection, &options, |name| values.get(name).cloned())
}

/// `to_json` of a record that is no longer needed: its values move into the answer
/// instead of being copied.
pub fn into_json(
    collection: &Collection,
    mut values: Map<String, Value>,
    options: &ExportOptions,
) -> Map<String, Value> {
    let options = visibility(&values, options);
    export(collection, &options, |name| values.swap_remove(name))
}

/// The visible fields in order, each value taken from the record by `take`.
fn export(
    collection: &Collection,
    options: &ExportOptions,
    mut take: impl FnMut(&str) -> Option<Value>,
) -> Map<String, Value> {
    let mut entries = Vec::with_capacity(collection.fields.len() + 2);
    for field in visible_fields(collection, options) {
        let value = take(&field.name).unwrap_or(Value::Null);
        entries.push((field.name.clone(), public_value(&field.kind, value)));
    }
    finish(collection, entries)
}

/// The options with `show_email` settled for this record.
fn visibility(values: &Map<String, Value>, options: &ExportOptions) -> ExportOptions {
    ExportOptions {
        show_email: options.show_email || values.get("emailVisibility").is_some_and(to_bool),
        ..*options
    }
}

/// The fields a reader may see; `options.show_email` already says whether this record's
/// email is visible.
fn visible_fields<'a>(
    collection: &'a Collection,
    options: &'a ExportOptions,
) -> impl Iterator<Item = &'a crate::core::collection::Field> + 'a {
    collection.fields.iter().filter(move |field| {
        if matches!(field.kind, FieldKind::Password { .. }) {
            return false;
        }
        if collection.is_auth()
            && (field.name == "tokenKey" || (field.name == "email" && !options.show_email))
        {
            return false;
        }
        !field.hidden || options.show_hidden
    })
}

/// A stored value as the API shows it; strings and JSON move through untouched.
fn public_value(kind: &FieldKind, value: Value) -> Value {
    match kind {
        FieldKind::Number { .. } => number_to_json(to_f64(&value)),
        FieldKind::Bool => Value::Bool(to_bool(&value)),
        FieldKind::Json { .. } => value,
        FieldKind::GeoPoint => {
            let (lon, lat) = to_geo_point(&value);
            geo_json(lon, lat)
        }
        kind if kind.is_multiple() => Value::from(to_unique_strings(&value)),
        FieldKind::Select { .. } | FieldKind::Relation { .. } | FieldKind::File { .. } => {
            Value::String(to_unique_strings(&value).pop().unwrap_or_default())
        }
        _ => match value {
            Value::String(text) => Value::String(text),
            other => Value::String(to_string(&other)),
        },
    }
}

/// Adds the collection keys and sorts: PocketBase's records are maps, which Go's JSON
/// encoder writes with sorted keys.
fn finish(collection: &Collection, mut entries: Vec<(String, Value)>) -> Map<String, Value> {
    entries.push(("collectionId".into(), Value::String(collection.id.clone())));
    entries.push((
        "collectionName".into(),
        Value::String(collection.name.clone()),
    ));
    // Stable, and `extend` lets a later duplicate win: the collection keys are last.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut map = Map::with_capacity(entries.len());
    map.extend(entries);
    map
}
