//! `GET /_/superusers`: the `_superusers` records, added, edited and deleted through the
//! records service as the REST API does (`create_record`, `update_record`,
//! `delete_record` with the signed-in superuser's context). The service refuses to delete
//! the last superuser (as PocketBase); this page also refuses to delete the account that is
//! signed in. A change to one's own email or password invalidates the session token, so
//! the answer then signs the browser out.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Map, Value};

use super::{error_slot, field_errors, message_for};
use crate::core::collection::SUPERUSERS_NAME;
use crate::service::records::{ListParams, MAX_PER_PAGE, ShapeParams};
use crate::service::{App, ServiceError};
use crate::ui::datastar::Events;
use crate::ui::form::Form;
use crate::ui::session::{self, Admin};
use crate::ui::{ActionError, Chrome, PageError, flash, flash_error, fragment, page, user_message};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/superusers", web::get().to(index))
        .route("/superusers", web::post().to(create))
        .route("/superusers/{id}/edit", web::get().to(edit))
        .route("/superusers/{id}", web::post().to(update))
        .route("/superusers/{id}", web::delete().to(delete));
}

/// Where the sign-in page explains why the session ended (`login.rs` knows the text).
pub const SIGNED_OUT: &str = "/_/login?notice=credentials";

const FIELDS: [&str; 3] = ["email", "password", "passwordConfirm"];

pub struct Row {
    pub id: String,
    pub email: String,
    pub created: String,
    pub updated: String,
    pub is_self: bool,
    /// JSON-free URLs for `el.dataset`, so no record text is ever part of an expression.
    pub edit_url: String,
    pub url: String,
    pub confirm: String,
}

#[derive(Template)]
#[template(path = "ui/system/superusers.html")]
struct SuperusersPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: usize,
}

#[derive(Template)]
#[template(path = "ui/system/superusers_list_fragment.html")]
struct ListFragment {
    rows: Vec<Row>,
    total: usize,
}

#[derive(Template)]
#[template(path = "ui/system/superuser_edit.html")]
struct EditFragment {
    url: String,
    email: String,
    is_self: bool,
}

/// `GET /_/superusers`
async fn index(app: web::Data<App>, admin: Admin) -> Result<HttpResponse, PageError> {
    let rows = rows(&app, &admin).await?;
    page(&SuperusersPage {
        chrome: Chrome::new(&app, &admin, "superusers"),
        total: rows.len(),
        rows,
    })
}

async fn rows(app: &App, admin: &Admin) -> Result<Vec<Row>, ServiceError> {
    let list = app
        .list_records(
            &admin.ctx,
            SUPERUSERS_NAME,
            ListParams {
                page: 1,
                per_page: MAX_PER_PAGE,
                sort: "created".into(),
                skip_total: true,
                ..ListParams::default()
            },
        )
        .await?;
    let own = admin.ctx.auth.record_id().unwrap_or_default().to_owned();
    let text = |record: &Value, key: &str| {
        record
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(list
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|record| {
            let id = text(record, "id");
            let email = text(record, "email");
            Row {
                is_self: id == own,
                edit_url: format!("/_/superusers/{id}/edit"),
                url: format!("/_/superusers/{id}"),
                confirm: format!("Delete the superuser {email}? This cannot be undone."),
                created: text(record, "created"),
                updated: text(record, "updated"),
                email,
                id,
            }
        })
        .collect())
}

async fn list_fragment(app: &App, admin: &Admin) -> Result<String, ActionError> {
    let rows = rows(app, admin).await?;
    fragment(&ListFragment {
        total: rows.len(),
        rows,
    })
}

/// The error slots of a dialog's form (`prefix` is `new` or `edit`).
fn slots(prefix: &str, errors: &BTreeMap<String, String>) -> Events {
    let html: Vec<String> = FIELDS
        .iter()
        .map(|field| {
            error_slot(
                &format!("error-{prefix}-{field}"),
                message_for(errors, field),
            )
        })
        .collect();
    Events::new().fragments(&html.join("\n"))
}

