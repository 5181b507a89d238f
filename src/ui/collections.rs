//! Collections pages of the admin UI: the overview with record counts.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::session::Admin;
use super::{Chrome, PageError, page};
use crate::service::App;

pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/collections", web::get().to(index));
}

struct Row {
    name: String,
    kind: &'static str,
    system: bool,
    fields: usize,
    records: String,
}

#[derive(Template)]
#[template(path = "ui/collections/index.html")]
struct IndexPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

/// `GET /_/collections`
async fn index(app: web::Data<App>, admin: Admin) -> Result<HttpResponse, PageError> {
    let counts = app.collection_counts().await?;
    let mut rows: Vec<Row> = app
        .schema()
        .all()
        .iter()
        .map(|collection| Row {
            name: collection.name.clone(),
            kind: collection.kind.as_str(),
            system: collection.system,
            fields: collection.fields.len(),
            records: counts
                .get(&collection.name)
                .and_then(Value::as_u64)
                .map(|count| count.to_string())
                .unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.name.starts_with('_'), a.name.to_lowercase())
            .cmp(&(b.name.starts_with('_'), b.name.to_lowercase()))
    });
    page(&IndexPage {
        chrome: Chrome::new(&app, &admin, "collections"),
        rows,
    })
}
