//! The admin UI at `/_/`: pages rendered with askama (`templates/ui/`), made interactive
//! with Datastar attributes, whose requests are answered with Datastar SSE events
//! (`datastar/`, the only place that knows the protocol). Handlers call the same services
//! as the REST API, as a signed-in superuser (`session.rs`: cookie, CSRF); `ui` never
//! touches `store`, `api` or SQL. Start at `configure()` (the route table) and `Chrome`
//! (what every page's shell needs).

pub mod assets;
pub mod collections;
pub mod datastar;
pub mod form;
pub mod login;
pub mod logs;
pub mod records;
pub mod session;
pub mod system;

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;
use serde_json::Value;

use crate::service::{App, ServiceError};
use datastar::Events;
use session::Admin;

/// The sessions' state (the CSRF key), one per process: the route table is built once per
/// worker thread, and a key per worker would refuse a page's token whenever a request
/// lands on another worker's connection.
static SESSIONS: std::sync::LazyLock<web::Data<session::Sessions>> =
    std::sync::LazyLock::new(|| web::Data::new(session::Sessions::default()));

/// The route table of the admin UI.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .app_data(SESSIONS.clone())
        .service(web::resource("/_").route(web::get().to(to_root)))
        .service(
            web::scope("/_")
                .route("/", web::get().to(index))
                .route("/static/{file}", web::get().to(assets::serve))
                .route("/login", web::get().to(login::page))
                .route("/login", web::post().to(login::sign_in))
                .route("/logout", web::post().to(login::sign_out))
                .configure(collections::configure)
                .configure(records::configure)
                .configure(system::configure)
                .configure(logs::configure)
                .default_service(web::to(not_found)),
        );
}

async fn to_root() -> HttpResponse {
    redirect(session::ROOT)
}

/// `GET /_/`: the collections overview for a signed-in superuser.
async fn index(_admin: Admin) -> HttpResponse {
    redirect("/_/collections")
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::NotFound)
}

/// A `303 See Other` to one of our pages.
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// What every signed-in page's shell (`templates/ui/base.html`) shows.
pub struct Chrome {
    pub csrf: String,
    pub email: String,
    pub app_name: String,
    /// The sidebar's collections, system ones last.
    pub collections: Vec<NavCollection>,
    pub pages: Vec<NavPage>,
    /// The collection name or page key to highlight.
    pub active: String,
    pub asset_version: &'static str,
    pub datastar_version: &'static str,
}

pub struct NavCollection {
    pub name: String,
    pub kind: &'static str,
}

pub struct NavPage {
    pub key: &'static str,
    pub label: &'static str,
    pub href: &'static str,
}

/// The pages the sidebar and the palette list besides collections.
pub const PAGES: &[(&str, &str, &str)] = &[
    ("collections", "Collections", "/_/collections"),
    ("superusers", "Superusers", "/_/superusers"),
    ("logs", "Logs", "/_/logs"),
    ("settings", "Settings", "/_/settings"),
];

impl Chrome {
    pub fn new(app: &App, admin: &Admin, active: &str) -> Chrome {
        let schema = app.schema();
        let mut collections: Vec<NavCollection> = schema
            .all()
            .iter()
            .map(|collection| NavCollection {
                name: collection.name.clone(),
                kind: collection.kind.as_str(),
            })
            .collect();
        collections.sort_by(|a, b| {
            (a.name.starts_with('_'), a.name.to_lowercase())
                .cmp(&(b.name.starts_with('_'), b.name.to_lowercase()))
        });
        Chrome {
            csrf: admin.csrf.clone(),
            email: admin.email().to_owned(),
            app_name: app.settings().meta.app_name.clone(),
            collections,
            pages: PAGES
                .iter()
                .map(|&(key, label, href)| NavPage { key, label, href })
                .collect(),
            active: active.to_owned(),
            asset_version: assets::version(),
            datastar_version: datastar::CLIENT_VERSION,
        }
    }
}

/// Renders a page.
pub fn page(template: &impl Template) -> Result<HttpResponse, PageError> {
    Ok(html_page(template.render().map_err(PageError::Render)?))
}

/// An HTML page that is never cached.
pub fn html_page(html: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html)
}

/// Renders a template to HTML for a Datastar fragment.
pub fn fragment(template: &impl Template) -> Result<String, ActionError> {
    template.render().map_err(ActionError::Render)
}

/// A failed page load: a plain HTML error page with the right status.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("template: {0}")]
    Render(askama::Error),
}

