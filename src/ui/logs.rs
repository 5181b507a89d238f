//! The request log page of the admin UI (`/_/logs`): PocketBase's logs view. A table of
//! entries, newest first, narrowed by a filter box that speaks the `GET /api/logs?filter=`
//! language (a plain search term matches `message` and `data`), "errors only" and
//! "include superuser requests" toggles, a per-hour chart of `App::logs_stats` drawn as
//! server-rendered SVG, infinite scroll, and a dialog with one entry's full data.
//!
//! Every query goes through the logs services (`list_logs`, `logs_stats`, `view_log`);
//! the only filter text built here joins the user's (already checked) filter with fixed
//! clauses and a validated timestamp. Everything is a GET, so there is no CSRF-checked
//! action. Start at `configure()`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::datastar::{self, Events};
use super::session::Admin;
use super::{ActionError, Chrome, PageError, fragment, page};
use crate::core::record::format_datetime;
use crate::service::App;
use crate::service::logs::check_log_filter;
use crate::service::records::ListParams;

/// Entries per page (the first one and each one infinite scroll appends).
pub const PER_PAGE: i64 = 50;
/// The chart covers at least this many hours, and at most `MAX_CHART_HOURS`.
const MIN_CHART_HOURS: i64 = 24;
const MAX_CHART_HOURS: i64 = 24 * 60;
/// The clause "include superuser requests" leaves out, as PocketBase's preset.
const WITHOUT_SUPERUSERS: &str = "data.auth != \"_superusers\"";
const STAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3fZ";

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/logs", web::get().to(index))
        .route("/logs/list", web::get().to(list))
        .route("/logs/more", web::get().to(more))
        .route("/logs/{id}", web::get().to(view));
}

/// What the page shows: the user's filter and the two toggles. It arrives as query
/// parameters on a page load and as signals on Datastar actions.
#[derive(Debug, Clone, Default, PartialEq)]
struct View {
    filter: String,
    failed: bool,
    superusers: bool,
}

impl View {
    fn from_query(query: &str) -> View {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.as_str())
        };
        View {
            filter: get("filter").unwrap_or_default().to_owned(),
            failed: get("failed").is_some_and(is_on),
            superusers: get("superusers").is_some_and(is_on),
        }
    }

    fn from_signals(signals: &Map<String, Value>) -> View {
        View {
            filter: signals
                .get("filter")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            failed: signals.get("failed").and_then(Value::as_bool) == Some(true),
            superusers: signals.get("superusers").and_then(Value::as_bool) == Some(true),
        }
    }

    /// The page's own URL for this view (kept in the address bar, so it can be shared).
    fn url(&self) -> String {
        let mut pairs = vec![];
        if !self.filter.is_empty() {
            pairs.push(("filter", self.filter.as_str()));
        }
        if self.failed {
            pairs.push(("failed", "1"));
        }
        if self.superusers {
            pairs.push(("superusers", "1"));
        }
        match serde_urlencoded::to_string(&pairs) {
            Ok(query) if !query.is_empty() => format!("/_/logs?{query}"),
            _ => "/_/logs".to_owned(),
        }
    }

    /// The user's filter as a filter expression: a text without an operator is a search
    /// term matched against `message` and `data`, as PocketBase's dashboard does.
    fn user_filter(&self) -> String {
        let text = self.filter.trim();
        if text.is_empty() || text.contains(['=', '~', '>', '<']) {
            return text.to_owned();
        }
        let term = text.trim_matches(['"', '\'', '`']);
        let quoted = Value::String(term.to_owned()).to_string();
        format!("message ~ {quoted} || data ~ {quoted}")
    }

    /// The filter the services get: the user's (checked first, so its parentheses are
    /// balanced), the toggles, and the upper time bound of the listing.
    fn service_filter(&self, user_filter: &str, until: Option<&Anchor>) -> String {
        let mut parts = vec![];
        if !user_filter.is_empty() {
            parts.push(format!("({user_filter})"));
        }
        if self.failed {
            parts.push("level > 0".to_owned());
        }
        if !self.superusers {
            parts.push(WITHOUT_SUPERUSERS.to_owned());
        }
        if let Some(anchor) = until {
            parts.push(format!("created <= \"{}\"", anchor.0));
        }
        parts.join(" && ")
    }

    /// The user's filter as an expression, or why it is not valid.
    fn checked_filter(&self) -> Result<String, String> {
        let filter = self.user_filter();
        check_log_filter(&filter).map(|()| filter)
    }
}

fn is_on(value: &str) -> bool {
    matches!(value, "1" | "true" | "on")
}

