//! The record form (create and edit, in a `<dialog>`), generated from the schema with the
//! right input per field type, its relation picker, and the cells edited in place. Forms
//! arrive as multipart bodies (`@post(url, {contentType: 'form'})`) and are turned into
//! the same record body the REST API takes, field by field, so the records service does
//! all the validation; its field errors are shown under each input.

use std::collections::HashMap;

use actix_web::{HttpRequest, web};
use askama::Template;
use serde_json::{Map, Value, json};

use super::view::{self, Table, path_segment, record_label, strings};
use super::{Events, RowFragment};
use crate::core::collection::{Collection, Field, FieldKind};
use crate::core::error::FieldErrors;
use crate::service::files::Upload;
use crate::service::records::{ListParams, ShapeParams};
use crate::service::{App, ServiceError};
use crate::ui::datastar::{Merge, id_selector};
use crate::ui::form::{Form, Limits};
use crate::ui::session::Admin;
use crate::ui::{ActionError, escape, flash, flash_error, fragment, user_message};

/// Most parts one form may have.
const MAX_PARTS: usize = 1000;
/// The key of the hidden input that carries the table's filter into the form.
const FILTER_KEY: &str = "@filter";
/// The key of the optional id of a new record (a control named `id` would shadow the
/// form's own `id` property, which the Datastar client reads).
const ID_KEY: &str = "@id";
/// Records the relation picker lists per search.
const PICKER_SIZE: i64 = 20;

/// Reads a multipart (or url-encoded) record form, bounded by the server's body limit.
pub(super) async fn read_form(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Form, ActionError> {
    let max_bytes = req
        .app_data::<web::Data<App>>()
        .map(|app| app.config.max_body_bytes)
        .unwrap_or(32 << 20);
    let limits = Limits {
        max_bytes,
        max_fields: MAX_PARTS,
        files: true,
    };
    Form::read(req, payload, limits).await
}

/// One input of the record form.
#[derive(Default)]
struct FormField {
    name: String,
    /// Which input the template renders: `text`, `textarea`, `number`, `bool`, `email`,
    /// `url`, `datetime`, `select`, `json`, `relation`, `file`, `geo`, `password`.
    input: &'static str,
    required: bool,
    help: String,
    value: String,
    checked: bool,
    multiple: bool,
    choices: Vec<Choice>,
    files: Vec<view::FileName>,
    chips: Vec<Chip>,
    target: String,
    picker_url: String,
    lon: String,
    lat: String,
}

struct Choice {
    value: String,
    selected: bool,
}

/// A selected record of a relation picker.
struct Chip {
    nonce: u64,
    field: String,
    id: String,
    dom_id: String,
    label: String,
}

impl Chip {
    fn new(field: &str, id: &str, label: String) -> Chip {
        Chip {
            nonce: super::nonce(),
            field: field.to_owned(),
            id: id.to_owned(),
            dom_id: format!("relchip-{field}-{id}"),
            label,
        }
    }
}

#[derive(Template)]
#[template(path = "ui/records/chip.html")]
struct ChipFragment<'a> {
    chip: &'a Chip,
}

#[derive(Template)]
#[template(path = "ui/records/form.html")]
struct RecordForm {
    nonce: u64,
    title: String,
    /// The delete confirmation, as a JSON string (for an expression).
    confirm_delete: String,
    /// Where the form posts: the collection's records (create) or the record (update).
    action: String,
    record_id: String,
    is_new: bool,
    fields: Vec<FormField>,
}

