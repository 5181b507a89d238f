//! The admin UI's collections pages over plain HTTP (issue #5, item 2): the overview (delete
//! and truncate with confirmations that count the records lost) and the schema editor
//! (fields of every type, rename/reorder/remove, indexes, API rules with a live check, view
//! queries, auth options, validation errors next to their inputs). The editor's state is
//! its form: these tests read the form out of the served HTML as a browser would, change
//! it, and post it back; the Datastar SSE answers are asserted as text. lifebase-only.

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

/// The successful values of a form, as a browser would submit them: inputs (checkboxes
/// only when checked), textareas and selects, in document order.
fn form_of(html: &str) -> Vec<(String, String)> {
    let start = html.find("<form id=\"editor\"").expect("an editor form");
    let end = html[start..].find("</form>").expect("form end") + start;
    let form = &html[start..end];
    let mut pairs = vec![];
    let mut at = 0;
    while let Some(offset) = form[at..].find('<') {
        let tag_start = at + offset;
        let tag_end = tag_start + form[tag_start..].find('>').expect("tag end");
        let tag = &form[tag_start..=tag_end];
        at = tag_end + 1;
        let name = attr(tag, "name");
        if tag.starts_with("<input") {
            let Some(name) = name else { continue };
            let kind = attr(tag, "type").unwrap_or_default();
            if kind == "checkbox" && !has_flag(tag, "checked") {
                continue;
            }
            let value = attr(tag, "value").unwrap_or_else(|| {
                if kind == "checkbox" {
                    "on".into()
                } else {
                    String::new()
                }
            });
            pairs.push((name, value));
        } else if tag.starts_with("<textarea") {
            let close = at + form[at..].find("</textarea>").expect("textarea end");
            pairs.push((name.expect("textarea name"), unescape(&form[at..close])));
            at = close;
        } else if tag.starts_with("<select") {
            let close = at + form[at..].find("</select>").expect("select end");
            let options = &form[at..close];
            let mut chosen = None;
            let mut first = None;
            for option in options.split("<option").skip(1) {
                let head = &option[..option.find('>').expect("option end")];
                let value = attr(&format!("<x{head}>"), "value").unwrap_or_default();
                first.get_or_insert(value.clone());
                if has_flag(head, "selected") {
                    chosen = Some(value);
                }
            }
            if let (Some(name), Some(value)) = (name, chosen.or(first)) {
                pairs.push((name, value));
            }
            at = close;
        }
    }
    pairs
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn has_flag(tag: &str, flag: &str) -> bool {
    tag.contains(&format!(" {flag}>"))
        || tag.contains(&format!(" {flag} "))
        || tag.ends_with(&format!(" {flag}"))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    match pairs.iter_mut().find(|(key, _)| key == name) {
        Some(pair) => pair.1 = value.to_owned(),
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
}

fn unset(pairs: &mut Vec<(String, String)>, name: &str) {
    pairs.retain(|(key, _)| key != name);
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} in the form: {pairs:?}"))
}

/// The index of the field named `name` in the form.
fn field_index(pairs: &[(String, String)], name: &str) -> usize {
    pairs
        .iter()
        .find_map(|(key, value)| {
            let rest = key.strip_prefix("fields.")?;
            let (index, attribute) = rest.split_once('.')?;
            (attribute == "name" && value == name).then(|| index.parse().expect("index"))
        })
        .unwrap_or_else(|| panic!("no field {name}: {pairs:?}"))
}

/// Posts the form to an editor action, url-encoded (Datastar posts the same names as
/// multipart; `posts_a_multipart_form` covers that).
fn submit(ui: &Ui, path: &str, pairs: &[(String, String)]) -> UiResp {
    let body = serde_urlencoded::to_string(pairs).expect("form");
    let resp = ui.send(
        "POST",
        path,
        &[("Datastar-Request", "true"), ("X-CSRF-Token", &ui.csrf)],
        Some((
            "application/x-www-form-urlencoded".into(),
            body.into_bytes(),
        )),
    );
    assert_eq!(resp.status, 200, "{path}: {}", resp.text);
    assert_eq!(resp.content_type, "text/event-stream", "{path}");
    resp
}

/// The flash messages of an answer.
fn flashes(resp: &UiResp) -> String {
    resp.events()
        .iter()
        .filter(|event| event.arg("selector") == "#flash")
        .map(|event| event.arg("fragments"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Adds a field of a type through the editor and names it; returns the new form.
fn add_field(
    ui: &Ui,
    base: &str,
    pairs: &[(String, String)],
    kind: &str,
    name: &str,
) -> Vec<(String, String)> {
    let mut pairs = pairs.to_vec();
    set(&mut pairs, "newFieldType", kind);
    let resp = submit(ui, &format!("{base}/add-field"), &pairs);
    let fragments = resp.fragments();
    assert!(fragments.contains("<form id=\"editor\""), "{}", resp.text);
    // The new field's name input gets the focus.
    assert!(
        resp.scripts()
            .iter()
            .any(|script| script.contains("-name\"")),
        "{:?}",
        resp.scripts()
    );
    let mut pairs = form_of(&fragments);
    let index = field_index(&pairs, "field");
    set(&mut pairs, &format!("fields.{index}.name"), name);
    pairs
}

fn collection(server: &Server, name: &str) -> Value {
    server.must(
        "GET",
        &format!("/api/collections/{name}"),
        Auth::Superuser,
        Body::None,
        200,
    )
}

fn field<'a>(collection: &'a Value, name: &str) -> &'a Value {
    collection["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|field| field["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {collection}"))
}

fn field_names(collection: &Value) -> Vec<String> {
    collection["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["name"].as_str().expect("name").to_owned())
        .collect()
}

#[test]
fn the_editor_needs_a_session_and_the_csrf_token() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let anonymous = Ui::anonymous(&server);
    for path in [
        "/_/collections/new",
        "/_/collections/users/schema",
        "/_/collections/new?type=view",
    ] {
        let resp = anonymous.page(path);
        assert_eq!(resp.status, 303, "{path}");
        assert_eq!(resp.location.as_deref(), Some("/_/login"), "{path}");
    }
    for path in [
        "/_/collections/new/save",
        "/_/collections/users/schema/check-rule?rule=listRule",
        "/_/collections/users/delete",
        "/_/collections/users/truncate",
    ] {
        let resp = anonymous.action("POST", path, json!({}));
        assert_eq!(
            resp.scripts(),
            ["window.location.assign(\"/_/login\")".to_string()],
            "{path}"
        );
    }
    let ui = Ui::sign_in(&server);
    // No CSRF token: refused before anything is read.
    for path in [
        "/_/collections/new/save",
        "/_/collections/users/schema/save",
        "/_/collections/users/truncate",
        "/_/collections/users/delete",
    ] {
        let resp = ui.send(
            "POST",
            path,
            &[("Datastar-Request", "true")],
            Some((
                "application/x-www-form-urlencoded".into(),
                b"name=x".to_vec(),
            )),
        );
        assert_eq!(resp.status, 403, "{path}");
        assert!(resp.text.contains("CSRF"), "{path}: {}", resp.text);
    }
    // Another site's page cannot post, even with the token.
    let resp = ui.send(
        "POST",
        "/_/collections/users/truncate",
        &[
            ("X-CSRF-Token", &ui.csrf),
            ("Origin", "http://evil.example"),
        ],
        None,
    );
    assert_eq!(resp.status, 403);
    // Unknown collections and actions.
    assert_eq!(ui.page("/_/collections/nope/schema").status, 404);
    let resp = ui.action("POST", "/_/collections/nope/schema/save", json!({}));
    assert!(
        flashes(&resp).contains("The requested resource wasn&#39;t found."),
        "{}",
        resp.text
    );
    assert_eq!(
        ui.action("POST", "/_/collections/users/schema/nope", json!({}))
            .status,
        404
    );
    let resp = ui.action("GET", "/_/collections/nope/delete", json!({}));
    assert!(flashes(&resp).contains("wasn&#39;t found"), "{}", resp.text);
    // Nothing changed.
    assert_eq!(
        server.get("/api/collections/users", Auth::Superuser).status,
        200
    );
}

#[test]
fn the_overview_links_each_collection_and_offers_new_delete_and_truncate() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/collections");
    assert_eq!(page.status, 200);
    let text = &page.text;
    assert!(text.contains("href=\"/_/collections/new\""), "{text}");
    assert!(text.contains("<a href=\"/_/collections/users\">users</a>"));
    assert!(text.contains("href=\"/_/collections/users/schema\""));
    assert!(text.contains("@get('/_/collections/users/delete')"));
    assert!(text.contains("@get('/_/collections/users/truncate?from=list')"));
    // System collections can be neither deleted nor truncated here.
    assert!(!text.contains("/_/collections/_superusers/delete"));
    assert!(!text.contains("/_/collections/_superusers/truncate"));
    assert!(text.contains("href=\"/_/collections/_superusers/schema\""));
    assert!(text.contains("<div id=\"dialog-slot\"></div>"));
}

#[test]
fn a_new_collection_with_several_field_types_and_a_rule() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/collections/new");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<title>New collection"), "{}", page.text);
    let mut pairs = form_of(&page.text);
    assert_eq!(get(&pairs, "type"), "base");
    assert_eq!(get(&pairs, "fields.0.name"), "id");
    assert_eq!(get(&pairs, "fields.1.name"), "created");
    assert_eq!(get(&pairs, "fields.2.name"), "updated");
    // Every rule starts superusers-only.
    assert_eq!(get(&pairs, "listRule.null"), "on");
    // The system id field is read-only: no input for its options.
    assert!(!page.text.contains("name=\"fields.0.min\""));
    let base = "/_/collections/new";

    set(&mut pairs, "name", "posts");
    let mut pairs = add_field(&ui, base, &pairs, "text", "title");
    let title = field_index(&pairs, "title");
    set(&mut pairs, &format!("fields.{title}.required"), "on");
    set(&mut pairs, &format!("fields.{title}.max"), "200");
    let mut pairs = add_field(&ui, base, &pairs, "editor", "body");
    let body = field_index(&pairs, "body");
    set(&mut pairs, &format!("fields.{body}.convertURLs"), "on");
    let mut pairs = add_field(&ui, base, &pairs, "number", "views");
    let views = field_index(&pairs, "views");
    set(&mut pairs, &format!("fields.{views}.min"), "0");
    set(&mut pairs, &format!("fields.{views}.onlyInt"), "on");
    let pairs = add_field(&ui, base, &pairs, "bool", "published");
    let mut pairs = add_field(&ui, base, &pairs, "select", "tags");
    let tags = field_index(&pairs, "tags");
    assert_eq!(get(&pairs, &format!("fields.{tags}.maxSelect")), "1");
    set(&mut pairs, &format!("fields.{tags}.maxSelect"), "3");
    let mut pairs = add_field(&ui, base, &pairs, "relation", "author");
    let author = field_index(&pairs, "author");
    set(
        &mut pairs,
        &format!("fields.{author}.collectionId"),
        "_pb_users_auth_",
    );
    set(&mut pairs, &format!("fields.{author}.cascadeDelete"), "on");
    let mut pairs = add_field(&ui, base, &pairs, "email", "contact");
    let contact = field_index(&pairs, "contact");
    set(
        &mut pairs,
        &format!("fields.{contact}.onlyDomains"),
        "example.com, example.org",
    );
    let pairs = add_field(&ui, base, &pairs, "url", "link");
    let mut pairs = add_field(&ui, base, &pairs, "date", "due");
    let due = field_index(&pairs, "due");
    set(
        &mut pairs,
        &format!("fields.{due}.min"),
        "2024-01-01 00:00:00.000Z",
    );
    let mut pairs = add_field(&ui, base, &pairs, "file", "cover");
    let cover = field_index(&pairs, "cover");
    set(
        &mut pairs,
        &format!("fields.{cover}.mimeTypes"),
        "image/png, image/jpeg",
    );
    set(&mut pairs, &format!("fields.{cover}.thumbs"), "100x100");
    set(&mut pairs, &format!("fields.{cover}.protected"), "on");
    let mut pairs = add_field(&ui, base, &pairs, "json", "meta");
    let meta = field_index(&pairs, "meta");
    set(&mut pairs, &format!("fields.{meta}.maxSize"), "2000");
    let pairs = add_field(&ui, base, &pairs, "geoPoint", "place");
    let mut pairs = add_field(&ui, base, &pairs, "autodate", "touched");
    let touched = field_index(&pairs, "touched");
    assert_eq!(get(&pairs, &format!("fields.{touched}.onCreate")), "on");
    set(&mut pairs, &format!("fields.{touched}.onUpdate"), "on");
    // A password field is for auth collections only: not offered here.
    let page = submit(&ui, &format!("{base}/retype"), &pairs).fragments();
    assert!(!page.contains("<option value=\"password\""));

    // The live rule check: a rule on a field being added is fine; unknown fields and
    // syntax errors are reported with the compiler's words.
    unset(&mut pairs, "listRule.null");
    set(&mut pairs, "listRule", "published = true && views > 10");
    let check = submit(&ui, &format!("{base}/check-rule?rule=listRule"), &pairs);
    assert_eq!(
        check.fragments(),
        "<p id=\"rule-listRule-status\" class=\"rule-status ok\" aria-live=\"polite\">✓ Valid rule.</p>"
    );
    set(&mut pairs, "listRule", "nope = 1");
    let check = submit(&ui, &format!("{base}/check-rule?rule=listRule"), &pairs);
    let text = check.fragments();
    assert!(text.contains("class=\"rule-status error\""), "{text}");
    assert!(text.contains("Invalid rule."), "{text}");
    assert!(text.contains("nope"), "{text}");
    set(&mut pairs, "listRule", "title = ");
    let text = submit(&ui, &format!("{base}/check-rule?rule=listRule"), &pairs).fragments();
    assert!(text.contains("Invalid rule."), "{text}");
    // Locked and empty rules.
    set(&mut pairs, "viewRule.null", "on");
    let text = submit(&ui, &format!("{base}/check-rule?rule=viewRule"), &pairs).fragments();
    assert!(text.contains("Superusers only."), "{text}");
    unset(&mut pairs, "viewRule.null");
    set(&mut pairs, "viewRule", "");
    let text = submit(&ui, &format!("{base}/check-rule?rule=viewRule"), &pairs).fragments();
    assert!(text.contains("✓ Anyone (no rule)."), "{text}");
    // Unknown rules are refused.
    let resp = submit(&ui, &format!("{base}/check-rule?rule=fooRule"), &pairs);
    assert!(flashes(&resp).contains("Unknown rule."));

    // Saving with a bad rule and an empty select shows both next to their inputs.
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    let text = saved.fragments();
    assert!(text.contains("<form id=\"editor\""), "{text}");
    assert!(
        text.contains("<p id=\"rule-listRule-status\" class=\"rule-status error\" aria-live=\"polite\">Invalid rule."),
        "{text}"
    );
    let tags_key = get(&pairs, &format!("fields.{tags}._key")).to_owned();
    assert!(
        text.contains(&format!(
            "<p class=\"field-error\" id=\"field-{tags_key}-values-error\">Cannot be blank.</p>"
        )),
        "{text}"
    );
    let flash = flashes(&saved);
    assert!(flash.contains("Failed to create collection."), "{flash}");
    assert!(flash.contains("listRule"), "{flash}");
    // Nothing was created.
    assert_eq!(
        server.get("/api/collections/posts", Auth::Superuser).status,
        404
    );

    set(
        &mut pairs,
        &format!("fields.{tags}.values"),
        "news, tech,  , life",
    );
    set(&mut pairs, "listRule", "published = true && views > 10");
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    assert_eq!(
        saved.scripts(),
        ["window.location.assign(\"/_/collections/posts/schema?saved=1\")".to_string()],
        "{}",
        saved.text
    );
    let posts = collection(&server, "posts");
    assert_eq!(posts["type"], "base");
    assert_eq!(posts["listRule"], "published = true && views > 10");
    assert_eq!(posts["viewRule"], "");
    assert!(posts["createRule"].is_null());
    assert_eq!(
        field_names(&posts),
        [
            "id",
            "created",
            "updated",
            "title",
            "body",
            "views",
            "published",
            "tags",
            "author",
            "contact",
            "link",
            "due",
            "cover",
            "meta",
            "place",
            "touched"
        ]
    );
    assert_eq!(field(&posts, "title")["required"], true);
    assert_eq!(field(&posts, "title")["max"], 200);
    assert_eq!(field(&posts, "body")["convertURLs"], true);
    assert_eq!(field(&posts, "views")["min"], 0);
    assert!(field(&posts, "views")["max"].is_null());
    assert_eq!(field(&posts, "views")["onlyInt"], true);
    assert_eq!(
        field(&posts, "tags")["values"],
        json!(["news", "tech", "life"])
    );
    assert_eq!(field(&posts, "tags")["maxSelect"], 3);
    assert_eq!(field(&posts, "author")["collectionId"], "_pb_users_auth_");
    assert_eq!(field(&posts, "author")["cascadeDelete"], true);
    assert_eq!(field(&posts, "author")["maxSelect"], 1);
    assert_eq!(
        field(&posts, "contact")["onlyDomains"],
        json!(["example.com", "example.org"])
    );
    assert_eq!(field(&posts, "due")["min"], "2024-01-01 00:00:00.000Z");
    assert_eq!(
        field(&posts, "cover")["mimeTypes"],
        json!(["image/png", "image/jpeg"])
    );
    assert_eq!(field(&posts, "cover")["thumbs"], json!(["100x100"]));
    assert_eq!(field(&posts, "cover")["protected"], true);
    assert_eq!(field(&posts, "meta")["maxSize"], 2000);
    assert_eq!(field(&posts, "place")["type"], "geoPoint");
    assert_eq!(field(&posts, "touched")["onUpdate"], true);

    // The saved page shows it, and the sidebar lists it.
    let page = ui.page("/_/collections/posts/schema?saved=1");
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Collection saved."));
    assert!(page.text.contains("href=\"/_/collections/posts\""));
    // The form reads back what was saved.
    let pairs = form_of(&page.text);
    assert_eq!(
        get(&pairs, &format!("fields.{tags}.values")),
        "news, tech, life"
    );
    assert_eq!(
        get(&pairs, &format!("fields.{author}.collectionId")),
        "_pb_users_auth_"
    );
    // A taken name is reported next to the name.
    let page = ui.page("/_/collections/new");
    let mut pairs = form_of(&page.text);
    set(&mut pairs, "name", "POSTS");
    let text = submit(&ui, "/_/collections/new/save", &pairs).fragments();
    assert!(
        text.contains("<p class=\"field-error\" id=\"collection-name-error\">Collection name must be unique (case insensitive).</p>"),
        "{text}"
    );
    assert!(text.contains("aria-invalid=\"true\" aria-describedby=\"collection-name-error\""));
    // Hostile names are escaped wherever they are shown back.
    set(&mut pairs, "name", "<script>alert(1)</script>");
    set(&mut pairs, "fields.1.name", "\"><img src=x>");
    let text = submit(&ui, "/_/collections/new/save", &pairs).fragments();
    assert!(!text.contains("<script>alert"), "{text}");
    assert!(!text.contains("<img src=x>"), "{text}");
    assert!(
        text.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;\"")
            || text.contains("&lt;script&gt;"),
        "{text}"
    );
    assert!(text.contains("id=\"collection-name-error\""), "{text}");
}

