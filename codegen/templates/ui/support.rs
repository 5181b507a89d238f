//! The schema-independent half of the admin pages: the `Table` trait each collection's
//! module implements for its `View` type, the generic handlers, and the conversions
//! between record values and editor drafts.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use lifebase::service::records::{ListParams, ShapeParams};
use lifebase::service::{App, ServiceError};
use lifebase::ui::datastar::{self, Events, Merge};
use lifebase::ui::session::Admin;
use lifebase::ui::{ActionError, PageError, error_message, flash, flash_error, html_page};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Rows per page (the first one and each one infinite scroll appends).
pub const PER_PAGE: i64 = 30;
/// The most records one bulk delete takes.
pub const MAX_BULK: usize = 500;

/// What the generic handlers need to know about a collection; implemented by its `View`
/// type in the generated module.
pub trait Table: DeserializeOwned + Sized + 'static {
    /// The collection's name.
    const NAME: &'static str;
    /// False for view collections: a read-only table.
    const WRITABLE: bool;
    /// Pages go newest first by `created` (else by id).
    const BY_CREATED: bool;
    /// The columns, in schema order.
    type Column: Copy + PartialEq + 'static;
    /// The typed update body.
    type Update: Serialize + Default;

    /// The column a URL segment names, if it is one.
    fn column(name: &str) -> Option<Self::Column>;
    /// The field a column shows.
    fn field(column: Self::Column) -> &'static str;
    /// The columns an update always changes (`autodate` fields set on update).
    fn touched() -> &'static [Self::Column];
    /// The record's id.
    fn id(&self) -> &str;
    /// The record's `created` as text, when pages are ordered by it.
    fn created(&self) -> Option<String>;
    /// The editor's value of a column (`None` when it cannot be edited).
    fn draft(&self, column: Self::Column) -> Option<Value>;
    /// The update that writes a draft into a column, or why the draft is not valid.
    fn update(column: Self::Column, draft: &Value) -> Result<Self::Update, String>;
    /// The whole page.
    fn render_page(page: &Page<Self>) -> askama::Result<String>;
    /// Rows to append.
    fn render_rows(url: &str, rows: &[Row<Self>]) -> askama::Result<String>;
    /// One cell, shown or (with `edit`) being edited.
    fn render_cell(url: &str, row: &Row<Self>, column: Self::Column) -> askama::Result<String>;
}

/// What the standalone page shell needs.
pub struct Shell {
    pub csrf: String,
    pub asset_version: &'static str,
    pub datastar_version: &'static str,
    /// Where the list of collections is.
    pub home: String,
}

/// A collection page.
pub struct Page<T: Table> {
    pub shell: Shell,
    /// The collection page's own path (every action URL starts with it).
    pub url: String,
    pub rows: Vec<Row<T>>,
    /// The URL of the next page, when there may be one.
    pub more: Option<String>,
}

/// One record in the table.
pub struct Row<T: Table> {
    /// The id when it is safe in an element id, a URL and a Datastar expression; rows
    /// without one are shown but cannot be edited or selected.
    pub id: Option<String>,
    pub record: T,
    /// The column being edited and its error message (empty when there is none).
    pub edit: Option<(T::Column, String)>,
}

impl<T: Table> Row<T> {
    pub fn new(record: T) -> Row<T> {
        Row {
            id: safe_id(record.id()).map(str::to_owned),
            record,
            edit: None,
        }
    }

    /// The error message when `column` is being edited.
    pub fn editing(&self, column: &T::Column) -> Option<&str> {
        match &self.edit {
            Some((edited, error)) if edited == column => Some(error),
            _ => None,
        }
    }
}

/// Ids we can put in element ids, URLs and expressions as they are.
pub fn safe_id(id: &str) -> Option<&str> {
    (!id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_'))
    .then_some(id)
}

/// The path a named route of ours is served at (the project chooses the scope).
pub fn route_path(req: &HttpRequest, name: &str) -> String {
    req.url_for_static(name)
        .map(|url| url.path().to_owned())
        .unwrap_or_default()
}

/// The page's path for collection `name`.
pub fn collection_url(req: &HttpRequest, name: &str) -> String {
    route_path(req, &format!("generated_ui.{name}"))
}

/// The shell of a page for this request.
pub fn shell(req: &HttpRequest, admin: &Admin) -> Shell {
    Shell {
        csrf: admin.csrf.clone(),
        asset_version: lifebase::ui::assets::version(),
        datastar_version: datastar::CLIENT_VERSION,
        home: route_path(req, "generated_ui"),
    }
}

/// Where a page starts: after the last row of the previous one.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub id: String,
    /// `created` in PocketBase's form, when pages are ordered by it.
    pub created: Option<String>,
}

