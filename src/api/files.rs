//! File handlers: `GET /api/files/{collection}/{recordId}/{filename}` and
//! `POST /api/files/token`.

use actix_files::NamedFile;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::error::ApiError;
use super::request::{Ctx, bool_param, query_map};
use crate::service::App;

/// `GET /api/files/{collection}/{recordId}/{filename}`
pub async fn download(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (collection, record_id, filename) = path.into_inner();
    let query = query_map(req.query_string());
    let served = app
        .serve_file(
            &collection,
            &record_id,
            &filename,
            query.get("thumb").map(String::as_str),
            query.get("token").map(String::as_str),
            bool_param(&query, "download"),
        )
        .await?;
    let mime: mime_guess::Mime = served
        .content_type
        .parse()
        .unwrap_or(mime_guess::mime::APPLICATION_OCTET_STREAM);
    let path = served.path.clone();
    let file = web::block(move || NamedFile::open(path))
        .await
        .map_err(|_| ApiError::not_found())?
        .map_err(|_| ApiError::not_found())?
        .set_content_type(mime)
        .set_content_disposition(ContentDisposition {
            disposition: if served.inline {
                DispositionType::Inline
            } else {
                DispositionType::Attachment
            },
            parameters: vec![DispositionParam::Filename(served.name.clone())],
        });
    let mut response = file.into_response(&req);
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        actix_web::http::header::HeaderValue::from_static(
            "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
        ),
    );
    headers.insert(
        CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static(
            "max-age=2592000, stale-while-revalidate=86400",
        ),
    );
    Ok(response)
}

/// `POST /api/files/token`
pub async fn token(app: web::Data<App>, Ctx(ctx): Ctx) -> Result<HttpResponse, ApiError> {
    let token = app.file_token(&ctx)?;
    Ok(HttpResponse::Ok().json(json!({"token": token})))
}