/// The time the listing started at: later entries are left out, so appending pages
/// neither repeats nor skips rows while new requests are logged. Always in PocketBase's
/// date format (parsed, never copied from the client as is).
#[derive(Debug, Clone, PartialEq)]
struct Anchor(String);

impl Anchor {
    fn now() -> Anchor {
        Anchor(format_datetime(Utc::now()))
    }

    fn parse(text: &str) -> Option<Anchor> {
        let parsed = NaiveDateTime::parse_from_str(text, STAMP_FORMAT).ok()?;
        Some(Anchor(format_datetime(parsed.and_utc())))
    }

    fn from_signals(signals: &Map<String, Value>) -> Anchor {
        signals
            .get("anchor")
            .and_then(Value::as_str)
            .and_then(Anchor::parse)
            .unwrap_or_else(Anchor::now)
    }
}

/// One table row.
struct Row {
    /// The entry's id when it is safe in a URL and a Datastar expression (ids we make are
    /// 15 lowercase alphanumerics); rows without one don't open.
    id: Option<String>,
    created: String,
    level: &'static str,
    level_class: &'static str,
    method: String,
    status: String,
    url: String,
    exec_time: String,
    auth: String,
    ip: String,
}

fn text_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The level's name (slog's, as PocketBase shows them) and its badge class.
fn level_name(level: i64) -> (&'static str, &'static str) {
    match level {
        ..0 => ("debug", "level-debug"),
        0..4 => ("info", "level-info"),
        4..8 => ("warn", "level-warn"),
        _ => ("error", "level-error"),
    }
}

fn safe_id(id: &str) -> Option<String> {
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|byte| byte.is_ascii_alphanumeric()))
        .then(|| id.to_owned())
}

impl Row {
    fn from_item(item: &Value) -> Row {
        let data = item.get("data").cloned().unwrap_or(Value::Null);
        let (level, level_class) =
            level_name(item.get("level").and_then(Value::as_i64).unwrap_or(0));
        let url = match text_at(&data, "url") {
            "" => text_at(item, "message").to_owned(),
            url => url.to_owned(),
        };
        Row {
            id: safe_id(text_at(item, "id")),
            created: text_at(item, "created").to_owned(),
            level,
            level_class,
            method: text_at(&data, "method").to_owned(),
            status: data
                .get("status")
                .and_then(Value::as_i64)
                .map(|status| status.to_string())
                .unwrap_or_default(),
            url,
            exec_time: data
                .get("execTime")
                .and_then(Value::as_f64)
                .map(format_ms)
                .unwrap_or_default(),
            auth: text_at(&data, "auth").to_owned(),
            ip: text_at(&data, "userIP").to_owned(),
        }
    }
}

fn format_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// One bar of the per-hour chart, in the SVG's units (one hour wide, 100 high).
struct Bar {
    x: String,
    y: String,
    height: String,
    label: String,
}

/// The per-hour chart of the current filter.
struct Chart {
    bars: Vec<Bar>,
    hours: i64,
    total: i64,
    peak: i64,
    from: String,
    to: String,
}

impl Chart {
    /// Draws `logs_stats` (`[{date, total}]`, one item per hour with entries) from the
    /// first hour with entries (at least a day ago) to the current hour.
    fn new(stats: &Value, now: DateTime<Utc>) -> Chart {
        let hour_of = |at: DateTime<Utc>| {
            at.with_minute(0)
                .and_then(|at| at.with_second(0))
                .and_then(|at| at.with_nanosecond(0))
                .unwrap_or(at)
        };
        let counts: Vec<(DateTime<Utc>, i64)> = stats
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let date = NaiveDateTime::parse_from_str(text_at(item, "date"), STAMP_FORMAT)
                    .ok()?
                    .and_utc();
                Some((hour_of(date), item.get("total")?.as_i64()?))
            })
            .collect();
        let last = counts
            .iter()
            .map(|(hour, _)| *hour)
            .max()
            .map_or(hour_of(now), |hour| hour.max(hour_of(now)));
        let earliest = last - Duration::hours(MAX_CHART_HOURS - 1);
        let first = counts
            .iter()
            .map(|(hour, _)| *hour)
            .min()
            .map_or(last, |hour| hour.max(earliest))
            .min(last - Duration::hours(MIN_CHART_HOURS - 1));
        let hours = (last - first).num_hours() + 1;
        let shown: Vec<(i64, i64)> = counts
            .iter()
            .filter(|(hour, _)| *hour >= first)
            .map(|(hour, total)| ((*hour - first).num_hours(), *total))
            .collect();
        let peak = shown.iter().map(|(_, total)| *total).max().unwrap_or(0);
        let bars = shown
            .iter()
            .filter(|(_, total)| *total > 0)
            .map(|&(slot, total)| {
                // Tiny counts stay visible next to a large peak.
                let height = (total as f64 / peak.max(1) as f64 * 100.0).max(2.0);
                let at = first + Duration::hours(slot);
                Bar {
                    x: format!("{}.1", slot),
                    y: format!("{:.2}", 100.0 - height),
                    height: format!("{height:.2}"),
                    label: format!(
                        "{} UTC: {total} {}",
                        at.format("%Y-%m-%d %H:00"),
                        if total == 1 { "entry" } else { "entries" }
                    ),
                }
            })
            .collect();
        Chart {
            bars,
            hours,
            total: shown.iter().map(|(_, total)| total).sum(),
            peak,
            from: first.format("%Y-%m-%d %H:00").to_string(),
            to: last.format("%Y-%m-%d %H:00").to_string(),
        }
    }
}