/// The form of a new record, or of `record` (as the records service shapes it).
fn record_form(app: &App, table: &Table, record: Option<&Value>) -> RecordForm {
    let schema = app.schema();
    let collection = &table.collection;
    let record_id = record
        .and_then(|record| record.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let empty = Value::Null;
    let mut fields = vec![];
    for field in view::shown_fields(collection) {
        if matches!(field.kind, FieldKind::Autodate { .. }) {
            continue;
        }
        let value = record
            .and_then(|record| record.get(&field.name))
            .unwrap_or(&empty);
        let mut input = FormField {
            name: field.name.clone(),
            required: field.required,
            help: field.help.clone(),
            ..FormField::default()
        };
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        match &field.kind {
            FieldKind::Text { .. } => (input.input, input.value) = ("text", text),
            FieldKind::Editor { .. } => (input.input, input.value) = ("textarea", text),
            FieldKind::Number { .. } => (input.input, input.value) = ("number", text),
            FieldKind::Email { .. } => (input.input, input.value) = ("email", text),
            FieldKind::Url { .. } => (input.input, input.value) = ("url", text),
            FieldKind::Bool => {
                input.input = "bool";
                input.checked = value.as_bool().unwrap_or(false);
            }
            FieldKind::Date { .. } => {
                input.input = "datetime";
                input.value = to_datetime_local(&text);
            }
            FieldKind::Select { values, .. } => {
                input.input = "select";
                input.multiple = field.kind.is_multiple();
                let chosen = strings(value);
                input.choices = values
                    .iter()
                    .map(|option| Choice {
                        selected: chosen.contains(option),
                        value: option.clone(),
                    })
                    .collect();
            }
            FieldKind::Json { .. } => {
                input.input = "json";
                input.value = if value.is_null() {
                    String::new()
                } else {
                    serde_json::to_string_pretty(value).unwrap_or_default()
                };
            }
            FieldKind::Relation { collection_id, .. } => {
                input.input = "relation";
                input.multiple = field.kind.is_multiple();
                let target = schema.by_id(collection_id);
                input.target = target.map(|target| target.name.clone()).unwrap_or_default();
                input.picker_url = format!("{}/relation/{}", table.base, field.name);
                let expanded = record
                    .and_then(|record| record.get("expand"))
                    .and_then(|expand| expand.get(&field.name));
                input.chips = strings(value)
                    .into_iter()
                    .map(|id| {
                        let label = match (expanded, target) {
                            (Some(expanded), Some(target)) => find_record(expanded, &id)
                                .map(|item| record_label(target, item))
                                .unwrap_or_default(),
                            _ => String::new(),
                        };
                        Chip::new(&field.name, &id, label)
                    })
                    .collect();
            }
            FieldKind::File { protected, .. } => {
                input.input = "file";
                input.multiple = field.kind.is_multiple();
                input.files = strings(value)
                    .into_iter()
                    .map(|name| view::FileName {
                        thumb: (!protected).then(|| {
                            format!(
                                "/api/files/{}/{}/{}",
                                collection.id,
                                path_segment(&record_id),
                                path_segment(&name)
                            )
                        }),
                        name,
                    })
                    .collect();
            }
            FieldKind::GeoPoint => {
                input.input = "geo";
                input.lon = value
                    .get("lon")
                    .map(Value::to_string)
                    .unwrap_or_else(|| "0".into());
                input.lat = value
                    .get("lat")
                    .map(Value::to_string)
                    .unwrap_or_else(|| "0".into());
            }
            FieldKind::Autodate { .. } | FieldKind::Password { .. } => continue,
        }
        fields.push(input);
    }
    let is_new = record.is_none();
    if collection.is_auth() {
        fields.push(FormField {
            name: "password".into(),
            input: "password",
            required: is_new,
            ..FormField::default()
        });
    }
    RecordForm {
        nonce: super::nonce(),
        title: if is_new {
            format!("New {} record", collection.name)
        } else {
            format!("Edit {} record {record_id}", collection.name)
        },
        action: if is_new {
            table.base.clone()
        } else {
            format!("{}/{}", table.base, path_segment(&record_id))
        },
        confirm_delete: Value::String(format!("Delete record {record_id}?")).to_string(),
        record_id,
        is_new,
        fields,
    }
}

fn find_record<'a>(expanded: &'a Value, id: &str) -> Option<&'a Value> {
    match expanded {
        Value::Array(items) => items
            .iter()
            .find(|item| item.get("id").and_then(Value::as_str) == Some(id)),
        other if other.get("id").and_then(Value::as_str) == Some(id) => Some(other),
        _ => None,
    }
}

/// `2024-01-02 03:04:05.000Z` as a `datetime-local` value (the form works in UTC).
fn to_datetime_local(stored: &str) -> String {
    if stored.len() < 19 {
        return String::new();
    }
    stored[..19].replacen(' ', "T", 1)
}