/// A failed save: validation errors inline, anything a user may read as a flash.
fn refused(prefix: &str, error: ServiceError) -> Result<Events, ActionError> {
    match &error {
        ServiceError::Validation { errors, .. } => {
            let summary = user_message(&error).unwrap_or_default();
            Ok(flash_error(slots(prefix, &field_errors(errors)), &summary))
        }
        _ => match user_message(&error) {
            Some(message) => Ok(flash_error(slots(prefix, &BTreeMap::new()), &message)),
            None => Err(error.into()),
        },
    }
}

/// The record body a dialog's form makes; a blank password is left out (kept).
fn body(form: &Form) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "email".into(),
        Value::String(form.text("email").trim().to_owned()),
    );
    if !form.text("password").is_empty() || !form.text("passwordConfirm").is_empty() {
        for key in ["password", "passwordConfirm"] {
            body.insert(key.into(), Value::String(form.text(key).to_owned()));
        }
    }
    body
}

/// `POST /_/superusers`: adds a superuser (email, password, passwordConfirm).
async fn create(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let form = Form::read(&req, payload, super::FORM_LIMITS).await?;
    let mut body = body(&form);
    // A new superuser needs a password: send the blank one so the service says so.
    for key in ["password", "passwordConfirm"] {
        body.entry(key)
            .or_insert_with(|| Value::String(String::new()));
    }
    let email = form.text("email").trim().to_owned();
    match app
        .create_record(
            &admin.ctx,
            SUPERUSERS_NAME,
            body,
            vec![],
            ShapeParams::default(),
        )
        .await
    {
        Ok(_) => {
            let events = slots("new", &BTreeMap::new())
                .fragments(&list_fragment(&app, &admin).await?)
                .script(
                    "document.getElementById('form-superuser-new').reset(); \
                     document.getElementById('superuser-new').close()",
                );
            Ok(flash(events, &format!("Superuser {email} added.")))
        }
        Err(error) => refused("new", error),
    }
}

/// `GET /_/superusers/{id}/edit`: fills the edit dialog and opens it.
async fn edit(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<Events, ActionError> {
    let id = path.into_inner();
    let record = app
        .view_record(&admin.ctx, SUPERUSERS_NAME, &id, ShapeParams::default())
        .await?;
    let html = fragment(&EditFragment {
        url: format!("/_/superusers/{id}"),
        email: record
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        is_self: admin.ctx.auth.record_id() == Some(id.as_str()),
    })?;
    Ok(Events::new().fragments(&html).script(
        "const dialog = document.getElementById('superuser-edit'); \
         if (!dialog.open) dialog.showModal()",
    ))
}

/// `POST /_/superusers/{id}`: changes a superuser's email and/or password.
async fn update(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ActionError> {
    let id = path.into_inner();
    let form = Form::read(&req, payload, super::FORM_LIMITS).await?;
    let saved = app
        .update_record(
            &admin.ctx,
            SUPERUSERS_NAME,
            &id,
            body(&form),
            vec![],
            ShapeParams::default(),
        )
        .await;
    if let Err(error) = saved {
        return Ok(refused("edit", error)?.response());
    }
    if admin.ctx.auth.record_id() == Some(id.as_str()) {
        // A new email or password gives the record a new token key: this session's
        // token no longer verifies.
        let still_valid = match session::session_token(&req) {
            Some(token) => app.authenticate(&token).await.is_superuser(),
            None => false,
        };
        if !still_valid {
            let mut builder = HttpResponse::Ok();
            builder.cookie(session::cleared_cookie(&req));
            return Ok(Events::new().redirect(SIGNED_OUT).response_with(builder));
        }
    }
    let events = slots("edit", &BTreeMap::new())
        .fragments(&list_fragment(&app, &admin).await?)
        .script("document.getElementById('superuser-edit').close()");
    Ok(flash(events, "Superuser saved.").response())
}

/// `DELETE /_/superusers/{id}`
async fn delete(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<Events, ActionError> {
    let id = path.into_inner();
    if admin.ctx.auth.record_id() == Some(id.as_str()) {
        return Err(ActionError::Invalid(
            "You can't delete the superuser you are signed in as; sign in as another superuser to delete this one."
                .into(),
        ));
    }
    app.delete_record(&admin.ctx, SUPERUSERS_NAME, &id).await?;
    let events = Events::new().fragments(&list_fragment(&app, &admin).await?);
    Ok(flash(events, "Superuser deleted."))
}
