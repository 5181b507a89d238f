//! Signing in and out of the admin UI. Sign-in takes the superuser's email and password as
//! Datastar signals, authenticates through the same service as
//! `POST /api/collections/_superusers/auth-with-password` (so its rate limits apply), and
//! answers with the session cookie and a redirect.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Map, Value, json};

use super::datastar::{self, Events};
use super::session::{self, Admin};
use super::{PageError, assets};
use crate::service::rate_limit::RateLimitRequest;
use crate::service::{App, Auth, RequestContext, ServiceError};

const SUPERUSERS: &str = "_superusers";
const WRONG: &str = "Invalid email or password.";

#[derive(Template)]
#[template(path = "ui/login.html")]
struct LoginPage {
    app_name: String,
    /// Why the last session ended, when a page said so (`?notice=`).
    notice: &'static str,
    asset_version: &'static str,
    datastar_version: &'static str,
}

/// `GET /_/login`
pub async fn page(req: HttpRequest, app: web::Data<App>) -> Result<HttpResponse, PageError> {
    let notice = match req.query_string() {
        "notice=credentials" => "Your email or password changed; sign in again.",
        _ => "",
    };
    super::page(&LoginPage {
        app_name: app.settings().meta.app_name.clone(),
        notice,
        asset_version: assets::version(),
        datastar_version: datastar::CLIENT_VERSION,
    })
}

/// `POST /_/login` (a Datastar action with the `email` and `password` signals).
pub async fn sign_in(req: HttpRequest, app: web::Data<App>, body: web::Bytes) -> HttpResponse {
    let refuse = |message: &str| Events::new().signals(&json!({"error": message})).response();
    if !session::same_origin(&req) {
        return refuse("The request came from another site.");
    }
    let signals = datastar::signals_from(req.query_string(), &body);
    let text = |key: &str| {
        signals
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (email, password) = (text("email"), text("password"));
    if email.trim().is_empty() || password.is_empty() {
        return refuse("Enter your email and password.");
    }
    let peer = req.peer_addr().map(|address| address.ip());
    let ip = app.real_ip(peer, |name| {
        req.headers()
            .get_all(name)
            .last()
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    });
    let guest = Auth::Guest;
    if app
        .check_rate_limit(RateLimitRequest {
            method: "POST",
            path: "/api/collections/_superusers/auth-with-password",
            ip,
            auth: &guest,
        })
        .is_err()
    {
        return refuse("Too many attempts; wait a moment and try again.");
    }
    let mut credentials = Map::new();
    credentials.insert("identity".into(), Value::String(email));
    credentials.insert("password".into(), Value::String(password));
    let ctx = RequestContext {
        method: "POST".into(),
        ..RequestContext::default()
    };
    let answer = match app.auth_with_password(&ctx, SUPERUSERS, &credentials).await {
        Ok(answer) => answer,
        Err(ServiceError::BadRequest(_) | ServiceError::Validation { .. }) => return refuse(WRONG),
        Err(error) => {
            tracing::error!("admin UI sign-in: {error}");
            return refuse("Something went wrong while signing in.");
        }
    };
    let Some(token) = answer.get("token").and_then(Value::as_str) else {
        return refuse("Something went wrong while signing in.");
    };
    let lifetime = app
        .schema()
        .get(SUPERUSERS)
        .map(|collection| collection.token_options("authToken").1)
        .filter(|seconds| *seconds > 0)
        .unwrap_or(86_400);
    let mut builder = HttpResponse::Ok();
    builder.cookie(session::session_cookie(&req, token, lifetime));
    Events::new()
        .signals(&json!({"password": "", "error": ""}))
        .redirect("/_/collections")
        .response_with(builder)
}

/// `POST /_/logout`: drops the session cookie. (Tokens are stateless, as in PocketBase: the
/// token itself stays valid until it expires or the superuser's password changes.)
pub async fn sign_out(req: HttpRequest, _admin: Admin) -> HttpResponse {
    let mut builder = HttpResponse::Ok();
    builder.cookie(session::cleared_cookie(&req));
    Events::new().redirect("/_/login").response_with(builder)
}
