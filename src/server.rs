//! The HTTP server: wires the application state, middleware and route table into actix,
//! serves until SIGINT/SIGTERM, then drains requests and checkpoints the database.

use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{HttpServer, web};

use crate::api;
use crate::realtime::{self, Broker};
use crate::service::App;
use crate::ui;

/// Registers everything a lifebase actix app needs; shared by `serve` and in-process tests.
pub fn configure(app: Arc<App>, broker: Arc<Broker>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            .app_data(web::Data::from(app))
            .app_data(web::Data::from(broker))
            .configure(api::configure)
            .configure(ui::configure);
    }
}

/// Runs the server until it is told to stop.
pub async fn serve(app: Arc<App>) -> anyhow::Result<()> {
    let address = app.config.http;
    let state = app.clone();
    let broker = Arc::new(Broker::new(app.events.clone()));
    actix_web::rt::spawn(realtime::run(app.clone(), broker.clone()));
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .wrap(from_fn(api::rate_limit::rate_limit))
            .wrap(from_fn(api::request::load_auth))
            .wrap(from_fn(api::request_log::log_requests))
            .configure(configure(state.clone(), broker.clone()))
            .default_service(web::to(api::not_found))
    })
    .shutdown_timeout(10)
    .bind(address)
    .map_err(|error| anyhow::anyhow!("cannot listen on {address}: {error}"))?;
    tracing::info!("lifebase listening on http://{address} (REST API at http://{address}/api/)");
    println!("Server started at http://{address}\n├─ REST API: http://{address}/api/");
    server.run().await?;
    tracing::info!("shutting down: writing pending request logs");
    if !app.flush_logs(std::time::Duration::from_secs(5)) {
        tracing::warn!("pending request logs were not all written");
    }
    tracing::info!("shutting down: checkpointing the database");
    app.store.checkpoint()?;
    Ok(())
}