impl Cursor {
    /// Reads `?after=ID&at=CREATED` (with `T` for the space); anything malformed is `None`.
    pub fn from_query(query: &str) -> Option<Cursor> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.as_str())
        };
        let id = safe_id(get("after")?)?.to_owned();
        let created = match get("at") {
            Some(at) => Some(parse_date_text(at)?),
            None => None,
        };
        Some(Cursor { id, created })
    }

    /// The query string of this cursor.
    pub fn to_query(&self) -> String {
        match &self.created {
            Some(created) => format!("after={}&at={}", self.id, created.replace(' ', "T")),
            None => format!("after={}", self.id),
        }
    }

    /// The filter that keeps the rows after this cursor in the table's order.
    pub fn filter(&self) -> String {
        let id = Value::String(self.id.clone());
        match &self.created {
            Some(created) => {
                let created = Value::String(created.clone());
                format!("created < {created} || (created = {created} && id < {id})")
            }
            None => format!("id > {id}"),
        }
    }
}

/// `2024-05-01 10:00:00.123Z` (or with `T`) in PocketBase's form, or `None`.
fn parse_date_text(text: &str) -> Option<String> {
    let text = text.replacen('T', " ", 1);
    let bytes = text.as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    let shape = bytes.len() == 24
        && digits.iter().all(|at| bytes[*at].is_ascii_digit())
        && [
            (4, b'-'),
            (7, b'-'),
            (10, b' '),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ]
        .iter()
        .all(|(at, byte)| bytes[*at] == *byte);
    shape.then_some(text)
}

async fn load<T: Table>(
    app: &App,
    admin: &Admin,
    url: &str,
    after: Option<&Cursor>,
) -> Result<(Vec<Row<T>>, Option<String>), ServiceError> {
    let sort = if T::BY_CREATED { "-created,-id" } else { "id" };
    let listing = app
        .list_records(
            &admin.ctx,
            T::NAME,
            ListParams {
                page: 1,
                per_page: PER_PAGE,
                sort: sort.to_owned(),
                filter: after.map(Cursor::filter).unwrap_or_default(),
                skip_total: true,
                expand: String::new(),
                fields: String::new(),
            },
        )
        .await?;
    let items = match listing.get("items") {
        Some(Value::Array(items)) => items.clone(),
        _ => vec![],
    };
    let full = items.len() as i64 >= PER_PAGE;
    let rows = items
        .into_iter()
        .map(decode::<T>)
        .collect::<Result<Vec<T>, ServiceError>>()?
        .into_iter()
        .map(Row::new)
        .collect::<Vec<_>>();
    let more = match rows.last() {
        Some(last) if full => last.id.as_ref().map(|id| {
            let cursor = Cursor {
                id: id.clone(),
                created: last.record.created(),
            };
            format!("{url}/more?{}", cursor.to_query())
        }),
        _ => None,
    };
    Ok((rows, more))
}

/// A record as its generated type; a mismatch means the generated code is older than
/// the schema.
fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ServiceError> {
    serde_json::from_value(value).map_err(|error| {
        ServiceError::BadRequest(format!(
            "The record does not match its generated type ({error}); regenerate the code."
        ))
    })
}

/// `GET {url}`: the collection's table with its first page.
pub async fn page<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let url = collection_url(&req, T::NAME);
    let (rows, more) = load::<T>(&app, &admin, &url, None).await?;
    let html = T::render_page(&Page {
        shell: shell(&req, &admin),
        url,
        rows,
        more,
    })
    .map_err(PageError::Render)?;
    Ok(html_page(html))
}

/// `GET {url}/more?after=ID[&at=CREATED]` (Datastar): the next page appended to the table,
/// and the next trigger (or the end) in place of the old one.
pub async fn more<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
) -> Result<Events, ActionError> {
    let url = collection_url(&req, T::NAME);
    let Some(cursor) = Cursor::from_query(req.query_string()) else {
        let end = More {
            collection: T::NAME,
            more: None,
        };
        return Ok(Events::new().fragments(&end.render()?));
    };
    let (rows, more) = load::<T>(&app, &admin, &url, Some(&cursor)).await?;
    let mut events = Events::new();
    if !rows.is_empty() {
        events = events.fragments_into(
            &format!("#{}-rows", T::NAME),
            Merge::Append,
            T::render_rows(&url, &rows)?.trim(),
        );
    }
    let next = More {
        collection: T::NAME,
        more: more.as_deref(),
    };
    Ok(events.fragments(&next.render()?))
}

