//! `GET /api/openapi.json`: the OpenAPI 3.1 document of the live schema.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use crate::service::App;

/// `GET /api/openapi.json`: public; built from the current schema snapshot on every
/// request, so schema changes show at once (the generator is `lifebase_codegen::openapi`,
/// the same one `lifebase codegen openapi` runs).
pub async fn document(app: web::Data<App>) -> HttpResponse {
    let collections: Vec<Value> = app
        .schema()
        .all()
        .iter()
        .map(|collection| collection.to_json())
        .collect();
    HttpResponse::Ok().json(lifebase_codegen::openapi::document(&collections))
}
