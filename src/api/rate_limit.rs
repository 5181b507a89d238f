//! The rate limit middleware: finds the client IP (peer address, or a trusted proxy
//! header from the settings), stores it in the request extensions as `ClientIp`, and
//! asks the service whether the request is within `settings.rateLimits`; 429 otherwise.
//! Runs after `request::load_auth`, so rules can tell guests from auth records.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::error::ApiError;
use crate::service::rate_limit::RateLimitRequest;
use crate::service::{App, Auth, RequestContext};

/// The client IP of a request, as the rate limiter saw it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// Applies the rate limit rules to every request.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(app) = req.app_data::<web::Data<App>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let peer = req.peer_addr().map(|address| address.ip());
    let ip = app.real_ip(peer, |name| {
        req.headers()
            .get_all(name)
            .last()
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    });
    req.extensions_mut().insert(ClientIp(ip));
    let ctx = req.extensions().get::<Arc<RequestContext>>().cloned();
    let guest = Auth::Guest;
    let auth = ctx.as_ref().map_or(&guest, |ctx| &ctx.auth);
    let checked = app.check_rate_limit(RateLimitRequest {
        method: req.method().as_str(),
        path: req.path(),
        ip,
        auth,
    });
    match checked {
        Ok(()) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(error) => Ok(req
            .error_response(ApiError::from(error))
            .map_into_right_body()),
    }
}