/// A `datetime-local` value (taken as UTC) in PocketBase's date format.
fn from_datetime_local(input: &str) -> String {
    let input = input.trim();
    if input.is_empty() {
        return String::new();
    }
    let mut text = input.replacen('T', " ", 1);
    if text.len() == 16 {
        text.push_str(":00");
    }
    if text.len() == 19 {
        text.push_str(".000Z");
    }
    text
}

/// The record body a form means, for the records service: every field of the form from
/// its inputs (an unchecked box is `false`, a multi field with nothing chosen is empty),
/// files added or removed, the password only when one was typed.
fn body_from_form(
    collection: &Collection,
    form: &Form,
    is_new: bool,
) -> Result<(Map<String, Value>, Vec<Upload>), FieldErrors> {
    let mut body = Map::new();
    let mut errors = FieldErrors::new();
    if is_new
        && let Some(id) = form.get(ID_KEY)
        && !id.trim().is_empty()
    {
        body.insert("id".into(), Value::String(id.trim().to_owned()));
    }
    for field in view::shown_fields(collection) {
        let name = field.name.as_str();
        match &field.kind {
            FieldKind::Autodate { .. } | FieldKind::Password { .. } => {}
            FieldKind::Bool => {
                let on = form
                    .values(name)
                    .any(|value| value == "true" || value == "on");
                body.insert(name.into(), Value::Bool(on));
            }
            FieldKind::Select { .. } | FieldKind::Relation { .. } => {
                let chosen: Vec<Value> = form
                    .values(name)
                    .flat_map(|value| value.split(','))
                    .map(str::trim)
                    .filter(|value| !value.is_empty())
                    .map(|value| Value::String(value.to_owned()))
                    .collect();
                body.insert(name.into(), Value::Array(chosen));
            }
            FieldKind::File { .. } => {
                let removed: Vec<Value> = form
                    .values(&format!("{name}-"))
                    .map(|value| Value::String(value.to_owned()))
                    .collect();
                if !removed.is_empty() {
                    body.insert(format!("{name}-"), Value::Array(removed));
                }
            }
            FieldKind::Json { .. } => {
                let text = form.get(name).unwrap_or_default().trim();
                if text.is_empty() {
                    body.insert(name.into(), Value::Null);
                } else {
                    match serde_json::from_str::<Value>(text) {
                        Ok(value) => {
                            body.insert(name.into(), value);
                        }
                        Err(error) => errors.add(
                            name,
                            crate::core::error::ErrorCode::InvalidJson,
                            format!("Must be valid JSON ({error})."),
                        ),
                    }
                }
            }
            FieldKind::GeoPoint => {
                let number = |key: &str| {
                    form.get(&format!("{name}.{key}"))
                        .map(str::trim)
                        .filter(|text| !text.is_empty())
                        .map(|text| text.parse::<f64>())
                };
                match (number("lon"), number("lat")) {
                    (Some(Ok(lon)), Some(Ok(lat))) => {
                        body.insert(name.into(), json!({"lon": lon, "lat": lat}));
                    }
                    (None, None) => {
                        body.insert(name.into(), json!({"lon": 0, "lat": 0}));
                    }
                    _ => errors.add(
                        name,
                        crate::core::error::ErrorCode::InvalidValue,
                        "Longitude and latitude must be numbers.",
                    ),
                }
            }
            FieldKind::Date { .. } => {
                if let Some(value) = form.get(name) {
                    body.insert(name.into(), Value::String(from_datetime_local(value)));
                }
            }
            _ => {
                if let Some(value) = form.get(name) {
                    body.insert(name.into(), Value::String(value.to_owned()));
                }
            }
        }
    }
    if collection.is_auth() {
        let password = form.get("password").unwrap_or_default();
        let confirm = form.get("passwordConfirm").unwrap_or_default();
        if !password.is_empty() || !confirm.is_empty() {
            body.insert("password".into(), Value::String(password.to_owned()));
            body.insert("passwordConfirm".into(), Value::String(confirm.to_owned()));
        }
    }
    let uploads = form
        .files()
        .iter()
        .filter_map(|upload| {
            let field = collection.field(&upload.key)?;
            let key = if field.kind.is_multiple() {
                format!("{}+", field.name)
            } else {
                field.name.clone()
            };
            Some(Upload {
                key,
                original_name: upload.original_name.clone(),
                bytes: upload.bytes.clone(),
            })
        })
        .collect();
    errors.into_result().map(|()| (body, uploads))
}

