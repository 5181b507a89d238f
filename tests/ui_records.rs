//! The admin UI's record browser over plain HTTP (issue #5, "Records"): the table of a
//! collection, filter (with its errors), sort, infinite scroll, cells edited in place, the
//! record form (several field types, relation picker, file upload as multipart, field
//! errors), bulk delete, and the live stream fed by writes made through the REST API.
//! Datastar answers are asserted as SSE text. lifebase-only: PocketBase's dashboard is a
//! different application.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::ui::{Ui, UiResp};
use common::{Auth, Body, Server, multipart};
use serde_json::{Value, json};

fn lifebase_only() -> bool {
    if common::is_pocketbase() {
        println!("lifebase-only: the admin UI");
        return false;
    }
    true
}

/// `authors` (name, presentable) and `posts` with one field of most types.
fn create_collections(server: &Server) -> String {
    let authors = server.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "authors",
            "type": "base",
            "fields": [{"name": "name", "type": "text", "presentable": true}],
        })),
        200,
    );
    let authors_id = authors["id"].as_str().expect("id").to_string();
    server.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "posts",
            "type": "base",
            "fields": [
                {"name": "title", "type": "text", "required": true, "max": 40},
                {"name": "views", "type": "number", "max": 1000},
                {"name": "published", "type": "bool"},
                {"name": "tag", "type": "select", "values": ["news", "blog"], "maxSelect": 1},
                {"name": "author", "type": "relation", "collectionId": authors_id, "maxSelect": 1},
                {"name": "doc", "type": "file", "maxSelect": 1, "maxSize": 100000},
                {"name": "meta", "type": "json"},
                {"name": "when", "type": "date"},
                {"name": "created", "type": "autodate", "onCreate": true},
                {"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true},
            ],
        })),
        200,
    );
    let author = server.must(
        "POST",
        "/api/collections/authors/records",
        Auth::Superuser,
        Body::Json(json!({"name": "Ada Lovelace"})),
        200,
    );
    author["id"].as_str().expect("id").to_string()
}

fn create_post(server: &Server, body: Value) -> String {
    let record = server.must(
        "POST",
        "/api/collections/posts/records",
        Auth::Superuser,
        Body::Json(body),
        200,
    );
    record["id"].as_str().expect("id").to_string()
}

/// Sends a multipart form as the page's `@post(url, {contentType: 'form'})` does.
fn post_form(ui: &Ui, path: &str, body: Body) -> UiResp {
    let Body::Bytes(content_type, bytes) = body else {
        panic!("multipart body expected");
    };
    ui.send(
        "POST",
        path,
        &[
            ("Datastar-Request", "true"),
            ("X-CSRF-Token", ui.csrf.as_str()),
        ],
        Some((content_type, bytes)),
    )
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn records_pages_need_a_session_csrf_and_an_existing_collection() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collections(&server);
    let anonymous = Ui::anonymous(&server);
    let resp = anonymous.page("/_/collections/posts");
    assert_eq!(resp.status, 303);
    assert_eq!(resp.location.as_deref(), Some("/_/login"));
    let resp = anonymous.action("GET", "/_/collections/posts/records/rows", json!({}));
    assert_eq!(
        resp.scripts(),
        ["window.location.assign(\"/_/login\")".to_string()]
    );

    let ui = Ui::sign_in(&server);
    // Writes need the CSRF header.
    let Body::Bytes(content_type, bytes) = multipart(&[("ids", "x")], &[]) else {
        unreachable!()
    };
    let resp = ui.send(
        "POST",
        "/_/collections/posts/records/bulk-delete",
        &[("Datastar-Request", "true")],
        Some((content_type, bytes)),
    );
    assert_eq!(resp.status, 403, "{}", resp.text);

    let resp = ui.page("/_/collections/nope");
    assert_eq!(resp.status, 404);
    assert!(resp.text.contains("This page does not exist."));
    let resp = ui.action("GET", "/_/collections/nope/records/rows", json!({}));
    assert_eq!(resp.status, 200);
    assert!(
        resp.text.contains("The collection does not exist."),
        "{}",
        resp.text
    );
}