/// The table body and what comes after it: the infinite scroll trigger or the end.
struct Results {
    rows: Vec<Row>,
    next_page: Option<i64>,
}

#[derive(Template)]
#[template(path = "ui/logs/index.html")]
struct IndexPage {
    chrome: Chrome,
    signals: String,
    view: View,
    disabled: bool,
    filter_error: String,
    chart: Chart,
    results: Results,
}

#[derive(Template)]
#[template(path = "ui/logs/chart.html")]
struct ChartFragment<'a> {
    chart: &'a Chart,
}

#[derive(Template)]
#[template(path = "ui/logs/results.html")]
struct ResultsFragment<'a> {
    results: &'a Results,
}

#[derive(Template)]
#[template(path = "ui/logs/rows.html")]
struct RowsFragment<'a> {
    rows: &'a [Row],
}

#[derive(Template)]
#[template(path = "ui/logs/more.html")]
struct MoreFragment {
    next_page: Option<i64>,
}

#[derive(Template)]
#[template(path = "ui/logs/filter_error.html")]
struct FilterErrorFragment<'a> {
    filter_error: &'a str,
}

/// One entry's fields, for the dialog and the standalone page.
struct Detail {
    id: String,
    created: String,
    level: i64,
    level_name: &'static str,
    level_class: &'static str,
    message: String,
    /// `data`, pretty-printed (escaped by the template).
    data: String,
}

impl Detail {
    fn new(log: &Value) -> Detail {
        let level = log.get("level").and_then(Value::as_i64).unwrap_or(0);
        let (level_name, level_class) = level_name(level);
        let data = log.get("data").cloned().unwrap_or(Value::Null);
        Detail {
            id: text_at(log, "id").to_owned(),
            created: text_at(log, "created").to_owned(),
            level,
            level_name,
            level_class,
            message: text_at(log, "message").to_owned(),
            data: serde_json::to_string_pretty(&data).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "ui/logs/detail.html")]
struct DetailFragment<'a> {
    detail: &'a Detail,
    /// Whether it goes into the page's dialog (with a close button).
    dialog: bool,
}

#[derive(Template)]
#[template(path = "ui/logs/view.html")]
struct ViewPage {
    chrome: Chrome,
    detail: Detail,
    dialog: bool,
}

/// A page of entries for `view` up to `anchor`.
async fn load_page(
    app: &App,
    admin: &Admin,
    view: &View,
    user_filter: &str,
    anchor: &Anchor,
    page: i64,
) -> Result<Results, crate::service::ServiceError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let listing = app
        .list_logs(
            &superuser,
            ListParams {
                page,
                per_page: PER_PAGE,
                sort: "-@rowid".to_owned(),
                filter: view.service_filter(user_filter, Some(anchor)),
                skip_total: true,
                expand: String::new(),
                fields: String::new(),
            },
        )
        .await?;
    let items = listing
        .get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(Results {
        rows: items.iter().map(Row::from_item).collect(),
        next_page: (items.len() as i64 >= PER_PAGE).then_some(page + 1),
    })
}

async fn load_chart(
    app: &App,
    admin: &Admin,
    view: &View,
    user_filter: &str,
) -> Result<Chart, crate::service::ServiceError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let stats = app
        .logs_stats(&superuser, &view.service_filter(user_filter, None))
        .await?;
    Ok(Chart::new(&stats, Utc::now()))
}

fn signals_json(view: &View, anchor: &Anchor) -> Value {
    json!({
        "filter": view.filter,
        "failed": view.failed,
        "superusers": view.superusers,
        "anchor": anchor.0,
    })
}

