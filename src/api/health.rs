//! `GET /api/health`

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde_json::json;

use super::rate_limit::ClientIp;
use super::request::Ctx;
use crate::service::App;

/// `GET|HEAD /api/health`: for superusers, also the client IP the server sees and
/// the first proxy header present (PocketBase's dashboard hints).
pub async fn check(app: web::Data<App>, Ctx(ctx): Ctx, req: HttpRequest) -> HttpResponse {
    let data = match ctx.auth.require_superuser() {
        Ok(superuser) => {
            let real_ip = req
                .extensions()
                .get::<ClientIp>()
                .and_then(|ip| ip.0)
                .map(|ip| ip.to_string())
                .unwrap_or_default();
            let present = |name: &str| req.headers().contains_key(name);
            json!({
                "possibleProxyHeader": app.possible_proxy_header(&superuser, present),
                "canBackup": true,
                "realIP": real_ip,
            })
        }
        Err(_) => json!({}),
    };
    HttpResponse::Ok().json(json!({"message": "API is healthy.", "code": 200, "data": data}))
}