#[test]
fn the_table_filters_sorts_and_loads_more_as_it_scrolls() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let author = create_collections(&server);
    for n in 0..60 {
        create_post(
            &server,
            json!({"title": format!("post {n:02}"), "views": n, "published": n % 2 == 0,
                   "tag": if n % 3 == 0 { "news" } else { "blog" }, "author": author,
                   "meta": {"n": n}}),
        );
    }
    let ui = Ui::sign_in(&server);

    let page = ui.page("/_/collections/posts");
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains("<h1>posts"));
    assert!(html.contains("60 records"));
    assert_eq!(
        count(html, "<tr id=\"row-"),
        50,
        "the first page has 50 rows"
    );
    assert!(
        html.contains("id=\"more\""),
        "a sentinel loads the next page"
    );
    assert!(
        html.contains(
            "data-on-intersect__once=\"@get('/_/collections/posts/records/rows?page=2')\""
        )
    );
    // Newest first, with the cells shown by type.
    assert!(html.contains("post 59"));
    assert!(!html.contains("post 05<"));
    assert!(html.contains("aria-sort=\"descending\""));
    assert!(html.contains("<span class=\"chip\">blog</span>"));
    assert!(
        html.contains("Ada Lovelace"),
        "relations show the presentable field"
    );
    assert!(
        html.contains("{&#34;n&#34;:59}"),
        "json is shown abbreviated"
    );
    assert!(html.contains("<span class=\"yes\" title=\"true\">✓</span>"));
    assert!(html.contains("data-on-load=\"window.lbRecordsLive"));

    // The next page is appended, and it is the last one.
    let more = ui.action(
        "GET",
        "/_/collections/posts/records/rows?page=2",
        json!({"q": "", "sort": "-created"}),
    );
    assert_eq!(more.status, 200);
    let events = more.events();
    assert_eq!(events[0].name, "datastar-remove-fragments");
    assert_eq!(events[0].arg("selector"), "#more");
    assert_eq!(events[1].arg("selector"), "#rows");
    assert_eq!(events[1].arg("mergeMode"), "append");
    assert_eq!(count(&more.fragments(), "<tr id=\"row-"), 10);
    assert!(!more.fragments().contains("id=\"more\""));

    // A filter replaces the table.
    let filtered = ui.action(
        "GET",
        "/_/collections/posts/records/rows",
        json!({"q": "title ~ 'post 1' && published = true", "sort": "-created"}),
    );
    let fragments = filtered.fragments();
    assert!(fragments.contains("<p id=\"filter-error\" class=\"error\" role=\"alert\"></p>"));
    assert_eq!(count(&fragments, "<tr id=\"row-"), 5, "{fragments}");
    assert!(fragments.contains("5 records"));
    assert!(
        fragments.contains("<div id=\"live\""),
        "the live stream reopens with the filter"
    );

    // A bad filter is explained under the box, and the table stays.
    let bad = ui.action(
        "GET",
        "/_/collections/posts/records/rows",
        json!({"q": "title ~", "sort": "-created"}),
    );
    let fragments = bad.fragments();
    assert!(fragments.contains("id=\"filter-error\""));
    assert!(fragments.contains("Invalid filter"), "{fragments}");
    assert!(!fragments.contains("<tr id=\"row-"));
    let unknown = ui.action(
        "GET",
        "/_/collections/posts/records/rows",
        json!({"q": "nope = 1", "sort": "-created"}),
    );
    assert!(
        unknown
            .fragments()
            .contains("unknown field &quot;nope&quot;"),
        "{}",
        unknown.text
    );

    // Sorting by a header: ascending first, `aria-sort` follows.
    let sorted = ui.action(
        "GET",
        "/_/collections/posts/records/rows",
        json!({"q": "", "sort": "title"}),
    );
    let fragments = sorted.fragments();
    let first = fragments
        .find("post 00")
        .expect("post 00 on the first page");
    let later = fragments
        .find("post 01")
        .expect("post 01 on the first page");
    assert!(first < later);
    assert!(fragments.contains("<th scope=\"col\" aria-sort=\"ascending\" class=\"col-text\"><button type=\"button\" id=\"sort-title\" data-on-click=\"$sort = &#34;-title&#34;;"));
    let bad_sort = ui.action(
        "GET",
        "/_/collections/posts/records/rows",
        json!({"q": "", "sort": "nope"}),
    );
    assert!(bad_sort.fragments().contains("Invalid sort"));
}

