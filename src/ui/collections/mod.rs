//! Collections pages of the admin UI: the overview with record counts (delete and truncate,
//! each confirmed with the number of records that will be lost) and the schema editor
//! (`editor.rs`: fields of every type and their options, indexes, API rules with a live
//! check, a view's query, auth options), whose state is the editor's form (`form.rs`),
//! read into a `Draft` (`draft.rs`) and saved through the collections services. The
//! records browser at `/_/collections/{name}` is `records.rs`'s. `import.rs` is the
//! schema's export and its import (paste, review, confirm).

mod draft;
mod editor;
mod import;

/// The most one schema editor form may carry (every field's options; no files).
const EDITOR_LIMITS: crate::ui::form::Limits = crate::ui::form::Limits {
    max_bytes: 2 * 1024 * 1024,
    max_fields: 20_000,
    files: false,
};
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::datastar::{Events, Merge};
use super::session::Admin;
use super::{ActionError, Chrome, PageError, flash, fragment, page};
use crate::service::App;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/collections", web::get().to(index))
        // Before the records routes, which would take `import`/`export` for collection names.
        .route("/collections/export", web::get().to(import::export_page))
        .route(
            "/collections/export.json",
            web::get().to(import::export_file),
        )
        .route("/collections/import", web::get().to(import::import_page))
        .route("/collections/import/review", web::post().to(import::review))
        .route(
            "/collections/import/confirm",
            web::post().to(import::confirm),
        )
        .route("/collections/new", web::get().to(editor::new_page))
        .route(
            &format!("/collections/new/{}", editor::OPS),
            web::post().to(editor::new_action),
        )
        .route(
            "/collections/{name}/schema",
            web::get().to(editor::page_for),
        )
        .route(
            &format!("/collections/{{name}}/schema/{}", editor::OPS),
            web::post().to(editor::action),
        )
        .route("/collections/{name}/delete", web::get().to(confirm_delete))
        .route("/collections/{name}/delete", web::post().to(delete))
        .route(
            "/collections/{name}/truncate",
            web::get().to(confirm_truncate),
        )
        .route("/collections/{name}/truncate", web::post().to(truncate));
}

pub(crate) struct Row {
    name: String,
    kind: &'static str,
    system: bool,
    fields: usize,
    records: String,
}

impl Row {
    fn can_truncate(&self) -> bool {
        !self.system && self.kind != "view"
    }
}

#[derive(Template)]
#[template(path = "ui/collections/index.html")]
struct IndexPage {
    chrome: Chrome,
    rows: Vec<Row>,
    deleted: String,
    imported: bool,
}

#[derive(Template)]
#[template(path = "ui/collections/row.html")]
struct RowFragment<'a> {
    row: &'a Row,
}

/// `GET /_/collections`
async fn index(
    app: web::Data<App>,
    admin: Admin,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let counts = app.collection_counts().await?;
    let mut rows: Vec<Row> = app
        .schema()
        .all()
        .iter()
        .map(|collection| Row {
            name: collection.name.clone(),
            kind: collection.kind.as_str(),
            system: collection.system,
            fields: collection.fields.len(),
            records: counts
                .get(&collection.name)
                .and_then(Value::as_u64)
                .map(|count| count.to_string())
                .unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.name.starts_with('_'), a.name.to_lowercase())
            .cmp(&(b.name.starts_with('_'), b.name.to_lowercase()))
    });
    let deleted = query
        .get("deleted")
        .filter(|name| crate::core::collection::is_valid_identifier(name))
        .cloned()
        .unwrap_or_default();
    page(&IndexPage {
        chrome: Chrome::new(&app, &admin, "collections"),
        rows,
        deleted,
        imported: query.contains_key("imported"),
    })
}

/// A piece of a confirmation message: text, or a name shown as code.
pub(crate) struct Part {
    code: bool,
    text: String,
}

impl Part {
    pub(crate) fn text(text: &str) -> Part {
        Part {
            code: false,
            text: text.to_owned(),
        }
    }