/// Creates `posts` (title, body) over the REST API with two records.
fn posts_with_records(server: &Server) {
    server.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "posts",
            "type": "base",
            "listRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "body", "type": "editor"},
            ],
        })),
        200,
    );
    for title in ["one", "two"] {
        server.must(
            "POST",
            "/api/collections/posts/records",
            Auth::Superuser,
            Body::Json(json!({"title": title, "body": format!("<p>{title}</p>")})),
            200,
        );
    }
}

#[test]
fn rename_reorder_and_remove_fields() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    posts_with_records(&server);
    let ui = Ui::sign_in(&server);
    let base = "/_/collections/posts/schema";
    let page = ui.page(base);
    assert_eq!(page.status, 200);
    let mut pairs = form_of(&page.text);
    // The type is fixed after creation.
    assert!(!pairs.iter().any(|(key, _)| key == "type"));

    // Rename: the data stays.
    let title = field_index(&pairs, "title");
    set(&mut pairs, &format!("fields.{title}.name"), "headline");
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    assert_eq!(
        saved.scripts(),
        ["window.location.assign(\"/_/collections/posts/schema?saved=1\")".to_string()],
        "{}",
        saved.text
    );
    let list = server.must(
        "GET",
        "/api/collections/posts/records?sort=headline",
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(list["items"][0]["headline"], "one");
    assert_eq!(list["items"][1]["headline"], "two");
    assert!(list["items"][0].get("title").is_none());

    // Reorder: move body up, above headline.
    let mut pairs = form_of(&ui.page(base).text);
    let body = field_index(&pairs, "body");
    let body_key = get(&pairs, &format!("fields.{body}._key")).to_owned();
    let moved = submit(
        &ui,
        &format!("{base}/move-field?index={body}&by=up"),
        &pairs,
    );
    assert!(
        moved.scripts()[0].contains(&format!("\"field-{body_key}-up\"")),
        "the moved button keeps the focus: {:?}",
        moved.scripts()
    );
    pairs = form_of(&moved.fragments());
    assert_eq!(field_index(&pairs, "body"), body - 1);
    // Out of range moves change nothing; a bad index is an error, not a crash.
    let resp = submit(&ui, &format!("{base}/move-field?index=99&by=up"), &pairs);
    assert!(flashes(&resp).contains("That field is no longer there."));
    let resp = submit(&ui, &format!("{base}/move-field?index=0&by=up"), &pairs);
    assert_eq!(field_index(&form_of(&resp.fragments()), "body"), body - 1);
    submit(&ui, &format!("{base}/save"), &pairs);
    let posts = collection(&server, "posts");
    assert_eq!(field_names(&posts), ["id", "body", "headline"]);

    // Remove: confirmed with the number of records whose values go.
    let pairs = form_of(&ui.page(base).text);
    let body = field_index(&pairs, "body");
    let asked = submit(&ui, &format!("{base}/remove-field?index={body}"), &pairs);
    let events = asked.events();
    assert_eq!(events[0].arg("selector"), "#dialog-slot");
    assert_eq!(events[0].arg("mergeMode"), "inner");
    let dialog = asked.fragments();
    assert!(
        dialog.contains(
            "Removing field <code>body</code> deletes its values in 2 records of <code>posts</code> when you save."
        ),
        "{dialog}"
    );
    assert!(
        dialog.contains("remove-field?index=1&#38;confirmed=1"),
        "{dialog}"
    );
    assert_eq!(
        asked.scripts(),
        ["document.getElementById('confirm-dialog')?.showModal()".to_string()]
    );
    // Not removed yet.
    assert!(field_names(&collection(&server, "posts")).contains(&"body".to_string()));
    let removed = submit(
        &ui,
        &format!("{base}/remove-field?index={body}&confirmed=1"),
        &pairs,
    );
    let pairs = form_of(&removed.fragments());
    assert!(!pairs.iter().any(|(_, value)| value == "body"));
    // System fields cannot be removed.
    let resp = submit(&ui, &format!("{base}/remove-field?index=0"), &pairs);
    assert!(flashes(&resp).contains("System fields cannot be removed."));
    submit(&ui, &format!("{base}/save"), &pairs);
    let posts = collection(&server, "posts");
    assert_eq!(field_names(&posts), ["id", "headline"]);
    let list = server.must(
        "GET",
        "/api/collections/posts/records",
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(list["totalItems"], 2);

    // A new field is removed without asking (it holds no data yet).
    let pairs = add_field(&ui, base, &form_of(&ui.page(base).text), "bool", "draft");
    let index = field_index(&pairs, "draft");
    let resp = submit(&ui, &format!("{base}/remove-field?index={index}"), &pairs);
    assert!(resp.fragments().contains("<form id=\"editor\""));
    assert!(!resp.fragments().contains("confirm-dialog"));
}

#[test]
fn indexes_are_added_and_their_errors_shown() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    posts_with_records(&server);
    let ui = Ui::sign_in(&server);
    let base = "/_/collections/posts/schema";
    let pairs = form_of(&ui.page(base).text);
    let added = submit(&ui, &format!("{base}/add-index"), &pairs);
    let mut pairs = form_of(&added.fragments());
    assert_eq!(
        get(&pairs, "indexes.0"),
        "CREATE INDEX `idx_posts_1` ON `posts` (`title`)"
    );
    set(&mut pairs, "indexes.0", "CREATE INDEX oops");
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    let text = saved.fragments();
    assert!(
        text.contains("<p class=\"field-error\" id=\"index-0-error\">"),
        "{text}"
    );
    assert!(text.contains("aria-describedby=\"index-0-error\""));
    assert!(flashes(&saved).contains("indexes.0"));
    set(
        &mut pairs,
        "indexes.0",
        "CREATE UNIQUE INDEX idx_title ON posts (nope)",
    );
    let text = submit(&ui, &format!("{base}/save"), &pairs).fragments();
    assert!(text.contains("Unknown index column nope."), "{text}");
    set(
        &mut pairs,
        "indexes.0",
        "CREATE UNIQUE INDEX idx_title ON posts (title)",
    );
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    assert_eq!(saved.scripts().len(), 1, "{}", saved.text);
    let posts = collection(&server, "posts");
    assert_eq!(posts["indexes"].as_array().map(Vec::len), Some(1));
    assert!(
        posts["indexes"][0]
            .as_str()
            .unwrap_or_default()
            .contains("idx_title")
    );
    // A duplicate now breaks the unique index: the store's refusal shows too.
    server.must(
        "PATCH",
        "/api/collections/posts",
        Auth::Superuser,
        Body::Json(json!({"indexes": []})),
        200,
    );
    server.must(
        "POST",
        "/api/collections/posts/records",
        Auth::Superuser,
        Body::Json(json!({"title": "one"})),
        200,
    );
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    assert!(saved.scripts().is_empty(), "{}", saved.text);
    assert!(flashes(&saved).contains("Failed to update collection."));
    // Removing the index.
    let resp = submit(&ui, &format!("{base}/remove-index?index=0"), &pairs);
    let pairs = form_of(&resp.fragments());
    assert!(!pairs.iter().any(|(key, _)| key.starts_with("indexes.")));
    assert!(resp.fragments().contains("No indexes."));
}