#[test]
fn cells_are_edited_in_place_through_the_records_service() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collections(&server);
    let id = create_post(&server, json!({"title": "first", "views": 1}));
    let ui = Ui::sign_in(&server);
    let cell = format!("/_/collections/posts/records/{id}/cell/title");

    let editor = ui.action("GET", &cell, json!({}));
    let fragments = editor.fragments();
    assert!(fragments.contains(&format!(
        "<td id=\"cell-{id}-title\" class=\"cell editing\">"
    )));
    assert!(fragments.contains("name=\"value\" value=\"first\""));
    assert_eq!(editor.events()[0].arg("mergeMode"), "outer");

    let saved = post_form(&ui, &cell, multipart(&[("value", "renamed")], &[]));
    assert_eq!(saved.status, 200);
    let scripts = saved.scripts().join("\n");
    assert!(scripts.contains(&format!("document.querySelector(\"#row-{id}\")")));
    assert!(scripts.contains("renamed"), "{scripts}");
    let stored = server.must(
        "GET",
        &format!("/api/collections/posts/records/{id}"),
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(stored["title"], "renamed");

    // A refused value keeps the input, with the service's message under it.
    let refused = post_form(
        &ui,
        &format!("/_/collections/posts/records/{id}/cell/views"),
        multipart(&[("value", "5000")], &[]),
    );
    let fragments = refused.fragments();
    assert!(
        fragments.contains("class=\"cell editing\""),
        "{}",
        refused.text
    );
    assert!(fragments.contains("value=\"5000\""));
    assert!(
        fragments.contains("Must be less or equal than 1000"),
        "{fragments}"
    );

    // Bools save unchecked as false, checked as true.
    let toggled = post_form(
        &ui,
        &format!("/_/collections/posts/records/{id}/cell/published"),
        multipart(&[("value", "true")], &[]),
    );
    assert!(toggled.scripts().join("").contains("✓"));
    // Fields edited in the form have no cell editor.
    let no_editor = ui.action(
        "GET",
        &format!("/_/collections/posts/records/{id}/cell/meta"),
        json!({}),
    );
    assert!(
        no_editor
            .text
            .contains("This field is edited in the record form.")
    );
    // Escape shows the row again.
    let view = ui.action("GET", &format!("{cell}/view"), json!({}));
    assert!(view.scripts().join("").contains("renamed"));
}