    pub(crate) fn code(text: &str) -> Part {
        Part {
            code: true,
            text: text.to_owned(),
        }
    }
}

/// A confirmation dialog, opened as a modal in the page's `#dialog-slot`.
#[derive(Template)]
#[template(path = "ui/collections/confirm.html")]
pub(crate) struct Confirm {
    title: String,
    message: Vec<Part>,
    confirm_label: String,
    /// The Datastar expression of the confirm button (built from validated names only).
    action: String,
}

/// Puts a dialog into the page's dialog slot and opens it.
pub(crate) fn open_dialog(events: Events, dialog: &Confirm) -> Result<Events, ActionError> {
    Ok(events
        .fragments_into("#dialog-slot", Merge::Inner, &fragment(dialog)?)
        .script("document.getElementById('confirm-dialog')?.showModal()"))
}

/// Where a delete/truncate confirmation was opened (the overview morphs its row).
fn from_list(query: &HashMap<String, String>) -> bool {
    query.get("from").is_some_and(|from| from == "list")
}

/// `GET /_/collections/{name}/delete`: the confirmation, naming the records that go.
async fn confirm_delete(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let collection = app.view_collection(&superuser, &path)?;
    if collection.system {
        return Err(ActionError::Invalid(
            "System collections cannot be deleted.".into(),
        ));
    }
    let mut message = vec![
        Part::text("Delete collection "),
        Part::code(&collection.name),
    ];
    if collection.is_view() {
        message.push(Part::text(" (a view; no records are stored)?"));
    } else {
        let count = app.count_records(&superuser, &collection.id).await?;
        message.push(Part::text(&format!(
            " and all its {count} {}? Its files go too. This cannot be undone.",
            editor::plural(count, "record", "records")
        )));
    }
    open_dialog(
        Events::new(),
        &Confirm {
            title: "Delete collection?".into(),
            message,
            confirm_label: "Delete collection".into(),
            action: format!("@post('/_/collections/{}/delete')", collection.name),
        },
    )
}

/// `POST /_/collections/{name}/delete`
async fn delete(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let collection = app.view_collection(&superuser, &path)?;
    app.delete_collection(&superuser, &collection.id).await?;
    Ok(Events::new().redirect(&format!("/_/collections?deleted={}", collection.name)))
}

/// `GET /_/collections/{name}/truncate`: the confirmation of "Delete all records".
async fn confirm_truncate(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let collection = app.view_collection(&superuser, &path)?;
    if collection.is_view() {
        return Err(ActionError::Invalid(
            "View collections cannot be truncated.".into(),
        ));
    }
    let count = app.count_records(&superuser, &collection.id).await?;
    let from = if from_list(&query) { "?from=list" } else { "" };
    open_dialog(
        Events::new(),
        &Confirm {
            title: "Delete all records?".into(),
            message: vec![
                Part::text(&format!(
                    "Delete all {count} {} of ",
                    editor::plural(count, "record", "records")
                )),
                Part::code(&collection.name),
                Part::text(
                    " (and their files, and records that cascade-delete with them)? This cannot be undone.",
                ),
            ],
            confirm_label: "Delete all records".into(),
            action: format!("@post('/_/collections/{}/truncate{from}')", collection.name),
        },
    )
}

/// `POST /_/collections/{name}/truncate`
async fn truncate(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let collection = app.view_collection(&superuser, &path)?;
    let count = app.count_records(&superuser, &collection.id).await?;
    app.truncate_collection(&superuser, &collection.id).await?;
    let mut events = Events::new().remove("#confirm-dialog");
    if from_list(&query) {
        let row = Row {
            name: collection.name.clone(),
            kind: collection.kind.as_str(),
            system: collection.system,
            fields: collection.fields.len(),
            records: "0".into(),
        };
        events = events.fragments(&fragment(&RowFragment { row: &row })?);
    }
    Ok(flash(
        events,
        &format!(
            "Deleted {count} {} of {}.",
            editor::plural(count, "record", "records"),
            collection.name
        ),
    ))
}
