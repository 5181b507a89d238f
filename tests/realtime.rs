//! Realtime (SSE), black-box: PocketBase's protocol, and every event checked against the
//! subscriber's rules and options before it is sent. Runs against `lifebase`, or
//! PocketBase with `LB_TEST_BIN`.

mod common;

use std::time::Duration;

use common::fixture::{self, USER1, USER2};
use common::sse::SseClient;
use common::{Auth, Body, Resp, Server};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(400);

fn setup() -> (Server, fixture::Fixture) {
    let s = Server::start();
    let fx = fixture::setup(&s);
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "notes",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "public", "type": "bool"},
                {"name": "secret", "type": "text", "hidden": true},
            ],
            "listRule": "owner = @request.auth.id || public = true",
            "viewRule": "owner = @request.auth.id || public = true",
            "createRule": "@request.auth.id != ''",
            "updateRule": "owner = @request.auth.id",
            "deleteRule": "owner = @request.auth.id",
        })),
        200,
    );
    (s, fx)
}

fn subscribe(s: &Server, client: &SseClient, auth: Auth, topics: &[&str]) -> Resp {
    s.request(
        "POST",
        "/api/realtime",
        &auth,
        &Body::Json(json!({"clientId": client.client_id, "subscriptions": topics})),
    )
}

fn create_note(s: &Server, title: &str, owner: &str, public: bool) -> String {
    let note = s.must(
        "POST",
        "/api/collections/notes/records",
        Auth::Superuser,
        Body::Json(json!({"title": title, "owner": owner, "public": public, "secret": "hush"})),
        200,
    );
    note["id"].as_str().expect("id").to_string()
}

