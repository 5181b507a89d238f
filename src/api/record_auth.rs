//! Auth handlers of auth collections: auth-with-password, auth-refresh, auth-methods,
//! OTP, password reset, verification, email change and impersonation.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::error::ApiError;
use super::request::{Ctx, body_object, form_body, read_body};
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
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let answer = app.auth_refresh(&ctx, &path, authorization).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/collections/{collection}/request-otp`
pub async fn request_otp(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    let answer = app.into_inner().request_otp(&path, &input).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/collections/{collection}/auth-with-otp`
pub async fn auth_with_otp(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    let answer = app.auth_with_otp(&ctx, &path, &input).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /api/collections/{collection}/request-password-reset`
pub async fn request_password_reset(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.into_inner()
        .request_password_reset(&path, &input)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/confirm-password-reset`
pub async fn confirm_password_reset(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.confirm_password_reset(&path, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/request-verification`
pub async fn request_verification(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.into_inner().request_verification(&path, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/confirm-verification`
pub async fn confirm_verification(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.confirm_verification(&path, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/request-email-change`
pub async fn request_email_change(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.request_email_change(&ctx, &path, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/confirm-email-change`
pub async fn confirm_email_change(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let input = form_body(&req, payload).await?;
    app.confirm_email_change(&path, &input).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/collections/{collection}/impersonate/{id}`
pub async fn impersonate(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = path.into_inner();
    let input = form_body(&req, payload).await?;
    let answer = app.impersonate(&ctx, &collection, &id, &input).await?;
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
