//! Settings handlers (superusers only): `GET|PATCH /api/settings`,
//! `POST /api/settings/test/email`.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::request::{Ctx, read_body};
use crate::service::App;
use crate::service::settings::LOAD_FAILED;

/// The body as a JSON object. Empty is an empty object; `null`, arrays, scalars and
/// malformed JSON are PocketBase's "loading" 400 (PocketBase answers `null` with a 500).
async fn object_body(app: &App, payload: web::Payload) -> Result<Map<String, Value>, ApiError> {
    let body = read_body(payload, app.config.max_body_bytes).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_request(LOAD_FAILED)),
    }
}

/// `GET /api/settings`
pub async fn list(app: web::Data<App>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    Ok(HttpResponse::Ok().json(app.list_settings(&superuser)))
}

/// `PATCH /api/settings`
pub async fn set(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let patch = object_body(&app, payload).await?;
    let settings = app.update_settings(&superuser, patch).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// `POST /api/settings/test/email`
pub async fn test_email(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let body = read_body(payload, app.config.max_body_bytes).await?;
    let input = match serde_json::from_slice::<Value>(&body) {
        _ if body.iter().all(u8::is_ascii_whitespace) => Map::new(),
        Ok(Value::Object(map)) => map,
        Ok(Value::Null) => Map::new(),
        _ => return Err(ApiError::bad_request(LOAD_FAILED)),
    };
    app.send_test_email(&superuser, input).await?;
    Ok(HttpResponse::NoContent().finish())
}