/// The table's footer: the infinite scroll trigger, or nothing more to load.
#[derive(Template)]
#[template(path = "generated_ui/more.html")]
pub struct More<'a> {
    pub collection: &'a str,
    pub more: Option<&'a str>,
}

/// One cell as a fragment (without the template's surrounding blank lines).
fn cell_html<T: Table>(url: &str, row: &Row<T>, column: T::Column) -> Result<String, ActionError> {
    Ok(T::render_cell(url, row, column)?.trim().to_owned())
}

/// The record and column an edit URL names.
async fn target<T: Table>(
    app: &App,
    admin: &Admin,
    path: &(String, String),
) -> Result<(Row<T>, T::Column), ActionError> {
    let (id, name) = path;
    let (Some(id), Some(column)) = (safe_id(id), T::column(name)) else {
        return Err(ActionError::Invalid("There is no such cell.".into()));
    };
    let record = app
        .view_record(&admin.ctx, T::NAME, id, ShapeParams::default())
        .await?;
    Ok((Row::new(decode::<T>(record)?), column))
}

/// `GET {url}/{id}/{column}` (Datastar): the cell as shown (Escape in an editor).
pub async fn cell<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<Events, ActionError> {
    let url = collection_url(&req, T::NAME);
    let (row, column) = target::<T>(&app, &admin, &path).await?;
    Ok(Events::new().fragments(&cell_html(&url, &row, column)?))
}

/// `GET {url}/{id}/{column}/edit` (Datastar): the cell becomes its editor, holding the
/// current value in the `draft` signal.
pub async fn edit<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<Events, ActionError> {
    let url = collection_url(&req, T::NAME);
    let (mut row, column) = target::<T>(&app, &admin, &path).await?;
    let Some(draft) = row.record.draft(column).filter(|_| T::WRITABLE) else {
        return Err(ActionError::Invalid(
            "This field cannot be edited here.".into(),
        ));
    };
    row.edit = Some((column, String::new()));
    // The signal first: the editor binds to it when it arrives.
    Ok(Events::new()
        .signals(&serde_json::json!({ "draft": draft }))
        .fragments(&cell_html(&url, &row, column)?)
        .script(&focus_script(T::NAME, &path.0, T::field(column))))
}

fn focus_script(collection: &str, id: &str, field: &str) -> String {
    let input = Value::String(format!("{collection}-{id}-{field}-input"));
    format!("document.getElementById({input})?.focus()")
}

/// `PATCH {url}/{id}/{column}` (Datastar): saves the `draft` signal into the cell through
/// the record update service; a bad value keeps the editor open with the error under it.
pub async fn save<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<Events, ActionError> {
    let url = collection_url(&req, T::NAME);
    let (mut row, column) = target::<T>(&app, &admin, &path).await?;
    if !T::WRITABLE || row.record.draft(column).is_none() {
        return Err(ActionError::Invalid(
            "This field cannot be edited here.".into(),
        ));
    }
    let signals = datastar::signals_from(req.query_string(), &body);
    let draft = signals.get("draft").cloned().unwrap_or(Value::Null);
    // Leaving an editor without a change writes nothing (and keeps `updated`).
    if row.record.draft(column).as_ref() == Some(&draft) {
        return Ok(Events::new().fragments(&cell_html(&url, &row, column)?));
    }
    let error = match T::update(column, &draft) {
        Err(message) => message,
        Ok(update) => {
            let body = match serde_json::to_value(&update) {
                Ok(Value::Object(body)) => body,
                _ => Map::new(),
            };
            match app
                .update_record(
                    &admin.ctx,
                    T::NAME,
                    &path.0,
                    body,
                    vec![],
                    ShapeParams::default(),
                )
                .await
            {
                Ok(record) => {
                    let row = Row::new(decode::<T>(record)?);
                    let mut events = Events::new().fragments(&cell_html(&url, &row, column)?);
                    for touched in T::touched() {
                        events = events.fragments(&cell_html(&url, &row, *touched)?);
                    }
                    return Ok(events);
                }
                Err(error) => field_message(&error, T::field(column)),
            }
        }
    };
    row.edit = Some((column, error));
    Ok(Events::new()
        .fragments(&cell_html(&url, &row, column)?)
        .script(&focus_script(T::NAME, &path.0, T::field(column))))
}