#[test]
fn the_record_form_creates_and_edits_with_relations_and_files() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let author = create_collections(&server);
    let ui = Ui::sign_in(&server);

    let new = ui.action("GET", "/_/collections/posts/records/new", json!({}));
    let form = new.fragments();
    for needle in [
        "<h2 id=\"record-dialog-title\">New posts record</h2>",
        "id=\"f-title\" name=\"title\"",
        "type=\"number\" step=\"any\"",
        "type=\"checkbox\" name=\"published\" value=\"true\"",
        "<option value=\"news\">news</option>",
        "id=\"relsel-author\"",
        "/_/collections/posts/records/relation/author?search=",
        "type=\"file\" name=\"doc\"",
        "<textarea id=\"f-meta\" name=\"meta\" class=\"mono\"",
        "type=\"datetime-local\"",
        "@post('/_/collections/posts/records', {contentType: 'form'})",
    ] {
        assert!(form.contains(needle), "{needle} in {form}");
    }
    assert!(new.scripts().join("").contains("showModal()"));

    // The relation picker searches the target collection and adds chips.
    let options = ui.action(
        "GET",
        "/_/collections/posts/records/relation/author?search=ada",
        json!({}),
    );
    assert!(
        options.fragments().contains("Ada Lovelace"),
        "{}",
        options.text
    );
    let none = ui.action(
        "GET",
        "/_/collections/posts/records/relation/author?search=%22%27zzz",
        json!({}),
    );
    assert!(
        none.fragments().contains("No authors records found."),
        "{}",
        none.text
    );
    let pick = ui.action(
        "GET",
        &format!("/_/collections/posts/records/relation/author/pick/{author}"),
        json!({}),
    );
    assert_eq!(pick.events()[0].arg("selector"), "#relsel-author");
    assert!(pick.fragments().contains(&format!(
        "<input type=\"hidden\" name=\"author\" value=\"{author}\">"
    )));

    // Field errors come back under each input.
    let refused = post_form(
        &ui,
        "/_/collections/posts/records",
        multipart(&[("title", ""), ("views", "5000"), ("meta", "{nope")], &[]),
    );
    let fragments = refused.fragments();
    assert!(
        fragments.contains("<p id=\"ferr-meta\" class=\"field-error\">Must be valid JSON"),
        "{fragments}"
    );
    let refused = post_form(
        &ui,
        "/_/collections/posts/records",
        multipart(&[("title", ""), ("views", "5000")], &[]),
    );
    let fragments = refused.fragments();
    assert!(
        fragments.contains("<p id=\"ferr-title\" class=\"field-error\">Cannot be blank.</p>"),
        "{fragments}"
    );
    assert!(
        fragments
            .contains("<p id=\"ferr-views\" class=\"field-error\">Must be less or equal than 1000")
    );
    assert!(fragments.contains("<p id=\"ferr-tag\" class=\"field-error\"></p>"));

    // A valid form with a file creates the record and puts its row on top.
    let png = include_bytes!("../templates/ui/README.md");
    let created = post_form(
        &ui,
        "/_/collections/posts/records",
        multipart(
            &[
                ("title", "hello form"),
                ("views", "12"),
                ("published", "true"),
                ("tag", "news"),
                ("author", &author),
                ("meta", "{\"a\": [1, 2]}"),
                ("when", "2024-05-06T07:08:09"),
                ("@filter", ""),
            ],
            &[("doc", "notes.txt", png)],
        ),
    );
    assert_eq!(created.status, 200);
    assert!(created.text.contains("Created record"), "{}", created.text);
    let prepend = created
        .events()
        .into_iter()
        .find(|event| event.arg("mergeMode") == "prepend")
        .expect("the new row is prepended");
    assert_eq!(prepend.arg("selector"), "#rows");
    assert!(prepend.arg("fragments").contains("hello form"));
    let list = server.must(
        "GET",
        "/api/collections/posts/records",
        Auth::Superuser,
        Body::None,
        200,
    );
    let record = &list["items"][0];
    let id = record["id"].as_str().expect("id").to_string();
    assert_eq!(record["views"], 12);
    assert_eq!(record["published"], true);
    assert_eq!(record["tag"], "news");
    assert_eq!(record["author"], author.as_str());
    assert_eq!(record["meta"], json!({"a": [1, 2]}));
    assert_eq!(record["when"], "2024-05-06 07:08:09.000Z");
    let doc = record["doc"].as_str().expect("doc").to_string();
    assert!(doc.starts_with("notes_") && doc.ends_with(".txt"), "{doc}");

    // A form that does not match the table's filter does not add a row.
    let hidden = post_form(
        &ui,
        "/_/collections/posts/records",
        multipart(&[("title", "elsewhere"), ("@filter", "title = 'x'")], &[]),
    );
    assert!(hidden.text.contains("Created record"));
    assert!(!hidden.text.contains("mergeMode prepend"));

    // The edit form shows what is stored; saving can remove the file.
    let edit = ui.action(
        "GET",
        &format!("/_/collections/posts/records/{id}"),
        json!({}),
    );
    let form = edit.fragments();
    assert!(form.contains("value=\"hello form\""));
    assert!(form.contains("Ada Lovelace"));
    assert!(form.contains(&format!("name=\"doc-\" value=\"{doc}\"")));
    assert!(form.contains("value=\"2024-05-06T07:08:09\""));
    let saved = post_form(
        &ui,
        &format!("/_/collections/posts/records/{id}"),
        multipart(
            &[
                ("title", "hello again"),
                ("views", "13"),
                ("tag", "blog"),
                ("doc-", &doc),
                ("meta", ""),
            ],
            &[],
        ),
    );
    assert!(saved.text.contains("Saved record"), "{}", saved.text);
    let record = server.must(
        "GET",
        &format!("/api/collections/posts/records/{id}"),
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(record["title"], "hello again");
    assert_eq!(record["doc"], "");
    assert_eq!(record["published"], false, "an unchecked box is false");
    assert_eq!(record["author"], "", "no chip left, no relation");
    assert_eq!(record["meta"], Value::Null);
}

