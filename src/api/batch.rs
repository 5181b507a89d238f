//! `POST /api/batch`: JSON `{requests: [{method, url, headers, body}]}`, or multipart with
//! the JSON under `@jsonPayload` and files keyed `requests.N.field` (or `requests[N].field`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::request::{Ctx, record_body};
use crate::service::App;
use crate::service::batch::BatchRequest;
use crate::service::files::Upload;

fn unreadable() -> ApiError {
    ApiError::bad_request("Failed to read the submitted batch data.")
}

/// Splits `requests.3.avatar` / `requests[3].avatar` into (3, `avatar`).
fn upload_target(key: &str) -> Option<(usize, String)> {
    let rest = key.strip_prefix("requests")?;
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix('['))?;
    let (index, field) = rest.split_once(['.', ']'])?;
    let field = field.trim_start_matches('.');
    Some((index.parse().ok()?, field.to_string()))
}

fn parse_request(value: &Value) -> BatchRequest {
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let object = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(Map::new)
    };
    BatchRequest {
        method: text("method"),
        url: text("url"),
        headers: object("headers")
            .into_iter()
            .map(|(key, value)| (key.to_lowercase(), value))
            .collect(),
        body: object("body"),
        uploads: vec![],
    }
}

/// `POST /api/batch`
pub async fn transaction(
    app: web::Data<App>,
    Ctx(ctx): Ctx,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let configured = app.settings().batch.max_body_size;
    let limit = if configured > 0 {
        configured as usize
    } else {
        app.config.max_body_bytes
    };
    let (fields, uploads) = record_body(&req, payload, limit).await.map_err(|error| {
        if error.status == 413 {
            error
        } else {
            unreadable()
        }
    })?;
    let mut requests: Vec<BatchRequest> = match fields.get("requests") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().map(parse_request).collect(),
        Some(_) => return Err(unreadable()),
    };
    for upload in uploads {
        let Some((index, field)) = upload_target(&upload.key) else {
            continue;
        };
        if let Some(request) = requests.get_mut(index) {
            request.uploads.push(Upload {
                key: field,
                ..upload
            });
        }
    }
    let results = app.batch(&ctx, requests).await?;
    Ok(HttpResponse::Ok().json(results))
}