/// What to show under an editor for a failed update: the field's own message when the
/// service names it, else the error's.
fn field_message(error: &ServiceError, field: &str) -> String {
    if let ServiceError::Validation { errors, .. } = error
        && let Some(Value::String(message)) =
            errors.to_json().get(field).and_then(|e| e.get("message"))
    {
        return message.clone();
    }
    error_message(error)
}

/// The ids of a bulk action: the `ids` signal, each one safe, at most `MAX_BULK`.
fn bulk_ids(req: &HttpRequest, body: &[u8]) -> Result<Vec<String>, ActionError> {
    let signals = datastar::signals_from(req.query_string(), body);
    let mut ids: Vec<String> = vec![];
    for value in signals
        .get("ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = value.as_str().and_then(safe_id) else {
            return Err(ActionError::Invalid(
                "The selection holds an invalid id.".into(),
            ));
        };
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.is_empty() {
        return Err(ActionError::Invalid("Select records first.".into()));
    }
    if ids.len() > MAX_BULK {
        return Err(ActionError::Invalid(format!(
            "Select at most {MAX_BULK} records at a time."
        )));
    }
    Ok(ids)
}

/// The bulk delete confirmation.
#[derive(Template)]
#[template(path = "generated_ui/confirm.html")]
struct Confirm<'a> {
    collection: &'a str,
    url: &'a str,
    count: usize,
}