#[test]
fn view_collections_show_the_query_error_then_infer_fields() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    posts_with_records(&server);
    let ui = Ui::sign_in(&server);
    // Switching a new collection's type re-renders the editor for that type.
    let mut pairs = form_of(&ui.page("/_/collections/new").text);
    set(&mut pairs, "name", "titles");
    set(&mut pairs, "type", "view");
    let retyped = submit(&ui, "/_/collections/new/retype", &pairs);
    let text = retyped.fragments();
    assert!(text.contains("name=\"viewQuery\""), "{text}");
    assert!(!text.contains("id=\"field-list\""));
    assert!(
        !text.contains("name=\"createRule\""),
        "views have list/view rules only"
    );
    let mut pairs = form_of(&text);
    assert_eq!(get(&pairs, "name"), "titles");
    set(&mut pairs, "viewQuery", "SELECT id, title FROM nowhere");
    let saved = submit(&ui, "/_/collections/new/save", &pairs);
    let text = saved.fragments();
    assert!(
        text.contains("<p class=\"field-error\" id=\"view-query-error\">Invalid query - no such table: nowhere.</p>"),
        "{text}"
    );
    set(&mut pairs, "viewQuery", "SELECT title FROM posts");
    let text = submit(&ui, "/_/collections/new/save", &pairs).fragments();
    assert!(
        text.contains("The view query must return an id column."),
        "{text}"
    );
    // A rule on the view's inferred field checks live.
    set(&mut pairs, "viewQuery", "SELECT id, title FROM posts");
    unset(&mut pairs, "listRule.null");
    set(&mut pairs, "listRule", "title != ''");
    let check = submit(&ui, "/_/collections/new/check-rule?rule=listRule", &pairs);
    assert!(
        check.fragments().contains("✓ Valid rule."),
        "{}",
        check.text
    );
    let saved = submit(&ui, "/_/collections/new/save", &pairs);
    assert_eq!(
        saved.scripts(),
        ["window.location.assign(\"/_/collections/titles/schema?saved=1\")".to_string()],
        "{}",
        saved.text
    );
    let view = collection(&server, "titles");
    assert_eq!(view["type"], "view");
    assert_eq!(field_names(&view), ["id", "title"]);
    let page = ui.page("/_/collections/titles/schema");
    assert!(
        page.text.contains("<code>title</code>"),
        "inferred fields are listed"
    );
    // Views are not truncated.
    assert!(!page.text.contains("/_/collections/titles/truncate"));
}

