//! The HTTP API: thin actix handlers, one file per resource, PocketBase's URLs and JSON.
//! A handler extracts, calls one service method, and maps the result; it never touches
//! `store` or SQL. `ApiError` is the only place errors become statuses. Start at
//! `configure()` (the route table).

pub mod batch;
pub mod collections;
pub mod error;
pub mod files;
pub mod health;
pub mod logs;
pub mod openapi;
pub mod rate_limit;
pub mod realtime;
pub mod record_auth;
pub mod records;
pub mod request;
pub mod request_log;
pub mod settings;

use actix_web::{HttpResponse, web};

use error::ApiError;

/// A resource that answers methods it has no route for as an unknown route, as
/// PocketBase does (404 JSON rather than an empty 405).
fn resource(path: impl AsRef<str>) -> actix_web::Resource {
    web::resource(path.as_ref()).default_service(web::to(not_found))
}

/// The route table of the REST API.
pub fn configure(config: &mut web::ServiceConfig) {
    // One resource per path, the busiest first: actix tries resources in order.
    let auth_route = |action: &str| format!("/collections/{{collection}}/{action}");
    config.service(
        web::scope("/api")
            .service(
                resource("/collections/{collection}/records/{id}")
                    .route(web::get().to(records::view))
                    .route(web::patch().to(records::update))
                    .route(web::delete().to(records::delete)),
            )
            .service(
                resource("/collections/{collection}/records")
                    .route(web::get().to(records::list))
                    .route(web::post().to(records::create)),
            )
            .service(
                resource("/files/{collection}/{record}/{filename}")
                    .route(web::get().to(files::download)),
            )
            .service(
                resource("/realtime")
                    .route(web::get().to(realtime::connect))
                    .route(web::post().to(realtime::set_subscriptions)),
            )
            .service(resource("/batch").route(web::post().to(batch::transaction)))
            .service(
                resource("/health")
                    .route(web::get().to(health::check))
                    .route(web::head().to(health::check)),
            )
            .service(resource("/openapi.json").route(web::get().to(openapi::document)))
            .service(resource("/files/token").route(web::post().to(files::token)))
            .service(
                resource("/settings")
                    .route(web::get().to(settings::list))
                    .route(web::patch().to(settings::set)),
            )
            .service(resource("/settings/test/email").route(web::post().to(settings::test_email)))
            .service(resource("/logs").route(web::get().to(logs::list)))
            .service(resource("/logs/stats").route(web::get().to(logs::stats)))
            .service(resource("/logs/{id}").route(web::get().to(logs::view)))
            .service(
                resource("/collections")
                    .route(web::get().to(collections::list))
                    .route(web::post().to(collections::create)),
            )
            .service(resource("/collections/import").route(web::put().to(collections::import)))
            .service(
                resource("/collections/{collection}")
                    .route(web::get().to(collections::view))
                    .route(web::patch().to(collections::update))
                    .route(web::delete().to(collections::delete)),
            )
            .service(
                resource("/collections/{collection}/truncate")
                    .route(web::delete().to(collections::truncate)),
            )
            .service(
                resource(auth_route("auth-with-password"))
                    .route(web::post().to(record_auth::auth_with_password)),
            )
            .service(
                resource(auth_route("auth-refresh"))
                    .route(web::post().to(record_auth::auth_refresh)),
            )
            .service(
                resource(auth_route("auth-methods"))
                    .route(web::get().to(record_auth::auth_methods)),
            )
            .service(
                resource(auth_route("request-otp")).route(web::post().to(record_auth::request_otp)),
            )
            .service(
                resource(auth_route("auth-with-otp"))
                    .route(web::post().to(record_auth::auth_with_otp)),
            )
            .service(
                resource(auth_route("request-password-reset"))
                    .route(web::post().to(record_auth::request_password_reset)),
            )
            .service(
                resource(auth_route("confirm-password-reset"))
                    .route(web::post().to(record_auth::confirm_password_reset)),
            )
            .service(
                resource(auth_route("request-verification"))
                    .route(web::post().to(record_auth::request_verification)),
            )
            .service(
                resource(auth_route("confirm-verification"))
                    .route(web::post().to(record_auth::confirm_verification)),
            )
            .service(
                resource(auth_route("request-email-change"))
                    .route(web::post().to(record_auth::request_email_change)),
            )
            .service(
                resource(auth_route("confirm-email-change"))
                    .route(web::post().to(record_auth::confirm_email_change)),
            )
            .service(
                resource("/collections/{collection}/impersonate/{id}")
                    .route(web::post().to(record_auth::impersonate)),
            ),
    );
}

/// The answer to any route that does not exist (an error, so the request log sees it).
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