#[test]
fn auth_and_superusers_records_have_password_fields() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/collections/_superusers");
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("root@example.com"));
    assert!(!page.text.contains("tokenKey"));
    let new = ui.action("GET", "/_/collections/users/records/new", json!({}));
    assert!(new.fragments().contains("name=\"passwordConfirm\""));
    let refused = post_form(
        &ui,
        "/_/collections/users/records",
        multipart(
            &[
                ("email", "a@example.com"),
                ("password", "12345678"),
                ("passwordConfirm", "nope"),
            ],
            &[],
        ),
    );
    assert!(
        refused
            .fragments()
            .contains("<p id=\"ferr-passwordConfirm\" class=\"field-error\">Values don"),
        "{}",
        refused.text
    );
    let created = post_form(
        &ui,
        "/_/collections/users/records",
        multipart(
            &[
                ("email", "a@example.com"),
                ("password", "12345678"),
                ("passwordConfirm", "12345678"),
                ("verified", "true"),
            ],
            &[],
        ),
    );
    assert!(created.text.contains("Created record"), "{}", created.text);
    server.login("users", "a@example.com", "12345678");
}

#[test]
fn bulk_delete_reports_each_failure() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collections(&server);
    let first = create_post(&server, json!({"title": "one"}));
    let second = create_post(&server, json!({"title": "two"}));
    let kept = create_post(&server, json!({"title": "three"}));
    let ui = Ui::sign_in(&server);
    let resp = post_form(
        &ui,
        "/_/collections/posts/records/bulk-delete",
        multipart(
            &[("ids", &first), ("ids", &second), ("ids", "missing1234567")],
            &[],
        ),
    );
    assert_eq!(resp.status, 200);
    let removed: Vec<String> = resp
        .events()
        .iter()
        .filter(|event| event.name == "datastar-remove-fragments")
        .map(|event| event.arg("selector"))
        .collect();
    assert_eq!(removed, [format!("#row-{first}"), format!("#row-{second}")]);
    assert!(resp.text.contains("Deleted 2 records of posts."));
    assert!(
        resp.text
            .contains("Could not delete missing1234567: The requested resource wasn&#39;t found."),
        "{}",
        resp.text
    );
    assert_eq!(resp.signals()["_selected"], 1);
    let list = server.must(
        "GET",
        "/api/collections/posts/records",
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(list["totalItems"], 1);
    assert_eq!(list["items"][0]["id"], kept.as_str());
    let empty = post_form(
        &ui,
        "/_/collections/posts/records/bulk-delete",
        multipart(&[], &[]),
    );
    assert!(empty.text.contains("Select records to delete first."));
}

