//! Request log handlers (superusers only): `GET /api/logs`, `GET /api/logs/stats`,
//! `GET /api/logs/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;
use super::request::{Ctx, bool_param, int_param, query_map};
use crate::service::App;
use crate::service::records::ListParams;

/// `GET /api/logs`
pub async fn list(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let query = query_map(req.query_string());
    let params = ListParams {
        page: int_param(&query, "page")?,
        per_page: int_param(&query, "perPage")?,
        sort: query.get("sort").cloned().unwrap_or_default(),
        filter: query.get("filter").cloned().unwrap_or_default(),
        skip_total: bool_param(&query, "skipTotal"),
        expand: String::new(),
        fields: query.get("fields").cloned().unwrap_or_default(),
    };
    let page = app.list_logs(&superuser, params).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /api/logs/{id}`
pub async fn view(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let log = app.view_log(&superuser, &path).await?;
    Ok(HttpResponse::Ok().json(log))
}

/// `GET /api/logs/stats`
pub async fn stats(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let query = query_map(req.query_string());
    let filter = query.get("filter").map(String::as_str).unwrap_or_default();
    let stats = app.logs_stats(&superuser, filter).await?;
    Ok(HttpResponse::Ok().json(stats))
}
