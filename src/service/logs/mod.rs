//! The request log, as PocketBase keeps it: one `_logs` row in `aux.db` per request
//! (level 0, or 8 when the request failed), and `/api/logs` to read them.
//!
//! Logging costs a request almost nothing: `App::log_request` applies the `logs` settings
//! and pushes the entry into a bounded queue without waiting (a full queue drops the
//! entry and counts it). The `lifebase-logs` thread wakes once per batch, not once per
//! entry: after the first entry it sleeps for a moment while more pile up, then takes
//! them all, formats the rows and writes them in one transaction on its own `aux.db`
//! connection, and deletes entries older than `logs.maxDays`. `App::flush_logs`
//! (graceful shutdown) returns once everything queued before it is written.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, LazyLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::fields::FieldPicker;
use super::records::{DEFAULT_PER_PAGE, ListParams, MAX_PER_PAGE};
use super::settings::LogsSettings;
use super::{App, Auth, ServiceError, ServiceResult, Superuser};
use crate::core::collection::{Collection, CollectionKind, Field, FieldKind, Schema};
use crate::core::record::{format_datetime, random_string};
use crate::core::rules::{self, CompileContext, Expr, Operand, RequestInfo, SqlFragment};
use crate::store::StoreError;
use crate::store::logs::{self as log_rows, LogRow, LogWriter};
use crate::store::records::ListQuery;

/// slog's levels, as PocketBase stores them.
pub const LEVEL_INFO: i64 = 0;
pub const LEVEL_ERROR: i64 = 8;

/// Entries waiting to be written; past this, new entries are dropped and counted.
const QUEUE_CAPACITY: usize = 10_000;
/// How long the writer sleeps after the first entry of a batch while more pile up (a
/// flush or a settings change cuts it short).
const LINGER: Duration = Duration::from_millis(100);
/// How often the writer wakes up with nothing to write (to notice cleanups).
const IDLE_TICK: Duration = Duration::from_secs(1);
/// How often old entries are deleted besides startup and settings changes.
const CLEANUP_EVERY: Duration = Duration::from_secs(3600);

const SOMETHING_WENT_WRONG: &str = "Something went wrong while processing your request.";
const INVALID_FILTER: &str = "Invalid filter format.";
const STATS_FAILED: &str = "Failed to generate logs stats.";

/// `_logs` described as a base collection, so `?filter=` and `?sort=` compile with the
/// same compiler as records (`data.status >= 400` is a JSON path into `data`). Its
/// field order is the key order of PocketBase's log JSON.
static LOGS_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut collection = Collection::new("_logs", CollectionKind::Base);
    collection.system = true;
    collection.fields.push(Field::new(
        "created",
        FieldKind::Date {
            min: String::new(),
            max: String::new(),
        },
    ));
    collection
        .fields
        .push(Field::new("data", FieldKind::Json { max_size: 0 }));
    collection.fields.push(Field::new(
        "message",
        FieldKind::Text {
            min: 0,
            max: 0,
            pattern: String::new(),
            autogenerate_pattern: String::new(),
            primary_key: false,
        },
    ));
    collection.fields.push(Field::new(
        "level",
        FieldKind::Number {
            min: None,
            max: None,
            only_int: true,
        },
    ));
    Schema::new(vec![collection])
});

fn logs_collection() -> &'static Collection {
    match LOGS_SCHEMA.all().first() {
        Some(collection) => collection,
        None => unreachable!("the logs schema has one collection"),
    }
}

/// Why a request failed, as the HTTP layer answered it.
#[derive(Debug, Clone, Copy)]
pub struct RequestFailure<'a> {
    pub message: &'a str,
    /// The error's `data`; logged as `details` (`null` when empty).
    pub details: &'a Value,
}

