//! The admin UI's schema export and import over plain HTTP (issue #5): the export is the
//! collections API's list, the import is reviewed (creates, updates, deletes, the records
//! that lose data) before `App::import_collections` runs, and bad JSON or an invalid schema
//! is shown inline. Forms are posted as the browser does (`multipart/form-data`, Datastar's
//! `contentType: 'form'`). lifebase-only: PocketBase's dashboard is a different application.

mod common;

use common::ui::{Ui, UiResp};
use common::{Auth, Body, Server};
use serde_json::{Value, json};

fn lifebase_only() -> bool {
    if common::is_pocketbase() {
        println!("lifebase-only: the admin UI");
        return false;
    }
    true
}

/// Posts a form as Datastar's `@post(url, {contentType: 'form'})` does.
fn submit(ui: &Ui, path: &str, fields: &[(&str, &str)]) -> UiResp {
    let Body::Bytes(content_type, bytes) = common::multipart(fields, &[]) else {
        unreachable!("multipart() makes bytes")
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

/// Reviews `json`; returns the answer and the digest the confirmation must carry.
fn review(ui: &Ui, json: &str, delete_missing: bool) -> (UiResp, String) {
    let mut fields = vec![("collections", json)];
    if delete_missing {
        fields.push(("deleteMissing", "on"));
    }
    let resp = submit(ui, "/_/collections/import/review", &fields);
    assert_eq!(resp.status, 200, "{}", resp.text);
    let fragments = resp.fragments();
    let digest = fragments
        .split("name=\"reviewed\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    (resp, digest)
}

fn confirm(ui: &Ui, json: &str, delete_missing: bool, digest: &str) -> UiResp {
    let mut fields = vec![("collections", json), ("reviewed", digest)];
    if delete_missing {
        fields.push(("deleteMissing", "on"));
    }
    submit(ui, "/_/collections/import/confirm", &fields)
}

/// The text of the review, tags dropped and entities decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    let out = out
        .replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collection_names(server: &Server) -> Vec<String> {
    let list = server
        .get("/api/collections?perPage=500", Auth::Superuser)
        .json;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn create_collection(server: &Server, body: Value) {
    server.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(body),
        200,
    );
}

fn seed(server: &Server, collection: &str, records: &[Value]) {
    for record in records {
        server.must(
            "POST",
            &format!("/api/collections/{collection}/records"),
            Auth::Superuser,
            Body::Json(record.clone()),
            200,
        );
    }
}

#[test]
fn import_and_export_need_a_session_and_the_csrf_token() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let anonymous = Ui::anonymous(&server);
    for path in [
        "/_/collections/import",
        "/_/collections/export",
        "/_/collections/export.json",
    ] {
        let resp = anonymous.page(path);
        assert_eq!(resp.status, 303, "{path}");
        assert_eq!(resp.location.as_deref(), Some("/_/login"), "{path}");
    }
    let json = r#"[{"name": "hacked", "type": "base"}]"#;
    for path in [
        "/_/collections/import/review",
        "/_/collections/import/confirm",
    ] {
        let resp = submit(&anonymous, path, &[("collections", json)]);
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(
            resp.scripts(),
            ["window.location.assign(\"/_/login\")".to_string()],
            "{path}"
        );
    }
    let ui = Ui::sign_in(&server);
    let (_, digest) = review(&ui, json, false);
    let Body::Bytes(content_type, bytes) =
        common::multipart(&[("collections", json), ("reviewed", &digest)], &[])
    else {
        unreachable!()
    };
    let without = ui.send(
        "POST",
        "/_/collections/import/confirm",
        &[("Datastar-Request", "true")],
        Some((content_type, bytes)),
    );
    assert_eq!(without.status, 403);
    assert!(!collection_names(&server).contains(&"hacked".to_string()));
}

#[test]
fn the_export_is_the_collections_api_list() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collection(
        &server,
        json!({"name": "notes", "type": "base", "listRule": "", "fields": [{"name": "title", "type": "text"}]}),
    );
    let ui = Ui::sign_in(&server);
    let api = server
        .get("/api/collections?perPage=500", Auth::Superuser)
        .json["items"]
        .clone();
    let file = ui.page("/_/collections/export.json");
    assert_eq!(file.status, 200);
    assert!(file.content_type.starts_with("application/json"));
    let exported: Value = serde_json::from_str(&file.text).expect("export is JSON");
    assert_eq!(exported, api);
    assert!(
        exported
            .as_array()
            .expect("array")
            .iter()
            .any(|c| c["name"] == "_superusers")
    );
    let raw = ui.send("GET", "/_/collections/export.json", &[], None);
    assert!(raw.text.contains("\n  {"), "pretty printed");

    let page = ui.page("/_/collections/export");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"export-json\""));
    assert!(page.text.contains("@clipboard("));
    assert!(page.text.contains("href=\"/_/collections/export.json\""));
    let shown = page
        .text
        .split("id=\"export-json\" tabindex=\"0\" aria-label=\"Collections JSON\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the JSON block");
    let shown: Value = serde_json::from_str(
        &shown
            .replace("&#34;", "\"")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
    .expect("the page shows JSON");
    assert_eq!(shown, api);

    let overview = ui.page("/_/collections");
    assert!(overview.text.contains("href=\"/_/collections/import\""));
    assert!(overview.text.contains("href=\"/_/collections/export\""));

    // Importing the export unchanged changes nothing.
    let (resp, digest) = review(&ui, &file.text, false);
    let shown = text(&resp.fragments());
    assert!(shown.contains("Nothing changes"), "{shown}");
    assert!(shown.contains("Unchanged:"), "{shown}");
    let done = confirm(&ui, &file.text, false, &digest);
    assert_eq!(
        done.scripts(),
        ["window.location.assign(\"/_/collections?imported=1\")".to_string()],
        "{}",
        done.text
    );
}