#[test]
fn delete_and_truncate_are_confirmed_with_the_records_lost() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    posts_with_records(&server);
    let ui = Ui::sign_in(&server);

    let asked = ui.action("GET", "/_/collections/posts/truncate?from=list", json!({}));
    let dialog = asked.fragments();
    assert!(
        dialog.contains("Delete all 2 records of <code>posts</code>"),
        "{dialog}"
    );
    assert!(dialog.contains("@post(&#39;/_/collections/posts/truncate?from=list&#39;)"));
    assert!(dialog.contains("<dialog id=\"confirm-dialog\" aria-labelledby=\"confirm-title\""));
    let done = ui.action("POST", "/_/collections/posts/truncate?from=list", json!({}));
    let text = done.text.clone();
    assert!(
        text.contains("event: datastar-remove-fragments\ndata: selector #confirm-dialog"),
        "{text}"
    );
    assert!(done.fragments().contains("<tr id=\"collection-posts\">"));
    assert!(done.fragments().contains("<td class=\"count\">0</td>"));
    assert!(flashes(&done).contains("Deleted 2 records of posts."));
    let list = server.must(
        "GET",
        "/api/collections/posts/records",
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(list["totalItems"], 0);
    // From the editor page, no row to update.
    let done = ui.action("POST", "/_/collections/posts/truncate", json!({}));
    assert!(!done.fragments().contains("<tr"), "{}", done.text);
    assert!(flashes(&done).contains("Deleted 0 records of posts."));

    // A referenced collection cannot go: the service's reason is shown.
    server.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({"name": "comments", "fields": [
            {"name": "post", "type": "relation", "collectionId": collection(&server, "posts")["id"], "maxSelect": 1}
        ]})),
        200,
    );
    let refused = ui.action("POST", "/_/collections/posts/delete", json!({}));
    assert!(refused.scripts().is_empty());
    assert!(
        flashes(&refused).contains("comments.post"),
        "{}",
        refused.text
    );

    let asked = ui.action("GET", "/_/collections/comments/delete", json!({}));
    assert!(
        asked
            .fragments()
            .contains("Delete collection <code>comments</code> and all its 0 records?"),
        "{}",
        asked.text
    );
    let done = ui.action("POST", "/_/collections/comments/delete", json!({}));
    assert_eq!(
        done.scripts(),
        ["window.location.assign(\"/_/collections?deleted=comments\")".to_string()],
        "{}",
        done.text
    );
    assert_eq!(
        done.scripts(),
        ["window.location.assign(\"/_/collections?deleted=comments\")".to_string()]
    );
    assert_eq!(
        server
            .get("/api/collections/comments", Auth::Superuser)
            .status,
        404
    );
    let page = ui.page("/_/collections?deleted=comments");
    assert!(
        page.text
            .contains("Collection <code>comments</code> deleted.")
    );
    assert!(!page.text.contains("href=\"/_/collections/comments\""));
    // Hostile text in the notice is not echoed.
    let page = ui.page("/_/collections?deleted=%3Cscript%3E");
    assert!(!page.text.contains("<script>alert"));
    assert!(!page.text.contains("deleted.</p>"));

    // System collections.
    let resp = ui.action("GET", "/_/collections/_superusers/delete", json!({}));
    assert!(flashes(&resp).contains("System collections cannot be deleted."));
    let resp = ui.action("POST", "/_/collections/_superusers/delete", json!({}));
    assert!(flashes(&resp).contains("System collections cannot be deleted."));
    assert_eq!(
        server
            .get("/api/collections/_superusers", Auth::Superuser)
            .status,
        200
    );
}