/// What the HTTP layer knows about a request once it has been answered.
#[derive(Debug, Clone, Copy)]
pub struct FinishedRequest<'a> {
    pub method: &'a str,
    /// The path alone, to decide which routes log only failures.
    pub path: &'a str,
    /// Path and query, as the client sent them.
    pub uri: &'a str,
    pub status: u16,
    pub exec_time: Duration,
    pub auth: &'a Auth,
    /// The client IP (trusted proxy headers applied).
    pub user_ip: Option<IpAddr>,
    /// The peer address of the connection.
    pub remote_ip: Option<IpAddr>,
    pub referer: &'a str,
    pub user_agent: &'a str,
    /// Set for answers of 400 and above.
    pub failure: Option<RequestFailure<'a>>,
}

/// One entry on its way to `_logs`, with the settings already applied.
#[derive(Debug, Clone, PartialEq)]
struct RequestLog {
    at: DateTime<Utc>,
    level: i64,
    method: String,
    url: String,
    status: u16,
    exec_time_ms: f64,
    auth: String,
    auth_id: Option<String>,
    /// `(userIP, remoteIP)`, when `logs.logIP`.
    ips: Option<(String, String)>,
    referer: String,
    user_agent: String,
    /// `(error, details)`.
    error: Option<(String, Value)>,
}

/// PocketBase's `cutStr`: at most `max` bytes, then `...`.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// Go's `url.PathUnescape`: `%XX` decoded, `+` kept; `None` for a malformed escape.
fn path_unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Routes whose successful answers are not logged, as PocketBase binds
/// `SkipSuccessActivityLog`: the realtime stream, the logs API itself, and everything
/// outside `/api/` (static files and pages).
fn skips_success(method: &str, path: &str) -> bool {
    let logs_api = path == "/api/logs" || path.starts_with("/api/logs/");
    let realtime_stream = method == "GET" && path == "/api/realtime";
    logs_api || realtime_stream || !(path == "/api" || path.starts_with("/api/"))
}

impl RequestLog {
    /// The entry for `request` under `settings`, or `None` when it is not logged.
    fn new(request: &FinishedRequest<'_>, settings: &LogsSettings) -> Option<RequestLog> {
        if settings.max_days <= 0 {
            return None;
        }
        if request.failure.is_none() && skips_success(request.method, request.path) {
            return None;
        }
        let level = if request.failure.is_some() {
            LEVEL_ERROR
        } else {
            LEVEL_INFO
        };
        if level < settings.min_level {
            return None;
        }
        let (auth, auth_id) = match request.auth {
            Auth::Guest => (String::new(), None),
            Auth::Record { collection, .. } => (
                collection.name.clone(),
                settings
                    .log_auth_id
                    .then(|| request.auth.record_id().unwrap_or_default().to_string()),
            ),
        };
        let show = |ip: Option<IpAddr>| ip.map(|ip| ip.to_string()).unwrap_or_default();
        let ips = settings
            .log_ip
            .then(|| (show(request.user_ip), show(request.remote_ip)));
        let error = request.failure.map(|failure| {
            let details = match failure.details {
                Value::Object(map) if map.is_empty() => Value::Null,
                other => other.clone(),
            };
            (failure.message.to_string(), details)
        });
        Some(RequestLog {
            at: Utc::now(),
            level,
            method: cut(&request.method.to_uppercase(), 50),
            url: cut(request.uri, 3000),
            status: request.status,
            exec_time_ms: request.exec_time.as_nanos() as f64 / 1e6,
            auth,
            auth_id,
            ips,
            referer: cut(request.referer, 2000),
            user_agent: cut(request.user_agent, 2000),
            error,
        })
    }

