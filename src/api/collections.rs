//! Collections handlers (superusers only): `/api/collections[/{idOrName}]`, import, truncate.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::error::ApiError;
use super::request::{Ctx, bool_param, int_param, json_object, query_map, read_body};
use crate::service::App;
use crate::service::collections::CollectionQuery;
use crate::service::records::{DEFAULT_PER_PAGE, MAX_PER_PAGE};

async fn json_body(app: &App, payload: web::Payload) -> Result<Value, ApiError> {
    let body = read_body(payload, app.config.max_body_bytes).await?;
    json_object(&body).map(Value::Object).map_err(|_| {
        ApiError::bad_request("Failed to load the submitted data due to invalid formatting.")
    })
}

/// `GET /api/collections`
pub async fn list(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let query = query_map(req.query_string());
    let page = int_param(&query, "page")?.max(1);
    let per_page = match int_param(&query, "perPage")? {
        n if n <= 0 => DEFAULT_PER_PAGE,
        n => n.min(MAX_PER_PAGE),
    };
    let query = CollectionQuery {
        page,
        per_page,
        filter: query.get("filter").cloned().unwrap_or_default(),
        sort: query.get("sort").cloned().unwrap_or_default(),
        skip_total: bool_param(&query, "skipTotal"),
    };
    let result = app.list_collections(&superuser, query).await?;
    let (total_items, total_pages) = match result.total {
        Some(total) => (total, (total + per_page - 1) / per_page),
        None => (-1, -1),
    };
    let items: Vec<Value> = result.items.iter().map(|c| c.to_json()).collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items, "page": result.page, "perPage": result.per_page,
        "totalItems": total_items, "totalPages": total_pages,
    })))
}

/// `GET /api/collections/{idOrName}`
pub async fn view(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let collection = app.view_collection(&superuser, &path)?;
    Ok(HttpResponse::Ok().json(collection.to_json()))
}

/// `POST /api/collections`
pub async fn create(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let input = json_body(&app, payload).await?;
    let collection = app.create_collection(&superuser, input).await?;
    Ok(HttpResponse::Ok().json(collection.to_json()))
}

/// `PATCH /api/collections/{idOrName}`
pub async fn update(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let input = json_body(&app, payload).await?;
    let collection = app.update_collection(&superuser, &path, input).await?;
    Ok(HttpResponse::Ok().json(collection.to_json()))
}

/// `DELETE /api/collections/{idOrName}`
pub async fn delete(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    app.delete_collection(&superuser, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/collections/{idOrName}/truncate`
pub async fn truncate(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    app.truncate_collection(&superuser, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/collections/import`
pub async fn import(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let superuser = ctx.auth.require_superuser()?;
    let input = json_body(&app, payload).await?;
    app.import_collections(&superuser, input).await?;
    Ok(HttpResponse::NoContent().finish())
}
