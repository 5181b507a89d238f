//! The test dataset, created through the public API only: two users, `tags`,
//! `posts` (a field of every type), `comments` (cascading relation to posts), and
//! seed records with fixed ids so scenario tables can name them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Auth, Body, Server};

pub const USER1_EMAIL: &str = "user1@example.com";
pub const USER2_EMAIL: &str = "user2@example.com";
pub const USER_PASSWORD: &str = "user-pass-123";

pub const USER1: &str = "user00000000001";
pub const USER2: &str = "user00000000002";
pub const TAG_RUST: &str = "tag000000000001";
pub const TAG_SQL: &str = "tag000000000002";
pub const TAG_WEB: &str = "tag000000000003";
pub const POST1: &str = "post00000000001";
pub const POST2: &str = "post00000000002";
pub const POST3: &str = "post00000000003";
pub const POST_HOSTILE: &str = "post00000000004";
pub const POST_UNICODE: &str = "post00000000005";
pub const COMMENT1: &str = "comm00000000001";
pub const COMMENT2: &str = "comm00000000002";
pub const COMMENT3: &str = "comm00000000003";

pub const HOSTILE_TITLE: &str = "'; DROP TABLE posts; --";
pub const UNICODE_TITLE: &str = "Ünïcødé 日本語 🚀 \"quoted\" \\ back`tick` %_ like";

/// Values the scenario tables substitute for `{name}` placeholders.
pub struct Fixture {
    pub vars: BTreeMap<&'static str, String>,
    pub user1_token: String,
    pub user2_token: String,
}

impl Fixture {
    pub fn subst(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (k, v) in &self.vars {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

/// The `fields` of the `posts` collection; `tags_id` is the id of `tags`.
pub fn posts_fields(tags_id: &str) -> Value {
    json!([
        {"name": "title", "type": "text", "required": true, "max": 100},
        {"name": "body", "type": "editor"},
        {"name": "views", "type": "number"},
        {"name": "published", "type": "bool"},
        {"name": "contact", "type": "email"},
        {"name": "site", "type": "url"},
        {"name": "due", "type": "date"},
        {"name": "status", "type": "select", "values": ["draft", "published", "archived"], "maxSelect": 1},
        {"name": "labels", "type": "select", "values": ["a", "b", "c", "d"], "maxSelect": 3},
        {"name": "meta", "type": "json"},
        {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
        {"name": "tags", "type": "relation", "collectionId": tags_id, "maxSelect": 10},
        {"name": "location", "type": "geoPoint"},
        {"name": "created", "type": "autodate", "onCreate": true, "onUpdate": false},
        {"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true}
    ])
}

fn create(s: &Server, collection: &str, body: Value) -> Value {
    s.must(
        "POST",
        &format!("/api/collections/{collection}/records"),
        Auth::Superuser,
        Body::Json(body),
        200,
    )
}

/// Creates the schema and seed records. Posts are created one by one with a pause
/// so that `created` orders them.
pub fn setup(s: &Server) -> Fixture {
    let tags = s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "tags", "type": "base", "listRule": "", "viewRule": "",
            "fields": [{"name": "name", "type": "text", "required": true}]
        })),
        200,
    );
    let tags_id = tags["id"].as_str().expect("tags id").to_string();
    let posts = s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "posts", "type": "base", "listRule": "", "viewRule": "",
            "fields": posts_fields(&tags_id)
        })),
        200,
    );
    let posts_id = posts["id"].as_str().expect("posts id").to_string();
    let comments = s.must(
        "POST",
        "/api/collections",
        Auth::Superuser,
        Body::Json(json!({
            "name": "comments", "type": "base", "listRule": "", "viewRule": "",
            "fields": [
                {"name": "text", "type": "text"},
                {"name": "post", "type": "relation", "collectionId": posts_id, "maxSelect": 1, "cascadeDelete": true}
            ]
        })),
        200,
    );
    let comments_id = comments["id"].as_str().expect("comments id").to_string();

    for (id, email, name) in [
        (USER1, USER1_EMAIL, "User One"),
        (USER2, USER2_EMAIL, "User Two"),
    ] {
        create(
            s,
            "users",
            json!({"id": id, "email": email, "password": USER_PASSWORD,
                   "passwordConfirm": USER_PASSWORD, "name": name, "verified": true}),
        );
    }
    for (id, name) in [(TAG_RUST, "rust"), (TAG_SQL, "sql"), (TAG_WEB, "web")] {
        create(s, "tags", json!({"id": id, "name": name}));
    }
    let posts_seed = [
        json!({"id": POST1, "title": "Hello world", "body": "<p>Hello <b>world</b>, this is the first post.</p>",
               "views": 10, "published": true, "contact": "alice@example.com", "site": "https://example.com/a",
               "due": "2025-01-15 10:00:00.000Z", "status": "published", "labels": ["a", "b"],
               "meta": {"k": 1, "nested": {"x": "y"}}, "author": USER1, "tags": [TAG_RUST, TAG_SQL],
               "location": {"lon": 24.94, "lat": 60.17}}),
        json!({"id": POST2, "title": "Second post", "body": "<p>Second</p>", "views": 5, "published": false,
               "contact": "bob@example.com", "due": "2024-06-01 08:30:00.000Z", "status": "draft",
               "labels": ["c"], "meta": {"k": 2}, "author": USER2, "tags": [TAG_WEB]}),
        json!({"id": POST3, "title": "Third", "views": 20, "published": true, "status": "archived"}),
        json!({"id": POST_HOSTILE, "title": HOSTILE_TITLE, "views": 0, "body": "<script>alert('x')</script>",
               "meta": {"sql": "1; DELETE FROM posts"}}),
        json!({"id": POST_UNICODE, "title": UNICODE_TITLE, "views": 1.5, "labels": ["d", "a"]}),
    ];
    for p in posts_seed {
        create(s, "posts", p);
        // Distinct `created` values, so `sort=created` is deterministic.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for (id, post, text) in [
        (COMMENT1, POST1, "First!"),
        (COMMENT2, POST1, "Nice"),
        (COMMENT3, POST2, "Meh"),
    ] {
        create(s, "comments", json!({"id": id, "post": post, "text": text}));
    }

    let user1_token = s.login("users", USER1_EMAIL, USER_PASSWORD);
    let user2_token = s.login("users", USER2_EMAIL, USER_PASSWORD);
    let mut vars = BTreeMap::new();
    vars.insert("tags_id", tags_id);
    vars.insert("posts_id", posts_id);
    vars.insert("comments_id", comments_id);
    Fixture {
        vars,
        user1_token,
        user2_token,
    }
}
