//! The admin UI's request log page (`/_/logs`, issue #5 item 4) over plain HTTP: requests
//! made to the API show up in the page, the filter box (the `/api/logs?filter=` language),
//! the toggles, infinite scroll and the detail dialog answer with Datastar SSE fragments,
//! bad filters get their error inline, user text stays escaped. Log writes are
//! asynchronous, so entries are polled for with a bounded wait. Negative rows first.
//! lifebase-only: PocketBase's dashboard is a different application.

mod common;

use std::time::{Duration, Instant};

use common::ui::{Ui, UiResp};
use common::{Auth, Body, Server};
use serde_json::{Value, json};

/// How long a log entry may take to appear (the writer batches for up to 100 ms).
const LOG_WAIT: Duration = Duration::from_secs(15);
/// Rows on one page of the UI (`ui::logs::PER_PAGE`).
const PER_PAGE: usize = 50;
const XSS_AGENT: &str = "<script>alert('ua')</script>";

fn lifebase_only() -> bool {
    if common::is_pocketbase() {
        println!("lifebase-only: the admin UI");
        return false;
    }
    true
}

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

/// Polls `/api/logs` until at least `count` entries match `filter`; returns them.
fn wait_for_logs(s: &Server, filter: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let r = s.get(
            &format!("/api/logs?perPage=500&filter={}", enc(filter)),
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
            items.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The log ids a fragment or page links to, in order.
fn row_ids(html: &str) -> Vec<String> {
    html.split("<a href=\"/_/logs/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

fn row_count(html: &str) -> usize {
    html.matches("class=\"log-row\"").count()
}

/// A Datastar `GET /_/logs/list` with the page's signals.
fn list(ui: &Ui, filter: &str, failed: bool, superusers: bool) -> UiResp {
    let resp = ui.action(
        "GET",
        "/_/logs/list",
        json!({"filter": filter, "failed": failed, "superusers": superusers, "anchor": ""}),
    );
    assert_eq!(resp.status, 200, "{filter}: {}", resp.text);
    assert!(
        resp.content_type.starts_with("text/event-stream"),
        "{resp:?}"
    );
    resp
}

/// Makes the requests the tests look for: guest successes and failures, a superuser
/// request, a request whose URL and User-Agent hold markup, and `extra` more successes.
fn make_requests(server: &Server, extra: usize) {
    assert_eq!(server.get("/api/health?probe=ok", Auth::None).status, 200);
    assert_eq!(
        server
            .get("/api/collections/nope/records", Auth::None)
            .status,
        404
    );
    let bad_login = server.request(
        "POST",
        "/api/collections/users/auth-with-password",
        &Auth::None,
        &Body::Json(json!({"identity": "x@example.com", "password": "wrong-pass"})),
    );
    assert_eq!(bad_login.status, 400, "{}", bad_login.text);
    assert_eq!(
        server
            .get("/api/collections?marker=superuser", Auth::Superuser)
            .status,
        200
    );
    let markup = Ui::anonymous(server).send(
        "GET",
        "/api/xss%3Cscript%3Ealert(1)%3C/script%3E",
        &[("User-Agent", XSS_AGENT)],
        None,
    );
    assert_eq!(markup.status, 404);
    for index in 0..extra {
        assert_eq!(
            server
                .get(&format!("/api/health?n={index}"), Auth::None)
                .status,
            200
        );
    }
    wait_for_logs(server, "", 5 + extra);
}

#[test]
fn log_pages_need_a_session() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let anonymous = Ui::anonymous(&server);
    for path in ["/_/logs", "/_/logs?filter=level%3E0", "/_/logs/abc123"] {
        let resp = anonymous.page(path);
        assert_eq!(resp.status, 303, "{path}");
        assert_eq!(resp.location.as_deref(), Some("/_/login"), "{path}");
    }
    for path in ["/_/logs/list", "/_/logs/more?page=2", "/_/logs/abc123"] {
        let resp = anonymous.action("GET", path, json!({"filter": ""}));
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(
            resp.scripts(),
            ["window.location.assign(\"/_/login\")".to_string()],
            "{path}"
        );
        assert!(!resp.text.contains("log-row"), "{path}");
    }
    // The page has only GET actions: nothing here changes state.
    let ui = Ui::sign_in(&server);
    let post = ui.send(
        "POST",
        "/_/logs/list",
        &[("Datastar-Request", "true")],
        None,
    );
    assert_ne!(post.status, 200, "{post:?}");
    assert!(!post.text.contains("log-row"));
}

#[test]
fn the_log_page_lists_filters_pages_and_opens_entries() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    make_requests(&server, PER_PAGE);

    // The page: newest first, guest requests, a chart, the filter box and its signals.
    let page = ui.page("/_/logs");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("<title>Logs"), "{}", page.text);
    assert!(page.text.contains("id=\"logs-filter\""));
    assert!(
        page.text
            .contains("<label for=\"logs-filter\">Filter</label>")
    );
    assert!(page.text.contains("data-bind=\"filter\""));
    assert!(page.text.contains("Include superuser requests"));
    assert!(page.text.contains("id=\"logs-chart\""));
    assert!(page.text.contains("<rect class=\"logs-bar\""));
    assert!(page.text.contains("aria-current=\"page\">Logs</a>"));
    assert!(!page.text.contains("id=\"logs-disabled\""));
    assert_eq!(row_count(&page.text), PER_PAGE, "the first page is full");
    assert!(
        page.text
            .contains("data-on-intersect=\"@get(&#39;/_/logs/more?page=2&#39;)\"")
            || page
                .text
                .contains("data-on-intersect=\"@get('/_/logs/more?page=2')\"")
    );
    // Newest first: the last request made is the first row.
    let newest = page.text.find("/api/health?n=49").expect("newest row");
    let older = page.text.find("/api/health?n=48").expect("older row");
    assert!(newest < older, "rows are newest first");
    assert!(
        page.text
            .contains("<span class=\"badge level-info\">info</span>")
    );
    // Superuser requests are left out unless asked for, as in PocketBase.
    assert!(!page.text.contains("marker=superuser"));
    let with_superusers = ui.page("/_/logs?superusers=1&filter=marker");
    assert_eq!(with_superusers.status, 200);
    assert!(
        with_superusers
            .text
            .contains("/api/collections?marker=superuser")
    );
    assert!(with_superusers.text.contains("_superusers"));
    assert!(
        with_superusers.text.contains("checked data-on-change")
            || with_superusers.text.contains(" checked")
    );

    // Failures only, with the filter language of /api/logs.
    let failures = list(&ui, "data.status >= 400", false, false);
    let html = failures.fragments();
    assert!(html.contains("id=\"logs-results\""), "{}", failures.text);
    assert!(html.contains("id=\"logs-chart\""));
    assert!(html.contains("<p id=\"logs-filter-error\" class=\"error\" role=\"alert\"></p>"));
    assert_eq!(row_count(&html), 3, "{html}");
    assert!(html.contains("/api/collections/nope/records"));
    assert!(html.contains("/api/collections/users/auth-with-password"));
    assert!(html.contains("<span class=\"badge level-error\">error</span>"));
    assert!(!html.contains("/api/health"), "{html}");
    assert!(!html.contains("data-on-intersect"), "one page only");
    assert!(
        failures.signals()["anchor"]
            .as_str()
            .is_some_and(|a| a.ends_with('Z'))
    );
    assert_eq!(
        failures.scripts(),
        [
            "history.replaceState(null, \"\", \"/_/logs?filter=data.status+%3E%3D+400\")"
                .to_string()
        ]
    );
    // The same through the "errors only" toggle, and a POST filter.
    let errors_only = list(&ui, "", true, false).fragments();
    assert_eq!(row_count(&errors_only), 3, "{errors_only}");
    // POSTs: the failed user sign-in and the harness's own superuser sign-in.
    let posts = list(&ui, "data.method = \"POST\"", false, false).fragments();
    assert_eq!(row_count(&posts), 2, "{posts}");
    assert!(posts.contains("/api/collections/users/auth-with-password"));
    let users = list(&ui, "data.url ~ \"/api/collections/users\"", false, true).fragments();
    assert_eq!(row_count(&users), 1, "{users}");
    // A plain word searches the message and data.
    let search = list(&ui, "nope", false, false).fragments();
    assert_eq!(row_count(&search), 1, "{search}");
    assert!(search.contains("/api/collections/nope/records"));
    let none = list(&ui, "data.status = 599", false, false).fragments();
    assert!(none.contains("No log entries match."), "{none}");

    // Bad filters: the error under the box, the listing left alone.
    for (filter, message) in [
        ("data.status >=", "Invalid filter"),
        ("nope.field = 1", "Invalid filter"),
        (
            "@request.auth.id != \"\"",
            "Log filters can&#39;t use @request.* or @collection.* fields.",
        ),
        ("(level > 0", "Invalid filter"),
    ] {
        let bad = list(&ui, filter, false, false);
        let html = bad.fragments();
        assert!(
            html.starts_with("<p id=\"logs-filter-error\""),
            "{filter}: {html}"
        );
        assert!(html.contains(message), "{filter}: {html}");
        assert!(!html.contains("logs-results"), "{filter}: {html}");
        assert!(bad.scripts().is_empty(), "{filter}");
    }
    // A bad filter in the address shows its error over the unfiltered list.
    let bad_page = ui.page(&format!("/_/logs?filter={}", enc("data.status >=")));
    assert_eq!(bad_page.status, 200);
    assert!(bad_page.text.contains("Invalid filter"));
    assert!(row_count(&bad_page.text) > 0);

    // Infinite scroll: the next page appended, then the end of the list.
    let listed_total = wait_for_logs(&server, "data.auth != \"_superusers\"", PER_PAGE).len();
    assert!(listed_total > PER_PAGE);
    let first = list(&ui, "", false, false);
    let first_html = first.fragments();
    let anchor = first.signals()["anchor"].clone();
    let first_ids = row_ids(&first_html);
    assert_eq!(first_ids.len(), PER_PAGE);
    // Requests logged after the listing started don't shift the next page.
    assert_eq!(server.get("/api/health?late=1", Auth::None).status, 200);
    wait_for_logs(&server, "data.url ~ \"late=1\"", 1);
    let more = ui.action(
        "GET",
        "/_/logs/more?page=2",
        json!({"filter": "", "failed": false, "superusers": false, "anchor": anchor}),
    );
    assert_eq!(more.status, 200);
    let events = more.events();
    assert_eq!(events.len(), 2, "{}", more.text);
    assert_eq!(events[0].arg("selector"), "#logs-rows");
    assert_eq!(events[0].arg("mergeMode"), "append");
    assert_eq!(events[1].arg("selector"), "#logs-more");
    assert_eq!(events[1].arg("mergeMode"), "outer");
    let second_ids = row_ids(&events[0].arg("fragments"));
    assert_eq!(second_ids.len(), listed_total - PER_PAGE, "{}", more.text);
    assert!(second_ids.iter().all(|id| !first_ids.contains(id)));
    assert!(!more.text.contains("late=1"));
    assert!(!events[1].arg("fragments").contains("data-on-intersect"));
    // A tampered anchor is not filter text: it falls back to now.
    let tampered = ui.action(
        "GET",
        "/_/logs/more?page=1",
        json!({"filter": "", "anchor": "2000-01-01 00:00:00.000Z\" || level > -100 || \""}),
    );
    assert_eq!(tampered.status, 200);
    assert!(tampered.fragments().contains("late=1"));

    // The detail: full entry, data pretty-printed, markup escaped.
    let xss = wait_for_logs(&server, "data.url ~ \"xss\"", 1);
    let id = xss[0]["id"].as_str().expect("id").to_string();
    let listed = list(&ui, "xss", false, false).fragments();
    assert!(
        listed.contains(&format!("@get('/_/logs/{id}')"))
            || listed.contains(&format!("@get(&#39;/_/logs/{id}&#39;)"))
    );
    assert!(!listed.contains("<script>"), "{listed}");
    let detail = ui.action("GET", &format!("/_/logs/{id}"), json!({}));
    assert_eq!(detail.status, 200);
    let html = detail.fragments();
    assert!(html.starts_with("<div id=\"log-detail\">"), "{html}");
    assert!(html.contains(&id));
    assert!(html.contains("aria-label=\"Close\""));
    assert!(
        html.contains("&#60;script&#62;alert(&#39;ua&#39;)&#60;/script&#62;"),
        "{html}"
    );
    assert!(
        html.contains("GET /api/xss&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(
        html.contains("&#34;status&#34;: 404"),
        "pretty JSON: {html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(detail.scripts().len(), 1);
    assert!(detail.scripts()[0].contains("showModal()"));
    // A shared link to the entry is a page of its own.
    let standalone = ui.page(&format!("/_/logs/{id}"));
    assert_eq!(standalone.status, 200);
    assert!(
        standalone
            .text
            .contains("&#60;script&#62;alert(&#39;ua&#39;)&#60;/script&#62;")
    );
    assert!(!standalone.text.contains(XSS_AGENT));
    assert!(!standalone.text.contains("aria-label=\"Close\""));
    // Unknown entries: a flash for the dialog, a 404 page for a visit.
    let missing = ui.action("GET", "/_/logs/nosuchlog123456", json!({}));
    assert_eq!(missing.status, 200);
    assert!(
        missing.fragments().contains("wasn&#39;t found")
            || missing.fragments().contains("wasn't found"),
        "{}",
        missing.text
    );
    assert_eq!(ui.page("/_/logs/nosuchlog123456").status, 404);
}

#[test]
fn turned_off_logging_is_pointed_out() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/logs");
    assert!(!page.text.contains("id=\"logs-disabled\""));
    server.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"logs": {"maxDays": 0}})),
        200,
    );
    let page = ui.page("/_/logs");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"logs-disabled\""), "{}", page.text);
    assert!(page.text.contains("<a href=\"/_/settings\">"));
    assert!(page.text.contains("No log entries match."));
}