/// The table of the collection named in the path, as the form and cells need it.
fn table_for(app: &App, name: &str) -> Result<Table, ActionError> {
    let collection = app.collection(name)?;
    let sort = super::default_sort(&collection);
    Ok(Table::new(&app.schema(), collection, &sort))
}

fn writable(table: &Table) -> Result<(), ActionError> {
    if table.readonly {
        return Err(ActionError::Invalid(
            "View collections are read-only.".into(),
        ));
    }
    Ok(())
}

fn shape(table: &Table) -> ShapeParams {
    ShapeParams {
        expand: table.expand.clone(),
        fields: String::new(),
    }
}

/// Opens the dialog with `form` in it.
fn show_form(form: &RecordForm) -> Result<Events, ActionError> {
    let html = fragment(form)?;
    Ok(Events::new()
        .fragments_into("#record-form-body", Merge::Outer, &html)
        .script(
            "const dialog = document.getElementById('record-dialog'); if (!dialog.open) dialog.showModal()",
        ))
}

/// `GET /_/collections/{name}/records/new`
pub(super) async fn new(
    app: web::Data<App>,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<Events, ActionError> {
    let table = table_for(&app, &path.into_inner())?;
    writable(&table)?;
    show_form(&record_form(&app, &table, None))
}

/// `GET /_/collections/{name}/records/{id}`: the record's form (read-only fields for views).
pub(super) async fn edit(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<Events, ActionError> {
    let (name, id) = path.into_inner();
    let table = table_for(&app, &name)?;
    let record = app
        .view_record(&admin.ctx, &table.collection.name, &id, shape(&table))
        .await?;
    show_form(&record_form(&app, &table, Some(&record)))
}

/// The answer to a form the service refused: each input's error under it, the rest on
/// top of the form, and a flash.
fn form_errors(table: &Table, error: &ServiceError, extra: &FieldErrors) -> Events {
    let mut errors = match error {
        ServiceError::Validation { errors, .. } => errors.to_json(),
        _ => json!({}),
    };
    if let (Value::Object(map), Value::Object(more)) = (&mut errors, extra.to_json()) {
        map.extend(more);
    }
    let message = |value: Option<&Value>| -> String {
        match value {
            Some(Value::Object(map)) => match map.get("message") {
                Some(Value::String(message)) => message.clone(),
                _ => map
                    .iter()
                    .map(|(key, inner)| format!("{key}: {}", message_of(inner)))
                    .collect::<Vec<_>>()
                    .join("; "),
            },
            _ => String::new(),
        }
    };
    let mut events = Events::new();
    let mut shown = vec!["id".to_owned()];
    for field in view::shown_fields(&table.collection) {
        if matches!(field.kind, FieldKind::Autodate { .. }) {
            continue;
        }
        shown.push(field.name.clone());
    }
    if table.collection.is_auth() {
        shown.push("password".into());
        shown.push("passwordConfirm".into());
    }
    for name in &shown {
        events = events.fragments(&field_error_html(name, &message(errors.get(name))));
    }
    let others: Vec<String> = errors
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(key, _)| !shown.contains(key))
                .map(|(key, value)| format!("{key}: {}", message(Some(value))))
                .collect()
        })
        .unwrap_or_default();
    let summary = user_message(error).unwrap_or_else(|| "The record could not be saved.".into());
    let top = if others.is_empty() {
        match error {
            ServiceError::Validation { message, .. } => message.clone(),
            _ => summary.clone(),
        }
    } else {
        format!("{} {}", summary, others.join("; "))
    };
    events = events.fragments(&format!(
        "<p id=\"form-error\" class=\"error\" role=\"alert\">{}</p>",
        escape(&top)
    ));
    flash_error(events, &summary)
}