#[test]
fn a_new_collection_with_a_relation_and_a_rule_is_reviewed_then_imported() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collection(
        &server,
        json!({"name": "authors", "type": "base", "fields": [{"name": "name", "type": "text"}, {"name": "bio", "type": "text"}]}),
    );
    seed(
        &server,
        "authors",
        &[json!({"name": "a", "bio": "x"}), json!({"name": "b"})],
    );
    let authors = server.get("/api/collections/authors", Auth::Superuser).json;
    let authors_id = authors["id"].as_str().expect("id").to_string();
    let ui = Ui::sign_in(&server);

    // `books` is new, relates to `authors` and has a rule; `authors` gains `born` and, as the
    // import does not delete what is missing, keeps `bio` (PocketBase's import does the same).
    let import = json!([
        {"id": authors_id, "name": "authors", "type": "base", "fields": [
            {"name": "name", "type": "text"}, {"name": "born", "type": "number"}]},
        {"name": "books", "type": "base", "listRule": "author.name != ''", "fields": [
            {"name": "title", "type": "text", "required": true},
            {"name": "author", "type": "relation", "collectionId": authors_id, "maxSelect": 1}]}
    ])
    .to_string();
    let (resp, digest) = review(&ui, &import, false);
    assert!(!digest.is_empty(), "{}", resp.text);
    let shown = text(&resp.fragments());
    assert!(shown.contains("Create 1 + books"), "{shown}");
    assert!(shown.contains("Update 1 ~ authors"), "{shown}");
    assert!(shown.contains("Adds fields born"), "{shown}");
    assert!(!shown.contains("Removes fields"), "{shown}");
    assert!(!shown.contains("Delete"), "{shown}");
    assert!(resp.fragments().contains("id=\"import-confirm\""));

    // A confirmation of something else than what was reviewed is refused.
    let edited = import.replace("books", "tomes");
    let stale = confirm(&ui, &edited, false, &digest);
    assert!(
        text(&stale.fragments()).contains("changed since the review"),
        "{}",
        stale.text
    );
    assert!(!collection_names(&server).contains(&"tomes".to_string()));

    let done = confirm(&ui, &import, false, &digest);
    assert_eq!(
        done.scripts(),
        ["window.location.assign(\"/_/collections?imported=1\")".to_string()],
        "{}",
        done.text
    );
    let books = server.get("/api/collections/books", Auth::Superuser).json;
    assert_eq!(books["listRule"], "author.name != ''");
    assert_eq!(
        books["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == "author")
            .expect("author")["collectionId"],
        authors_id.as_str()
    );
    let authors = server.get("/api/collections/authors", Auth::Superuser).json;
    let names: Vec<&str> = authors["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(
        names.contains(&"born") && names.contains(&"bio"),
        "{names:?}"
    );
    let overview = ui.page("/_/collections?imported=1");
    assert!(overview.text.contains("Collections imported."));
    assert!(
        overview.text.contains("href=\"/_/collections/books\""),
        "the sidebar lists the new collection"
    );
}

