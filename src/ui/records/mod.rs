//! The record browser of the admin UI: one table per collection at `/_/collections/{name}`
//! (any type, `_superusers` included), filtered with PocketBase's filter language as you
//! type, sorted by header clicks, loaded 50 rows at a time as you scroll, with cells edited
//! in place, a record form generated from the schema (`form.rs`), bulk delete, and a live
//! stream that applies everyone's writes to the open table (`live.rs`). Every read and
//! write goes through the same record services as the REST API, as the signed-in
//! superuser. `view.rs` turns records into rows of display cells. Start at `configure`.

mod form;
mod live;
mod view;

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Map, Value, json};

use super::datastar::{Events, Merge, id_selector, signals_from};
use super::session::Admin;
use super::{ActionError, Chrome, PageError, flash, flash_error, fragment, page, user_message};
use crate::core::collection::Collection;
use crate::service::records::ListParams;
use crate::service::{App, RequestContext, ServiceError};
use view::{Row, Table};

/// Rows per page of the table.
pub const PAGE_SIZE: i64 = 50;

/// A number new for every render. The Datastar client remembers the attributes it bound
/// by element id (and an id-less element by its path below the nearest id), and does not
/// bind them again for a replaced element with the same id and attributes; elements with
/// Datastar attributes that are re-rendered (the cell editor, the record form, the live
/// stream) carry this number in their id or attributes, so each render is bound anew.
pub(super) fn nonce() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/collections/{name}", web::get().to(index))
        .route("/collections/{name}/records/rows", web::get().to(rows))
        .route(
            "/collections/{name}/records/live",
            web::get().to(live::live),
        )
        .route(
            "/collections/{name}/records/bulk-delete",
            web::post().to(bulk_delete),
        )
        .route("/collections/{name}/records/new", web::get().to(form::new))
        .route("/collections/{name}/records", web::post().to(form::create))
        .route(
            "/collections/{name}/records/relation/{field}",
            web::get().to(form::relation_options),
        )
        .route(
            "/collections/{name}/records/relation/{field}/pick/{id}",
            web::get().to(form::relation_pick),
        )
        .route(
            "/collections/{name}/records/{id}/cell/{field}",
            web::get().to(form::cell_editor),
        )
        .route(
            "/collections/{name}/records/{id}/cell/{field}",
            web::post().to(form::cell_save),
        )
        .route(
            "/collections/{name}/records/{id}/cell/{field}/view",
            web::get().to(form::cell_view),
        )
        .route(
            "/collections/{name}/records/{id}",
            web::get().to(form::edit),
        )
        .route(
            "/collections/{name}/records/{id}",
            web::post().to(form::update),
        )
        .route(
            "/collections/{name}/records/{id}",
            web::delete().to(form::delete),
        );
}

#[derive(Template)]
#[template(path = "ui/records/index.html")]
struct IndexPage {
    chrome: Chrome,
    table: Table,
    base: String,
    signals: String,
    rows: Vec<Row>,
    readonly: bool,
    colspan: usize,
    next: Option<String>,
    total: String,
    filter_error: String,
    nonce: u64,
}

/// The table's `<tbody id="rows">`: rows and, when more may follow, the scroll sentinel.
#[derive(Template)]
#[template(path = "ui/records/rows.html")]
struct RowsBody {
    rows: Vec<Row>,
    readonly: bool,
    colspan: usize,
    next: Option<String>,
}

/// Rows and the next sentinel, appended to the table.
#[derive(Template)]
#[template(path = "ui/records/more.html")]
struct MoreRows {
    rows: Vec<Row>,
    readonly: bool,
    colspan: usize,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/records/head.html")]
struct Head<'a> {
    table: &'a Table,
}

#[derive(Template)]
#[template(path = "ui/records/row.html")]
struct RowFragment<'a> {
    row: &'a Row,
    readonly: bool,
}

#[derive(Template)]
#[template(path = "ui/records/live.html")]
struct LiveElement<'a> {
    base: &'a str,
    nonce: u64,
}

/// What the table is asked to show: filter and sort, from the page's signals.
struct View {
    filter: String,
    sort: String,
}

