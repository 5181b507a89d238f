//! Superuser sessions of the admin UI: an HTTP-only, SameSite=Strict cookie holding a
//! superuser auth token (Secure when the request came over HTTPS), and CSRF protection.
//!
//! Every state-changing request (anything but GET/HEAD) must carry `X-CSRF-Token`, the
//! HMAC of the session token under a key made when the process starts (so a token is
//! worthless without the cookie it belongs to, and a restart asks open pages to reload),
//! and must not come from another origin. `ui.js` adds the header to the page's own
//! requests.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::datastar::{self, Events};
use crate::service::{App, Auth, RequestContext};

/// The session cookie; scoped to `/_/`, so the REST API never sees it.
pub const COOKIE: &str = "lb_admin";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// Where the UI lives.
pub const ROOT: &str = "/_/";

/// Process-wide state of the UI sessions.
pub struct Sessions {
    csrf_key: [u8; 32],
}

impl Default for Sessions {
    /// A new random CSRF key. `ui::configure` keeps one `Sessions` per process, so every
    /// worker accepts the tokens of pages another worker rendered.
    fn default() -> Self {
        let mut csrf_key = [0; 32];
        rand::rng().fill_bytes(&mut csrf_key);
        Sessions { csrf_key }
    }
}

impl Sessions {
    /// The CSRF token that belongs to a session token.
    pub fn csrf_token(&self, session_token: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.csrf_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(session_token.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    fn csrf_matches(&self, session_token: &str, given: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.csrf_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(session_token.as_bytes());
        match unhex(given) {
            Some(bytes) => mac.verify_slice(&bytes).is_ok(),
            None => false,
        }
    }
}

/// A signed-in superuser, with what the page needs to make further requests.
pub struct Admin {
    /// The request context to call services with (its auth is the superuser).
    pub ctx: RequestContext,
    /// The CSRF token the page embeds.
    pub csrf: String,
}

impl Admin {
    /// The signed-in superuser's email.
    pub fn email(&self) -> &str {
        match &self.ctx.auth {
            Auth::Record { record, .. } => record
                .get("email")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default(),
            Auth::Guest => "",
        }
    }
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let refuse = |response: HttpResponse| {
                actix_web::error::InternalError::from_response("", response).into()
            };
            let (Some(app), Some(sessions)) = (
                req.app_data::<web::Data<App>>().cloned(),
                req.app_data::<web::Data<Sessions>>().cloned(),
            ) else {
                return Err(refuse(HttpResponse::InternalServerError().finish()));
            };
            let Some(token) = req.cookie(COOKIE).map(|cookie| cookie.value().to_owned()) else {
                return Err(refuse(sign_in_again(&req)));
            };
            let auth = app.authenticate(&token).await;
            if !auth.is_superuser() {
                return Err(refuse(sign_in_again(&req)));
            }
            if !is_safe_method(req.method()) {
                if !same_origin(&req) {
                    return Err(refuse(forbidden("The request came from another site.")));
                }
                let given = req
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                if !sessions.csrf_matches(&token, given) {
                    return Err(refuse(forbidden(
                        "The page is out of date (missing or stale CSRF token); reload it.",
                    )));
                }
            }
            let csrf = sessions.csrf_token(&token);
            let ctx = RequestContext {
                auth,
                method: req.method().as_str().to_owned(),
                ..RequestContext::default()
            };
            Ok(Admin { ctx, csrf })
        })
    }
}

fn is_safe_method(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// False when the request names an `Origin` other than the host it was sent to.
/// Browsers send `Origin` on every cross-origin request and on same-origin POSTs.
pub fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
    else {
        return true;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// The answer to a request without a valid session: a redirect to the sign-in page (as
/// Datastar events when an action asked).
pub fn sign_in_again(req: &HttpRequest) -> HttpResponse {
    let login = format!("{ROOT}login");
    if datastar::is_action(req) {
        Events::new().redirect(&login).response()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, login))
            .finish()
    }
}

fn forbidden(message: &str) -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body(message.to_owned())
}

/// The session cookie for a new sign-in.
pub fn session_cookie(req: &HttpRequest, token: &str, max_age_seconds: i64) -> Cookie<'static> {
    Cookie::build(COOKIE, token.to_owned())
        .path(ROOT)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .max_age(Duration::seconds(max_age_seconds))
        .finish()
}

/// A cookie that removes the session.
pub fn cleared_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut cookie = session_cookie(req, "", 0);
    cookie.make_removal();
    cookie
}

/// The session token of a request, if it has one (for sign-out).
pub fn session_token(req: &HttpRequest) -> Option<Arc<str>> {
    req.cookie(COOKIE).map(|cookie| Arc::from(cookie.value()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}
