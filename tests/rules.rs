//! API rules, black-box, against PocketBase's answers: which denial is an empty list, a
//! 404, a 403 or a 400, and the attacks people try (filters that widen a list rule,
//! `@request.body` tricks to change an owner, hidden fields, tampered tokens).
//! Runs against `lifebase`, or PocketBase with `LB_TEST_BIN`.

mod common;

use common::fixture::{self, USER1, USER2};
use common::scenario::{As, Scenario, run};
use common::{Auth, Body, Server};
use serde_json::{Value, json};

const NOTE1: &str = "note00000000001";
const NOTE2: &str = "note00000000002";
const NOTE3: &str = "note00000000003";
const ONLY_SUPERUSERS: &str = "Only superusers can perform this action.";
const NOT_FOUND: &str = "The requested resource wasn't found.";

/// The fixture plus `notes` (owner rules), `secrets` (every rule null), `gated` (rules on
/// request headers and query), and `members` (an `@collection` join).
fn setup() -> (Server, fixture::Fixture) {
    let s = Server::start();
    let fx = fixture::setup(&s);
    let owner = "owner = @request.auth.id";
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
            "listRule": format!("{owner} || public = true"),
            "viewRule": format!("{owner} || public = true"),
            "createRule": "@request.auth.id != '' && @request.body.owner = @request.auth.id",
            "updateRule": format!("{owner} && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)"),
            "deleteRule": owner,
        })),
        200,
    );
    let notes = s.must(
        "GET",
        "/api/collections/notes",
        Auth::Superuser,
        Body::None,
        200,
    );
    let notes_id = notes["id"].as_str().expect("notes id").to_string();
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "members",
            "fields": [
                {"name": "user", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "note", "type": "relation", "collectionId": notes_id, "maxSelect": 1},
            ],
        })),
        200,
    );
    // The view rule joins `members`, which exists only now.
    s.must(
        "PATCH",
        "/api/collections/notes",
        Auth::Superuser,
        Body::Json(json!({"viewRule": format!(
            "{owner} || public = true || (@collection.members.user ?= @request.auth.id && @collection.members.note ?= id)"
        )})),
        200,
    );
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({"name": "secrets", "fields": [{"name": "value", "type": "text"}]})),
        200,
    );
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "gated",
            "fields": [{"name": "value", "type": "text"}],
            "listRule": "@request.headers.x_token = 'letmein'",
            "viewRule": "@request.query.code = '42'",
        })),
        200,
    );
    for (id, owner, public, title) in [
        (NOTE1, USER1, false, "private of user1"),
        (NOTE2, USER1, true, "public of user1"),
        (NOTE3, USER2, false, "private of user2"),
    ] {
        s.must(
            "POST",
            "/api/collections/notes/records",
            Auth::Superuser,
            Body::Json(json!({"id": id, "owner": owner, "public": public, "title": title, "secret": "hush"})),
            200,
        );
    }
    // user2 is a member of note1, so the view rule's @collection join lets them see it.
    s.must(
        "POST",
        "/api/collections/members/records",
        Auth::Superuser,
        Body::Json(json!({"user": USER2, "note": NOTE1})),
        200,
    );
    s.must(
        "POST",
        "/api/collections/secrets/records",
        Auth::Superuser,
        Body::Json(json!({"id": "secret000000001", "value": "s"})),
        200,
    );
    s.must(
        "POST",
        "/api/collections/gated/records",
        Auth::Superuser,
        Body::Json(json!({"id": "gated0000000001", "value": "g"})),
        200,
    );
    (s, fx)
}