#[test]
fn delete_missing_names_the_collections_and_records_that_go() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    create_collection(
        &server,
        json!({"name": "keep", "type": "base", "fields": [{"name": "title", "type": "text"}]}),
    );
    create_collection(
        &server,
        json!({"name": "doomed", "type": "base", "fields": [{"name": "title", "type": "text"}]}),
    );
    seed(
        &server,
        "doomed",
        &[
            json!({"title": "1"}),
            json!({"title": "2"}),
            json!({"title": "3"}),
        ],
    );
    let ui = Ui::sign_in(&server);
    let import =
        json!([{"name": "keep", "type": "base", "fields": [{"name": "title", "type": "text"}]}])
            .to_string();

    let (kept, _) = review(&ui, &import, false);
    let shown = text(&kept.fragments());
    assert!(!shown.contains("doomed"), "{shown}");
    assert!(
        shown.contains("Collections missing from the import are kept."),
        "{shown}"
    );

    let (resp, digest) = review(&ui, &import, true);
    let shown = text(&resp.fragments());
    assert!(
        shown.contains("Delete 2 − users and its 0 records − doomed and its 3 records"),
        "{shown}"
    );
    assert!(
        !shown.contains("_superusers"),
        "system collections are never deleted: {shown}"
    );
    // The digest covers the checkbox: confirming without it is refused.
    let stale = confirm(&ui, &import, false, &digest);
    assert!(text(&stale.fragments()).contains("changed since the review"));
    assert!(collection_names(&server).contains(&"doomed".to_string()));

    let done = confirm(&ui, &import, true, &digest);
    assert_eq!(
        done.scripts(),
        ["window.location.assign(\"/_/collections?imported=1\")".to_string()],
        "{}",
        done.text
    );
    let names = collection_names(&server);
    assert!(!names.contains(&"doomed".to_string()), "{names:?}");
    assert!(names.contains(&"keep".to_string()) && names.contains(&"_superusers".to_string()));
}

#[test]
fn bad_json_and_invalid_schemas_are_shown_inline() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    for (json, message) in [
        ("", "Paste the collections JSON"),
        ("[{\"name\": ", "Invalid JSON: "),
        ("{\"name\": \"x\"}", "must be an array of collections"),
        ("[]", "nothing to import"),
        ("[\"posts\"]", "Item 1 of the array is a string"),
    ] {
        let (resp, digest) = review(&ui, json, false);
        assert!(digest.is_empty());
        let fragments = resp.fragments();
        assert!(
            fragments.contains("<div id=\"import-error\" role=\"alert\">"),
            "{json}: {fragments}"
        );
        assert!(text(&fragments).contains(message), "{json}: {fragments}");
        assert!(
            fragments.contains("<div id=\"import-review\"></div>"),
            "the review is cleared"
        );
    }

    // A parse error of the service, nested per collection, at review time.
    let (resp, _) = review(
        &ui,
        r#"[{"name": "ok", "type": "base"}, {"name": "bad", "type": "nope"}]"#,
        false,
    );
    let shown = text(&resp.fragments());
    assert!(shown.contains("Failed to import collections."), "{shown}");
    assert!(shown.contains("Collection 2 (bad): type"), "{shown}");

    // Validation of the whole schema happens at import time: a relation to nowhere and
    // a rule on an unknown field.
    let import = json!([{"name": "broken", "type": "base", "listRule": "missing = 1", "fields": [
        {"name": "owner", "type": "relation", "collectionId": "nope_nope_nope1", "maxSelect": 1}]}])
    .to_string();
    let (resp, digest) = review(&ui, &import, false);
    assert!(
        text(&resp.fragments()).contains("Create 1 + broken"),
        "{}",
        resp.text
    );
    let failed = confirm(&ui, &import, false, &digest);
    assert_eq!(failed.status, 200);
    let shown = text(&failed.fragments());
    assert!(shown.contains("Failed to import collections."), "{shown}");
    assert!(shown.contains("Collection 1 (broken):"), "{shown}");
    assert!(
        failed
            .scripts()
            .iter()
            .all(|script| !script.contains("location")),
        "no redirect"
    );
    assert!(!collection_names(&server).contains(&"broken".to_string()));
}
