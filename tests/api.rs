//! PocketBase-compatible REST API, black-box: scenario tables run over HTTP against the
//! real binary (`lifebase`, or `LB_TEST_BIN=$(which pocketbase)` side by side).
//! Negative rows come first in each table.

mod common;

use std::time::Duration;

use common::fixture::{self, *};
use common::scenario::{As, Check, Scenario, check_list_shape, run};
use common::{Auth, Body, Resp, Server};
use serde_json::{Value, json};

const BAD_REQUEST: &str = "Something went wrong while processing your request.";
const NOT_FOUND: &str = "The requested resource wasn't found.";
const NO_COLLECTION: &str = "Missing collection context.";
const ONLY_SUPERUSERS: &str = "Only superusers can perform this action.";

fn fresh() -> (Server, Fixture) {
    let s = Server::start();
    let fx = fixture::setup(&s);
    (s, fx)
}

fn is_pb_date(v: &Value) -> bool {
    let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$").expect("re");
    v.as_str().is_some_and(|s| re.is_match(s))
}

fn ids(r: &Resp) -> Vec<String> {
    r.json["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Builds a `check` that the list's ids are exactly `want`, in order.
macro_rules! ids_are {
    ($($id:expr),* $(,)?) => {
        Some(|r: &Resp| {
            let want: Vec<&str> = vec![$($id),*];
            let got = ids(r);
            if got == want { Ok(()) } else { Err(format!("ids {got:?} != {want:?}")) }
        })
    };
}

/// Builds a `check` that the list's ids are `want` in any order.
macro_rules! ids_set {
    ($($id:expr),* $(,)?) => {
        Some(|r: &Resp| {
            let mut want: Vec<&str> = vec![$($id),*];
            want.sort_unstable();
            let mut got = ids(r);
            got.sort_unstable();
            if got == want { Ok(()) } else { Err(format!("ids {got:?} != {want:?} (any order)")) }
        })
    };
}

fn bad_request(name: &'static str, url: &'static str) -> Scenario {
    Scenario {
        name,
        url,
        expect_status: 400,
        expect_json: vec![("/message", json!(BAD_REQUEST)), ("/data", json!({}))],
        ..Scenario::EMPTY
    }
}

fn filter(name: &'static str, url: &'static str, check: Option<Check>) -> Scenario {
    Scenario {
        name,
        url,
        check,
        ..Scenario::EMPTY
    }
}

#[test]
fn records_negative() {
    let (s, fx) = fresh();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "list of an unknown collection is 404",
                url: "/api/collections/nope/records",
                expect_status: 404,
                expect_json: vec![("/message", json!(NO_COLLECTION)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view in an unknown collection is 404",
                url: "/api/collections/nope/records/post00000000001",
                expect_status: 404,
                expect_json: vec![("/message", json!(NO_COLLECTION))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view of a missing record is 404",
                url: "/api/collections/posts/records/missing00000000",
                expect_status: 404,
                expect_json: vec![("/message", json!(NOT_FOUND)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "update of a missing record is 404",
                method: "PATCH",
                url: "/api/collections/posts/records/missing00000000",
                auth: As::Superuser,
                json: Some(|| json!({"title": "x"})),
                expect_status: 404,
                expect_json: vec![("/message", json!(NOT_FOUND))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "delete of a missing record is 404",
                method: "DELETE",
                url: "/api/collections/posts/records/missing00000000",
                auth: As::Superuser,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guest create with a null createRule is 403",
                method: "POST",
                url: "/api/collections/posts/records",
                json: Some(|| json!({"title": "x"})),
                expect_status: 403,
                expect_json: vec![("/message", json!(ONLY_SUPERUSERS))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "user update with a null updateRule is 403",
                method: "PATCH",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::User1,
                json: Some(|| json!({"title": "x"})),
                expect_status: 403,
                expect_json: vec![("/message", json!(ONLY_SUPERUSERS))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guest delete with a null deleteRule is 403 even for a missing id",
                method: "DELETE",
                url: "/api/collections/posts/records/missing00000000",
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guest list of users (owner-only rule) is an empty 200",
                url: "/api/collections/users/records",
                expect_json: vec![("/totalItems", json!(0))],
                expect_len: vec![("/items", 0)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "user1 cannot view user2 (404, not 403)",
                url: "/api/collections/users/records/user00000000002",
                auth: As::User1,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a garbage Authorization header means guest",
                url: "/api/collections/posts/records",
                auth: As::Header("Bearer not.a.token"),
                expect_json: vec![("/totalItems", json!(5))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "collections list without auth is 401",
                url: "/api/collections",
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "collections list as a user is 403",
                url: "/api/collections",
                auth: As::User1,
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "collection create as a user is 403",
                method: "POST",
                url: "/api/collections",
                auth: As::User1,
                json: Some(|| json!({"name": "evil", "type": "base"})),
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "malformed JSON body is 400",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                raw: Some(r#"{"title": "#),
                expect_status: 400,
                expect_json: vec![("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a JSON array body is 400",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                raw: Some(r#"[1,2]"#),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a null body on create is 400 (title is required)",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                raw: Some("null"),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            // PocketBase panics into a 500 on a `null` settings body; we answer 400.
            Scenario {
                name: "a null settings body is a 400, not a 500",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                raw: Some("null"),
                expect_status: 400,
                expect_json: vec![(
                    "/message",
                    json!("An error occurred while loading the submitted data."),
                )],
                lifebase_only: true,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "missing required title is a field error",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| json!({"views": 1})),
                expect_status: 400,
                expect_json: vec![
                    ("/message", json!("Failed to create record.")),
                    ("/data/title/code", json!("validation_required")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "every invalid field is reported at once",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| {
                    json!({
                        "title": "x".repeat(101),
                        "contact": "not-an-email",
                        "site": "not a url",
                        "status": "nope",
                        "labels": ["a", "b", "c", "d"],
                        "author": "missing00000000",
                        "tags": ["missing00000000"],
                        "location": {"lon": 0, "lat": 200}
                    })
                }),
                expect_status: 400,
                expect_json: vec![
                    ("/data/title/code", json!("validation_max_text_constraint")),
                    ("/data/contact/code", json!("validation_is_email")),
                    ("/data/site/code", json!("validation_invalid_url")),
                    ("/data/status/code", json!("validation_invalid_value")),
                    ("/data/labels/code", json!("validation_too_many_values")),
                    ("/data/author/code", json!("validation_missing_rel_records")),
                    ("/data/tags/code", json!("validation_missing_rel_records")),
                ],
                check: Some(|r| {
                    let data = r.json["data"].as_object().ok_or("no data")?;
                    for f in ["location"] {
                        if !data.contains_key(f) {
                            return Err(format!("no error for {f}"));
                        }
                    }
                    Ok(())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a select value of the wrong type is rejected",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| json!({"title": "t", "labels": ["zzz"]})),
                expect_status: 400,
                expect_json: vec![("/data/labels/code", json!("validation_invalid_value"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an invalid custom id is rejected",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| json!({"id": "BAD ID!", "title": "t"})),
                expect_status: 400,
                check: Some(|r| {
                    r.json["data"]
                        .get("id")
                        .map(|_| ())
                        .ok_or_else(|| "no error for id".to_string())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a duplicate id is rejected",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| json!({"id": POST1, "title": "dup"})),
                expect_status: 400,
                check: Some(|r| {
                    r.json["data"]
                        .get("id")
                        .map(|_| ())
                        .ok_or_else(|| "no error for id".to_string())
                }),
                ..Scenario::EMPTY
            },
            bad_request(
                "a filter with a dangling operator is 400",
                "/api/collections/posts/records?filter=title%20~",
            ),
            bad_request(
                "a filter on an unknown field is 400",
                "/api/collections/posts/records?filter=nope%20%3D%201",
            ),
            bad_request(
                "a filter with unbalanced parentheses is 400",
                "/api/collections/posts/records?filter=(views%20%3E%201",
            ),
            bad_request(
                "a filter with an unterminated string is 400",
                "/api/collections/posts/records?filter=title%20%3D%20%22abc",
            ),
            bad_request(
                "a sort on an unknown field is 400",
                "/api/collections/posts/records?sort=nope",
            ),
            bad_request(
                "perPage=abc is 400",
                "/api/collections/posts/records?perPage=abc",
            ),
            bad_request("page=abc is 400", "/api/collections/posts/records?page=abc"),
            Scenario {
                name: "perPage=5000 is capped at 1000",
                url: "/api/collections/posts/records?perPage=5000",
                expect_json: vec![("/perPage", json!(1000)), ("/totalItems", json!(5))],
                check: Some(check_list_shape),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a SQL-looking filter value is only a value",
                url: "/api/collections/posts/records?filter=title%20%3D%20%22'%3B%20DROP%20TABLE%20posts%3B%20--%22",
                expect_json: vec![
                    ("/totalItems", json!(1)),
                    ("/items/0/title", json!(HOSTILE_TITLE)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a quote-breaking filter value matches nothing",
                url: "/api/collections/posts/records?filter=title%20%3D%20'x%22%20%7C%7C%201%3D1%20--'",
                expect_json: vec![("/totalItems", json!(0))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a hostile title is stored and read back verbatim",
                url: "/api/collections/posts/records/post00000000004",
                expect_json: vec![
                    ("/title", json!(HOSTILE_TITLE)),
                    ("/body", json!("<script>alert('x')</script>")),
                    ("/meta/sql", json!("1; DELETE FROM posts")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a unicode title with quotes and backslashes is read back verbatim",
                url: "/api/collections/posts/records/post00000000005",
                expect_json: vec![("/title", json!(UNICODE_TITLE)), ("/views", json!(1.5))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a unicode filter value matches",
                url: "/api/collections/posts/records?filter=title%20~%20'%E6%97%A5%E6%9C%AC%E8%AA%9E'",
                expect_json: vec![
                    ("/totalItems", json!(1)),
                    ("/items/0/id", json!(POST_UNICODE)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the posts table is still there with every row",
                url: "/api/collections/posts/records",
                expect_json: vec![("/totalItems", json!(5))],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn records_list_and_view() {
    let (s, fx) = fresh();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "list has the PocketBase envelope",
                url: "/api/collections/posts/records",
                expect_json: vec![
                    ("/page", json!(1)),
                    ("/perPage", json!(30)),
                    ("/totalItems", json!(5)),
                    ("/totalPages", json!(1)),
                ],
                expect_len: vec![("/items", 5)],
                check: Some(check_list_shape),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view has every field with PocketBase's shapes",
                url: "/api/collections/posts/records/post00000000001",
                expect_json: vec![
                    ("/id", json!(POST1)),
                    ("/collectionId", json!("{posts_id}")),
                    ("/collectionName", json!("posts")),
                    ("/title", json!("Hello world")),
                    ("/views", json!(10)),
                    ("/published", json!(true)),
                    ("/contact", json!("alice@example.com")),
                    ("/site", json!("https://example.com/a")),
                    ("/due", json!("2025-01-15 10:00:00.000Z")),
                    ("/status", json!("published")),
                    ("/labels", json!(["a", "b"])),
                    ("/meta", json!({"k": 1, "nested": {"x": "y"}})),
                    ("/author", json!(USER1)),
                    ("/tags", json!([TAG_RUST, TAG_SQL])),
                    ("/location", json!({"lat": 60.17, "lon": 24.94})),
                ],
                expect_not_in_body: vec![r#""expand""#],
                check: Some(|r| {
                    for k in ["created", "updated"] {
                        if !is_pb_date(&r.json[k]) {
                            return Err(format!(
                                "{k} is not YYYY-MM-DD HH:MM:SS.mmmZ: {}",
                                r.json[k]
                            ));
                        }
                    }
                    Ok(())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "empty fields have PocketBase's zero values",
                url: "/api/collections/posts/records/post00000000003",
                expect_json: vec![
                    ("/body", json!("")),
                    ("/contact", json!("")),
                    ("/site", json!("")),
                    ("/due", json!("")),
                    ("/labels", json!([])),
                    ("/meta", json!(null)),
                    ("/author", json!("")),
                    ("/tags", json!([])),
                    ("/location", json!({"lat": 0, "lon": 0})),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "sort=-views",
                url: "/api/collections/posts/records?sort=-views",
                check: ids_are![POST3, POST1, POST2, POST_UNICODE, POST_HOSTILE],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "sort=+title",
                url: "/api/collections/posts/records?sort=%2Btitle",
                check: ids_are![POST_HOSTILE, POST1, POST2, POST3, POST_UNICODE],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "sort on two fields, asc then desc",
                url: "/api/collections/posts/records?sort=status,-views",
                check: ids_are![POST_UNICODE, POST_HOSTILE, POST3, POST2, POST1],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "sort=created follows insertion",
                url: "/api/collections/posts/records?sort=created",
                check: ids_are![POST1, POST2, POST3, POST_HOSTILE, POST_UNICODE],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "page 2 of 3",
                url: "/api/collections/posts/records?page=2&perPage=2&sort=-views",
                expect_json: vec![
                    ("/page", json!(2)),
                    ("/perPage", json!(2)),
                    ("/totalItems", json!(5)),
                    ("/totalPages", json!(3)),
                ],
                check: ids_are![POST2, POST_UNICODE],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a page past the end is empty",
                url: "/api/collections/posts/records?page=9&perPage=2",
                expect_json: vec![("/page", json!(9)), ("/totalItems", json!(5))],
                expect_len: vec![("/items", 0)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "skipTotal gives -1 totals",
                url: "/api/collections/posts/records?skipTotal=1&perPage=2&sort=-views",
                expect_json: vec![("/totalItems", json!(-1)), ("/totalPages", json!(-1))],
                check: ids_are![POST3, POST1],
                ..Scenario::EMPTY
            },
            filter(
                "filter =",
                "/api/collections/posts/records?filter=views%20%3D%2010",
                ids_set![POST1],
            ),
            filter(
                "filter !=",
                "/api/collections/posts/records?filter=views%20!%3D%2010",
                ids_set![POST2, POST3, POST_HOSTILE, POST_UNICODE],
            ),
            filter(
                "filter >",
                "/api/collections/posts/records?filter=views%20%3E%205",
                ids_set![POST1, POST3],
            ),
            filter(
                "filter >=",
                "/api/collections/posts/records?filter=views%20%3E%3D%205",
                ids_set![POST1, POST2, POST3],
            ),
            filter(
                "filter <",
                "/api/collections/posts/records?filter=views%20%3C%205",
                ids_set![POST_HOSTILE, POST_UNICODE],
            ),
            filter(
                "filter <=",
                "/api/collections/posts/records?filter=views%20%3C%3D%205",
                ids_set![POST2, POST_HOSTILE, POST_UNICODE],
            ),
            filter(
                "filter ~ is a case-insensitive contains",
                "/api/collections/posts/records?filter=title%20~%20%22WORLD%22",
                ids_set![POST1],
            ),
            filter(
                "filter !~",
                "/api/collections/posts/records?filter=title%20!~%20%22o%22",
                ids_set![POST3],
            ),
            filter(
                "filter on a bool",
                "/api/collections/posts/records?filter=published%20%3D%20true",
                ids_set![POST1, POST3],
            ),
            filter(
                "filter && || and parentheses",
                "/api/collections/posts/records?filter=(views%20%3E%205%20%26%26%20published%20%3D%20true)%20%7C%7C%20status%20%3D%20%22draft%22",
                ids_set![POST1, POST2, POST3],
            ),
            filter(
                "filter && binds tighter than ||",
                "/api/collections/posts/records?filter=views%20%3E%205%20%26%26%20(published%20%3D%20false%20%7C%7C%20status%20%3D%20%22archived%22)",
                ids_set![POST3],
            ),
            filter(
                "filter = null on an empty date",
                "/api/collections/posts/records?filter=due%20%3D%20null",
                ids_set![POST3, POST_HOSTILE, POST_UNICODE],
            ),
            filter(
                "filter != null",
                "/api/collections/posts/records?filter=due%20!%3D%20null",
                ids_set![POST1, POST2],
            ),
            filter(
                "filter on a date with @now",
                "/api/collections/posts/records?filter=due%20!%3D%20%22%22%20%26%26%20due%20%3C%20%40now%20%26%26%20created%20%3C%3D%20%40now",
                ids_set![POST1, POST2],
            ),
            filter(
                "filter on a date literal",
                "/api/collections/posts/records?filter=due%20%3E%20%222024-12-31%2000%3A00%3A00.000Z%22",
                ids_set![POST1],
            ),
            filter(
                "filter created > @yesterday",
                "/api/collections/posts/records?filter=created%20%3E%20%40yesterday",
                ids_set![POST1, POST2, POST3, POST_HOSTILE, POST_UNICODE],
            ),
            filter(
                "filter on a single-quoted string",
                "/api/collections/posts/records?filter=title%20%3D%20'Third'",
                ids_set![POST3],
            ),
            filter(
                "filter with :lower",
                "/api/collections/posts/records?filter=title%3Alower%20%3D%20%22hello%20world%22",
                ids_set![POST1],
            ),
            filter(
                "filter on a json path",
                "/api/collections/posts/records?filter=meta.nested.x%20%3D%20%22y%22%20%7C%7C%20meta.k%20%3D%202",
                ids_set![POST1, POST2],
            ),
            filter(
                "filter on an empty relation",
                "/api/collections/posts/records?filter=author%20%3D%20%22%22",
                ids_set![POST3, POST_HOSTILE, POST_UNICODE],
            ),
            Scenario {
                name: "filter through a relation path as superuser",
                url: "/api/collections/posts/records?filter=author.email%20%3D%20%22user1%40example.com%22",
                auth: As::Superuser,
                check: ids_set![POST1],
                ..Scenario::EMPTY
            },
            filter(
                "filter any-of on a multi relation path",
                "/api/collections/posts/records?filter=tags.name%20%3F%3D%20%22rust%22",
                ids_set![POST1],
            ),
            filter(
                "filter any-of on multi relation ids",
                "/api/collections/posts/records?filter=tags.id%20%3F%3D%20%22tag000000000003%22",
                ids_set![POST2],
            ),
            filter(
                "filter ?~ on a multi relation path",
                "/api/collections/posts/records?filter=tags.name%20%3F~%20%22e%22",
                ids_set![POST2],
            ),
            filter(
                "filter with :length",
                "/api/collections/posts/records?filter=labels%3Alength%20%3D%202",
                ids_set![POST1, POST_UNICODE],
            ),
            filter(
                "filter with :each any-of",
                "/api/collections/posts/records?filter=labels%3Aeach%20%3F%3D%20%22a%22",
                ids_set![POST1, POST_UNICODE],
            ),
            filter(
                "filter with :each all-of",
                "/api/collections/posts/records?filter=labels%3Aeach%20~%20%22c%22%20%26%26%20labels%3Alength%20%3E%200",
                ids_set![POST2],
            ),
            filter(
                "geoDistance finds the post within 5 km",
                "/api/collections/posts/records?filter=geoDistance(location.lon%2C%20location.lat%2C%2024.95%2C%2060.17)%20%3C%205",
                ids_set![POST1],
            ),
            filter(
                "filter through a back-relation",
                "/api/collections/posts/records?filter=comments_via_post.text%20%3F%3D%20%22Nice%22",
                ids_set![POST1],
            ),
            Scenario {
                name: "expand a multi relation keeps the stored order",
                url: "/api/collections/posts/records/post00000000001?expand=tags",
                expect_json: vec![
                    ("/expand/tags/0/id", json!(TAG_RUST)),
                    ("/expand/tags/0/name", json!("rust")),
                    ("/expand/tags/0/collectionName", json!("tags")),
                    ("/expand/tags/1/name", json!("sql")),
                ],
                expect_len: vec![("/expand/tags", 2)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand a single relation the guest may not view gives nothing",
                url: "/api/collections/posts/records/post00000000001?expand=author",
                expect_json: vec![("/expand", json!({}))],
                expect_not_in_body: vec![USER1_EMAIL, "User One"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand a single relation as its owner",
                url: "/api/collections/posts/records/post00000000001?expand=author",
                auth: As::User1,
                expect_json: vec![
                    ("/expand/author/id", json!(USER1)),
                    ("/expand/author/name", json!("User One")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand two relations as superuser",
                url: "/api/collections/posts/records/post00000000001?expand=author,tags",
                auth: As::Superuser,
                expect_json: vec![
                    ("/expand/author/email", json!(USER1_EMAIL)),
                    ("/expand/tags/1/id", json!(TAG_SQL)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand nested relations",
                url: "/api/collections/comments/records/comm00000000001?expand=post.tags",
                expect_json: vec![
                    ("/expand/post/id", json!(POST1)),
                    ("/expand/post/expand/tags/0/name", json!("rust")),
                ],
                expect_len: vec![("/expand/post/expand/tags", 2)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand a back-relation",
                url: "/api/collections/posts/records/post00000000001?expand=comments_via_post",
                expect_len: vec![("/expand/comments_via_post", 2)],
                expect_body: vec!["First!", "Nice"],
                expect_not_in_body: vec!["Meh"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "expand in a list",
                url: "/api/collections/posts/records?expand=tags&sort=created&perPage=2",
                expect_json: vec![
                    ("/items/0/expand/tags/0/name", json!("rust")),
                    ("/items/1/expand/tags/0/name", json!("web")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an unknown expand is ignored",
                url: "/api/collections/posts/records/post00000000001?expand=nope",
                expect_json: vec![("/id", json!(POST1))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "fields picks keys",
                url: "/api/collections/posts/records/post00000000001?fields=id,title",
                check: Some(|r| {
                    if r.json == json!({"id": POST1, "title": "Hello world"}) {
                        Ok(())
                    } else {
                        Err("want exactly id and title".into())
                    }
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "fields applies to list items, not the envelope",
                url: "/api/collections/posts/records?fields=id&sort=created&perPage=1",
                expect_json: vec![
                    ("/items/0", json!({"id": POST1})),
                    ("/totalItems", json!(5)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "fields with expand.*",
                url: "/api/collections/posts/records/post00000000001?expand=tags&fields=id,expand.tags.name",
                check: Some(|r| {
                    let want = json!({"id": POST1, "expand": {"tags": [{"name": "rust"}, {"name": "sql"}]}});
                    if r.json == want {
                        Ok(())
                    } else {
                        Err(format!("want {want}"))
                    }
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "fields with :excerpt",
                url: "/api/collections/posts/records/post00000000001?fields=body:excerpt(10,true)",
                expect_json: vec![("/body", json!("Hello worl..."))],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn records_crud() {
    let (s, fx) = fresh();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "superuser creates a post with a custom id",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"id": "newpost00000001", "title": "New", "views": 3, "labels": ["a"],
                           "tags": [TAG_WEB], "meta": [1, "two"], "location": {"lon": 1.5, "lat": -2.25}})
                }),
                expect_json: vec![
                    ("/id", json!("newpost00000001")),
                    ("/title", json!("New")),
                    ("/meta", json!([1, "two"])),
                    ("/location", json!({"lat": -2.25, "lon": 1.5})),
                    ("/published", json!(false)),
                ],
                check: Some(|r| {
                    if is_pb_date(&r.json["created"]) && r.json["created"] == r.json["updated"] {
                        Ok(())
                    } else {
                        Err("created/updated must be equal PocketBase dates on create".into())
                    }
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "scalar values of the wrong JSON type are cast like PocketBase does",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"id": "castpost0000001", "title": 123, "views": "12.5", "published": "true",
                           "status": ["draft"], "labels": "b", "tags": TAG_RUST})
                }),
                expect_json: vec![
                    ("/title", json!("123")),
                    ("/views", json!(12.5)),
                    ("/published", json!(true)),
                    ("/status", json!("draft")),
                    ("/labels", json!(["b"])),
                    ("/tags", json!([TAG_RUST])),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a generated id is 15 chars of [a-z0-9]",
                method: "POST",
                url: "/api/collections/posts/records",
                auth: As::Superuser,
                json: Some(|| json!({"title": "Generated"})),
                check: Some(|r| {
                    let id = r.json["id"].as_str().unwrap_or("");
                    if id.len() == 15
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    {
                        Ok(())
                    } else {
                        Err(format!("bad id {id:?}"))
                    }
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the new post can be viewed",
                url: "/api/collections/posts/records/newpost00000001",
                expect_json: vec![("/title", json!("New")), ("/tags", json!([TAG_WEB]))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "update changes only the given fields",
                method: "PATCH",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::Superuser,
                json: Some(|| json!({"title": "Updated", "published": false})),
                expect_json: vec![
                    ("/title", json!("Updated")),
                    ("/published", json!(false)),
                    ("/views", json!(10)),
                    ("/labels", json!(["a", "b"])),
                    ("/author", json!(USER1)),
                ],
                check: Some(|r| {
                    if r.json["updated"] != r.json["created"] {
                        Ok(())
                    } else {
                        Err("updated did not change".into())
                    }
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "update with +/- modifiers",
                method: "PATCH",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::Superuser,
                json: Some(|| json!({"views+": 5, "labels+": "c", "tags-": TAG_SQL})),
                expect_json: vec![
                    ("/views", json!(15)),
                    ("/labels", json!(["a", "b", "c"])),
                    ("/tags", json!([TAG_RUST])),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an invalid update is rejected and changes nothing",
                method: "PATCH",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::Superuser,
                json: Some(|| json!({"title": "", "views": 99})),
                expect_status: 400,
                expect_json: vec![
                    ("/message", json!("Failed to update record.")),
                    ("/data/title/code", json!("validation_required")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the rejected update left the record alone",
                url: "/api/collections/posts/records/post00000000001",
                expect_json: vec![("/views", json!(15)), ("/title", json!("Updated"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "clearing a relation and a date",
                method: "PATCH",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::Superuser,
                json: Some(|| json!({"author": "", "due": "", "meta": null})),
                expect_json: vec![
                    ("/author", json!("")),
                    ("/due", json!("")),
                    ("/meta", json!(null)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "delete answers 204 with no body",
                method: "DELETE",
                url: "/api/collections/posts/records/post00000000003",
                auth: As::Superuser,
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the deleted post is gone",
                url: "/api/collections/posts/records/post00000000003",
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "deleting it again is 404",
                method: "DELETE",
                url: "/api/collections/posts/records/post00000000003",
                auth: As::Superuser,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "deleting a post cascades to its comments",
                method: "DELETE",
                url: "/api/collections/posts/records/post00000000001",
                auth: As::Superuser,
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "only the other post's comment is left",
                url: "/api/collections/comments/records",
                expect_json: vec![("/totalItems", json!(1)), ("/items/0/id", json!(COMMENT3))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the list counts the remaining posts",
                url: "/api/collections/posts/records",
                expect_json: vec![("/totalItems", json!(6))],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn collections_api() {
    let (s, fx) = fresh();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "view collection without auth is 401",
                url: "/api/collections/posts",
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view an unknown collection is 404",
                url: "/api/collections/nope",
                auth: As::Superuser,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "create with a taken name is 400",
                method: "POST",
                url: "/api/collections",
                auth: As::Superuser,
                json: Some(|| json!({"name": "posts", "type": "base"})),
                expect_status: 400,
                expect_json: vec![("/message", json!("Failed to create collection."))],
                check: Some(|r| {
                    r.json["data"]
                        .get("name")
                        .map(|_| ())
                        .ok_or_else(|| "no name error".into())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "create with an unknown field type is 400",
                method: "POST",
                url: "/api/collections",
                auth: As::Superuser,
                json: Some(
                    || json!({"name": "bad", "type": "base", "fields": [{"name": "x", "type": "nope"}]}),
                ),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "create with a bad rule is 400",
                method: "POST",
                url: "/api/collections",
                auth: As::Superuser,
                json: Some(|| json!({"name": "bad", "type": "base", "listRule": "nope = 1"})),
                expect_status: 400,
                check: Some(|r| {
                    r.json["data"]
                        .get("listRule")
                        .map(|_| ())
                        .ok_or_else(|| "no listRule error".into())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "delete a collection another one relates to is 400",
                method: "DELETE",
                url: "/api/collections/posts",
                auth: As::Superuser,
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "list collections",
                url: "/api/collections?perPage=500",
                auth: As::Superuser,
                expect_body: vec![
                    r#""name":"posts""#,
                    r#""name":"users""#,
                    r#""name":"_superusers""#,
                ],
                check: Some(check_list_shape),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "list collections with a filter",
                url: "/api/collections?filter=name%20%3D%20%22posts%22",
                auth: As::Superuser,
                expect_json: vec![("/totalItems", json!(1)), ("/items/0/name", json!("posts"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "_superusers has PocketBase's fixed id",
                url: "/api/collections/_superusers",
                auth: As::Superuser,
                expect_json: vec![("/id", json!("pbc_3142635823")), ("/type", json!("auth"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "users has PocketBase's fixed id",
                url: "/api/collections/users",
                auth: As::Superuser,
                expect_json: vec![("/id", json!("_pb_users_auth_")), ("/type", json!("auth"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view by name shows fields and rules",
                url: "/api/collections/posts",
                auth: As::Superuser,
                expect_json: vec![
                    ("/id", json!("{posts_id}")),
                    ("/name", json!("posts")),
                    ("/type", json!("base")),
                    ("/listRule", json!("")),
                    ("/createRule", json!(null)),
                    ("/fields/0/name", json!("id")),
                    ("/fields/0/type", json!("text")),
                    ("/fields/0/primaryKey", json!(true)),
                    ("/fields/1/name", json!("title")),
                    ("/fields/1/max", json!(100)),
                    ("/fields/1/required", json!(true)),
                    ("/fields/8/maxSelect", json!(1)),
                    ("/fields/9/maxSelect", json!(3)),
                    ("/fields/12/collectionId", json!("{tags_id}")),
                    ("/fields/13/type", json!("geoPoint")),
                    ("/fields/14/type", json!("autodate")),
                ],
                expect_len: vec![("/fields", 16)],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "view by id",
                url: "/api/collections/{posts_id}",
                auth: As::Superuser,
                expect_json: vec![("/name", json!("posts"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "create a collection",
                method: "POST",
                url: "/api/collections",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"name": "notes", "type": "base", "listRule": "", "fields": [
                        {"name": "text", "type": "text"}, {"name": "n", "type": "number", "onlyInt": true}]})
                }),
                expect_json: vec![("/name", json!("notes")), ("/fields/1/name", json!("text"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a record in the new collection",
                method: "POST",
                url: "/api/collections/notes/records",
                auth: As::Superuser,
                json: Some(|| json!({"id": "note00000000001", "text": "keep me", "n": 7})),
                expect_json: vec![("/text", json!("keep me"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an onlyInt number rejects a float",
                method: "POST",
                url: "/api/collections/notes/records",
                auth: As::Superuser,
                json: Some(|| json!({"n": 1.5})),
                expect_status: 400,
                check: Some(|r| {
                    r.json["data"]
                        .get("n")
                        .map(|_| ())
                        .ok_or_else(|| "no n error".into())
                }),
                ..Scenario::EMPTY
            },
            Scenario {
                name: "update collection rules",
                method: "PATCH",
                url: "/api/collections/notes",
                auth: As::Superuser,
                json: Some(|| json!({"viewRule": "n > 5", "createRule": ""})),
                expect_json: vec![("/viewRule", json!("n > 5")), ("/createRule", json!(""))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the new view rule applies",
                url: "/api/collections/notes/records/note00000000001",
                expect_json: vec![("/n", json!(7))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the new create rule applies",
                method: "POST",
                url: "/api/collections/notes/records",
                json: Some(|| json!({"text": "by a guest"})),
                expect_json: vec![("/text", json!("by a guest"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "truncate empties the collection",
                method: "DELETE",
                url: "/api/collections/notes/truncate",
                auth: As::Superuser,
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the truncated collection is empty",
                url: "/api/collections/notes/records",
                expect_json: vec![("/totalItems", json!(0))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "import adds a collection and keeps the others",
                method: "PUT",
                url: "/api/collections/import",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"deleteMissing": false, "collections": [
                        {"name": "imported", "type": "base", "listRule": "",
                         "fields": [{"name": "label", "type": "text", "required": true}]}]})
                }),
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the imported collection takes records",
                method: "POST",
                url: "/api/collections/imported/records",
                auth: As::Superuser,
                json: Some(|| json!({"label": "hi"})),
                expect_json: vec![("/label", json!("hi"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a re-import without deleteMissing keeps the fields it leaves out",
                method: "PUT",
                url: "/api/collections/import",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"deleteMissing": false, "collections": [
                        {"name": "imported", "type": "base",
                         "fields": [{"name": "extra", "type": "number"}]}]})
                }),
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "both the kept and the added field are there, with the kept data",
                url: "/api/collections/imported/records",
                auth: As::Superuser,
                expect_json: vec![
                    ("/items/0/label", json!("hi")),
                    ("/items/0/extra", json!(0)),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an invalid import is 400 and changes nothing",
                method: "PUT",
                url: "/api/collections/import",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"deleteMissing": false, "collections": [
                        {"name": "broken", "type": "base", "fields": [{"name": "x", "type": "nope"}]}]})
                }),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the invalid import created nothing",
                url: "/api/collections/broken",
                auth: As::Superuser,
                expect_status: 404,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "delete a collection",
                method: "DELETE",
                url: "/api/collections/notes",
                auth: As::Superuser,
                expect_status: 204,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the deleted collection has no records API",
                url: "/api/collections/notes/records",
                expect_status: 404,
                expect_json: vec![("/message", json!(NO_COLLECTION))],
                ..Scenario::EMPTY
            },
        ],
    );
}

/// Fetches `posts`, applies `edit` to its JSON and PATCHes it back.
fn patch_collection(s: &Server, name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut c = s.must(
        "GET",
        &format!("/api/collections/{name}"),
        Auth::Superuser,
        Body::None,
        200,
    );
    edit(&mut c);
    s.must(
        "PATCH",
        &format!("/api/collections/{name}"),
        Auth::Superuser,
        Body::Json(c),
        200,
    )
}

fn field_mut<'a>(c: &'a mut Value, name: &str) -> &'a mut Value {
    c["fields"]
        .as_array_mut()
        .expect("fields")
        .iter_mut()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn view_collections_are_read_only_selects() {
    let (s, _fx) = fresh();
    let bad = s.post(
        "/api/collections",
        Auth::Superuser,
        json!({"name": "broken", "type": "view", "viewQuery": "SELECT nope FROM posts"}),
    );
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(
        bad.json["data"]["viewQuery"]["code"],
        "validation_invalid_view_query"
    );
    let created = s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "published_posts",
            "type": "view",
            "listRule": "",
            "viewRule": "",
            "viewQuery": "SELECT id, title, views FROM posts WHERE published = 1",
        })),
        200,
    );
    assert!(is_pb_date(&created["created"]), "{created}");
    let fields: Vec<(String, String)> = created["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or("").into(),
                f["type"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [("id", "text"), ("title", "text"), ("views", "number")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let list = s.get(
        "/api/collections/published_posts/records?sort=views",
        Auth::None,
    );
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(ids(&list), [POST1, POST3]);
    assert_eq!(list.json["items"][0]["collectionName"], "published_posts");
    let filtered = s.get(
        "/api/collections/published_posts/records?filter=views%20%3E%2015",
        Auth::None,
    );
    assert_eq!(ids(&filtered), [POST3]);
    let one = s.get(
        &format!("/api/collections/published_posts/records/{POST1}"),
        Auth::None,
    );
    assert_eq!(one.json["title"], "Hello world");
    for auth in [Auth::None, Auth::Superuser] {
        let write = s.post(
            "/api/collections/published_posts/records",
            auth.clone(),
            json!({"title": "x"}),
        );
        assert_eq!(write.status, 400, "{}", write.text);
        assert_eq!(write.json["message"], "Unsupported collection type.");
        let delete = s.delete(
            &format!("/api/collections/published_posts/records/{POST1}"),
            auth,
        );
        assert_eq!(delete.status, 400, "{}", delete.text);
    }
    let still = s.get(
        &format!("/api/collections/posts/records/{POST1}"),
        Auth::Superuser,
    );
    assert_eq!(still.status, 200, "the source row must survive");
}

#[test]
fn schema_changes_keep_data() {
    let (s, _fx) = fresh();
    // Rename a field: its data moves with it.
    patch_collection(&s, "posts", |c| {
        field_mut(c, "title")["name"] = json!("headline");
    });
    let p = s.must(
        "GET",
        &format!("/api/collections/posts/records/{POST1}"),
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(
        p["headline"], "Hello world",
        "renamed field lost its data: {p}"
    );
    assert!(
        p.get("title").is_none(),
        "old field name still present: {p}"
    );
    assert_eq!(p["views"], 10);
    let r = s.get(
        "/api/collections/posts/records?filter=headline%20%3D%20%22Third%22",
        Auth::None,
    );
    assert_eq!(r.json["totalItems"], 1, "{}", r.text);
    let r = s.get(
        "/api/collections/posts/records?filter=title%20%3D%20%22Third%22",
        Auth::None,
    );
    assert_eq!(
        r.status, 400,
        "the old name must no longer filter: {}",
        r.text
    );

    // Add a field and remove another: the rest stays.
    patch_collection(&s, "posts", |c| {
        let fields = c["fields"].as_array_mut().expect("fields");
        fields.retain(|f| f["name"] != "site");
        fields.push(json!({"name": "extra", "type": "number"}));
    });
    let p = s.must(
        "GET",
        &format!("/api/collections/posts/records/{POST1}"),
        Auth::None,
        Body::None,
        200,
    );
    assert!(p.get("site").is_none(), "removed field still present: {p}");
    assert_eq!(p["extra"], 0);
    assert_eq!(p["headline"], "Hello world");
    assert_eq!(p["tags"], json!([TAG_RUST, TAG_SQL]));
    assert_eq!(p["location"], json!({"lat": 60.17, "lon": 24.94}));

    // Change an option: a larger max keeps values, and applies to new writes.
    patch_collection(&s, "posts", |c| {
        field_mut(c, "headline")["max"] = json!(5);
    });
    let r = s.patch(
        &format!("/api/collections/posts/records/{POST1}"),
        Auth::Superuser,
        json!({"headline": "too long now"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["data"]["headline"]["code"], "validation_max_text_constraint",
        "{}",
        r.text
    );

    // Rename the collection: records follow, old name is gone.
    patch_collection(&s, "posts", |c| c["name"] = json!("articles"));
    let r = s.get("/api/collections/articles/records", Auth::None);
    assert_eq!(r.json["totalItems"], 5, "{}", r.text);
    assert_eq!(
        s.get("/api/collections/posts/records", Auth::None).status,
        404
    );
    // The back-relation follows the rename.
    let c = s.must(
        "GET",
        &format!("/api/collections/articles/records/{POST1}?expand=comments_via_post"),
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(
        c["expand"]["comments_via_post"].as_array().map(Vec::len),
        Some(2),
        "{c}"
    );
}

#[test]
fn restart_keeps_data_and_schema() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let (posts_before, schema_before) = {
        let mut s = Server::start_in(&data, tmp.path());
        let _fx = fixture::setup(&s);
        s.must(
            "PATCH",
            &format!("/api/collections/posts/records/{POST2}"),
            Auth::Superuser,
            Body::Json(json!({"title": "edited before restart"})),
            200,
        );
        let posts = s.must(
            "GET",
            "/api/collections/posts/records?sort=created&expand=tags,comments_via_post",
            Auth::Superuser,
            Body::None,
            200,
        );
        let schema = s.must(
            "GET",
            "/api/collections/posts",
            Auth::Superuser,
            Body::None,
            200,
        );
        s.stop();
        (posts, schema)
    };
    let s = Server::start_in(&data, tmp.path());
    let posts = s.must(
        "GET",
        "/api/collections/posts/records?sort=created&expand=tags,comments_via_post",
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(posts, posts_before, "records changed across a restart");
    assert_eq!(posts["items"][1]["title"], "edited before restart");
    let schema = s.must(
        "GET",
        "/api/collections/posts",
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(schema, schema_before, "schema changed across a restart");
    // Old tokens stay valid: the signing keys are persisted too.
    let fx_token = s.login("users", USER1_EMAIL, USER_PASSWORD);
    assert!(!fx_token.is_empty());
}

/// Checkpoints keep up with a steady write load from several clients: the WAL file
/// starts over instead of growing with everything written (here about 140 MB).
#[test]
fn the_wal_stays_bounded_under_a_steady_write_load() {
    if common::is_pocketbase() {
        return;
    }
    let s = Server::start();
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({"name": "blobs", "type": "base",
                          "fields": [{"name": "body", "type": "editor"}]})),
        200,
    );
    let body = "x".repeat(48 * 1024);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..700 {
                    let r = s.post(
                        "/api/collections/blobs/records",
                        Auth::Superuser,
                        json!({"body": body}),
                    );
                    assert_eq!(r.status, 200, "{}", r.text);
                }
            });
        }
    });
    let wal = std::fs::metadata(s.data_dir.join("data.db-wal")).map_or(0, |m| m.len());
    assert!(
        wal <= 72 * 1024 * 1024,
        "the WAL grew to {} MB over about 140 MB of writes",
        wal / (1024 * 1024)
    );
}

#[test]
fn sigkill_loses_no_acknowledged_write() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let mut s = Server::start_in(&data, tmp.path());
    s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({"name": "events", "type": "base", "listRule": "",
                          "fields": [{"name": "n", "type": "number"}, {"name": "s", "type": "text"}]})),
        200,
    );
    let n = 200;
    let mut acked = Vec::new();
    for i in 0..n {
        let r = s.post(
            "/api/collections/events/records",
            Auth::Superuser,
            json!({"n": i, "s": format!("event {i} ✓")}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        acked.push(r.json["id"].as_str().expect("id").to_string());
    }
    // Updates and deletes must survive too.
    s.must(
        "PATCH",
        &format!("/api/collections/events/records/{}", acked[0]),
        Auth::Superuser,
        Body::Json(json!({"s": "updated"})),
        200,
    );
    s.must(
        "DELETE",
        &format!("/api/collections/events/records/{}", acked[1]),
        Auth::Superuser,
        Body::None,
        204,
    );
    s.kill9();
    drop(s);
    std::thread::sleep(Duration::from_millis(100));

    let s = Server::start_in(&data, tmp.path());
    let r = s.must(
        "GET",
        "/api/collections/events/records?perPage=1000&sort=n",
        Auth::Superuser,
        Body::None,
        200,
    );
    assert_eq!(r["totalItems"], n - 1, "acknowledged writes were lost");
    let items = r["items"].as_array().expect("items");
    assert_eq!(items[0]["s"], "updated");
    let got: Vec<&str> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap_or(""))
        .collect();
    let mut want: Vec<&str> = acked.iter().map(String::as_str).collect();
    want.remove(1);
    assert_eq!(got, want);
    assert_eq!(items[n as usize - 2]["s"], format!("event {} ✓", n - 1));
}

/// Totals and resolved tokens may be cached; these rows fail if a cache outlives a change.
#[test]
fn cached_answers_follow_every_change() {
    let (s, fx) = fresh();
    let total = |s: &Server| {
        s.must(
            "GET",
            "/api/collections/tags/records?filter=name%20!%3D%20%22%22",
            Auth::None,
            Body::None,
            200,
        )["totalItems"]
            .as_i64()
            .expect("total")
    };
    let before = total(&s);
    assert_eq!(total(&s), before, "asking twice gives the same total");
    s.must(
        "POST",
        "/api/collections/tags/records",
        Auth::Superuser,
        Body::Json(json!({"name": "fresh"})),
        200,
    );
    assert_eq!(total(&s), before + 1, "a create changes the total");
    s.must(
        "DELETE",
        &format!("/api/collections/tags/records/{TAG_WEB}"),
        Auth::Superuser,
        Body::None,
        204,
    );
    assert_eq!(total(&s), before, "a delete changes the total");

    let me = |token: &str| {
        s.request(
            "GET",
            "/api/collections/users/records",
            &Auth::Token(token.to_string()),
            &Body::None,
        )
        .json["totalItems"]
            .clone()
    };
    assert_eq!(me(&fx.user1_token), json!(1), "the token works");
    assert_eq!(me(&fx.user1_token), json!(1), "and works again");
    s.must(
        "DELETE",
        &format!("/api/collections/users/records/{USER1}"),
        Auth::Superuser,
        Body::None,
        204,
    );
    assert_eq!(
        me(&fx.user1_token),
        json!(0),
        "a deleted user's token is a guest at once"
    );
}

#[test]
fn unknown_routes_and_methods_are_json_404s() {
    let s = Server::start();
    for (method, path) in [
        ("PUT", "/api/collections/users/records/abc"),
        ("PATCH", "/api/health"),
        ("GET", "/api/nope"),
        ("DELETE", "/api/collections"),
    ] {
        let r = s.request(method, path, &Auth::None, &Body::None);
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
        assert_eq!(r.json["status"], 404, "{method} {path}: {}", r.text);
    }
}

#[test]
fn an_import_may_define_views_over_its_own_new_tables() {
    let s = Server::start();
    let imported = s.request(
        "PUT",
        "/api/collections/import",
        &Auth::Superuser,
        &Body::Json(json!({"collections": [
            {"name": "fresh_view", "type": "view", "listRule": "",
             "viewQuery": "SELECT id, label FROM fresh_items WHERE label != ''"},
            {"name": "fresh_items", "type": "base", "listRule": "",
             "fields": [{"name": "label", "type": "text"}]},
        ]})),
    );
    assert_eq!(imported.status, 204, "{}", imported.text);
    s.must(
        "POST",
        "/api/collections/fresh_items/records",
        Auth::Superuser,
        Body::Json(json!({"label": "x"})),
        200,
    );
    let listed = s.must(
        "GET",
        "/api/collections/fresh_view/records",
        Auth::None,
        Body::None,
        200,
    );
    assert_eq!(listed["totalItems"], 1, "{listed}");

    let broken = s.request(
        "PUT",
        "/api/collections/import",
        &Auth::Superuser,
        &Body::Json(json!({"collections": [
            {"name": "other_items", "type": "base", "fields": [{"name": "label", "type": "text"}]},
            {"name": "broken_view", "type": "view", "viewQuery": "SELECT nope FROM other_items"},
        ]})),
    );
    assert_eq!(broken.status, 400, "{}", broken.text);
    // PocketBase reports one `validation_collections_import_failure`; lifebase names the
    // failing collection and field (`collections.1.viewQuery`). Both sit under `collections`.
    assert!(
        broken.json["data"]["collections"].is_object(),
        "{}",
        broken.text
    );
    let missing = s.request(
        "GET",
        "/api/collections/other_items",
        &Auth::Superuser,
        &Body::None,
    );
    assert_eq!(missing.status, 404, "a failed import creates nothing");
}