fn titles(events: &[common::sse::Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e.data["action"].as_str().unwrap_or(""),
                e.data["record"]["title"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn subscribe_request_errors() {
    let (s, _fx) = setup();
    let client = SseClient::connect(s.port);
    let missing = s.request(
        "POST",
        "/api/realtime",
        &Auth::None,
        &Body::Json(json!({"subscriptions": ["notes/*"]})),
    );
    assert_eq!(missing.status, 400, "{}", missing.text);
    assert_eq!(
        missing.json["data"]["clientId"]["code"],
        "validation_required"
    );
    let unknown = s.request(
        "POST",
        "/api/realtime",
        &Auth::None,
        &Body::Json(json!({"clientId": "no-such-client", "subscriptions": []})),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert_eq!(unknown.json["message"], "Missing or invalid client id.");
    let too_many: Vec<String> = (0..1001).map(|i| format!("notes/id{i}")).collect();
    let many = s.request(
        "POST",
        "/api/realtime",
        &Auth::None,
        &Body::Json(json!({"clientId": client.client_id, "subscriptions": too_many})),
    );
    assert_eq!(many.status, 400, "{}", many.text);
    let long = s.request(
        "POST",
        "/api/realtime",
        &Auth::None,
        &Body::Json(json!({"clientId": client.client_id, "subscriptions": ["x".repeat(2501)]})),
    );
    assert_eq!(long.status, 400, "{}", long.text);
    let malformed = s.request(
        "POST",
        "/api/realtime",
        &Auth::None,
        &Body::Raw("{not json".into()),
    );
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert_eq!(subscribe(&s, &client, Auth::None, &["notes/*"]).status, 204);
}

#[test]
fn events_follow_the_list_rule_per_subscriber() {
    let (s, fx) = setup();
    let guest = SseClient::connect(s.port);
    let user1 = SseClient::connect(s.port);
    let user2 = SseClient::connect(s.port);
    let superuser = SseClient::connect(s.port);
    assert_eq!(subscribe(&s, &guest, Auth::None, &["notes/*"]).status, 204);
    assert_eq!(
        subscribe(
            &s,
            &user1,
            Auth::Token(fx.user1_token.clone()),
            &["notes/*"]
        )
        .status,
        204
    );
    assert_eq!(
        subscribe(
            &s,
            &user2,
            Auth::Token(fx.user2_token.clone()),
            &["notes/*"]
        )
        .status,
        204
    );
    assert_eq!(
        subscribe(&s, &superuser, Auth::Superuser, &["notes/*"]).status,
        204
    );

    let private1 = create_note(&s, "private1", USER1, false);
    create_note(&s, "public1", USER1, true);
    create_note(&s, "private2", USER2, false);
    s.must(
        "PATCH",
        &format!("/api/collections/notes/records/{private1}"),
        Auth::Superuser,
        Body::Json(json!({"title": "private1 edited"})),
        200,
    );
    s.must(
        "DELETE",
        &format!("/api/collections/notes/records/{private1}"),
        Auth::Superuser,
        Body::None,
        204,
    );

    superuser.wait_for(|e| e.data["action"] == "delete", WAIT);
    assert_eq!(
        titles(&superuser.settle(QUIET)),
        [
            "create private1",
            "create public1",
            "create private2",
            "update private1 edited",
            "delete private1 edited"
        ],
        "superusers see every change, in order"
    );
    assert_eq!(titles(&guest.settle(Duration::ZERO)), ["create public1"]);
    assert_eq!(
        titles(&user1.settle(Duration::ZERO)),
        [
            "create private1",
            "create public1",
            "update private1 edited",
            "delete private1 edited"
        ]
    );
    assert_eq!(
        titles(&user2.settle(Duration::ZERO)),
        ["create public1", "create private2"]
    );

    let event = &guest.events()[0];
    assert_eq!(event.name, "notes/*", "events are named after the topic");
    assert_eq!(event.id, guest.client_id);
    assert_eq!(event.data["record"]["collectionName"], "notes");
    assert!(
        event.data["record"].get("secret").is_none(),
        "hidden fields never reach users"
    );
    assert_eq!(
        superuser.events()[0].data["record"]["secret"],
        "hush",
        "superusers get hidden fields"
    );
}

#[test]
fn record_topics_options_and_identity() {
    let (s, fx) = setup();
    let public = create_note(&s, "watched", USER1, true);
    let other = create_note(&s, "other", USER1, true);

    let client = SseClient::connect(s.port);
    let options = "%7B%22query%22%3A%7B%22fields%22%3A%22id%2Ctitle%22%2C%22filter%22%3A%22title%20~%20%27keep%27%22%7D%7D";
    let filtered = format!("notes/*?options={options}");
    let record_topic = format!("notes/{public}");
    assert_eq!(
        subscribe(
            &s,
            &client,
            Auth::None,
            &[record_topic.as_str(), filtered.as_str()]
        )
        .status,
        204
    );
    for (id, title) in [(&public, "watched keep"), (&other, "other")] {
        s.must(
            "PATCH",
            &format!("/api/collections/notes/records/{id}"),
            Auth::Superuser,
            Body::Json(json!({"title": title})),
            200,
        );
    }
    client.wait_for(|e| e.name == filtered, WAIT);
    let events = client.settle(QUIET);
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == record_topic).count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == filtered).count(),
        1,
        "the filter option narrows: {names:?}"
    );
    let picked = events
        .iter()
        .find(|e| e.name == filtered)
        .expect("filtered event");
    let keys: Vec<&String> = picked.data["record"]
        .as_object()
        .expect("record")
        .keys()
        .collect();
    assert_eq!(keys.len(), 2, "the fields option picks: {keys:?}");
    assert_eq!(picked.data["record"]["title"], "watched keep");

    // A guest client may become a user; a user may not become another user.
    let identity = SseClient::connect(s.port);
    assert_eq!(
        subscribe(&s, &identity, Auth::None, &["notes/*"]).status,
        204
    );
    assert_eq!(
        subscribe(
            &s,
            &identity,
            Auth::Token(fx.user1_token.clone()),
            &["notes/*"]
        )
        .status,
        204
    );
    let switched = subscribe(
        &s,
        &identity,
        Auth::Token(fx.user2_token.clone()),
        &["notes/*"],
    );
    assert_eq!(switched.status, 403, "{}", switched.text);
    let kept = subscribe(&s, &identity, Auth::Token(fx.user1_token.clone()), &[]);
    assert_eq!(
        kept.status, 204,
        "the same identity may change its subscriptions"
    );
}

/// With no client connected the server stops following changes; a client that connects
/// after such a quiet time gets every later event once, and nothing from before.
#[test]
fn a_client_after_a_quiet_time_gets_each_later_event_once() {
    let (s, _fx) = setup();
    let first = SseClient::connect(s.port);
    assert_eq!(
        subscribe(&s, &first, Auth::Superuser, &["notes/*"]).status,
        204
    );
    create_note(&s, "before", USER1, true);
    first.wait_for(|e| e.data["action"] == "create", WAIT);
    first.close();
    // Writes while nobody listens (the server finds the closed client on the way).
    for index in 0..3 {
        create_note(&s, &format!("quiet {index}"), USER1, true);
        std::thread::sleep(Duration::from_millis(100));
    }

    let second = SseClient::connect(s.port);
    assert_eq!(
        subscribe(&s, &second, Auth::Superuser, &["notes/*"]).status,
        204
    );
    create_note(&s, "after 1", USER1, true);
    // A client joining while another is connected changes nothing for either.
    let third = SseClient::connect(s.port);
    assert_eq!(
        subscribe(&s, &third, Auth::Superuser, &["notes/*"]).status,
        204
    );
    create_note(&s, "after 2", USER1, true);

    second.wait_for(|e| e.data["record"]["title"] == "after 2", WAIT);
    third.wait_for(|e| e.data["record"]["title"] == "after 2", WAIT);
    assert_eq!(
        titles(&second.settle(QUIET)),
        ["create after 1", "create after 2"]
    );
    assert_eq!(titles(&third.settle(Duration::ZERO)), ["create after 2"]);
}
