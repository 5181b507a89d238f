//! `POST /api/batch`, black-box: off until enabled in the settings, all or nothing, each
//! request under its own rules, later requests seeing earlier ones, upserts, and files.
//! Runs against `lifebase`, or PocketBase with `LB_TEST_BIN`.

mod common;

use common::fixture::{self, COMMENT1, POST1, POST2, TAG_RUST};
use common::{Auth, Body, Server, multipart};
use serde_json::{Value, json};

fn enable(s: &Server, max: i64) {
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"batch": {"enabled": true, "maxRequests": max, "timeout": 5}})),
        200,
    );
}

fn batch(s: &Server, auth: Auth, requests: Value) -> common::Resp {
    s.request(
        "POST",
        "/api/batch",
        &auth,
        &Body::Json(json!({"requests": requests})),
    )
}

fn count(s: &Server, collection: &str, filter: &str) -> i64 {
    let url = format!("/api/collections/{collection}/records?filter={filter}");
    s.must("GET", &url, Auth::Superuser, Body::None, 200)["totalItems"]
        .as_i64()
        .expect("totalItems")
}

#[test]
fn batch_is_off_until_enabled_and_validates_its_shape() {
    let s = Server::start();
    let _fx = fixture::setup(&s);
    let off = batch(
        &s,
        Auth::Superuser,
        json!([{"method": "DELETE", "url": format!("/api/collections/tags/records/{TAG_RUST}")}]),
    );
    assert_eq!(off.status, 403, "{}", off.text);
    assert_eq!(off.json["message"], "Batch requests are not allowed.");
    enable(&s, 2);
    let empty = batch(&s, Auth::Superuser, json!([]));
    assert_eq!(empty.status, 400, "{}", empty.text);
    assert_eq!(
        empty.json["data"]["requests"]["code"],
        "validation_required"
    );
    let request =
        json!({"method": "POST", "url": "/api/collections/tags/records", "body": {"name": "x"}});
    let too_many = batch(&s, Auth::Superuser, json!([request, request, request]));
    assert_eq!(too_many.status, 400, "{}", too_many.text);
    assert!(
        too_many.json["data"]["requests"]["code"].is_string(),
        "{}",
        too_many.text
    );
    let malformed = s.request(
        "POST",
        "/api/batch",
        &Auth::Superuser,
        &Body::Raw("{nope".into()),
    );
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    let unknown = batch(
        &s,
        Auth::Superuser,
        json!([{"method": "GET", "url": "/api/collections/tags/records"}]),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(
        unknown.json["data"]["requests"]["0"]["code"],
        "batch_request_failed"
    );
    assert_eq!(count(&s, "tags", ""), 3, "nothing changed");
}

#[test]
fn a_batch_is_all_or_nothing() {
    let s = Server::start();
    let _fx = fixture::setup(&s);
    enable(&s, 10);
    let done = batch(
        &s,
        Auth::Superuser,
        json!([
            {"method": "POST", "url": "/api/collections/tags/records", "body": {"id": "tagbatch0000001", "name": "batched"}},
            {"method": "PATCH", "url": format!("/api/collections/posts/records/{POST1}?fields=id,tags"),
             "body": {"tags+": "tagbatch0000001"}},
            {"method": "DELETE", "url": format!("/api/collections/comments/records/{COMMENT1}")},
            {"method": "PUT", "url": "/api/collections/tags/records", "body": {"id": "tagbatch0000001", "name": "upserted"}},
            {"method": "PUT", "url": "/api/collections/tags/records", "body": {"id": "tagbatch0000002", "name": "new by upsert"}},
        ]),
    );
    assert_eq!(done.status, 200, "{}", done.text);
    let results = done.json.as_array().expect("an array of results");
    let statuses: Vec<i64> = results
        .iter()
        .map(|r| r["status"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, [200, 200, 204, 200, 200]);
    assert_eq!(results[0]["body"]["name"], "batched");
    assert!(
        results[1]["body"]["tags"]
            .as_array()
            .expect("tags")
            .contains(&json!("tagbatch0000001")),
        "a later request sees the record an earlier one created: {}",
        results[1]
    );
    assert_eq!(
        results[1]["body"].as_object().expect("body").len(),
        2,
        "query options apply"
    );
    assert_eq!(results[2]["body"], Value::Null);
    assert_eq!(results[3]["body"]["name"], "upserted");
    assert_eq!(results[4]["body"]["id"], "tagbatch0000002");

    let before = count(&s, "tags", "");
    let failed = batch(
        &s,
        Auth::Superuser,
        json!([
            {"method": "POST", "url": "/api/collections/tags/records", "body": {"id": "tagbatch0000003", "name": "rolled back"}},
            {"method": "DELETE", "url": format!("/api/collections/posts/records/{POST2}")},
            {"method": "PATCH", "url": format!("/api/collections/posts/records/{POST1}"), "body": {"title": ""}},
        ]),
    );
    assert_eq!(failed.status, 400, "{}", failed.text);
    assert_eq!(failed.json["message"], "Batch transaction failed.");
    let entry = &failed.json["data"]["requests"]["2"];
    assert_eq!(entry["code"], "batch_request_failed", "{}", failed.text);
    assert_eq!(entry["response"]["status"], 400);
    assert_eq!(
        entry["response"]["data"]["title"]["code"],
        "validation_required"
    );
    assert_eq!(count(&s, "tags", ""), before, "the create was rolled back");
    assert_eq!(
        count(&s, "posts", &format!("id%3D%22{POST2}%22")),
        1,
        "the delete was rolled back"
    );
}

#[test]
fn each_request_answers_to_its_own_rules() {
    let s = Server::start();
    let fx = fixture::setup(&s);
    enable(&s, 10);
    // `posts` has a null create rule; `tags` has none at all for writes either.
    let denied = batch(
        &s,
        Auth::Token(fx.user1_token.clone()),
        json!([{"method": "POST", "url": "/api/collections/posts/records", "body": {"title": "sneaky"}}]),
    );
    assert_eq!(denied.status, 400, "{}", denied.text);
    assert_eq!(
        denied.json["data"]["requests"]["0"]["response"]["status"],
        403
    );
    let missing = batch(
        &s,
        Auth::Superuser,
        json!([{"method": "DELETE", "url": "/api/collections/posts/records/doesnotexist000"}]),
    );
    assert_eq!(
        missing.json["data"]["requests"]["0"]["response"]["status"], 404,
        "{}",
        missing.text
    );
    assert_eq!(count(&s, "posts", "title%3D%22sneaky%22"), 0);
}

#[test]
fn batch_uploads_files_per_request() {
    let s = Server::start();
    let _fx = fixture::setup(&s);
    enable(&s, 10);
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(
            json!({"name": "attachments", "listRule": "", "viewRule": "",
                          "fields": [{"name": "file", "type": "file", "maxSelect": 1}]}),
        ),
        200,
    );
    let payload = json!({"requests": [
        {"method": "POST", "url": "/api/collections/attachments/records", "body": {}},
        {"method": "POST", "url": "/api/collections/attachments/records", "body": {}},
    ]})
    .to_string();
    let r = s.request(
        "POST",
        "/api/batch",
        &Auth::Superuser,
        &multipart(
            &[("@jsonPayload", &payload)],
            &[
                ("requests.0.file", "first.txt", b"one"),
                ("requests[1].file", "second.txt", b"two"),
            ],
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let first = r.json[0]["body"].clone();
    let second = r.json[1]["body"].clone();
    assert!(
        first["file"]
            .as_str()
            .is_some_and(|n| n.starts_with("first_")),
        "{first}"
    );
    assert!(
        second["file"]
            .as_str()
            .is_some_and(|n| n.starts_with("second_")),
        "{second}"
    );
    let (status, _, bytes) = s.download(&format!(
        "/api/files/attachments/{}/{}",
        second["id"].as_str().expect("id"),
        second["file"].as_str().expect("file")
    ));
    assert_eq!((status, bytes.as_slice()), (200, b"two".as_slice()));
}
