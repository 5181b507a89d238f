//! The HTTP API: thin actix handlers, one file per resource, PocketBase's URLs and JSON.
//! A handler extracts, calls one service method, and maps the result; it never touches
//! `store` or SQL. `ApiError` is the only place errors become statuses. Start at
//! `configure()` (the route table).

pub mod batch;
pub mod collections;
pub mod error;
pub mod files;
pub mod health;
pub mod openapi;
pub mod rate_limit;
pub mod realtime;
pub mod record_auth;
pub mod records;
pub mod request;
pub mod settings;

use actix_web::{HttpResponse, web};

use error::ApiError;

/// The route table of the REST API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/api")
            .route("/batch", web::post().to(batch::transaction))
            .route("/health", web::get().to(health::check))
            .route("/health", web::head().to(health::check))
            .route("/openapi.json", web::get().to(openapi::document))
            .route("/files/token", web::post().to(files::token))
            .route(
                "/files/{collection}/{record}/{filename}",
                web::get().to(files::download),
            )
            .route("/realtime", web::get().to(realtime::connect))
            .route("/realtime", web::post().to(realtime::set_subscriptions))
            .route("/settings", web::get().to(settings::list))
            .route("/settings", web::patch().to(settings::set))
            .route("/settings/test/email", web::post().to(settings::test_email))
            .route("/collections", web::get().to(collections::list))
            .route("/collections", web::post().to(collections::create))
            .route("/collections/import", web::put().to(collections::import))
            .route(
                "/collections/{collection}",
                web::get().to(collections::view),
            )
            .route(
                "/collections/{collection}",
                web::patch().to(collections::update),
            )
            .route(
                "/collections/{collection}",
                web::delete().to(collections::delete),
            )
            .route(
                "/collections/{collection}/truncate",
                web::delete().to(collections::truncate),
            )
            .route(
                "/collections/{collection}/records",
                web::get().to(records::list),
            )
            .route(
                "/collections/{collection}/records",
                web::post().to(records::create),
            )
            .route(
                "/collections/{collection}/records/{id}",
                web::get().to(records::view),
            )
            .route(
                "/collections/{collection}/records/{id}",
                web::patch().to(records::update),
            )
            .route(
                "/collections/{collection}/records/{id}",
                web::delete().to(records::delete),
            )
            .route(
                "/collections/{collection}/auth-with-password",
                web::post().to(record_auth::auth_with_password),
            )
            .route(
                "/collections/{collection}/auth-refresh",
                web::post().to(record_auth::auth_refresh),
            )
            .route(
                "/collections/{collection}/auth-methods",
                web::get().to(record_auth::auth_methods),
            )
            .route(
                "/collections/{collection}/request-otp",
                web::post().to(record_auth::request_otp),
            )
            .route(
                "/collections/{collection}/auth-with-otp",
                web::post().to(record_auth::auth_with_otp),
            )
            .route(
                "/collections/{collection}/request-password-reset",
                web::post().to(record_auth::request_password_reset),
            )
            .route(
                "/collections/{collection}/confirm-password-reset",
                web::post().to(record_auth::confirm_password_reset),
            )
            .route(
                "/collections/{collection}/request-verification",
                web::post().to(record_auth::request_verification),
            )
            .route(
                "/collections/{collection}/confirm-verification",
                web::post().to(record_auth::confirm_verification),
            )
            .route(
                "/collections/{collection}/request-email-change",
                web::post().to(record_auth::request_email_change),
            )
            .route(
                "/collections/{collection}/confirm-email-change",
                web::post().to(record_auth::confirm_email_change),
            )
            .route(
                "/collections/{collection}/impersonate/{id}",
                web::post().to(record_auth::impersonate),
            ),
    );
}

/// The answer to any route that does not exist.
pub async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::not_found())
}