    /// The `_logs` row: message `METHOD /unescaped/url`, data keys sorted as PocketBase
    /// (Go) writes them.
    fn into_row(self) -> LogRow {
        let unescaped = path_unescape(&self.url);
        let message = format!(
            "{} {}",
            self.method,
            unescaped.as_deref().unwrap_or(&self.url)
        );
        let (user_ip, remote_ip) = match &self.ips {
            Some((user_ip, remote_ip)) => (Some(user_ip.as_str()), Some(remote_ip.as_str())),
            None => (None, None),
        };
        let data = RequestData {
            auth: &self.auth,
            auth_id: self.auth_id.as_deref(),
            details: self.error.as_ref().map(|(_, details)| details),
            error: self.error.as_ref().map(|(error, _)| error.as_str()),
            exec_time: self.exec_time_ms,
            method: &self.method,
            referer: &self.referer,
            remote_ip,
            status: self.status,
            kind: "request",
            url: &self.url,
            user_agent: &self.user_agent,
            user_ip,
        };
        LogRow {
            id: new_log_id(self.at),
            level: self.level,
            message,
            data: serde_json::to_string(&data).unwrap_or_else(|_| "{}".into()),
            created: format_datetime(self.at),
        }
    }
}

/// A request log's `data`, serialized straight to text (no intermediate map); fields in
/// the key order PocketBase (Go) writes.
#[derive(Serialize)]
struct RequestData<'a> {
    auth: &'a str,
    #[serde(rename = "authId", skip_serializing_if = "Option::is_none")]
    auth_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(rename = "execTime")]
    exec_time: f64,
    method: &'a str,
    referer: &'a str,
    #[serde(rename = "remoteIP", skip_serializing_if = "Option::is_none")]
    remote_ip: Option<&'a str>,
    status: u16,
    #[serde(rename = "type")]
    kind: &'a str,
    url: &'a str,
    #[serde(rename = "userAgent")]
    user_agent: &'a str,
    #[serde(rename = "userIP", skip_serializing_if = "Option::is_none")]
    user_ip: Option<&'a str>,
}

enum Message {
    Entry(Box<RequestLog>),
    /// The settings changed: once the entries queued before are written, delete what
    /// the new settings no longer keep.
    Cleanup(Cleanup),
    /// Answered once everything queued before it is written.
    Flush(mpsc::Sender<()>),
}

/// A delete of old entries: older than `max_days` (all of them at 0) and, after a
/// settings change, below `min_level`, as PocketBase does on settings reload.
#[derive(Debug, Clone, Copy)]
struct Cleanup {
    max_days: i64,
    min_level: Option<i64>,
}

/// What the writer thread reads of the settings.
#[derive(Debug)]
struct Retention {
    max_days: AtomicI64,
    min_level: AtomicI64,
    /// A settings change found the queue full: clean up on the next wake-up.
    cleanup_due: AtomicBool,
}

/// The queue of the request log and the handle of its writer thread.
pub struct RequestLogger {
    queue: SyncSender<Message>,
    retention: Arc<Retention>,
    dropped: AtomicU64,
    /// The writer thread, woken early by a flush or a settings change.
    writer: Thread,
}

impl RequestLogger {
    /// Starts the writer thread on `writer`; it ends when the logger is dropped.
    pub(crate) fn start(writer: LogWriter, settings: &LogsSettings) -> std::io::Result<Self> {
        let (queue, receiver) = mpsc::sync_channel(QUEUE_CAPACITY);
        let retention = Arc::new(Retention {
            max_days: AtomicI64::new(settings.max_days),
            min_level: AtomicI64::new(settings.min_level),
            cleanup_due: AtomicBool::new(false),
        });
        let shared = retention.clone();
        let handle = std::thread::Builder::new()
            .name("lifebase-logs".into())
            .spawn(move || run_writer(receiver, writer, &shared))?;
        Ok(RequestLogger {
            queue,
            retention,
            dropped: AtomicU64::new(0),
            writer: handle.thread().clone(),
        })
    }

    /// New `logs` settings: later writes follow them at once, and the entries they no
    /// longer keep are deleted right after the ones already queued are written.
    pub(crate) fn settings_changed(&self, settings: &LogsSettings) {
        self.retention
            .max_days
            .store(settings.max_days, Ordering::Relaxed);
        self.retention
            .min_level
            .store(settings.min_level, Ordering::Relaxed);
        let cleanup = Cleanup {
            max_days: settings.max_days,
            min_level: Some(settings.min_level),
        };
        if self.queue.try_send(Message::Cleanup(cleanup)).is_err() {
            self.retention.cleanup_due.store(true, Ordering::Relaxed);
        }
        self.writer.unpark();
    }

