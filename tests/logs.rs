//! The request log, black-box: requests made over HTTP show up in `/api/logs` with
//! PocketBase's shape, `/api/logs/{id}` and `/api/logs/stats` answer as PocketBase's do,
//! filters reach into `data`, and the `logs` settings (`maxDays`, `logIP`, `logAuthId`)
//! change what is written. Log writes are asynchronous (PocketBase flushes every 3 s), so
//! tests poll with a bounded wait. Negative rows come first in each table.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::fixture::Fixture;
use common::scenario::{As, Scenario, check_list_shape, run};
use common::{Auth, Body, Resp, Server};
use serde_json::{Value, json};

const UNAUTHORIZED: &str = "The request requires valid record authorization token.";
const FORBIDDEN: &str = "The authorized record is not allowed to perform this action.";
const SOMETHING_WENT_WRONG: &str = "Something went wrong while processing your request.";
const INVALID_FILTER: &str = "Invalid filter format.";
const NOT_FOUND: &str = "The requested resource wasn't found.";
/// How long a log entry may take to appear (PocketBase writes every 3 s).
const LOG_WAIT: Duration = Duration::from_secs(15);

/// Percent-encodes a query value.
fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A scenario URL built at run time (the table wants `&'static str`).
fn url(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// `/api/logs?filter=<filter><extra>`.
fn logs_url(filter: &str, extra: &str) -> &'static str {
    url(format!("/api/logs?filter={}{extra}", enc(filter)))
}