/// A raw reader of one long-lived UI stream: everything received so far, as text.
struct Stream {
    text: Arc<Mutex<String>>,
    _socket: TcpStream,
}

impl Stream {
    fn open(server: &Server, ui: &Ui, path: &str) -> Stream {
        let mut socket = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        write!(
            socket,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: text/event-stream\r\nDatastar-Request: true\r\nCookie: {}\r\n\r\n",
            server.port,
            ui.cookie.as_deref().unwrap_or_default()
        )
        .expect("send");
        let mut reader = socket.try_clone().expect("clone");
        let text = Arc::new(Mutex::new(String::new()));
        let sink = text.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            loop {
                match reader.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => sink
                        .lock()
                        .expect("text")
                        .push_str(&String::from_utf8_lossy(&buffer[..n])),
                }
            }
        });
        Stream {
            text,
            _socket: socket,
        }
    }

    /// Waits up to 10 s for `needle`; returns everything received.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text.lock().expect("text").clone();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "no {needle:?} in {text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn the_live_stream_applies_api_writes_to_the_table() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collections(&server);
    let ui = Ui::sign_in(&server);
    let query = serde_urlencoded::to_string([(
        "datastar",
        json!({"q": "title ~ 'live'", "sort": "-created"}).to_string(),
    )])
    .expect("query");
    let stream = Stream::open(
        &server,
        &ui,
        &format!("/_/collections/posts/records/live?{query}"),
    );
    let head = stream.wait_for(": keepalive");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: text/event-stream")
    );

    // Not matching the filter: nothing. Matching: a row on top.
    create_post(&server, json!({"title": "quiet"}));
    let id = create_post(&server, json!({"title": "live one"}));
    let text = stream.wait_for("live one");
    // Put on top unless the row is already there.
    assert!(
        text.contains(&format!("if (!document.querySelector(\"#row-{id}\"))")),
        "{text}"
    );
    assert!(text.contains(&format!(
        "{{\"selector\":\"#rows\",\"mergeMode\":\"prepend\",\"fragments\":\"<tr id=\\\"row-{id}\\\">"
    )));
    assert!(
        !text.contains("quiet"),
        "records outside the filter are not sent"
    );

    // Updated: morphed in place when the row is there.
    server.must(
        "PATCH",
        &format!("/api/collections/posts/records/{id}"),
        Auth::Superuser,
        Body::Json(json!({"title": "live two"})),
        200,
    );
    let text = stream.wait_for("live two");
    assert!(
        text.contains(&format!("document.querySelector(\\\"#row-{id}\\\")"))
            || text.contains(&format!("document.querySelector(\"#row-{id}\")")),
        "{text}"
    );

    // No longer matching: removed. Deleted: removed.
    let other = create_post(&server, json!({"title": "live three"}));
    stream.wait_for("live three");
    server.must(
        "PATCH",
        &format!("/api/collections/posts/records/{id}"),
        Auth::Superuser,
        Body::Json(json!({"title": "gone dark"})),
        200,
    );
    stream.wait_for(&format!("data: selector #row-{id}\n"));
    server.must(
        "DELETE",
        &format!("/api/collections/posts/records/{other}"),
        Auth::Superuser,
        Body::None,
        204,
    );
    stream.wait_for(&format!("data: selector #row-{other}\n"));
    let text = stream.wait_for("");
    assert!(!text.contains("gone dark"));

    // A stream of another collection hears nothing of posts.
    let authors = Stream::open(&server, &ui, "/_/collections/authors/records/live");
    authors.wait_for(": keepalive");
    create_post(&server, json!({"title": "live four"}));
    stream.wait_for("live four");
    assert!(!authors.wait_for("").contains("live four"));
}