    fn push(&self, entry: RequestLog) {
        match self.queue.try_send(Message::Entry(Box::new(entry))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "request log queue full: entries dropped");
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits (blocking) until everything queued so far is written, at most `timeout`.
    fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (reply, written) = mpsc::channel();
        let mut message = Message::Flush(reply);
        loop {
            match self.queue.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    message = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return false,
            }
        }
        self.writer.unpark();
        written
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }
}

/// What one wake-up of the writer thread has to do.
#[derive(Default)]
struct Round {
    batch: Vec<RequestLog>,
    cleanup: Option<Cleanup>,
    waiters: Vec<mpsc::Sender<()>>,
}

impl Round {
    fn take(&mut self, message: Message) {
        match message {
            Message::Entry(entry) => self.batch.push(*entry),
            Message::Cleanup(cleanup) => self.cleanup = Some(cleanup),
            Message::Flush(reply) => self.waiters.push(reply),
        }
    }

    /// Whether to write now rather than wait for more entries.
    fn is_urgent(&self) -> bool {
        self.cleanup.is_some() || !self.waiters.is_empty()
    }

    /// Takes every message queued now, at most a queue's worth; `false` once the queue
    /// is gone.
    fn drain(&mut self, receiver: &Receiver<Message>) -> bool {
        for _ in 0..QUEUE_CAPACITY {
            match receiver.try_recv() {
                Ok(message) => self.take(message),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
        true
    }
}

/// The writer thread: batches, writes, cleans up; ends when the queue is gone.
fn run_writer(receiver: Receiver<Message>, mut writer: LogWriter, retention: &Retention) {
    let mut last_cleanup: Option<Instant> = None;
    loop {
        let mut round = Round::default();
        let mut disconnected = false;
        match receiver.recv_timeout(IDLE_TICK) {
            Ok(message) => {
                round.take(message);
                // Sleep while more entries queue, unless someone waits for the write.
                // Senders do not wake a parked thread (only a blocked `recv` would), so
                // a busy server costs this thread one wake-up per batch.
                let deadline = Instant::now() + LINGER;
                loop {
                    if !round.drain(&receiver) {
                        disconnected = true;
                        break;
                    }
                    let now = Instant::now();
                    if round.is_urgent() || now >= deadline {
                        break;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => disconnected = true,
        }
        write_batch(&mut writer, retention, round.batch);
        let cleanup = round.cleanup.or_else(|| {
            let overdue = last_cleanup.is_none_or(|at| at.elapsed() >= CLEANUP_EVERY);
            let due = retention.cleanup_due.swap(false, Ordering::Relaxed);
            (overdue || due).then(|| Cleanup {
                max_days: retention.max_days.load(Ordering::Relaxed),
                min_level: due.then(|| retention.min_level.load(Ordering::Relaxed)),
            })
        });
        if let Some(cleanup) = cleanup {
            delete_old(&mut writer, cleanup);
            last_cleanup = Some(Instant::now());
        }
        for reply in round.waiters {
            let _ = reply.send(());
        }
        if disconnected {
            break;
        }
    }
}

fn write_batch(writer: &mut LogWriter, retention: &Retention, batch: Vec<RequestLog>) {
    if batch.is_empty() {
        return;
    }
    // As PocketBase: entries queued before logging was turned off are not written.
    if retention.max_days.load(Ordering::Relaxed) <= 0 {
        return;
    }
    let rows: Vec<LogRow> = batch.into_iter().map(RequestLog::into_row).collect();
    if let Err(error) = writer.insert(&rows) {
        tracing::warn!(%error, count = rows.len(), "could not write request logs");
    }
}

fn delete_old(writer: &mut LogWriter, cleanup: Cleanup) {
    let cutoff = Utc::now() - chrono::Duration::days(cleanup.max_days.max(0));
    if let Err(error) = writer.delete_old(&format_datetime(cutoff), cleanup.min_level) {
        tracing::warn!(%error, "could not delete old request logs");
    }
}

fn bad_request(message: &str) -> ServiceError {
    ServiceError::BadRequest(message.to_string())
}

/// PocketBase resolves log filters with a plain field list: `@request.*` and
/// `@collection.*` are errors there, not empty values.
fn names_only_log_fields(filter: &str) -> bool {
    fn operand_ok(operand: &Operand) -> bool {
        match operand {
            Operand::Identifier { name, .. } => {
                !(name.starts_with("@request.") || name.starts_with("@collection."))
            }
            Operand::Function { arguments, .. } => arguments.iter().all(operand_ok),
            Operand::Text(_) | Operand::Number(_) => true,
        }
    }
    fn expr_ok(expr: &Expr) -> bool {
        match expr {
            Expr::Compare { left, right, .. } => operand_ok(left) && operand_ok(right),
            Expr::And(items) | Expr::Or(items) => items.iter().all(expr_ok),
        }
    }
    filter.trim().is_empty() || rules::parse_filter(filter).is_ok_and(|expr| expr_ok(&expr))
}

/// Compiles a log filter; `None` when it is not valid for logs.
fn compile_log_filter(filter: &str) -> Option<SqlFragment> {
    if !names_only_log_fields(filter) {
        return None;
    }
    let request = RequestInfo::default();
    match rules::compile_filter(filter, &compile_context(&request)) {
        Ok(fragment) => Some(fragment),
        Err(error) => {
            tracing::debug!(%error, "bad logs filter");
            None
        }
    }
}

/// Why `filter` is not a valid log filter, in words a user can act on (the admin UI shows
/// it under its filter box); `Ok` when it compiles. The API answers PocketBase's generic
/// message instead.
pub fn check_log_filter(filter: &str) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Ok(());
    }
    if !names_only_log_fields(filter) && rules::parse_filter(filter).is_ok() {
        return Err("Log filters can't use @request.* or @collection.* fields.".into());
    }
    let request = RequestInfo::default();
    match rules::compile_filter(filter, &compile_context(&request)) {
        Ok(_) => Ok(()),
        Err(error) => {
            let text = error.to_string();
            let text = text.trim_end_matches('.');
            Err(match text.strip_prefix("invalid filter") {
                Some(rest) => format!("Invalid filter{rest}."),
                None => format!("Invalid filter: {text}."),
            })
        }
    }
}

fn compile_context(request: &RequestInfo) -> CompileContext<'_> {
    CompileContext {
        collection: logs_collection(),
        schema: &LOGS_SCHEMA,
        request,
        table_alias: "_logs",
        allow_hidden_fields: true,
        now: None,
    }
}

impl App {
    /// Logs one answered request, if the `logs` settings want it. Never waits: when the
    /// queue is full the entry is dropped and counted.
    pub fn log_request(&self, request: &FinishedRequest<'_>) {
        if let Some(entry) = RequestLog::new(request, &self.settings().logs) {
            self.request_logs.push(entry);
        }
    }

    /// Request log entries dropped because the queue was full.
    pub fn dropped_logs(&self) -> u64 {
        self.request_logs.dropped.load(Ordering::Relaxed)
    }

    /// Writes every queued log entry (graceful shutdown); blocks up to `timeout`.
    pub fn flush_logs(&self, timeout: Duration) -> bool {
        self.request_logs.flush(timeout)
    }

    /// `GET /api/logs`: a page of logs, with `filter`, `sort`, `skipTotal` and `fields`.
    pub async fn list_logs(
        &self,
        _superuser: &Superuser<'_>,
        params: ListParams,
    ) -> ServiceResult<Value> {
        let filter =
            compile_log_filter(&params.filter).ok_or_else(|| bad_request(SOMETHING_WENT_WRONG))?;
        let request = RequestInfo::default();
        let compile = compile_context(&request);
        let order = rules::compile_sort(&params.sort, &compile).map_err(|error| {
            tracing::debug!(%error, "bad logs sort");
            bad_request(SOMETHING_WENT_WRONG)
        })?;
        let picker =
            FieldPicker::parse(&params.fields).map_err(|_| bad_request(SOMETHING_WENT_WRONG))?;
        let page = params.page.max(1);
        let per_page = if params.per_page <= 0 {
            DEFAULT_PER_PAGE
        } else {
            params.per_page.min(MAX_PER_PAGE)
        };
        let query = ListQuery {
            conditions: vec![filter],
            order: Some(order),
            limit: per_page,
            offset: (page - 1).saturating_mul(per_page),
            count_total: !params.skip_total,
        };
        let result = self
            .store
            .logs
            .read(move |conn| log_rows::list(conn, logs_collection(), &query))
            .await
            .map_err(|error| match error {
                StoreError::Sqlite(inner) => {
                    tracing::debug!(%inner, "logs query failed");
                    bad_request(SOMETHING_WENT_WRONG)
                }
                other => other.into(),
            })?;
        let items: Vec<Value> = result
            .rows
            .into_iter()
            .map(|row| {
                let mut item = Value::Object(row);
                picker.apply(&mut item);
                item
            })
            .collect();
        let (total_items, total_pages) = match result.total {
            Some(total) => (total, (total + per_page - 1) / per_page),
            None => (-1, -1),
        };
        Ok(json!({
            "items": items,
            "page": page,
            "perPage": per_page,
            "totalItems": total_items,
            "totalPages": total_pages,
        }))
    }

    /// `GET /api/logs/{id}`
    pub async fn view_log(&self, _superuser: &Superuser<'_>, id: &str) -> ServiceResult<Value> {
        let id = id.to_string();
        let row = self
            .store
            .logs
            .read(move |conn| log_rows::get(conn, logs_collection(), &id))
            .await?;
        Ok(Value::Object(row))
    }

    /// `GET /api/logs/stats`: `[{date, total}]` per hour, with `filter`.
    pub async fn logs_stats(
        &self,
        _superuser: &Superuser<'_>,
        filter: &str,
    ) -> ServiceResult<Value> {
        let condition = compile_log_filter(filter).ok_or_else(|| bad_request(INVALID_FILTER))?;
        let hours = self
            .store
            .logs
            .read(move |conn| log_rows::stats(conn, &condition))
            .await
            .map_err(|error| {
                tracing::debug!(%error, "logs stats failed");
                bad_request(STATS_FAILED)
            })?;
        let items: Vec<Value> = hours
            .into_iter()
            .map(|hour| json!({"date": format!("{}.000Z", hour.date), "total": hour.total}))
            .collect();
        Ok(Value::Array(items))
    }
}

#[cfg(test)]
mod tests;

/// A log id (15 characters of `[a-z0-9]`, like a record id) that sorts by time: 11
/// base-36 digits of the microseconds since 1970 (enough for 4000 years), then 4 random
/// ones. New entries land at the end of the primary-key index instead of all over it,
/// which keeps the pages each batch dirties (and writes to the WAL) few.
fn new_log_id(at: DateTime<Utc>) -> String {
    // In ASCII order, so that the text sorts as the number does.
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut micros = u64::try_from(at.timestamp_micros()).unwrap_or_default();
    let mut time = [b'0'; 11];
    for digit in time.iter_mut().rev() {
        *digit = DIGITS[(micros % 36) as usize];
        micros /= 36;
    }
    let mut id = String::with_capacity(15);
    id.extend(time.iter().map(|&byte| byte as char));
    id.push_str(&random_string(DIGITS, 4));
    id
}
