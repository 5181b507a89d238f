//! Record CRUD handlers: `/api/collections/{collection}/records[/{id}]`.

use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;
use super::request::{Ctx, bool_param, int_param, query_map, record_body};
use crate::service::App;
use crate::service::records::{ListParams, ShapeParams};

fn shape(req: &HttpRequest) -> ShapeParams {
    let query = query_map(req.query_string());
    ShapeParams {
        expand: query.get("expand").cloned().unwrap_or_default(),
        fields: query.get("fields").cloned().unwrap_or_default(),
    }
}

/// `GET /api/collections/{collection}/records`
pub async fn list(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = query_map(req.query_string());
    let params = ListParams {
        page: int_param(&query, "page")?,
        per_page: int_param(&query, "perPage")?,
        sort: query.get("sort").cloned().unwrap_or_default(),
        filter: query.get("filter").cloned().unwrap_or_default(),
        skip_total: bool_param(&query, "skipTotal"),
        expand: query.get("expand").cloned().unwrap_or_default(),
        fields: query.get("fields").cloned().unwrap_or_default(),
    };
    let page = app.list_records(&ctx, &path, params).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /api/collections/{collection}/records/{id}`
pub async fn view(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = path.into_inner();
    let record = app.view_record(&ctx, &collection, &id, shape(&req)).await?;
    Ok(HttpResponse::Ok().json(record))
}

/// `POST /api/collections/{collection}/records`
pub async fn create(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (input, uploads) = record_body(&req, payload, app.config.max_body_bytes).await?;
    let record = app
        .create_record(&ctx, &path, input, uploads, shape(&req))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// `PATCH /api/collections/{collection}/records/{id}`
pub async fn update(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = path.into_inner();
    let (input, uploads) = record_body(&req, payload, app.config.max_body_bytes).await?;
    let record = app
        .update_record(&ctx, &collection, &id, input, uploads, shape(&req))
        .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// `DELETE /api/collections/{collection}/records/{id}`
pub async fn delete(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection, id) = path.into_inner();
    app.delete_record(&ctx, &collection, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