fn message_of(value: &Value) -> String {
    value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn field_error_html(name: &str, message: &str) -> String {
    format!(
        "<p id=\"ferr-{}\" class=\"field-error\">{}</p>",
        escape(name),
        escape(message)
    )
}

/// `POST /_/collections/{name}/records`: creates a record from the form; the new row goes
/// on top of the table when it matches the table's filter.
pub(super) async fn create(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let table = table_for(&app, &path.into_inner())?;
    writable(&table)?;
    let form = read_form(&req, payload).await?;
    let (body, uploads) = match body_from_form(&table.collection, &form, true) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let error = ServiceError::Validation {
                message: "Failed to create record.".into(),
                errors: FieldErrors::new(),
            };
            return Ok(form_errors(&table, &error, &errors));
        }
    };
    let record = match app
        .create_record(
            &admin.ctx,
            &table.collection.name,
            body,
            uploads,
            shape(&table),
        )
        .await
    {
        Ok(record) => record,
        Err(error) => return Ok(form_errors(&table, &error, &FieldErrors::new())),
    };
    let row = table.row(&record);
    let filter = form.get(FILTER_KEY).unwrap_or_default();
    let matches = filter.trim().is_empty()
        || app
            .records_matching(
                &admin.ctx,
                &table.collection.name,
                vec![row.id.clone()],
                filter,
                "",
            )
            .await
            .is_ok_and(|found| !found.is_empty());
    let mut events = close_dialog(Events::new());
    if matches {
        let html = fragment(&RowFragment {
            row: &row,
            readonly: table.readonly,
        })?;
        events = events
            .remove(&row.selector())
            .remove("#rows-empty")
            .fragments_into("#rows", Merge::Prepend, &html);
    }
    Ok(flash(events, &format!("Created record {}.", row.id)))
}

fn close_dialog(events: Events) -> Events {
    events.script("document.getElementById('record-dialog').close()")
}

/// `POST /_/collections/{name}/records/{id}`: saves the form of an existing record.
pub(super) async fn update(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let (name, id) = path.into_inner();
    let table = table_for(&app, &name)?;
    writable(&table)?;
    let form = read_form(&req, payload).await?;
    let (body, uploads) = match body_from_form(&table.collection, &form, false) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let error = ServiceError::Validation {
                message: "Failed to update record.".into(),
                errors: FieldErrors::new(),
            };
            return Ok(form_errors(&table, &error, &errors));
        }
    };
    let record = match app
        .update_record(
            &admin.ctx,
            &table.collection.name,
            &id,
            body,
            uploads,
            shape(&table),
        )
        .await
    {
        Ok(record) => record,
        Err(error) => return Ok(form_errors(&table, &error, &FieldErrors::new())),
    };
    let row = table.row(&record);
    let html = fragment(&RowFragment {
        row: &row,
        readonly: table.readonly,
    })?;
    let events = close_dialog(Events::new()).fragments_if_present(&row.selector(), &html);
    Ok(flash(events, &format!("Saved record {}.", row.id)))
}

/// `DELETE /_/collections/{name}/records/{id}`: deletes the record of the open form.
pub(super) async fn delete(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<Events, ActionError> {
    let (name, id) = path.into_inner();
    let table = table_for(&app, &name)?;
    writable(&table)?;
    app.delete_record(&admin.ctx, &table.collection.name, &id)
        .await?;
    let events = close_dialog(Events::new()).remove(&id_selector(&format!("row-{id}")));
    Ok(flash(events, &format!("Deleted record {id}.")))
}

#[derive(Template)]
#[template(path = "ui/records/cell_edit.html")]
struct CellEditor {
    nonce: u64,
    dom_id: String,
    field: String,
    input: &'static str,
    value: String,
    checked: bool,
    multiple: bool,
    choices: Vec<Choice>,
    url: String,
    error: String,
}

/// Where a cell of the table is: its table, record and field.
fn cell_target<'a>(table: &'a Table, field: &str) -> Result<&'a Field, ActionError> {
    table
        .collection
        .field(field)
        .filter(|field| view::inline_editable(field))
        .ok_or_else(|| ActionError::Invalid("This field is edited in the record form.".into()))
}

