//! Import and export of the whole schema (`/_/collections/import`, `/_/collections/export`),
//! the UI of `PUT /api/collections/import`. Export shows the collections as the collections
//! API lists them (system ones included, as PocketBase's dashboard does), to copy or to
//! download. Import is paste, review, confirm: the review is `App::preview_import` (what is
//! created, updated, deleted, which fields go and how many records hold them), and the
//! confirmation posts the same form with a digest of what was reviewed, so an edit after
//! the review is refused instead of imported unseen.

use std::hash::{Hash, Hasher};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Value, json};

use crate::service::collections::{CollectionQuery, ImportPlan};
use crate::service::{App, ServiceError};
use crate::ui::datastar::Events;
use crate::ui::form::{Form, Limits};
use crate::ui::session::Admin;
use crate::ui::{ActionError, Chrome, PageError, flash_error, fragment, page, user_message};

/// The most an import form may carry: the pasted JSON and the checkbox (no files).
const IMPORT_LIMITS: Limits = Limits {
    max_bytes: 4 * 1024 * 1024,
    max_fields: 16,
    files: false,
};

#[derive(Template)]
#[template(path = "ui/collections/export.html")]
struct ExportPage {
    chrome: Chrome,
    json: String,
    count: usize,
}

#[derive(Template)]
#[template(path = "ui/collections/import.html")]
struct ImportPage {
    chrome: Chrome,
}

/// The review of an import (`#import-review`), or an empty one.
#[derive(Template)]
#[template(path = "ui/collections/import_review.html")]
struct Review {
    plan: Option<ImportPlan>,
    delete_missing: bool,
    digest: String,
}

impl Review {
    fn empty() -> Review {
        Review {
            plan: None,
            delete_missing: false,
            digest: String::new(),
        }
    }
}

/// The import's error slot (`#import-error`): a summary and one line per problem.
#[derive(Template)]
#[template(path = "ui/collections/import_error.html")]
struct ErrorSlot {
    summary: String,
    lines: Vec<String>,
}

/// The collections as `GET /api/collections` lists them, in its order.
async fn exported(app: &App, admin: &Admin) -> Result<Vec<Value>, ServiceError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let page = app
        .list_collections(
            &superuser,
            CollectionQuery {
                page: 1,
                per_page: i64::from(u32::MAX),
                skip_total: true,
                ..CollectionQuery::default()
            },
        )
        .await?;
    Ok(page
        .items
        .iter()
        .map(|collection| collection.to_json())
        .collect())
}

fn pretty(items: &[Value]) -> Result<String, PageError> {
    serde_json::to_string_pretty(items)
        .map_err(|error| PageError::Service(ServiceError::BadRequest(error.to_string())))
}

/// `GET /_/collections/export`
pub(super) async fn export_page(
    app: web::Data<App>,
    admin: Admin,
) -> Result<HttpResponse, PageError> {
    let items = exported(&app, &admin).await?;
    page(&ExportPage {
        chrome: Chrome::new(&app, &admin, "collections"),
        json: pretty(&items)?,
        count: items.len(),
    })
}

/// `GET /_/collections/export.json`: the same JSON as a download.
pub(super) async fn export_file(
    app: web::Data<App>,
    admin: Admin,
) -> Result<HttpResponse, PageError> {
    let items = exported(&app, &admin).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"pb_schema.json\"",
        ))
        .body(pretty(&items)?))
}

/// `GET /_/collections/import`
pub(super) async fn import_page(
    app: web::Data<App>,
    admin: Admin,
) -> Result<HttpResponse, PageError> {
    page(&ImportPage {
        chrome: Chrome::new(&app, &admin, "collections"),
    })
}

/// The submitted import: the import API's body, and the digest a review gives it.
#[derive(Debug)]
struct Submitted {
    input: Value,
    delete_missing: bool,
    digest: String,
}

