//! The live table: `GET /_/collections/{name}/records/live` stays open while the page is,
//! fed by the change bus (`App::events`), and turns every committed change of the
//! collection into Datastar events: a created record that matches the table's filter is
//! put on top, an updated one is morphed in place (or removed when it no longer matches),
//! a deleted one disappears. Whether a record matches is asked of the records service.
//!
//! A task per stream reads the bus and queues batches in a bounded channel; the response
//! body drains it. When the client goes, the body is dropped and the task ends with it.
//! When the bus outruns the task (`Lagged`) or the client reads too slowly (the channel is
//! full), the stream ends with an event that makes the page reload its rows, which opens
//! a new stream.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::view::Table;
use super::{Events, Merge, RowFragment, View};
use crate::service::events::{RecordAction, RecordEvent};
use crate::service::{App, RequestContext};
use crate::ui::datastar::{self, id_selector, signals_from};
use crate::ui::session::Admin;
use crate::ui::{ActionError, fragment};

/// Batches a stream may have queued before its client counts as too slow.
const QUEUE: usize = 64;
/// How often an idle stream sends a comment.
const KEEPALIVE: Duration = Duration::from_secs(15);
/// What the page runs to reload its rows (and reopen this stream).
const RELOAD: &str = "document.getElementById('live')?.dispatchEvent(new Event('reload'))";

/// `GET /_/collections/{name}/records/live`: the table's change stream; the `q` signal is
/// the table's filter.
pub(super) async fn live(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ActionError> {
    let collection = app.collection(&path.into_inner())?;
    let signals = signals_from(req.query_string(), b"");
    let view = View::from_signals(&signals, &collection);
    let table = Table::new(&app.schema(), collection, &view.sort);
    let bus = app.events.subscribe();
    let (sender, receiver) = mpsc::channel(QUEUE);
    let overflowed = Arc::new(AtomicBool::new(false));
    // The first chunk goes out at once, so the client (and a test) knows the stream is on.
    let _ = sender.try_send(Events::new().keepalive());
    actix_web::rt::spawn(feed(
        app.into_inner(),
        admin.ctx,
        table,
        view.filter,
        bus,
        sender,
        overflowed.clone(),
    ));
    let body = futures_util::stream::unfold(
        (receiver, overflowed, false),
        |(mut receiver, overflowed, finished)| async move {
            if finished {
                return None;
            }
            match receiver.recv().await {
                Some(events) => Some((events, (receiver, overflowed, false))),
                None if overflowed.load(Ordering::SeqCst) => {
                    Some((Events::new().script(RELOAD), (receiver, overflowed, true)))
                }
                None => None,
            }
        },
    );
    Ok(datastar::streaming(body))
}

/// Reads the bus until the client goes (or falls behind), queueing the page's events.
async fn feed(
    app: Arc<App>,
    ctx: RequestContext,
    table: Table,
    filter: String,
    mut bus: tokio::sync::broadcast::Receiver<Arc<RecordEvent>>,
    sender: mpsc::Sender<Events>,
    overflowed: Arc<AtomicBool>,
) {
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    loop {
        let events = tokio::select! {
            () = sender.closed() => return,
            _ = keepalive.tick() => Events::new().keepalive(),
            received = bus.recv() => match received {
                Ok(event) if event.collection.id == table.collection.id => {
                    match changed(&app, &ctx, &table, &filter, &event).await {
                        Some(events) => events,
                        None => continue,
                    }
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a live records table fell behind the change bus");
                    overflowed.store(true, Ordering::SeqCst);
                    return;
                }
                Err(RecvError::Closed) => return,
            },
        };
        if sender.try_send(events).is_err() {
            overflowed.store(true, Ordering::SeqCst);
            return;
        }
    }
}

/// The page's events for one change of the table's collection.
async fn changed(
    app: &App,
    ctx: &RequestContext,
    table: &Table,
    filter: &str,
    event: &RecordEvent,
) -> Option<Events> {
    let id = event.record.get("id").and_then(Value::as_str)?.to_owned();
    let selector = id_selector(&format!("row-{id}"));
    if event.action == RecordAction::Delete {
        return Some(Events::new().remove(&selector));
    }
    let found = app
        .records_matching(ctx, &table.collection.name, vec![id], filter, &table.expand)
        .await;
    let record = match found {
        Ok(mut found) => found.pop(),
        Err(error) => {
            tracing::debug!(%error, "live table: could not check a changed record");
            return None;
        }
    };
    let Some(record) = record else {
        // Gone from the filter's view (an update no longer matches): drop its row.
        return (event.action == RecordAction::Update).then(|| Events::new().remove(&selector));
    };
    let row = table.row(&record);
    let html = fragment(&RowFragment {
        row: &row,
        readonly: table.readonly,
    })
    .ok()?;
    Some(match event.action {
        // A row already shown (the form that created it put it there) stays as it is.
        RecordAction::Create => Events::new()
            .remove("#rows-empty")
            .fragments_unless_present(&selector, "#rows", Merge::Prepend, &html),
        _ => Events::new().fragments_if_present(&selector, &html),
    })
}