fn list(
    name: &'static str,
    url: &'static str,
    auth: As,
    visible: &[&'static str],
    hidden: &[&'static str],
) -> Scenario {
    Scenario {
        name,
        url,
        auth,
        expect_json: vec![("/totalItems", json!(visible.len()))],
        expect_body: visible.to_vec(),
        expect_not_in_body: hidden.to_vec(),
        ..Scenario::EMPTY
    }
}

#[test]
fn list_and_view_rules() {
    let (s, fx) = setup();
    run(
        &s,
        &fx,
        &[
            list(
                "a guest sees only public notes",
                "/api/collections/notes/records",
                As::Guest,
                &[NOTE2],
                &[NOTE1, NOTE3],
            ),
            list(
                "user1 sees their own notes",
                "/api/collections/notes/records",
                As::User1,
                &[NOTE1, NOTE2],
                &[NOTE3],
            ),
            list(
                "user2 sees their own and public notes",
                "/api/collections/notes/records",
                As::User2,
                &[NOTE2, NOTE3],
                &[NOTE1],
            ),
            list(
                "a filter cannot widen the list rule",
                "/api/collections/notes/records?filter=owner%20%3D%20%22user00000000001%22%20%7C%7C%20id%20!%3D%20%22%22",
                As::User2,
                &[NOTE2, NOTE3],
                &[NOTE1],
            ),
            list(
                "a garbage token is a guest",
                "/api/collections/notes/records",
                As::Header("Bearer not.a.jwt"),
                &[NOTE2],
                &[NOTE1, NOTE3],
            ),
            list(
                "a tampered token is a guest",
                "/api/collections/notes/records",
                As::Header(
                    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJleHAiOjQxMDI0NDQ4MDAsImlkIjoidXNlcjAwMDAwMDAwMDAxIiwicmVmcmVzaGFibGUiOnRydWUsInR5cGUiOiJhdXRoIn0.c2lnbmF0dXJlLW1hZGUtdXAtYnktYW4tYXR0YWNrZXI",
                ),
                &[NOTE2],
                &[NOTE1, NOTE3],
            ),
            Scenario {
                name: "a hidden field cannot be filtered by a regular user",
                url: "/api/collections/notes/records?filter=secret%20%3D%20%22hush%22",
                auth: As::User1,
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a hidden field cannot be sorted by a regular user",
                url: "/api/collections/notes/records?sort=secret",
                auth: As::User1,
                expect_status: 400,
                ..Scenario::EMPTY
            },
            list(
                "superusers filter by hidden fields and see everything",
                "/api/collections/notes/records?filter=secret%20%3D%20%22hush%22",
                As::Superuser,
                &[NOTE1, NOTE2, NOTE3],
                &[],
            ),
            Scenario {
                name: "hidden fields are not returned to users",
                url: "/api/collections/notes/records/note00000000002",
                auth: As::User1,
                expect_json: vec![("/title", json!("public of user1"))],
                expect_not_in_body: vec!["secret", "hush"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "hidden fields are returned to superusers",
                url: "/api/collections/notes/records/note00000000002",
                auth: As::Superuser,
                expect_json: vec![("/secret", json!("hush"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a record the view rule hides is a 404 for guests",
                url: "/api/collections/notes/records/note00000000001",
                expect_status: 404,
                expect_json: vec![("/message", json!(NOT_FOUND))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "another user's private note is a 404",
                url: "/api/collections/notes/records/note00000000003",
                auth: As::User1,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the @collection join lets a member view the note",
                url: "/api/collections/notes/records/note00000000001",
                auth: As::User2,
                expect_json: vec![("/id", json!(NOTE1))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand follows the related collection's view rule",
                url: "/api/collections/notes/records/note00000000002?expand=owner",
                auth: As::User2,
                expect_json: vec![("/expand", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand shows the owner to themself",
                url: "/api/collections/notes/records/note00000000002?expand=owner",
                auth: As::User1,
                expect_json: vec![("/expand/owner/id", json!(USER1))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a list rule on a header denies without it (empty list)",
                url: "/api/collections/gated/records",
                expect_json: vec![("/totalItems", json!(0))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a view rule on a query parameter denies without it",
                url: "/api/collections/gated/records/gated0000000001",
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a view rule on a query parameter allows with it",
                url: "/api/collections/gated/records/gated0000000001?code=42",
                expect_json: vec![("/value", json!("g"))],
                ..Scenario::EMPTY
            },
        ],
    );
    let with_header = s.request(
        "GET",
        "/api/collections/gated/records",
        &Auth::Raw(""),
        &Body::None,
    );
    assert_eq!(
        with_header.json["totalItems"],
        json!(0),
        "{}",
        with_header.text
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build();
    let agent: ureq::Agent = agent.into();
    let mut answer = agent
        .get(format!("{}/api/collections/gated/records", s.base))
        .header("X-Token", "letmein")
        .call()
        .expect("request");
    let body: Value = answer.body_mut().read_json().expect("json");
    assert_eq!(
        body["totalItems"],
        json!(1),
        "the header rule must let the request through: {body}"
    );
}

#[test]
fn null_rules_are_superusers_only() {
    let (s, fx) = setup();
    let forbidden = |name, method, url, auth| Scenario {
        name,
        method,
        url,
        auth,
        json: Some(|| json!({"value": "x"})),
        expect_status: 403,
        expect_json: vec![("/message", json!(ONLY_SUPERUSERS))],
        ..Scenario::EMPTY
    };
    run(
        &s,
        &fx,
        &[
            forbidden(
                "guest list",
                "GET",
                "/api/collections/secrets/records",
                As::Guest,
            ),
            forbidden(
                "user list",
                "GET",
                "/api/collections/secrets/records",
                As::User1,
            ),
            forbidden(
                "user view",
                "GET",
                "/api/collections/secrets/records/secret000000001",
                As::User1,
            ),
            forbidden(
                "view of a missing id",
                "GET",
                "/api/collections/secrets/records/doesnotexist123",
                As::Guest,
            ),
            forbidden(
                "guest create",
                "POST",
                "/api/collections/secrets/records",
                As::Guest,
            ),
            forbidden(
                "user update",
                "PATCH",
                "/api/collections/secrets/records/secret000000001",
                As::User1,
            ),
            forbidden(
                "user delete",
                "DELETE",
                "/api/collections/secrets/records/secret000000001",
                As::User1,
            ),
            Scenario {
                name: "superusers pass null rules",
                url: "/api/collections/secrets/records",
                auth: As::Superuser,
                expect_json: vec![("/totalItems", json!(1))],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn write_rules() {
    let (s, fx) = setup();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "a guest create fails the create rule with 400",
                method: "POST",
                url: "/api/collections/notes/records",
                json: Some(|| json!({"title": "x", "owner": "user00000000001"})),
                expect_status: 400,
                expect_json: vec![
                    ("/message", json!("Failed to create record.")),
                    ("/data", json!({})),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "creating a note owned by someone else fails",
                method: "POST",
                url: "/api/collections/notes/records",
                auth: As::User2,
                json: Some(|| json!({"title": "x", "owner": "user00000000001"})),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "creating an own note passes",
                method: "POST",
                url: "/api/collections/notes/records",
                auth: As::User2,
                json: Some(
                    || json!({"id": "note00000000009", "title": "mine", "owner": "user00000000002"}),
                ),
                expect_json: vec![("/owner", json!(USER2))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "updating another user's note is a 404",
                method: "PATCH",
                url: "/api/collections/notes/records/note00000000003",
                auth: As::User1,
                json: Some(|| json!({"title": "hijacked"})),
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "giving an own note away through the body is refused",
                method: "PATCH",
                url: "/api/collections/notes/records/note00000000001",
                auth: As::User1,
                json: Some(|| json!({"owner": "user00000000002"})),
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the refused update changed nothing",
                url: "/api/collections/notes/records/note00000000001",
                auth: As::User1,
                expect_json: vec![("/owner", json!(USER1))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "updating an own note passes",
                method: "PATCH",
                url: "/api/collections/notes/records/note00000000001",
                auth: As::User1,
                json: Some(|| json!({"title": "edited"})),
                expect_json: vec![("/title", json!("edited"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "deleting another user's note is a 404",
                method: "DELETE",
                url: "/api/collections/notes/records/note00000000003",
                auth: As::User1,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the note survived",
                url: "/api/collections/notes/records/note00000000003",
                auth: As::Superuser,
                expect_json: vec![("/id", json!(NOTE3))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "deleting an own note passes",
                method: "DELETE",
                url: "/api/collections/notes/records/note00000000002",
                auth: As::User1,
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a user cannot see another user through the users list rule",
                url: "/api/collections/users/records",
                auth: As::User1,
                expect_json: vec![("/totalItems", json!(1)), ("/items/0/id", json!(USER1))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a user cannot change another user",
                method: "PATCH",
                url: "/api/collections/users/records/user00000000002",
                auth: As::User1,
                json: Some(|| json!({"name": "pwned"})),
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a user cannot verify themself",
                method: "PATCH",
                url: "/api/collections/users/records/user00000000001",
                auth: As::User1,
                json: Some(|| json!({"verified": false})),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "rules are syntax-checked on save",
                method: "PATCH",
                url: "/api/collections/notes",
                auth: As::Superuser,
                json: Some(|| json!({"listRule": "owner = "})),
                expect_status: 400,
                expect_body: vec!["listRule"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "rules naming unknown fields are refused on save",
                method: "PATCH",
                url: "/api/collections/notes",
                auth: As::Superuser,
                json: Some(|| json!({"viewRule": "nope = 1"})),
                expect_status: 400,
                expect_body: vec!["viewRule"],
                ..Scenario::EMPTY
            },
        ],
    );
}