fn cell_editor_for(table: &Table, id: &str, field: &Field, record: &Value) -> CellEditor {
    let value = record.get(&field.name).unwrap_or(&Value::Null);
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut editor = CellEditor {
        nonce: super::nonce(),
        dom_id: format!("cell-{id}-{}", field.name),
        field: field.name.clone(),
        input: "text",
        value: text.clone(),
        checked: false,
        multiple: false,
        choices: vec![],
        url: format!("{}/{}/cell/{}", table.base, path_segment(id), field.name),
        error: String::new(),
    };
    match &field.kind {
        FieldKind::Number { .. } => editor.input = "number",
        FieldKind::Email { .. } => editor.input = "email",
        FieldKind::Url { .. } => editor.input = "url",
        FieldKind::Bool => {
            editor.input = "bool";
            editor.checked = value.as_bool().unwrap_or(false);
        }
        FieldKind::Date { .. } => {
            editor.input = "datetime";
            editor.value = to_datetime_local(&text);
        }
        FieldKind::Select { values, .. } => {
            editor.input = "select";
            editor.multiple = field.kind.is_multiple();
            let chosen = strings(value);
            editor.choices = values
                .iter()
                .map(|option| Choice {
                    selected: chosen.contains(option),
                    value: option.clone(),
                })
                .collect();
        }
        _ => {}
    }
    editor
}