#[test]
fn auth_options_are_edited_and_the_rest_kept() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let before = collection(&server, "users");
    let base = "/_/collections/users/schema";
    let page = ui.page(base);
    let mut pairs = form_of(&page.text);
    assert_eq!(get(&pairs, "passwordAuth.enabled"), "on");
    assert_eq!(get(&pairs, "passwordAuth.identityFields"), "email");
    assert_eq!(get(&pairs, "otp.duration"), "180");
    assert_eq!(get(&pairs, "authToken.duration"), "604800");
    assert!(page.text.contains("name=\"authRule\""));
    assert!(page.text.contains("name=\"manageRule\""));
    // The auth system fields are shown read-only.
    assert!(page.text.contains("<code class=\"field-name-static\""));
    assert!(!page.text.contains("id=\"field-") || !page.text.contains("Remove email"));

    set(&mut pairs, "authToken.duration", "soon");
    let text = submit(&ui, &format!("{base}/save"), &pairs).fragments();
    assert!(
        text.contains("<p class=\"field-error\" id=\"auth-authToken-duration-error\">Must be a whole number, 0 or more.</p>"),
        "{text}"
    );
    set(&mut pairs, "authToken.duration", "3600");
    set(&mut pairs, "otp.enabled", "on");
    set(&mut pairs, "otp.length", "6");
    set(&mut pairs, "passwordAuth.identityFields", "email, name");
    unset(&mut pairs, "manageRule.null");
    set(&mut pairs, "manageRule", "@request.auth.id != ''");
    let saved = submit(&ui, &format!("{base}/save"), &pairs);
    assert_eq!(saved.scripts().len(), 1, "{}", saved.text);
    let after = collection(&server, "users");
    assert_eq!(after["authToken"]["duration"], 3600);
    assert_eq!(after["otp"]["enabled"], true);
    assert_eq!(after["otp"]["length"], 6);
    assert_eq!(after["otp"]["duration"], 180);
    assert_eq!(
        after["passwordAuth"]["identityFields"],
        json!(["email", "name"])
    );
    assert_eq!(after["manageRule"], "@request.auth.id != ''");
    // What the editor does not show is kept.
    for key in [
        "otp",
        "mfa",
        "oauth2",
        "verificationTemplate",
        "resetPasswordTemplate",
        "authAlert",
        "fileToken",
    ] {
        for (inner, value) in before[key].as_object().expect(key) {
            if key == "otp" && matches!(inner.as_str(), "enabled" | "length") {
                continue;
            }
            assert_eq!(&after[key][inner], value, "{key}.{inner}");
        }
    }
    assert_eq!(field_names(&after), field_names(&before));
    assert_eq!(field(&after, "password")["min"], 8);

    // A new auth collection offers the password type and gets its system fields.
    let mut pairs = form_of(&ui.page("/_/collections/new?type=auth").text);
    set(&mut pairs, "name", "members");
    let pairs = add_field(&ui, "/_/collections/new", &pairs, "password", "pin");
    let saved = submit(&ui, "/_/collections/new/save", &pairs);
    assert_eq!(saved.scripts().len(), 1, "{}", saved.text);
    let members = collection(&server, "members");
    assert_eq!(members["type"], "auth");
    assert_eq!(field(&members, "email")["system"], true);
    assert_eq!(field(&members, "pin")["type"], "password");
}

