use std::time::Duration;

use serde_json::{Value, json};

use super::*;

fn request<'a>(auth: &'a Auth, failure: Option<RequestFailure<'a>>) -> FinishedRequest<'a> {
    FinishedRequest {
        method: "get",
        path: "/api/collections/posts/records",
        uri: "/api/collections/posts/records?filter=a%20%3D%201",
        status: if failure.is_some() { 404 } else { 200 },
        exec_time: Duration::from_micros(1500),
        auth,
        user_ip: "10.0.0.1".parse().ok(),
        remote_ip: "127.0.0.1".parse().ok(),
        referer: "http://ref/",
        user_agent: "ua",
        failure,
    }
}

fn data(row: &LogRow) -> Value {
    serde_json::from_str(&row.data).expect("data is JSON")
}

#[test]
fn a_success_is_info_with_pocketbase_keys_in_order() {
    let entry = RequestLog::new(&request(&Auth::Guest, None), &LogsSettings::default());
    let row = entry.expect("logged").into_row();
    assert_eq!(row.level, LEVEL_INFO);
    assert_eq!(
        row.message,
        "GET /api/collections/posts/records?filter=a = 1"
    );
    assert_eq!(row.id.len(), 15);
    let data = data(&row);
    let keys: Vec<&str> = data
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "auth",
            "execTime",
            "method",
            "referer",
            "remoteIP",
            "status",
            "type",
            "url",
            "userAgent",
            "userIP"
        ]
    );
    assert_eq!(data["execTime"], json!(1.5));
    assert_eq!(data["userIP"], json!("10.0.0.1"));
    assert_eq!(data["remoteIP"], json!("127.0.0.1"));
    assert_eq!(
        data["url"],
        json!("/api/collections/posts/records?filter=a%20%3D%201")
    );
}

#[test]
fn a_failure_is_error_with_message_and_details() {
    let details = json!({});
    let failure = RequestFailure {
        message: "Missing collection context.",
        details: &details,
    };
    let row = RequestLog::new(
        &request(&Auth::Guest, Some(failure)),
        &LogsSettings::default(),
    )
    .expect("logged")
    .into_row();
    assert_eq!(row.level, LEVEL_ERROR);
    let data = data(&row);
    assert_eq!(data["error"], json!("Missing collection context."));
    assert_eq!(data["details"], Value::Null);
    assert_eq!(data["status"], json!(404));
}

#[test]
fn settings_decide_what_is_logged() {
    let guest = Auth::Guest;
    let off = LogsSettings {
        max_days: 0,
        ..LogsSettings::default()
    };
    assert!(RequestLog::new(&request(&guest, None), &off).is_none());
    let errors_only = LogsSettings {
        min_level: 4,
        ..LogsSettings::default()
    };
    assert!(RequestLog::new(&request(&guest, None), &errors_only).is_none());
    let no_ip = LogsSettings {
        log_ip: false,
        ..LogsSettings::default()
    };
    let row = RequestLog::new(&request(&guest, None), &no_ip)
        .expect("logged")
        .into_row();
    assert!(!row.data.contains("IP"), "{}", row.data);
}

#[test]
fn the_logs_api_and_the_realtime_stream_log_only_failures() {
    assert!(skips_success("GET", "/api/logs"));
    assert!(skips_success("GET", "/api/logs/stats"));
    assert!(skips_success("GET", "/api/realtime"));
    assert!(!skips_success("POST", "/api/realtime"));
    assert!(skips_success("GET", "/_/"));
    assert!(!skips_success("GET", "/api/logsx"));
    assert!(!skips_success("GET", "/api/health"));
}

#[test]
fn long_values_are_cut_like_pocketbase() {
    assert_eq!(cut("abcdef", 3), "abc...");
    assert_eq!(cut("ééé", 3), "é...");
    assert_eq!(cut("abc", 3), "abc");
    assert_eq!(path_unescape("/a%20b+c").as_deref(), Some("/a b+c"));
    assert_eq!(path_unescape("/a%2"), None);
    assert_eq!(path_unescape("/a%zz"), None);
}