impl View {
    fn from_signals(signals: &Map<String, Value>, collection: &Collection) -> View {
        let text = |key: &str| {
            signals
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let sort = match text("sort") {
            sort if sort.is_empty() => default_sort(collection),
            sort => sort,
        };
        View {
            filter: text("q"),
            sort,
        }
    }
}

/// Newest first: by `created` when the collection has it, else by insertion order (views
/// have neither, so they keep the view's own order).
fn default_sort(collection: &Collection) -> String {
    if collection.field("created").is_some() {
        "-created".into()
    } else if collection.is_view() {
        String::new()
    } else {
        "-@rowid".into()
    }
}

/// One page of the table through the records service.
async fn load_page(
    app: &App,
    ctx: &RequestContext,
    table: &Table,
    view: &View,
    page_number: i64,
) -> Result<(Vec<Row>, Option<i64>, bool), ServiceError> {
    let params = ListParams {
        page: page_number,
        per_page: PAGE_SIZE,
        sort: view.sort.clone(),
        filter: view.filter.clone(),
        skip_total: page_number > 1,
        expand: table.expand.clone(),
        fields: String::new(),
    };
    let list = app
        .browse_records(ctx, &table.collection.name, params)
        .await?;
    let items = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let more = items.len() as i64 >= PAGE_SIZE;
    let total = list.get("totalItems").and_then(Value::as_i64);
    let rows = items.iter().map(|record| table.row(record)).collect();
    Ok((rows, total.filter(|total| *total >= 0), more))
}

fn next_url(table: &Table, more: bool, page_number: i64) -> Option<String> {
    more.then(|| format!("{}/rows?page={}", table.base, page_number + 1))
}

fn total_text(total: Option<i64>) -> String {
    match total {
        Some(1) => "1 record".into(),
        Some(total) => format!("{total} records"),
        None => String::new(),
    }
}

fn colspan(table: &Table) -> usize {
    table.columns.len() + usize::from(!table.readonly)
}

/// `GET /_/collections/{name}`: the records table.
async fn index(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let collection = app
        .collection(&path.into_inner())
        .map_err(|_| PageError::NotFound)?;
    let view = View::from_signals(&Map::new(), &collection);
    let table = Table::new(&app.schema(), collection, &view.sort);
    let (rows, total, more) = load_page(&app, &admin.ctx, &table, &view, 1).await?;
    let signals = json!({"q": "", "sort": view.sort, "_selected": 0}).to_string();
    page(&IndexPage {
        chrome: Chrome::new(&app, &admin, &table.collection.name),
        base: table.base.clone(),
        readonly: table.readonly,
        colspan: colspan(&table),
        next: next_url(&table, more, 1),
        rows,
        total: total_text(total),
        filter_error: String::new(),
        nonce: nonce(),
        signals,
        table,
    })
}

#[derive(serde::Deserialize)]
struct RowsQuery {
    page: Option<i64>,
}

/// `GET /_/collections/{name}/records/rows?page=N`: page 1 replaces the table (a new
/// filter or sort), later pages are appended as the sentinel scrolls into view.
async fn rows(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<Events, ActionError> {
    let collection = app.collection(&path.into_inner())?;
    let query = web::Query::<RowsQuery>::from_query(req.query_string())
        .map(|query| query.into_inner().page.unwrap_or(1))
        .unwrap_or(1)
        .max(1);
    let signals = signals_from(req.query_string(), b"");
    let view = View::from_signals(&signals, &collection);
    let table = Table::new(&app.schema(), collection, &view.sort);
    let (rows, total, more) = match load_page(&app, &admin.ctx, &table, &view, query).await {
        Ok(loaded) => loaded,
        Err(error @ ServiceError::BadRequest(_)) if query == 1 => {
            let message = user_message(&error).unwrap_or_default();
            return Ok(Events::new().fragments(&filter_error_html(&message)));
        }
        Err(_) if query > 1 => {
            // The filter changed under a scroll: the table is being replaced anyway.
            return Ok(Events::new().remove("#more"));
        }
        Err(error) => return Err(error.into()),
    };
    let next = next_url(&table, more, query);
    if query > 1 {
        let html = fragment(&MoreRows {
            readonly: table.readonly,
            colspan: colspan(&table),
            rows,
            next,
        })?;
        return Ok(Events::new()
            .remove("#more")
            .fragments_into("#rows", Merge::Append, &html));
    }
    let body = fragment(&RowsBody {
        readonly: table.readonly,
        colspan: colspan(&table),
        rows,
        next,
    })?;
    let head = fragment(&Head { table: &table })?;
    let live = fragment(&LiveElement {
        base: &table.base,
        nonce: nonce(),
    })?;
    // Morphs, not replacements: see `nonce`.
    Ok(Events::new()
        .fragments(&filter_error_html(""))
        .fragments(&body)
        .fragments(&head)
        .fragments(&format!(
            "<p id=\"total\" class=\"muted\">{}</p>",
            super::escape(&total_text(total))
        ))
        .fragments(&live)
        .signals(&json!({"_selected": 0})))
}

fn filter_error_html(message: &str) -> String {
    format!(
        "<p id=\"filter-error\" class=\"error\" role=\"alert\">{}</p>",
        super::escape(message)
    )
}

/// `POST /_/collections/{name}/records/bulk-delete`: deletes the checked records one by
/// one through the records service (cascades and rules as for `DELETE`), removes their
/// rows, and reports each failure.
async fn bulk_delete(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let name = path.into_inner();
    let collection = app.collection(&name)?;
    let form = form::read_form(&req, payload).await?;
    let ids: Vec<String> = form.values("ids").map(str::to_owned).collect();
    if ids.is_empty() {
        return Err(ActionError::Invalid(
            "Select records to delete first.".into(),
        ));
    }
    let mut events = Events::new();
    let mut deleted = 0;
    let mut failures: HashMap<String, String> = HashMap::new();
    for id in &ids {
        match app.delete_record(&admin.ctx, &collection.name, id).await {
            Ok(()) => {
                deleted += 1;
                events = events.remove(&id_selector(&format!("row-{id}")));
            }
            Err(error) => {
                let message = user_message(&error).unwrap_or_else(|| error.to_string());
                failures.insert(id.clone(), message);
            }
        }
    }
    if deleted > 0 {
        let noun = if deleted == 1 { "record" } else { "records" };
        events = flash(events, &format!("Deleted {deleted} {noun} of {name}."));
    }
    for id in &ids {
        if let Some(message) = failures.get(id) {
            events = flash_error(events, &format!("Could not delete {id}: {message}"));
        }
    }
    Ok(events.signals(&json!({"_selected": failures.len()})))
}
