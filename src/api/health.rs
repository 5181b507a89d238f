//! `GET /api/health`

use actix_web::HttpResponse;
use serde_json::json;

/// `GET|HEAD /api/health`
pub async fn check() -> HttpResponse {
    HttpResponse::Ok().json(json!({"message": "API is healthy.", "code": 200, "data": {}}))
}