#[test]
fn data_paths_compile_to_json_extract_with_bound_values() {
    let request = RequestInfo::default();
    let fragment = rules::compile_filter(
        "data.status >= 400 && data.method = 'GET'",
        &compile_context(&request),
    )
    .expect("compiles");
    assert!(fragment.sql.contains("JSON_EXTRACT"), "{}", fragment.sql);
    assert!(!fragment.sql.contains("GET"), "{}", fragment.sql);
    assert!(rules::compile_filter("nope = 1", &compile_context(&request)).is_err());
}

#[test]
fn request_and_collection_references_are_not_log_fields() {
    assert!(compile_log_filter("").is_some());
    assert!(compile_log_filter("level > 0 && created > @now").is_some());
    assert!(compile_log_filter("@request.method = 'GET'").is_none());
    assert!(compile_log_filter("data.auth = @collection.users.id").is_none());
}

#[test]
fn flush_returns_once_queued_entries_are_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = crate::config::DataDir::new(tmp.path());
    let store = crate::store::Store::open(&data_dir, 1).expect("store");
    let settings = LogsSettings::default();
    let logger =
        RequestLogger::start(store.logs.writer().expect("writer"), &settings).expect("logger");
    for _ in 0..3 {
        let entry = RequestLog::new(&request(&Auth::Guest, None), &settings).expect("logged");
        logger.push(entry);
    }
    assert!(logger.flush(Duration::from_secs(5)));
    let conn = rusqlite::Connection::open(data_dir.aux_db()).expect("aux.db");
    let count: i64 = conn
        .query_row("SELECT count(*) FROM _logs", [], |row| row.get(0))
        .expect("count");
    assert_eq!(count, 3);
    assert_eq!(logger.dropped.load(Ordering::Relaxed), 0);
}

#[test]
fn turning_logging_off_deletes_every_entry() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = crate::config::DataDir::new(tmp.path());
    let store = crate::store::Store::open(&data_dir, 1).expect("store");
    let settings = LogsSettings::default();
    let logger =
        RequestLogger::start(store.logs.writer().expect("writer"), &settings).expect("logger");
    let entry = RequestLog::new(&request(&Auth::Guest, None), &settings).expect("logged");
    logger.push(entry);
    assert!(logger.flush(Duration::from_secs(5)));
    logger.settings_changed(&LogsSettings {
        max_days: 0,
        ..LogsSettings::default()
    });
    assert!(logger.flush(Duration::from_secs(5)));
    let conn = rusqlite::Connection::open(data_dir.aux_db()).expect("aux.db");
    let count: i64 = conn
        .query_row("SELECT count(*) FROM _logs", [], |row| row.get(0))
        .expect("count");
    assert_eq!(count, 0);
}

#[test]
fn filter_problems_are_told_in_words() {
    assert_eq!(check_log_filter(""), Ok(()));
    assert_eq!(check_log_filter("data.status >= 400 && level > 0"), Ok(()));
    let unknown = check_log_filter("nope = 1").expect_err("unknown field");
    assert!(unknown.starts_with("Invalid filter: "), "{unknown}");
    assert!(unknown.contains("nope"), "{unknown}");
    let broken = check_log_filter("data.status >=").expect_err("incomplete");
    assert!(broken.starts_with("Invalid filter at position"), "{broken}");
    assert!(broken.ends_with("end of the filter."), "{broken}");
    assert_eq!(
        check_log_filter("@request.auth.id != ''"),
        Err("Log filters can't use @request.* or @collection.* fields.".into())
    );
}

#[test]
fn log_ids_sort_by_time() {
    use chrono::TimeZone;
    let earlier = chrono::Utc
        .with_ymd_and_hms(2026, 11, 22, 4, 0, 0)
        .single()
        .expect("time");
    let later = earlier + chrono::Duration::microseconds(1);
    let (a, b) = (new_log_id(earlier), new_log_id(later));
    assert_eq!(a.len(), 15);
    assert!(
        a.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
    assert!(a[..11] < b[..11], "{a} {b}");
    let far = new_log_id(later + chrono::Duration::days(365 * 100));
    assert!(b < far);
}