/// `GET /_/logs`: the log page; `?filter=`, `?failed=1` and `?superusers=1` preset it.
async fn index(
    app: web::Data<App>,
    admin: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let view = View::from_query(req.query_string());
    let anchor = Anchor::now();
    let (filter_error, chart, results) = match view.checked_filter() {
        Ok(user_filter) => (
            String::new(),
            load_chart(&app, &admin, &view, &user_filter).await?,
            load_page(&app, &admin, &view, &user_filter, &anchor, 1).await?,
        ),
        // A bad filter in the URL shows its error over an unfiltered listing.
        Err(message) => (
            message,
            load_chart(&app, &admin, &view, "").await?,
            load_page(&app, &admin, &view, "", &anchor, 1).await?,
        ),
    };
    page(&IndexPage {
        chrome: Chrome::new(&app, &admin, "logs"),
        signals: signals_json(&view, &anchor).to_string(),
        disabled: app.settings().logs.max_days <= 0,
        view,
        filter_error,
        chart,
        results,
    })
}

/// `GET /_/logs/list` (Datastar): the listing, chart and filter error for the current
/// signals, from the first page, as of now.
async fn list(app: web::Data<App>, admin: Admin, req: HttpRequest) -> Result<Events, ActionError> {
    let signals = datastar::signals_from(req.query_string(), &[]);
    let view = View::from_signals(&signals);
    let user_filter = match view.checked_filter() {
        Ok(filter) => filter,
        Err(message) => {
            return Ok(Events::new().fragments(&fragment(&FilterErrorFragment {
                filter_error: &message,
            })?));
        }
    };
    let anchor = Anchor::now();
    let chart = load_chart(&app, &admin, &view, &user_filter).await?;
    let results = load_page(&app, &admin, &view, &user_filter, &anchor, 1).await?;
    let address = Value::String(view.url()).to_string();
    // The anchor first: the new scroll trigger must read it.
    Ok(Events::new()
        .signals(&json!({"anchor": anchor.0}))
        .fragments(&fragment(&FilterErrorFragment { filter_error: "" })?)
        .fragments(&fragment(&ChartFragment { chart: &chart })?)
        .fragments(&fragment(&ResultsFragment { results: &results })?)
        .script(&format!("history.replaceState(null, \"\", {address})")))
}

/// `GET /_/logs/more?page=N` (Datastar): the next page appended to the table (infinite
/// scroll), and the new trigger (or the end of the list) in place of the old one.
async fn more(app: web::Data<App>, admin: Admin, req: HttpRequest) -> Result<Events, ActionError> {
    let signals = datastar::signals_from(req.query_string(), &[]);
    let view = View::from_signals(&signals);
    let anchor = Anchor::from_signals(&signals);
    let page_number = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .find(|(key, _)| key == "page")
        .and_then(|(_, value)| value.parse::<i64>().ok())
        .filter(|page| *page >= 1)
        .unwrap_or(1);
    // A filter that no longer checks (edited since the first page) ends the list; the
    // box's own request will show the error.
    let Ok(user_filter) = view.checked_filter() else {
        return Ok(Events::new().fragments_into(
            "#logs-more",
            datastar::Merge::Outer,
            &fragment(&MoreFragment { next_page: None })?,
        ));
    };
    let results = load_page(&app, &admin, &view, &user_filter, &anchor, page_number).await?;
    let mut events = Events::new();
    if !results.rows.is_empty() {
        events = events.fragments_into(
            "#logs-rows",
            datastar::Merge::Append,
            &fragment(&RowsFragment {
                rows: &results.rows,
            })?,
        );
    }
    Ok(events.fragments_into(
        "#logs-more",
        datastar::Merge::Outer,
        &fragment(&MoreFragment {
            next_page: results.next_page,
        })?,
    ))
}