/// `POST {url}/delete` (Datastar): asks to confirm deleting the selected records (the
/// `ids` signal), naming how many.
pub async fn confirm_delete<T: Table>(
    _admin: Admin,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<Events, ActionError> {
    if !T::WRITABLE {
        return Err(ActionError::Invalid(
            "Records of a view collection cannot be deleted.".into(),
        ));
    }
    let ids = bulk_ids(&req, &body)?;
    let url = collection_url(&req, T::NAME);
    let html = Confirm {
        collection: T::NAME,
        url: &url,
        count: ids.len(),
    }
    .render()?;
    let dialog = Value::String(format!("{}-confirm", T::NAME));
    Ok(Events::new().fragments(html.trim()).script(&format!(
        "const dialog = document.getElementById({dialog}); if (dialog && !dialog.open) dialog.showModal()"
    )))
}

/// `DELETE {url}/delete` (Datastar): deletes the selected records through the record
/// delete service, one by one; the deleted rows leave the table.
pub async fn delete<T: Table>(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<Events, ActionError> {
    if !T::WRITABLE {
        return Err(ActionError::Invalid(
            "Records of a view collection cannot be deleted.".into(),
        ));
    }
    let ids = bulk_ids(&req, &body)?;
    let mut events = Events::new();
    let mut deleted = 0;
    let mut failures = vec![];
    for id in &ids {
        match app.delete_record(&admin.ctx, T::NAME, id).await {
            Ok(()) => {
                deleted += 1;
                events = events.remove(&format!("#{}-row-{id}", T::NAME));
            }
            Err(error) => failures.push(format!("{id}: {}", error_message(&error))),
        }
    }
    let dialog = Value::String(format!("{}-confirm", T::NAME));
    let rows = Value::String(format!("#{}-table input[data-select]", T::NAME));
    events = events
        .signals(&serde_json::json!({"ids": [], "_selected": 0}))
        .script(&format!(
            "document.getElementById({dialog})?.close(); \
             document.querySelectorAll({rows}).forEach((box) => {{ box.checked = false }})"
        ));
    let noun = if deleted == 1 { "record" } else { "records" };
    events = flash(events, &format!("Deleted {deleted} {noun}."));
    if !failures.is_empty() {
        events = flash_error(events, &format!("Not deleted: {}", failures.join("; ")));
    }
    Ok(events)
}

/// Editor values from record values.
pub mod draft {
    use std::fmt::Display;

    use serde_json::Value;

    /// Text, numbers, single selects and relations: the value as text.
    pub fn text<T: Display + ?Sized>(value: &T) -> Value {
        Value::String(value.to_string())
    }

    /// An optional single value: empty when unset.
    pub fn optional<T: Display>(value: &Option<T>) -> Value {
        Value::String(value.as_ref().map(ToString::to_string).unwrap_or_default())
    }

    /// A multiple select: the chosen values.
    pub fn list<T: Display>(values: &[T]) -> Value {
        Value::Array(values.iter().map(text).collect())
    }

    /// Multiple relations: the ids, comma separated.
    pub fn joined<T: Display>(values: &[T]) -> Value {
        let ids: Vec<String> = values.iter().map(ToString::to_string).collect();
        Value::String(ids.join(", "))
    }

    /// A date for `<input type="datetime-local">` (UTC): `2024-05-01T10:00:00.123`.
    pub fn date<T: Display + ?Sized>(value: &T) -> Value {
        let text = value.to_string();
        Value::String(text.trim_end_matches('Z').replacen(' ', "T", 1))
    }

    /// An optional date: empty when unset.
    pub fn optional_date<T: Display>(value: &Option<T>) -> Value {
        match value {
            Some(value) => date(value),
            None => Value::String(String::new()),
        }
    }
}

/// Record values from editor values; errors are the message shown under the editor.
pub mod parse {
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    fn as_text(draft: &Value) -> Result<&str, String> {
        draft.as_str().ok_or_else(|| "Enter a value.".to_string())
    }

    pub fn text(draft: &Value) -> Result<String, String> {
        as_text(draft).map(str::to_owned)
    }

    pub fn number(draft: &Value) -> Result<f64, String> {
        if let Some(number) = draft.as_f64() {
            return Ok(number);
        }
        let text = as_text(draft)?.trim();
        if text.is_empty() {
            return Ok(0.0);
        }
        text.parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .ok_or_else(|| "Must be a number.".to_string())
    }

    pub fn integer(draft: &Value) -> Result<i64, String> {
        if let Some(number) = draft.as_i64() {
            return Ok(number);
        }
        let text = as_text(draft)?.trim();
        if text.is_empty() {
            return Ok(0);
        }
        text.parse::<i64>()
            .map_err(|_| "Must be a whole number.".to_string())
    }

    pub fn boolean(draft: &Value) -> Result<bool, String> {
        match draft {
            Value::Bool(value) => Ok(*value),
            Value::String(text) => Ok(matches!(text.as_str(), "true" | "on" | "1")),
            _ => Err("Must be true or false.".to_string()),
        }
    }

    /// A single select value or relation id, as its generated type.
    pub fn value<T: DeserializeOwned>(draft: &Value) -> Result<T, String> {
        let text = as_text(draft)?.trim();
        if text.is_empty() {
            return Err("Cannot be blank.".to_string());
        }
        serde_json::from_value(Value::String(text.to_owned()))
            .map_err(|_| format!("{text:?} is not a valid value."))
    }

    /// An optional single value: empty clears it.
    pub fn optional<T: DeserializeOwned>(draft: &Value) -> Result<Option<T>, String> {
        match as_text(draft)?.trim() {
            "" => Ok(None),
            _ => value(draft).map(Some),
        }
    }

    /// Several values: a list, or text separated by commas or spaces.
    pub fn list<T: DeserializeOwned>(draft: &Value) -> Result<Vec<T>, String> {
        let items: Vec<String> = match draft {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Value::String(text) => text
                .split([',', ' ', '\n'])
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => return Err("Enter a list of values.".to_string()),
        };
        items
            .iter()
            .map(|item| value(&Value::String(item.clone())))
            .collect()
    }

    /// A date from `<input type="datetime-local">` (UTC), seconds and milliseconds optional.
    pub fn date<T: DeserializeOwned>(draft: &Value) -> Result<T, String> {
        let text = as_text(draft)?.trim();
        let invalid = || format!("{text:?} is not a date and time.");
        let (day, time) = text.split_once(['T', ' ']).ok_or_else(invalid)?;
        let time = time.trim_end_matches('Z');
        let full = match time.len() {
            5 => format!("{day} {time}:00.000Z"),
            8 => format!("{day} {time}.000Z"),
            12 => format!("{day} {time}Z"),
            _ => return Err(invalid()),
        };
        serde_json::from_value(Value::String(full)).map_err(|_| invalid())
    }

    /// An optional date: empty clears it.
    pub fn optional_date<T: DeserializeOwned>(draft: &Value) -> Result<Option<T>, String> {
        match as_text(draft)?.trim() {
            "" => Ok(None),
            _ => date(draft).map(Some),
        }
    }
}