/// `GET /_/collections/{name}/records/{id}/cell/{field}`: the cell becomes an input.
pub(super) async fn cell_editor(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<Events, ActionError> {
    let (name, id, field_name) = path.into_inner();
    let table = table_for(&app, &name)?;
    writable(&table)?;
    let field = cell_target(&table, &field_name)?;
    let record = app
        .view_record(
            &admin.ctx,
            &table.collection.name,
            &id,
            ShapeParams::default(),
        )
        .await?;
    let editor = cell_editor_for(&table, &id, field, &record);
    let html = fragment(&editor)?;
    Ok(Events::new().fragments_into(&id_selector(&editor.dom_id), Merge::Outer, &html))
}

/// `GET /_/collections/{name}/records/{id}/cell/{field}/view`: Escape, back to the row.
pub(super) async fn cell_view(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<Events, ActionError> {
    let (name, id, _field) = path.into_inner();
    let table = table_for(&app, &name)?;
    let record = app
        .view_record(&admin.ctx, &table.collection.name, &id, shape(&table))
        .await?;
    row_events(&table, &record)
}

fn row_events(table: &Table, record: &Value) -> Result<Events, ActionError> {
    let row = table.row(record);
    let html = fragment(&RowFragment {
        row: &row,
        readonly: table.readonly,
    })?;
    Ok(Events::new().fragments_if_present(&row.selector(), &html))
}

/// `POST /_/collections/{name}/records/{id}/cell/{field}`: saves one cell through the
/// records service (as a PATCH of that field); a refused value keeps the input open with
/// the error under it.
pub(super) async fn cell_save(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let (name, id, field_name) = path.into_inner();
    let table = table_for(&app, &name)?;
    writable(&table)?;
    let field = cell_target(&table, &field_name)?;
    let form = read_form(&req, payload).await?;
    let value = match &field.kind {
        FieldKind::Bool => Value::Bool(form.values("value").any(|v| v == "true" || v == "on")),
        FieldKind::Select { .. } => Value::Array(
            form.values("value")
                .filter(|value| !value.is_empty())
                .map(|value| Value::String(value.to_owned()))
                .collect(),
        ),
        FieldKind::Date { .. } => {
            Value::String(from_datetime_local(form.get("value").unwrap_or_default()))
        }
        _ => Value::String(form.get("value").unwrap_or_default().to_owned()),
    };
    let mut body = Map::new();
    body.insert(field.name.clone(), value.clone());
    match app
        .update_record(
            &admin.ctx,
            &table.collection.name,
            &id,
            body,
            vec![],
            shape(&table),
        )
        .await
    {
        Ok(record) => row_events(&table, &record),
        Err(error @ ServiceError::Validation { .. }) => {
            let mut typed = Map::new();
            typed.insert("id".into(), Value::String(id.clone()));
            typed.insert(field.name.clone(), value);
            let mut editor = cell_editor_for(&table, &id, field, &Value::Object(typed));
            if let ServiceError::Validation { errors, .. } = &error {
                editor.error = errors
                    .to_json()
                    .get(&field.name)
                    .map(message_of)
                    .filter(|message| !message.is_empty())
                    .unwrap_or_else(|| user_message(&error).unwrap_or_default());
            }
            let html = fragment(&editor)?;
            Ok(Events::new().fragments_into(&id_selector(&editor.dom_id), Merge::Outer, &html))
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "ui/records/options.html")]
struct PickerOptions {
    nonce: u64,
    field: String,
    items: Vec<PickerItem>,
    empty: String,
}

struct PickerItem {
    id: String,
    label: String,
    url: String,
}

fn relation_target(
    app: &App,
    table: &Table,
    field: &str,
) -> Result<(Field, std::sync::Arc<Collection>), ActionError> {
    let field = table
        .collection
        .field(field)
        .cloned()
        .ok_or_else(|| ActionError::Invalid("Unknown field.".into()))?;
    let FieldKind::Relation { collection_id, .. } = &field.kind else {
        return Err(ActionError::Invalid("Not a relation field.".into()));
    };
    let target = app.collection(collection_id)?;
    Ok((field, target))
}

/// `GET /_/collections/{name}/records/relation/{field}?search=...`: records of the
/// relation's collection to pick from, searched with the records list filter.
pub(super) async fn relation_options(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<Events, ActionError> {
    let (name, field_name) = path.into_inner();
    let table = table_for(&app, &name)?;
    let (field, target) = relation_target(&app, &table, &field_name)?;
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let search = query
        .get("search")
        .map(|text| text.trim())
        .unwrap_or_default();
    let filter = search_filter(&target, search);
    let list = app
        .list_records(
            &admin.ctx,
            &target.name,
            ListParams {
                page: 1,
                per_page: PICKER_SIZE,
                sort: String::new(),
                filter,
                skip_total: true,
                expand: String::new(),
                fields: String::new(),
            },
        )
        .await?;
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let id = item
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    PickerItem {
                        label: record_label(&target, item),
                        url: format!(
                            "{}/relation/{}/pick/{}",
                            table.base,
                            field.name,
                            path_segment(&id)
                        ),
                        id,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let html = fragment(&PickerOptions {
        nonce: super::nonce(),
        field: field.name.clone(),
        items,
        empty: format!("No {} records found.", target.name),
    })?;
    Ok(Events::new().fragments_into(&format!("#relopts-{}", field.name), Merge::Inner, &html))
}

/// `id ~ "text" || name ~ "text" || ...` over the target's text-like fields, the text
/// quoted as the SDKs quote filter values (JSON strings).
fn search_filter(target: &Collection, search: &str) -> String {
    if search.is_empty() {
        return String::new();
    }
    let quoted = Value::String(search.to_owned()).to_string();
    let mut names = vec!["id".to_owned()];
    names.extend(
        target
            .fields
            .iter()
            .filter(|field| !field.hidden && field.name != "id")
            .filter(|field| {
                matches!(
                    field.kind,
                    FieldKind::Text { .. } | FieldKind::Email { .. } | FieldKind::Url { .. }
                )
            })
            .take(5)
            .map(|field| field.name.clone()),
    );
    names
        .iter()
        .map(|name| format!("{name} ~ {quoted}"))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// `GET /_/collections/{name}/records/relation/{field}/pick/{id}`: adds a chip for the
/// picked record (replaces the chip of a single relation).
pub(super) async fn relation_pick(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<Events, ActionError> {
    let (name, field_name, id) = path.into_inner();
    let table = table_for(&app, &name)?;
    let (field, target) = relation_target(&app, &table, &field_name)?;
    let record = app
        .view_record(&admin.ctx, &target.name, &id, ShapeParams::default())
        .await?;
    let chip = Chip::new(&field.name, &id, record_label(&target, &record));
    let html = fragment(&ChipFragment { chip: &chip })?;
    let list = format!("#relsel-{}", field.name);
    if field.kind.is_multiple() {
        Ok(Events::new()
            .remove(&format!(
                "#relsel-{} [data-chip={}]",
                field.name,
                Value::String(id.clone())
            ))
            .fragments_into(&list, Merge::Append, &html))
    } else {
        Ok(Events::new().fragments_into(&list, Merge::Inner, &html))
    }
}