/// `GET /_/logs/{id}`: one entry. A Datastar action fills and opens the page's dialog;
/// a plain visit (a shared link) gets a page of its own.
async fn view(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ViewError> {
    let superuser = admin
        .ctx
        .auth
        .require_superuser()
        .map_err(|error| ViewError::new(&req, error))?;
    let log = app
        .view_log(&superuser, &path)
        .await
        .map_err(|error| ViewError::new(&req, error))?;
    let detail = Detail::new(&log);
    if datastar::is_action(&req) {
        let html = fragment(&DetailFragment {
            detail: &detail,
            dialog: true,
        })
        .map_err(ViewError::Action)?;
        return Ok(Events::new()
            .fragments(&html)
            .script(
                "const dialog = document.getElementById(\"log-dialog\"); \
                 if (dialog && !dialog.open) dialog.showModal()",
            )
            .response());
    }
    page(&ViewPage {
        chrome: Chrome::new(&app, &admin, "logs"),
        detail,
        dialog: false,
    })
    .map_err(ViewError::Page)
}

/// The detail's failure: a flash message for the dialog, an error page for a visit.
#[derive(Debug, thiserror::Error)]
enum ViewError {
    #[error(transparent)]
    Action(ActionError),
    #[error(transparent)]
    Page(PageError),
}

impl ViewError {
    fn new(req: &HttpRequest, error: crate::service::ServiceError) -> ViewError {
        if datastar::is_action(req) {
            ViewError::Action(error.into())
        } else if matches!(error, crate::service::ServiceError::NotFound) {
            ViewError::Page(PageError::NotFound)
        } else {
            ViewError::Page(error.into())
        }
    }
}

impl actix_web::ResponseError for ViewError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self {
            ViewError::Action(error) => error.status_code(),
            ViewError::Page(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ViewError::Action(error) => error.error_response(),
            ViewError::Page(error) => error.error_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_term_searches_message_and_data() {
        let view = View {
            filter: " \"POST\" ".into(),
            ..View::default()
        };
        assert_eq!(view.user_filter(), r#"message ~ "POST" || data ~ "POST""#);
        let quoted = View {
            filter: r#"say "hi" now"#.into(),
            ..View::default()
        };
        assert_eq!(
            quoted.user_filter(),
            r#"message ~ "say \"hi\" now" || data ~ "say \"hi\" now""#
        );
        let expression = View {
            filter: "data.status >= 400".into(),
            ..View::default()
        };
        assert_eq!(expression.user_filter(), "data.status >= 400");
    }

    #[test]
    fn the_service_filter_joins_the_toggles_and_the_anchor() {
        let view = View {
            filter: "data.status >= 400".into(),
            failed: true,
            superusers: false,
        };
        let anchor = Anchor::parse("2024-05-01 10:00:00.123Z").expect("anchor");
        assert_eq!(
            view.service_filter("data.status >= 400", Some(&anchor)),
            r#"(data.status >= 400) && level > 0 && data.auth != "_superusers" && created <= "2024-05-01 10:00:00.123Z""#
        );
        let everything = View {
            superusers: true,
            ..View::default()
        };
        assert_eq!(everything.service_filter("", None), "");
    }

    #[test]
    fn an_anchor_is_a_timestamp_or_nothing() {
        assert!(Anchor::parse(r#"2024-05-01 10:00:00.123Z" || 1=1 || ""#).is_none());
        assert!(Anchor::parse("").is_none());
        assert_eq!(
            Anchor::parse("2024-05-01 10:00:00.123Z").map(|anchor| anchor.0),
            Some("2024-05-01 10:00:00.123Z".to_owned())
        );
    }

    #[test]
    fn the_view_round_trips_through_its_url() {
        let view = View {
            filter: "data.url ~ \"/api/\" && x".into(),
            failed: true,
            superusers: true,
        };
        let url = view.url();
        let query = url.strip_prefix("/_/logs?").expect("query");
        assert_eq!(View::from_query(query), view);
        assert_eq!(View::default().url(), "/_/logs");
    }

    #[test]
    fn the_chart_spans_a_day_at_least_and_scales_bars_to_the_peak() {
        let now = NaiveDateTime::parse_from_str("2024-05-02 10:30:00.000Z", STAMP_FORMAT)
            .expect("now")
            .and_utc();
        let stats = json!([
            {"date": "2024-05-02 08:00:00.000Z", "total": 4},
            {"date": "2024-05-02 10:00:00.000Z", "total": 1},
            {"date": "not a date", "total": 9},
        ]);
        let chart = Chart::new(&stats, now);
        assert_eq!(chart.hours, 24);
        assert_eq!(chart.total, 5);
        assert_eq!(chart.peak, 4);
        assert_eq!(chart.from, "2024-05-01 11:00");
        assert_eq!(chart.to, "2024-05-02 10:00");
        let bars: Vec<(&str, &str)> = chart
            .bars
            .iter()
            .map(|bar| (bar.x.as_str(), bar.height.as_str()))
            .collect();
        assert_eq!(bars, [("21.1", "100.00"), ("23.1", "25.00")]);
        assert_eq!(chart.bars[0].label, "2024-05-02 08:00 UTC: 4 entries");
        let empty = Chart::new(&json!([]), now);
        assert_eq!((empty.hours, empty.total, empty.bars.len()), (24, 0, 0));
    }
}
