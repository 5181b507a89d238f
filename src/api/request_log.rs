//! The request log middleware (PocketBase's `activityLogger`): the outermost layer, it
//! times the request, and once the answer is ready hands what it learned (status, auth,
//! client IP, the `ApiError` of a failure) to `App::log_request`, which only queues it.
//! Streaming bodies (realtime) are not waited for: the entry is made when the headers are.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::rate_limit::ClientIp;
use crate::service::logs::{FinishedRequest, RequestFailure};
use crate::service::{App, Auth, RequestContext};

/// Logs every request once it has been answered.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let app = req.app_data::<web::Data<App>>().cloned();
    let res = next.call(req).await?;
    let Some(app) = app else {
        return Ok(res);
    };
    let exec_time = started.elapsed();
    let request = res.request();
    let status = res.status().as_u16();
    let extensions = request.extensions();
    let ctx = extensions.get::<Arc<RequestContext>>();
    let guest = Auth::Guest;
    let auth = ctx.map_or(&guest, |ctx| &ctx.auth);
    let remote_ip = request.peer_addr().map(|address| address.ip());
    let user_ip = extensions
        .get::<ClientIp>()
        .and_then(|ip| ip.0)
        .or(remote_ip);
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    let empty = Value::Object(Map::new());
    let api_error = res
        .response()
        .error()
        .and_then(|error| error.as_error::<ApiError>());
    let other_error = res.response().error().map(ToString::to_string);
    let failure = (status >= 400).then(|| match api_error {
        Some(error) => RequestFailure {
            message: &error.message,
            details: &error.data,
        },
        None => RequestFailure {
            message: other_error
                .as_deref()
                .or(res.status().canonical_reason())
                .unwrap_or_default(),
            details: &empty,
        },
    });
    let uri = request
        .uri()
        .path_and_query()
        .map_or(request.path(), |path| path.as_str());
    app.log_request(&FinishedRequest {
        method: request.method().as_str(),
        path: request.path(),
        uri,
        status,
        exec_time,
        auth,
        user_ip,
        remote_ip,
        referer: header("referer"),
        user_agent: header("user-agent"),
        failure,
    });
    drop(extensions);
    Ok(res)
}
