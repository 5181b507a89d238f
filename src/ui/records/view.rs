//! What the records table shows: its columns (with the sort each header click asks for)
//! and each record as a row of display cells, one per field, by field type.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::core::collection::{Collection, Field, FieldKind, Schema};
use crate::ui::datastar::id_selector;

/// Longest text a cell shows before it is cut with an ellipsis.
const CELL_TEXT: usize = 60;
/// Image extensions that get a thumbnail in the table.
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "gif", "webp"];

/// The table of one collection: what every row and header needs.
pub(super) struct Table {
    pub collection: Arc<Collection>,
    /// `/_/collections/{name}/records`, the prefix of every action of the page.
    pub base: String,
    pub columns: Vec<Column>,
    /// The relation fields, expanded for their labels.
    pub expand: String,
    /// View collections cannot be written.
    pub readonly: bool,
    /// The target collection of each relation field, for its records' labels.
    targets: HashMap<String, Arc<Collection>>,
}

pub(super) struct Column {
    pub name: String,
    pub kind: &'static str,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    pub aria_sort: &'static str,
    /// The sort a click on the header asks for, as a JSON string (for an expression).
    pub next_sort: String,
}

impl Table {
    pub(super) fn new(schema: &Schema, collection: Arc<Collection>, sort: &str) -> Table {
        let base = format!("/_/collections/{}/records", collection.name);
        let mut columns = vec![];
        let shown = shown_fields(&collection);
        for field in std::iter::once("id").chain(shown.iter().map(|field| field.name.as_str())) {
            let kind = collection
                .field(field)
                .map(|field| field.kind.type_name())
                .unwrap_or("text");
            let (aria_sort, next) = if sort == field {
                ("ascending", format!("-{field}"))
            } else if sort.strip_prefix('-') == Some(field) {
                ("descending", field.to_owned())
            } else {
                ("none", field.to_owned())
            };
            columns.push(Column {
                name: field.to_owned(),
                kind,
                aria_sort,
                next_sort: Value::String(next).to_string(),
            });
        }
        let expand = shown
            .iter()
            .filter(|field| matches!(field.kind, FieldKind::Relation { .. }))
            .map(|field| field.name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let targets = shown
            .iter()
            .filter_map(|field| match &field.kind {
                FieldKind::Relation { collection_id, .. } => schema
                    .by_id(collection_id)
                    .map(|target| (field.name.clone(), target.clone())),
                _ => None,
            })
            .collect();
        let readonly = collection.is_view();
        Table {
            collection: collection.clone(),
            base,
            columns,
            expand,
            readonly,
            targets,
        }
    }

    /// A row for a record as the records service shapes it (with `expand`).
    pub(super) fn row(&self, record: &Value) -> Row {
        let id = record
            .get("id")
            .map(display_scalar)
            .unwrap_or_default()
            .to_owned();
        let url = format!("{}/{}", self.base, path_segment(&id));
        let cells = shown_fields(&self.collection)
            .into_iter()
            .map(|field| self.cell(&id, &url, field, record))
            .collect();
        Row {
            dom_id: format!("row-{id}"),
            id,
            url,
            cells,
        }
    }

    fn cell(&self, id: &str, row_url: &str, field: &Field, record: &Value) -> Cell {
        let value = record.get(&field.name).unwrap_or(&Value::Null);
        let inline = !self.readonly && inline_editable(field);
        let mut cell = Cell {
            dom_id: format!("cell-{id}-{}", field.name),
            kind: field.kind.type_name(),
            url: if inline {
                format!("{row_url}/cell/{}", field.name)
            } else {
                row_url.to_owned()
            },
            label: format!("Edit {} of {id}", field.name),
            ..Cell::default()
        };
        match &field.kind {
            FieldKind::Bool => cell.flag = Some(value.as_bool().unwrap_or(false)),
            FieldKind::Select { .. } => cell.chips = strings(value),
            FieldKind::Relation { .. } => {
                let expanded = record
                    .get("expand")
                    .and_then(|expand| expand.get(&field.name));
                let target = self.targets.get(&field.name);
                cell.relations = strings(value)
                    .into_iter()
                    .map(|related| {
                        let label = match (expanded, target) {
                            (Some(expanded), Some(target)) => find_expanded(expanded, &related)
                                .map(|item| record_label(target, item))
                                .unwrap_or_default(),
                            _ => String::new(),
                        };
                        Related { id: related, label }
                    })
                    .collect();
            }
            FieldKind::File { protected, .. } => {
                cell.files = strings(value)
                    .into_iter()
                    .map(|name| {
                        let thumb = (!protected && is_image(&name)).then(|| {
                            format!(
                                "/api/files/{}/{}/{}?thumb=100x100",
                                self.collection.id,
                                path_segment(id),
                                path_segment(&name)
                            )
                        });
                        FileName { name, thumb }
                    })
                    .collect();
            }
            FieldKind::Json { .. } => {
                cell.mono = true;
                if !value.is_null() {
                    let full = value.to_string();
                    cell.text = truncate(&full, CELL_TEXT);
                    cell.title = full;
                }
            }
            FieldKind::GeoPoint => {
                let lon = value.get("lon").and_then(Value::as_f64).unwrap_or(0.0);
                let lat = value.get("lat").and_then(Value::as_f64).unwrap_or(0.0);
                cell.text = format!("{lon}, {lat}");
                cell.title = format!("lon {lon}, lat {lat}");
            }
            FieldKind::Date { .. } | FieldKind::Autodate { .. } => {
                cell.mono = true;
                cell.text = display_scalar(value).to_owned();
            }
            _ => {
                let full = match value {
                    Value::String(text) => text.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                cell.text = truncate(&full, CELL_TEXT);
                if cell.text != full {
                    cell.title = full;
                }
            }
        }
        cell
    }
}

/// The fields the table and the form show, in schema order (`id` and secrets aside).
pub(super) fn shown_fields(collection: &Collection) -> Vec<&Field> {
    let mut fields: Vec<&Field> = collection
        .fields
        .iter()
        .filter(|field| {
            field.name != "id"
                && field.name != "tokenKey"
                && !matches!(field.kind, FieldKind::Password { .. })
        })
        .collect();
    // Autodates (created, updated) go last, as in PocketBase's dashboard.
    fields.sort_by_key(|field| matches!(field.kind, FieldKind::Autodate { .. }));
    fields
}

/// Fields a cell edits in place; the others open the record form.
pub(super) fn inline_editable(field: &Field) -> bool {
    matches!(
        field.kind,
        FieldKind::Text { .. }
            | FieldKind::Number { .. }
            | FieldKind::Bool
            | FieldKind::Email { .. }
            | FieldKind::Url { .. }
            | FieldKind::Date { .. }
            | FieldKind::Select { .. }
    )
}

pub(super) struct Row {
    pub id: String,
    pub dom_id: String,
    /// The record's URL under the page (its form).
    pub url: String,
    pub cells: Vec<Cell>,
}

impl Row {
    pub(super) fn selector(&self) -> String {
        id_selector(&self.dom_id)
    }
}

#[derive(Default)]
pub(super) struct Cell {
    pub dom_id: String,
    pub kind: &'static str,
    /// What a click opens: the cell's editor, or the record form.
    pub url: String,
    pub label: String,
    pub text: String,
    /// The full value when `text` is cut.
    pub title: String,
    pub mono: bool,
    pub flag: Option<bool>,
    pub chips: Vec<String>,
    pub relations: Vec<Related>,
    pub files: Vec<FileName>,
}

pub(super) struct Related {
    pub id: String,
    pub label: String,
}

pub(super) struct FileName {
    pub name: String,
    pub thumb: Option<String>,
}

/// The expanded record with this id (an expand holds one record or a list).
fn find_expanded<'a>(expanded: &'a Value, id: &str) -> Option<&'a Value> {
    match expanded {
        Value::Array(items) => items
            .iter()
            .find(|item| item.get("id").and_then(Value::as_str) == Some(id)),
        Value::Object(_) if expanded.get("id").and_then(Value::as_str) == Some(id) => {
            Some(expanded)
        }
        _ => None,
    }
}