/// Polls the logs matching `filter` until there are at least `count`; returns them.
fn wait_for_logs(s: &Server, filter: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let r = s.get(
            &format!("/api/logs?perPage=1000&filter={}", enc(filter)),
            Auth::Superuser,
        );
        assert_eq!(r.status, 200, "listing logs failed: {}", r.text);
        let items = r.json["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= count {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "{count} log(s) matching {filter:?} did not appear within {LOG_WAIT:?}; have {}",
            r.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls until no log matches `filter`.
fn wait_for_no_logs(s: &Server, filter: &str) {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let r = s.get(
            &format!("/api/logs?filter={}", enc(filter)),
            Auth::Superuser,
        );
        if r.json["totalItems"] == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "logs matching {filter:?} were not deleted within {LOG_WAIT:?}: {}",
            r.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A user in the default `users` collection, and its token.
fn user_token(s: &Server) -> String {
    s.must(
        "POST",
        "/api/collections/users/records",
        Auth::Superuser,
        Body::Json(json!({
            "email": "logs-user@example.com",
            "password": "user-pass-123",
            "passwordConfirm": "user-pass-123",
        })),
        200,
    );
    s.login("users", "logs-user@example.com", "user-pass-123")
}

fn item_keys(item: &Value) -> Vec<String> {
    let mut keys: Vec<String> = item
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn items(r: &Resp) -> Vec<Value> {
    r.json["items"].as_array().cloned().unwrap_or_default()
}

/// A log item has exactly PocketBase's keys, and request data its usual ones.
fn check_marker_log(r: &Resp) -> Result<(), String> {
    check_list_shape(r)?;
    let items = items(r);
    let item = items.first().ok_or("no log")?;
    if item_keys(item) != ["created", "data", "id", "level", "message"] {
        return Err(format!("log keys are {:?}", item_keys(item)));
    }
    let data = &item["data"];
    for key in ["execTime", "status"] {
        if !data[key].is_number() {
            return Err(format!("data.{key} is not a number: {}", data[key]));
        }
    }
    for key in [
        "referer",
        "userAgent",
        "userIP",
        "remoteIP",
        "url",
        "method",
    ] {
        if !data[key].is_string() {
            return Err(format!("data.{key} is not a string: {}", data[key]));
        }
    }
    if data["remoteIP"] != "127.0.0.1" {
        return Err(format!("remoteIP is {}", data["remoteIP"]));
    }
    let created = item["created"].as_str().unwrap_or_default();
    if created.len() != 24 || !created.ends_with('Z') || &created[10..11] != " " {
        return Err(format!(
            "created is not PocketBase's date format: {created}"
        ));
    }
    Ok(())
}

fn check_all_failed(r: &Resp) -> Result<(), String> {
    let items = items(r);
    if items.len() < 3 {
        return Err(format!("only {} failed requests logged", items.len()));
    }
    for item in &items {
        if item["data"]["status"].as_i64().unwrap_or(0) < 400 || item["level"] != 8 {
            return Err(format!("not a failure: {item}"));
        }
    }
    Ok(())
}

fn check_status_descending(r: &Resp) -> Result<(), String> {
    let statuses: Vec<i64> = items(r)
        .iter()
        .map(|item| item["data"]["status"].as_i64().unwrap_or(0))
        .collect();
    let mut sorted = statuses.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    if statuses.len() < 2 || statuses != sorted {
        return Err(format!("statuses not sorted descending: {statuses:?}"));
    }
    Ok(())
}

fn check_only_id_and_level(r: &Resp) -> Result<(), String> {
    for item in items(r) {
        if item_keys(&item) != ["id", "level"] {
            return Err(format!("fields not picked: {item}"));
        }
    }
    Ok(())
}

fn check_stats(r: &Resp) -> Result<(), String> {
    let hours = r.json.as_array().ok_or("stats is not an array")?;
    let mut total = 0;
    for hour in hours {
        if item_keys(hour) != ["date", "total"] {
            return Err(format!("stats keys are {:?}", item_keys(hour)));
        }
        let date = hour["date"].as_str().unwrap_or_default();
        if date.len() != 24 || !date.ends_with(":00:00.000Z") {
            return Err(format!("stats date is not an hour: {date}"));
        }
        total += hour["total"].as_i64().unwrap_or(0);
    }
    if total < 5 {
        return Err(format!("stats count {total} logs"));
    }
    Ok(())
}

#[test]
fn logs_api() {
    let s = Server::start();
    let user = user_token(&s);
    // The requests the table looks for; the last one is waited for.
    s.get("/api/collections/logs_marker_missing/records", Auth::None);
    s.get("/api/health?marker=superuser", Auth::Superuser);
    s.post(
        "/api/collections/users/records",
        Auth::None,
        json!({"email": "logs-marker@example.com"}),
    );
    s.get("/api/logs", Auth::Superuser);
    s.get("/api/logs?marker=guest", Auth::None);
    wait_for_logs(&s, "data.url = '/api/logs?marker=guest'", 1);
    let marker = wait_for_logs(&s, "data.url ~ 'logs_marker_missing'", 1);
    let mut vars = BTreeMap::new();
    vars.insert("log_id", marker[0]["id"].as_str().unwrap_or("").to_string());
    let fx = Fixture {
        vars,
        user1_token: user,
        user2_token: String::new(),
    };
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "guests may not list logs",
                url: "/api/logs",
                expect_status: 401,
                expect_json: vec![("/message", json!(UNAUTHORIZED)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a garbage token is a guest",
                url: "/api/logs",
                auth: As::Header("garbage"),
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a regular user may not list logs",
                url: "/api/logs",
                auth: As::User1,
                expect_status: 403,
                expect_json: vec![("/message", json!(FORBIDDEN))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guests may not read the stats",
                url: "/api/logs/stats",
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a regular user may not read the stats",
                url: "/api/logs/stats",
                auth: As::User1,
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guests get 401 for a log, even one that does not exist",
                url: "/api/logs/missing",
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a regular user may not view a log",
                url: "/api/logs/{log_id}",
                auth: As::User1,
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a log that does not exist is 404",
                url: "/api/logs/missing",
                auth: As::Superuser,
                expect_status: 404,
                expect_json: vec![("/message", json!(NOT_FOUND)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a filter that does not parse is the generic 400",
                url: logs_url("data.status >=", ""),
                auth: As::Superuser,
                expect_status: 400,
                expect_json: vec![("/message", json!(SOMETHING_WENT_WRONG))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a filter on an unknown field is 400",
                url: logs_url("nope = 1", ""),
                auth: As::Superuser,
                expect_status: 400,
                expect_json: vec![("/message", json!(SOMETHING_WENT_WRONG))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "@request fields are not log fields",
                url: logs_url("@request.method = 'GET'", ""),
                auth: As::Superuser,
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a sort on an unknown field is 400",
                url: "/api/logs?sort=-level,nope",
                auth: As::Superuser,
                expect_status: 400,
                expect_json: vec![("/message", json!(SOMETHING_WENT_WRONG))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a malformed page size is 400",
                url: "/api/logs?perPage=abc",
                auth: As::Superuser,
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "stats with a bad filter is 400 Invalid filter format",
                url: url(format!("/api/logs/stats?filter={}", enc("nope = 1"))),
                auth: As::Superuser,
                expect_status: 400,
                expect_json: vec![("/message", json!(INVALID_FILTER)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a failed request is logged at level 8 with its error",
                url: logs_url("data.url ~ 'logs_marker_missing'", ""),
                auth: As::Superuser,
                expect_json: vec![
                    ("/totalItems", json!(1)),
                    ("/items/0/id", json!("{log_id}")),
                    ("/items/0/level", json!(8)),
                    (
                        "/items/0/message",
                        json!("GET /api/collections/logs_marker_missing/records"),
                    ),
                    ("/items/0/data/type", json!("request")),
                    ("/items/0/data/method", json!("GET")),
                    ("/items/0/data/status", json!(404)),
                    ("/items/0/data/auth", json!("")),
                    ("/items/0/data/error", json!("Missing collection context.")),
                    (
                        "/items/0/data/url",
                        json!("/api/collections/logs_marker_missing/records"),
                    ),
                ],
                check: Some(check_marker_log),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a failed create is logged with its error details",
                url: logs_url("data.method = 'POST' && data.status = 400", ""),
                auth: As::Superuser,
                expect_json: vec![
                    ("/totalItems", json!(1)),
                    (
                        "/items/0/message",
                        json!("POST /api/collections/users/records"),
                    ),
                    ("/items/0/data/error", json!("Failed to create record.")),
                ],
                expect_body: vec![r#""details":{"#, r#""password":"#],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a success is level 0 and names the auth collection, without authId by default",
                url: logs_url("data.url = '/api/health?marker=superuser'", ""),
                auth: As::Superuser,
                expect_json: vec![
                    ("/totalItems", json!(1)),
                    ("/items/0/level", json!(0)),
                    (
                        "/items/0/message",
                        json!("GET /api/health?marker=superuser"),
                    ),
                    ("/items/0/data/status", json!(200)),
                    ("/items/0/data/auth", json!("_superusers")),
                ],
                expect_not_in_body: vec!["authId", r#""error""#, "details"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "successful requests to the logs API are not logged, failed ones are",
                url: logs_url("data.url ~ '/api/logs'", "&sort=created"),
                auth: As::Superuser,
                expect_json: vec![
                    ("/items/0/data/status", json!(401)),
                    ("/items/0/message", json!("GET /api/logs?marker=guest")),
                ],
                expect_not_in_body: vec![r#""status":200"#],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "data.status >= 400 keeps only failures",
                url: logs_url("data.status >= 400", "&perPage=100"),
                auth: As::Superuser,
                check: Some(check_all_failed),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "sorting by a data path",
                url: logs_url("data.status >= 200", "&sort=-data.status,created"),
                auth: As::Superuser,
                check: Some(check_status_descending),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a match on the url and the method",
                url: logs_url(
                    "data.url ~ 'marker' && data.method = 'GET' && level = 8",
                    "",
                ),
                auth: As::Superuser,
                expect_json: vec![("/totalItems", json!(2))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "perPage is capped at 1000 and skipTotal gives -1 totals",
                url: "/api/logs?perPage=5000&skipTotal=1",
                auth: As::Superuser,
                expect_json: vec![
                    ("/perPage", json!(1000)),
                    ("/totalItems", json!(-1)),
                    ("/totalPages", json!(-1)),
                ],
                check: Some(check_list_shape),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "paging",
                url: "/api/logs?perPage=2&page=2",
                auth: As::Superuser,
                expect_json: vec![("/page", json!(2)), ("/perPage", json!(2))],
                expect_len: vec![("/items", 2)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "fields picks keys of each log",
                url: "/api/logs?fields=id,level",
                auth: As::Superuser,
                check: Some(check_only_id_and_level),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "one log by id",
                url: "/api/logs/{log_id}",
                auth: As::Superuser,
                expect_json: vec![
                    ("/id", json!("{log_id}")),
                    ("/level", json!(8)),
                    (
                        "/message",
                        json!("GET /api/collections/logs_marker_missing/records"),
                    ),
                    ("/data/status", json!(404)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "stats count logs per hour",
                url: "/api/logs/stats",
                auth: As::Superuser,
                check: Some(check_stats),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "stats take a filter",
                url: url(format!(
                    "/api/logs/stats?filter={}",
                    enc("data.url ~ 'logs_marker_missing'")
                )),
                auth: As::Superuser,
                expect_len: vec![("", 1)],
                expect_json: vec![("/0/total", json!(1))],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn log_ip_off_hides_addresses_and_log_auth_id_names_the_record() {
    let s = Server::start();
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"logs": {"logIP": false, "logAuthId": true}})),
        200,
    );
    let me = s.get("/api/collections/_superusers/records", Auth::Superuser);
    let superuser_id = me.json["items"][0]["id"].clone();
    s.get("/api/health?marker=private", Auth::Superuser);
    let logs = wait_for_logs(&s, "data.url = '/api/health?marker=private'", 1);
    let data = &logs[0]["data"];
    assert!(data.get("userIP").is_none(), "userIP logged: {data}");
    assert!(data.get("remoteIP").is_none(), "remoteIP logged: {data}");
    assert_eq!(data["authId"], superuser_id, "{data}");
    assert_eq!(data["auth"], "_superusers", "{data}");
}

#[test]
fn max_days_zero_disables_logging_and_clears_the_log() {
    let s = Server::start();
    s.get("/api/health?marker=before", Auth::None);
    wait_for_logs(&s, "data.url = '/api/health?marker=before'", 1);
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"logs": {"maxDays": 0}})),
        200,
    );
    s.get("/api/health?marker=off", Auth::None);
    s.get("/api/collections/marker_off/records", Auth::None);
    // Every log goes when logging is turned off.
    wait_for_no_logs(&s, "");
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"logs": {"maxDays": 7}})),
        200,
    );
    s.get("/api/health?marker=on", Auth::None);
    wait_for_logs(&s, "data.url = '/api/health?marker=on'", 1);
    let off = s.get(
        &format!("/api/logs?filter={}", enc("data.url ~ 'off'")),
        Auth::Superuser,
    );
    assert_eq!(off.json["totalItems"], 0, "logged while off: {}", off.text);
}

#[test]
fn min_level_keeps_only_failures() {
    let s = Server::start();
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"logs": {"minLevel": 4}})),
        200,
    );
    s.get("/api/health?marker=quiet", Auth::None);
    s.get("/api/collections/marker_loud/records", Auth::None);
    wait_for_logs(&s, "data.url ~ 'marker_loud'", 1);
    let quiet = s.get(
        &format!("/api/logs?filter={}", enc("data.url ~ 'quiet'")),
        Auth::Superuser,
    );
    assert_eq!(quiet.json["totalItems"], 0, "info logged: {}", quiet.text);
}

#[test]
fn logs_survive_a_graceful_stop() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data_dir = tmp.path().join("data");
    let mut s = Server::start_in(&data_dir, tmp.path());
    s.get("/api/health?marker=last-words", Auth::None);
    s.stop();
    let s = Server::start_in(&data_dir, tmp.path());
    let logs = wait_for_logs(&s, "data.url = '/api/health?marker=last-words'", 1);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["data"]["status"], 200);
}
