//! The static files of the admin UI, embedded in the binary: the Datastar client (from npm,
//! see `build.rs`), the stylesheet and `ui.js`. Their URLs carry a version, so browsers may
//! cache them forever.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::datastar;

const CSS: &str = include_str!("../../templates/ui/assets/ui.css");
const JS: &str = include_str!("../../templates/ui/assets/ui.js");

/// A short hash of the stylesheet and script, part of their URLs.
pub fn version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(CSS.as_bytes());
        hasher.update(JS.as_bytes());
        format!("{:08x}", hasher.finalize())
    });
    &VERSION
}

/// `GET /_/static/{file}`
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    let (body, content_type) = if file == format!("datastar-{}.js", datastar::CLIENT_VERSION) {
        (datastar::CLIENT_JS, "text/javascript; charset=utf-8")
    } else if file == format!("ui-{}.css", version()) {
        (CSS, "text/css; charset=utf-8")
    } else if file == format!("ui-{}.js", version()) {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found.");
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body)
}