/// The label of a record of `collection`: its presentable fields, else a name-like field
/// (empty when it has neither; the id is shown anyway).
pub(super) fn record_label(collection: &Collection, record: &Value) -> String {
    let presentable: Vec<String> = collection
        .fields
        .iter()
        .filter(|field| field.presentable)
        .filter_map(|field| record.get(&field.name))
        .map(|value| match value {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .map(display_scalar)
                .collect::<Vec<_>>()
                .join(", "),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .filter(|text| !text.is_empty())
        .collect();
    if !presentable.is_empty() {
        return truncate(&presentable.join(" · "), 60);
    }
    ["name", "title", "email", "username", "label", "slug"]
        .iter()
        .filter_map(|key| record.get(*key).and_then(Value::as_str))
        .find(|text| !text.is_empty())
        .map(|text| truncate(text, 60))
        .unwrap_or_default()
}

pub(super) fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| display_scalar(item).to_owned())
            .filter(|item| !item.is_empty())
            .collect(),
        Value::String(text) if !text.is_empty() => vec![text.clone()],
        _ => vec![],
    }
}

fn display_scalar(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn is_image(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, extension)| {
        IMAGE_EXTENSIONS
            .iter()
            .any(|image| extension.eq_ignore_ascii_case(image))
    })
}

/// At most `limit` characters, with an ellipsis when cut.
pub(super) fn truncate(text: &str, limit: usize) -> String {
    let single_line = text.replace(['\n', '\r'], " ");
    if single_line.chars().count() <= limit {
        return single_line;
    }
    let mut cut: String = single_line.chars().take(limit).collect();
    cut.push('…');
    cut
}

/// Percent-encodes one URL path segment (record ids and file names may hold anything).
pub(super) fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