/// Reads the pasted JSON; `Err` is the inline message for JSON that is no list of
/// collections.
fn submitted(form: &Form) -> Result<Submitted, String> {
    let text = form.text("collections");
    let delete_missing = form.checked("deleteMissing");
    if text.trim().is_empty() {
        return Err("Paste the collections JSON (an array, as the export gives) first.".into());
    }
    let parsed: Value =
        serde_json::from_str(text).map_err(|error| format!("Invalid JSON: {error}."))?;
    let Value::Array(items) = parsed else {
        return Err(format!(
            "The JSON must be an array of collections (as the export gives), not {}.",
            kind_of(&parsed)
        ));
    };
    if items.is_empty() {
        return Err("The array is empty: there is nothing to import.".into());
    }
    if let Some(position) = items.iter().position(|item| !item.is_object()) {
        return Err(format!(
            "Item {} of the array is {}, not a collection object.",
            position + 1,
            kind_of(&items[position])
        ));
    }
    // The same process checks the digest it gave, so std's fixed-key hasher suffices.
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    delete_missing.hash(&mut hasher);
    Ok(Submitted {
        input: json!({"collections": items, "deleteMissing": delete_missing}),
        delete_missing,
        digest: format!("{:016x}", hasher.finish()),
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An answer that shows `summary` (and the service's field errors, one per line, named by
/// collection) in the error slot and clears the review.
fn show_error(
    summary: &str,
    error: Option<&ServiceError>,
    input: Option<&Value>,
) -> Result<Events, ActionError> {
    let mut lines = vec![];
    if let Some(ServiceError::Validation { errors, .. }) = error {
        describe(&errors.to_json(), input, "", &mut lines);
    }
    let slot = ErrorSlot {
        summary: summary.to_owned(),
        lines,
    };
    let events = Events::new()
        .fragments(&fragment(&slot)?)
        .fragments(&fragment(&Review::empty())?);
    Ok(flash_error(events, summary))
}

/// One line per error of the service's nested errors, `collections.<i>` named after the
/// collection at that position of the import.
fn describe(errors: &Value, input: Option<&Value>, prefix: &str, out: &mut Vec<String>) {
    let Value::Object(map) = errors else { return };
    if let (Some(Value::String(message)), true) = (map.get("message"), map.contains_key("code")) {
        out.push(if prefix.is_empty() {
            message.clone()
        } else if prefix.ends_with(':') {
            format!("{prefix} {message}")
        } else {
            format!("{prefix}: {message}")
        });
        return;
    }
    for (key, inner) in map {
        if prefix.is_empty()
            && key == "collections"
            && let Value::Object(positions) = inner
        {
            for (position, nested) in positions {
                let item = position
                    .parse::<usize>()
                    .ok()
                    .and_then(|at| input?.get("collections")?.get(at));
                let name = item
                    .and_then(|item| item.get("name"))
                    .and_then(Value::as_str)
                    .filter(|name| !name.is_empty());
                let label = match (position.parse::<usize>(), name) {
                    (Ok(at), Some(name)) => format!("Collection {} ({name}):", at + 1),
                    (Ok(at), None) => format!("Collection {}:", at + 1),
                    _ => format!("collections.{position}:"),
                };
                describe(nested, None, &label, out);
            }
            continue;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else if prefix.ends_with(':') {
            format!("{prefix} {key}")
        } else {
            format!("{prefix}.{key}")
        };
        describe(inner, None, &path, out);
    }
}

/// The answer for a failed service call: validation and bad input shown inline, anything
/// else the usual way.
fn service_failure(error: ServiceError, input: &Value) -> Result<Events, ActionError> {
    match (&error, user_message(&error)) {
        (ServiceError::Validation { message, .. }, Some(_)) => {
            show_error(message, Some(&error), Some(input))
        }
        (ServiceError::BadRequest(_), Some(message)) => show_error(&message, None, None),
        _ => Err(ActionError::Service(error)),
    }
}

/// `POST /_/collections/import/review`: what the import would change.
pub(super) async fn review(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let form = Form::read(&req, payload, IMPORT_LIMITS).await?;
    let submitted = match submitted(&form) {
        Ok(submitted) => submitted,
        Err(message) => return show_error(&message, None, None),
    };
    let plan = match app
        .preview_import(&superuser, submitted.input.clone())
        .await
    {
        Ok(plan) => plan,
        Err(error) => return service_failure(error, &submitted.input),
    };
    let review = Review {
        plan: Some(plan),
        delete_missing: submitted.delete_missing,
        digest: submitted.digest,
    };
    Ok(Events::new()
        .fragments(&fragment(&ErrorSlot {
            summary: String::new(),
            lines: vec![],
        })?)
        .fragments(&fragment(&review)?)
        .script("document.getElementById('import-review')?.scrollIntoView({block: 'nearest'})"))
}

/// `POST /_/collections/import/confirm`: imports what was reviewed.
pub(super) async fn confirm(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let form = Form::read(&req, payload, IMPORT_LIMITS).await?;
    let submitted = match submitted(&form) {
        Ok(submitted) => submitted,
        Err(message) => return show_error(&message, None, None),
    };
    if form.text("reviewed") != submitted.digest {
        return show_error(
            "The JSON or the delete option changed since the review: review it again.",
            None,
            None,
        );
    }
    match app
        .import_collections(&superuser, submitted.input.clone())
        .await
    {
        Ok(()) => Ok(Events::new().redirect("/_/collections?imported=1")),
        Err(error) => service_failure(error, &submitted.input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_json_must_be_an_array_of_objects() {
        let read = |text: &str| submitted(&Form::from_pairs(&[("collections", text)]));
        assert!(read("").unwrap_err().contains("Paste"));
        assert!(read("[{").unwrap_err().starts_with("Invalid JSON: "));
        assert!(read("{}").unwrap_err().contains("not an object"));
        assert!(read("[]").unwrap_err().contains("empty"));
        assert!(read("[1]").unwrap_err().contains("Item 1"));
        let ok = read("[{\"name\":\"a\"}]").unwrap();
        assert_eq!(ok.input["deleteMissing"], false);
        let checked = submitted(&Form::from_pairs(&[
            ("collections", "[{\"name\":\"a\"}]"),
            ("deleteMissing", "on"),
        ]))
        .unwrap();
        assert!(checked.delete_missing);
        assert_ne!(ok.digest, checked.digest);
    }

    #[test]
    fn nested_errors_are_named_after_their_collection() {
        let input = json!({"collections": [{"name": "a"}, {"name": "b"}]});
        let errors = json!({"collections": {"1": {"fields": {"0": {"name": {"code": "x", "message": "Bad."}}}}}});
        let mut lines = vec![];
        describe(&errors, Some(&input), "", &mut lines);
        assert_eq!(lines, ["Collection 2 (b): fields.0.name: Bad."]);
    }
}
