//! Request plumbing shared by the handlers: the auth middleware, the `Ctx` extractor,
//! bounded body reading and JSON parsing with PocketBase's error answers.

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::error::{ApiError, SOMETHING_WENT_WRONG};
use crate::service::files::Upload;
use crate::service::{App, RequestContext};

/// Reads the `Authorization` header once per request and stores the resulting
/// `RequestContext` in the request extensions. An invalid token means a guest.
pub async fn load_auth(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let header = req
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let auth = match (header, req.app_data::<web::Data<App>>()) {
        (Some(header), Some(app)) => app.authenticate(&header).await,
        _ => crate::service::Auth::Guest,
    };
    let mut headers = Map::new();
    for (name, value) in req.headers() {
        if let Ok(value) = value.to_str() {
            headers.insert(
                name.as_str().to_lowercase().replace('-', "_"),
                Value::String(value.to_string()),
            );
        }
    }
    let query = query_map(req.query_string());
    let ctx = RequestContext {
        auth,
        method: req.method().as_str().to_string(),
        query: query
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect(),
        headers,
    };
    req.extensions_mut().insert(Arc::new(ctx));
    next.call(req).await
}

/// The request context the middleware stored (a guest context if none).
pub struct Ctx(pub Arc<RequestContext>);

impl FromRequest for Ctx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Ctx, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let ctx = req
            .extensions()
            .get::<Arc<RequestContext>>()
            .cloned()
            .unwrap_or_default();
        ready(Ok(Ctx(ctx)))
    }
}

/// Parses a query string; repeated keys keep the last value.
pub fn query_map(query: &str) -> HashMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// Reads the whole body, refusing more than `limit` bytes with a 413.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request(SOMETHING_WENT_WRONG))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(413, "Request entity too large."));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A JSON object body. Empty or `null` bodies are an empty object; anything that is not
/// JSON, or not an object, is PocketBase's generic 400.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(ApiError::bad_request(SOMETHING_WENT_WRONG)),
    }
}

/// A request body as a JSON object: JSON, or url-encoded form fields.
pub fn body_object(req: &HttpRequest, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map_err(|_| ApiError::bad_request(SOMETHING_WENT_WRONG))?;
        let mut map = Map::new();
        for (key, value) in pairs {
            match map.get_mut(&key) {
                Some(Value::Array(items)) => items.push(Value::String(value)),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, Value::String(value)]);
                }
                None => {
                    map.insert(key, Value::String(value));
                }
            }
        }
        return Ok(map);
    }
    json_object(body)
}

/// Most parts one multipart body may have.
const MAX_PARTS: usize = 1000;

/// A record body: JSON, url-encoded, or multipart (text fields, `@jsonPayload`, files).
/// The whole body is bounded by `limit` bytes.
pub async fn record_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(Map<String, Value>, Vec<Upload>), ApiError> {
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        let body = read_body(payload, limit).await?;
        return Ok((body_object(req, &body)?, vec![]));
    }
    let bad = || ApiError::bad_request(SOMETHING_WENT_WRONG);
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload.into_inner());
    let mut fields = Map::new();
    let mut uploads = vec![];
    let mut total = 0usize;
    let mut parts = 0usize;
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|_| bad())?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad());
        }
        let (name, filename) = match part.content_disposition() {
            Some(disposition) => (
                disposition.get_name().unwrap_or_default().to_string(),
                disposition.get_filename().map(str::to_string),
            ),
            None => return Err(bad()),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| bad())?;
            total += chunk.len();
            if total > limit {
                return Err(ApiError::new(413, "Request entity too large."));
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            Some(filename) if !filename.is_empty() => uploads.push(Upload {
                key: name,
                original_name: filename,
                bytes,
            }),
            Some(_) => {}
            None if name == "@jsonPayload" => {
                let Ok(Value::Object(payload)) = serde_json::from_slice::<Value>(&bytes) else {
                    return Err(bad());
                };
                for (key, value) in payload {
                    fields.insert(key, value);
                }
            }
            None => {
                let text = String::from_utf8(bytes).map_err(|_| bad())?;
                match fields.get_mut(&name) {
                    Some(Value::Array(items)) => items.push(Value::String(text)),
                    Some(existing) => {
                        let first = existing.take();
                        *existing = Value::Array(vec![first, Value::String(text)]);
                    }
                    None => {
                        fields.insert(name, Value::String(text));
                    }
                }
            }
        }
    }
    Ok((fields, uploads))
}

/// The body of PocketBase's auth forms (`request-*`, `confirm-*`, OTP, impersonate): as
/// `body_object`, but a body that does not parse is the forms' loading error.
pub async fn form_body(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Map<String, Value>, ApiError> {
    let body = read_body(payload, 64 * 1024).await?;
    body_object(req, &body).map_err(|error| {
        if error.status == 400 {
            ApiError::bad_request("An error occurred while loading the submitted data.")
        } else {
            error
        }
    })
}

/// Reads an integer query parameter; a malformed value is PocketBase's generic 400.
pub fn int_param(query: &HashMap<String, String>, key: &str) -> Result<i64, ApiError> {
    match query.get(key).map(|value| value.trim()) {
        None | Some("") => Ok(0),
        Some(value) => value
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request(SOMETHING_WENT_WRONG)),
    }
}

/// Reads a boolean query parameter the way Go's `strconv.ParseBool` does.
pub fn bool_param(query: &HashMap<String, String>, key: &str) -> bool {
    matches!(
        query.get(key).map(|v| v.trim()),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True")
    )
}