impl ResponseError for PageError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Service(error) => match user_message(error) {
                Some(_) => StatusCode::BAD_REQUEST,
                None if matches!(
                    error,
                    ServiceError::NotFound | ServiceError::MissingCollection
                ) =>
                {
                    StatusCode::NOT_FOUND
                }
                None => StatusCode::INTERNAL_SERVER_ERROR,
            },
            PageError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match self {
            PageError::NotFound => "This page does not exist.".to_owned(),
            PageError::Service(ServiceError::NotFound | ServiceError::MissingCollection) => {
                "This page does not exist.".to_owned()
            }
            PageError::Service(error) => error_message(error),
            PageError::Render(error) => internal(error),
        };
        let title = status.canonical_reason().unwrap_or("Error");
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>{title}</title><link rel=\"stylesheet\" href=\"/_/static/ui-{}.css\"></head>\
                 <body class=\"login-page\"><main class=\"login-card\"><h1>{title}</h1><p>{}</p>\
                 <p><a href=\"/_/\">Back to the dashboard</a></p></main></body></html>",
                assets::version(),
                escape(&message)
            ))
    }
}

/// A failed Datastar action. The answer is still `200 text/event-stream` (a flash message,
/// and field errors when there are some), so the page shows it and the browser logs no
/// failed request for what is only bad input.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{0}")]
    Invalid(String),
    #[error("template: {0}")]
    Render(askama::Error),
}

impl ResponseError for ActionError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::OK
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ActionError::Service(error) => error_message(error),
            ActionError::Invalid(message) => message.clone(),
            ActionError::Render(error) => internal(error),
        };
        let mut events = flash_error(Events::new(), &message);
        if let ActionError::Service(ServiceError::Validation { errors, .. }) = self {
            events = events.signals(&serde_json::json!({"errors": errors.to_json()}));
        }
        events.response()
    }
}

/// Adds a message to the page's flash area (it removes itself after a while).
pub fn flash(events: Events, message: &str) -> Events {
    flash_with_class(events, message, "message")
}

/// Adds an error message to the page's flash area.
pub fn flash_error(events: Events, message: &str) -> Events {
    flash_with_class(events, message, "message error")
}

fn flash_with_class(events: Events, message: &str, class: &str) -> Events {
    // A new id per message: the client binds `data-on-load` once per id.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let role = if class.contains("error") {
        "alert"
    } else {
        "status"
    };
    events.fragments_into(
        "#flash",
        datastar::Merge::Append,
        &format!(
            "<div id=\"flash-{id}\" class=\"{class}\" role=\"{role}\" data-on-load=\"setTimeout(() => ctx.el.remove(), 6000)\">{}</div>",
            escape(message)
        ),
    )
}

/// A service error as the user sees it: `user_message`, or a generic message for an
/// internal failure (logged, with the cause shown only in debug builds).
pub fn error_message(error: &ServiceError) -> String {
    user_message(error).unwrap_or_else(|| internal(error))
}

impl From<askama::Error> for ActionError {
    fn from(error: askama::Error) -> Self {
        ActionError::Render(error)
    }
}

/// What a user may be told about a service error; `None` for internal failures.
pub fn user_message(error: &ServiceError) -> Option<String> {
    match error {
        ServiceError::MissingCollection
        | ServiceError::MissingAuthCollection
        | ServiceError::MissingCollectionContext => Some("The collection does not exist.".into()),
        ServiceError::NotFound => Some("The requested resource wasn't found.".into()),
        ServiceError::SuperusersOnly | ServiceError::Unauthorized => {
            Some("Only superusers can perform this action.".into())
        }
        ServiceError::Forbidden(message)
        | ServiceError::BadRequest(message)
        | ServiceError::TooManyAttempts(message) => Some(message.clone()),
        ServiceError::Validation { message, errors } => Some(validation_summary(message, errors)),
        ServiceError::TooManyRequests => Some("Too many requests; wait a moment.".into()),
        ServiceError::BatchFailed { error, .. } => user_message(error),
        ServiceError::Mail(reason) => Some(format!("Failed to send the email: {reason}")),
        ServiceError::RuleEval(_) | ServiceError::Store(_) => None,
    }
}

/// A validation failure as one line: the summary and each field's message.
fn validation_summary(message: &str, errors: &crate::core::error::FieldErrors) -> String {
    let mut parts = vec![];
    collect_field_messages("", &errors.to_json(), &mut parts);
    if parts.is_empty() {
        message.to_owned()
    } else {
        format!("{message} {}", parts.join("; "))
    }
}

fn collect_field_messages(prefix: &str, value: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = value else { return };
    if let Some(Value::String(message)) = map.get("message")
        && map.contains_key("code")
    {
        out.push(if prefix.is_empty() {
            message.clone()
        } else {
            format!("{prefix}: {message}")
        });
        return;
    }
    for (key, inner) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        collect_field_messages(&path, inner, out);
    }
}

/// Logs an internal failure and gives the user a generic message (the cause only in debug
/// builds).
fn internal(error: &dyn std::fmt::Display) -> String {
    tracing::error!("admin UI: {error}");
    if cfg!(debug_assertions) {
        format!("Something went wrong: {error}")
    } else {
        "Something went wrong while processing your request.".into()
    }
}

/// Escapes text for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

impl actix_web::Responder for Events {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _req: &actix_web::HttpRequest) -> HttpResponse {
        self.response()
    }
}