#[test]
fn posts_a_multipart_form() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let pairs = form_of(&ui.page("/_/collections/new").text);
    let mut fields: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    fields.retain(|(key, _)| *key != "name");
    fields.push(("name", "notes"));
    let Body::Bytes(content_type, bytes) = common::multipart(&fields, &[]) else {
        unreachable!("multipart bodies are bytes");
    };
    let resp = ui.send(
        "POST",
        "/_/collections/new/save",
        &[("Datastar-Request", "true"), ("X-CSRF-Token", &ui.csrf)],
        Some((content_type, bytes)),
    );
    assert_eq!(
        resp.scripts(),
        ["window.location.assign(\"/_/collections/notes/schema?saved=1\")".to_string()],
        "{}",
        resp.text
    );
    assert_eq!(
        field_names(&collection(&server, "notes")),
        ["id", "created", "updated"]
    );
    // Garbage is an error message, not a crash.
    let resp = ui.send(
        "POST",
        "/_/collections/new/save",
        &[("Datastar-Request", "true"), ("X-CSRF-Token", &ui.csrf)],
        Some((
            "multipart/form-data; boundary=x".into(),
            b"--x\r\nnonsense".to_vec(),
        )),
    );
    assert_eq!(resp.status, 200);
    assert!(
        flashes(&resp).contains("could not be read"),
        "{}",
        resp.text
    );
}
