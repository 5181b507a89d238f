//! Auth handlers of auth collections: auth-with-password, auth-refresh, auth-methods.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::error::ApiError;
use super::request::{Ctx, body_object, read_body};
use crate::service::App;

/// `POST /api/collections/{collection}/auth-with-password`
pub async fn auth_with_password(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload, 64 * 1024).await?;
    let input = body_object(&req, &body)?;
    let answer = app.auth_with_password(&ctx, &path, &input).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/collections/{collection}/auth-refresh`
pub async fn auth_refresh(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let answer = app.auth_refresh(&ctx, &path).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `GET /api/collections/{collection}/auth-methods`
pub async fn auth_methods(
    app: web::Data<App>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let collection = app.collection(&path)?;
    if !collection.is_auth() {
        return Err(ApiError::new(404, "Missing collection context."));
    }
    let option = |key: &str| {
        collection
            .auth_options
            .get(key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let password = option("passwordAuth");
    let otp = option("otp");
    let mfa = option("mfa");
    Ok(HttpResponse::Ok().json(json!({
        "password": {
            "enabled": password.get("enabled").cloned().unwrap_or(json!(true)),
            "identityFields": password.get("identityFields").cloned().unwrap_or(json!(["email"])),
        },
        "oauth2": {"enabled": false, "providers": []},
        "mfa": {"enabled": mfa.get("enabled").cloned().unwrap_or(json!(false)), "duration": mfa.get("duration").cloned().unwrap_or(json!(0))},
        "otp": {"enabled": otp.get("enabled").cloned().unwrap_or(json!(false)), "duration": otp.get("duration").cloned().unwrap_or(json!(0))},
    })))
}
