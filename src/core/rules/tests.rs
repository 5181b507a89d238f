//! Tests of the rules compiler: golden SQL tables, rejected inputs, property tests, and
//! execution of the compiled fragments against an in-memory SQLite fixture.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::*;
use crate::core::collection::{Collection, CollectionKind, ColumnKind, Field, FieldKind, Schema};

// ---------------------------------------------------------------------------------------
// Fixture schema
// ---------------------------------------------------------------------------------------

fn text(name: &str) -> Field {
    Field::new(
        name,
        FieldKind::Text {
            min: 0,
            max: 0,
            pattern: String::new(),
            autogenerate_pattern: String::new(),
            primary_key: false,
        },
    )
}

fn relation(name: &str, collection_id: &str, max_select: i64) -> Field {
    Field::new(
        name,
        FieldKind::Relation {
            collection_id: collection_id.into(),
            cascade_delete: false,
            min_select: 0,
            max_select,
        },
    )
}

fn select(name: &str, max_select: i64) -> Field {
    Field::new(
        name,
        FieldKind::Select {
            max_select,
            values: vec!["a".into(), "b".into(), "c".into()],
        },
    )
}

fn collection(id: &str, name: &str, kind: CollectionKind, fields: Vec<Field>) -> Collection {
    let mut collection = Collection::new(name, kind);
    collection.id = id.into();
    collection.fields.extend(fields);
    collection.rules.list = Some(String::new());
    collection
}

fn fixture_schema() -> Schema {
    let users = collection(
        "pbc_users",
        "users",
        CollectionKind::Auth,
        vec![
            text("name"),
            relation("team", "pbc_teams", 1),
            text("secret").hidden(),
            select("roles", 3),
        ],
    );
    let teams = collection(
        "pbc_teams",
        "teams",
        CollectionKind::Base,
        vec![text("name")],
    );
    let posts = collection(
        "pbc_posts",
        "posts",
        CollectionKind::Base,
        vec![
            text("title"),
            Field::new(
                "views",
                FieldKind::Number {
                    min: None,
                    max: None,
                    only_int: false,
                },
            ),
            Field::new("done", FieldKind::Bool),
            Field::new(
                "created",
                FieldKind::Autodate {
                    on_create: true,
                    on_update: false,
                },
            ),
            Field::new("meta", FieldKind::Json { max_size: 0 }),
            select("tags", 3),
            select("status", 1),
            relation("author", "pbc_users", 1),
            relation("editors", "pbc_users", 5),
            Field::new("location", FieldKind::GeoPoint),
            text("secret").hidden(),
        ],
    );
    let comments = collection(
        "pbc_comments",
        "comments",
        CollectionKind::Base,
        vec![
            relation("post", "pbc_posts", 1),
            text("message"),
            relation("author", "pbc_users", 1),
        ],
    );
    let mut secrets = collection(
        "pbc_secrets",
        "secrets",
        CollectionKind::Base,
        vec![relation("post", "pbc_posts", 1), text("value")],
    );
    secrets.rules.list = None;
    let mut drafts = collection(
        "pbc_drafts",
        "drafts",
        CollectionKind::Base,
        vec![relation("post", "pbc_posts", 1), text("note")],
    );
    drafts.rules.list = Some("note != 'hidden'".into());
    let members = collection(
        "pbc_members",
        "members",
        CollectionKind::Base,
        vec![
            relation("user", "pbc_users", 1),
            relation("post", "pbc_posts", 1),
        ],
    );
    Schema::new(vec![
        users, teams, posts, comments, secrets, drafts, members,
    ])
}

fn user1_auth() -> AuthInfo {
    let mut record = Map::new();
    record.insert("id".into(), json!("u1"));
    record.insert("email".into(), json!("u1@example.com"));
    record.insert("name".into(), json!("Ann"));
    record.insert("verified".into(), json!(true));
    AuthInfo {
        collection_id: "pbc_users".into(),
        collection_name: "users".into(),
        record,
    }
}

fn request_user1() -> RequestInfo {
    let mut request = RequestInfo {
        auth: Some(user1_auth()),
        method: "POST".into(),
        context: "default".into(),
        ..RequestInfo::default()
    };
    request.query.insert("page".into(), json!("2"));
    request.headers.insert("x_token".into(), json!("abc"));
    request.body.insert("title".into(), json!("New"));
    request.body.insert("views".into(), json!("12"));
    request.body.insert("tags".into(), json!(["a", "b"]));
    request.body.insert("author".into(), json!("u2"));
    request.body.insert("editors".into(), json!(["u1", "u2"]));
    request.body.insert("meta".into(), json!({"a": {"b": 1}}));
    request
}

fn fixed_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 15, 10, 20, 30)
        .single()
        .expect("valid date")
}

struct Fixture {
    schema: Schema,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            schema: fixture_schema(),
        }
    }

    fn ctx<'a>(
        &'a self,
        name: &str,
        request: &'a RequestInfo,
        superuser: bool,
    ) -> CompileContext<'a> {
        let collection = self.schema.get(name).expect("fixture collection");
        CompileContext {
            collection,
            schema: &self.schema,
            request,
            table_alias: &collection.name,
            allow_hidden_fields: superuser,
            now: Some(fixed_now()),
        }
    }
}

fn text_value(value: &str) -> SqlValue {
    SqlValue::Text(value.to_string())
}

// ---------------------------------------------------------------------------------------
// Golden SQL
// ---------------------------------------------------------------------------------------

struct Golden {
    filter: &'static str,
    sql: &'static str,
    params: Vec<SqlValue>,
}

fn check_goldens(collection: &str, request: &RequestInfo, superuser: bool, rows: Vec<Golden>) {
    let fixture = Fixture::new();
    let ctx = fixture.ctx(collection, request, superuser);
    for row in rows {
        let fragment = compile_filter(row.filter, &ctx)
            .unwrap_or_else(|error| panic!("{:?} failed: {error}", row.filter));
        assert_eq!(fragment.sql, row.sql, "sql of {:?}", row.filter);
        assert_eq!(fragment.params, row.params, "params of {:?}", row.filter);
        assert_eq!(
            fragment.sql.matches('?').count(),
            fragment.params.len(),
            "placeholders of {:?}",
            row.filter
        );
    }
}

#[test]
fn golden_operators_and_literals() {
    let request = request_user1();
    check_goldens(
        "posts",
        &request,
        false,
        vec![
            Golden {
                filter: "title = 'a'",
                sql: r#""posts"."title" = ?"#,
                params: vec![text_value("a")],
            },
            Golden {
                filter: "title != \"a\"",
                sql: r#""posts"."title" IS NOT ?"#,
                params: vec![text_value("a")],
            },
            Golden {
                filter: "views > 10 && views >= 10.5 && views < -1 && views <= 0",
                sql: r#"("posts"."views" > ? AND "posts"."views" >= ? AND "posts"."views" < ? AND "posts"."views" <= ?)"#,
                params: vec![
                    SqlValue::Integer(10),
                    SqlValue::Real(10.5),
                    SqlValue::Integer(-1),
                    SqlValue::Integer(0),
                ],
            },
            Golden {
                filter: "title ~ 'ab' || title !~ 'c%d'",
                sql: r#"("posts"."title" LIKE ? ESCAPE '\' OR "posts"."title" NOT LIKE ? ESCAPE '\')"#,
                params: vec![text_value("%ab%"), text_value("c%d")],
            },
            Golden {
                filter: r"title ~ 'a_b\c'",
                sql: r#""posts"."title" LIKE ? ESCAPE '\'"#,
                params: vec![text_value(r"%a\_b\\c%")],
            },
            Golden {
                filter: "title ~ id",
                sql: r#""posts"."title" LIKE ('%' || "posts"."id" || '%') ESCAPE '\'"#,
                params: vec![],
            },
            Golden {
                filter: "title = null",
                sql: r#"("posts"."title" = '' OR "posts"."title" IS NULL)"#,
                params: vec![],
            },
            Golden {
                filter: "title != ''",
                sql: r#"("posts"."title" IS NOT '' AND "posts"."title" IS NOT NULL)"#,
                params: vec![],
            },
            Golden {
                filter: "'' = null",
                sql: "'' = ''",
                params: vec![],
            },
            Golden {
                filter: "title = id",
                sql: r#"COALESCE("posts"."title", '') = COALESCE("posts"."id", '')"#,
                params: vec![],
            },
            Golden {
                filter: "done = true && done != false",
                sql: r#"("posts"."done" = 1 AND "posts"."done" IS NOT 0)"#,
                params: vec![],
            },
            Golden {
                filter: "(title = 'a' || title = 'b') && views > 1 // comment\n",
                sql: r#"(("posts"."title" = ? OR "posts"."title" = ?) AND "posts"."views" > ?)"#,
                params: vec![text_value("a"), text_value("b"), SqlValue::Integer(1)],
            },
            Golden {
                filter: "title:lower = 'abc'",
                sql: r#"LOWER("posts"."title") = ?"#,
                params: vec![text_value("abc")],
            },
            Golden {
                filter: "meta = null",
                sql: r#"(CASE WHEN json_valid("posts"."meta") THEN JSON_EXTRACT("posts"."meta", '$') ELSE JSON_EXTRACT(json_object('pb', "posts"."meta"), '$.pb') END) IS NULL"#,
                params: vec![],
            },
            Golden {
                filter: "meta.a.0.b = 1",
                sql: r#"(CASE WHEN json_valid("posts"."meta") THEN JSON_EXTRACT("posts"."meta", '$.a[0].b') ELSE JSON_EXTRACT(json_object('pb', "posts"."meta"), '$.pb.a[0].b') END) IS ?"#,
                params: vec![SqlValue::Integer(1)],
            },
        ],
    );
}

#[test]
fn dump_for_review() {
    let fixture = Fixture::new();
    let request = request_user1();
    let anonymous = RequestInfo::default();
    for (superuser, request, filter) in [
        (true, &request, "author.name = 'Ann'"),
        (true, &request, "author = 'u1' && author.id = 'u1'"),
        (true, &request, "editors.name = 'Ann'"),
        (true, &request, "editors.name ?= 'Ann'"),
        (true, &request, "tags ?= 'a'"),
        (true, &request, "tags:each ?= 'a'"),
        (true, &request, "tags:each = 'a'"),
        (true, &request, "tags:length > 1"),
        (true, &request, "comments_via_post.message ?= 'hi'"),
        (true, &request, "author.team.name = 'red'"),
        (
            true,
            &request,
            "@request.auth.id != '' && author = @request.auth.id",
        ),
        (true, &anonymous, "@request.auth.id != ''"),
        (true, &request, "@request.auth.name = 'Ann'"),
        (true, &request, "@request.auth.team.name = 'red'"),
        (
            true,
            &request,
            "@request.body.title:isset = true && @request.body.nope:isset = false",
        ),
        (
            true,
            &request,
            "@request.body.views = 12 && @request.query.page = '2' && @request.headers.x_token = 'abc'",
        ),
        (
            true,
            &request,
            "@request.method = 'POST' && @request.context = 'default'",
        ),
        (true, &request, "@request.body.tags:each ?= 'a'"),
        (true, &request, "@request.body.tags:length = 2"),
        (true, &request, "@request.body.title:changed = true"),
        (true, &request, "@request.body.title:lower = 'new'"),
        (true, &request, "@request.body.author.name = 'Bob'"),
        (
            true,
            &request,
            "@collection.members.user ?= @request.auth.id && @collection.members.post ?= id",
        ),
        (true, &request, "@collection.members:m.user = 'x'"),
        (
            true,
            &request,
            "created > @now && created < @todayEnd && @month = 3",
        ),
        (false, &request, "author.email = 'a@b.c'"),
        (false, &request, "drafts_via_post.note ?= 'x'"),
        (
            true,
            &request,
            "geoDistance(location.lon, location.lat, 1, 2) < 5",
        ),
        (true, &request, "strftime('%Y', created) = '2024'"),
        (true, &request, "editors.name = author.name"),
        (true, &request, "editors.name = comments_via_post.message"),
    ] {
        let ctx = fixture.ctx("posts", request, superuser);
        println!("{filter}\n  => {:?}\n", compile_filter(filter, &ctx));
    }
    for sort in ["-created,title", "author.name,@random,-@rowid", "meta.a"] {
        let ctx = fixture.ctx("posts", &request, false);
        println!("{sort}\n  => {:?}\n", compile_sort(sort, &ctx));
    }
}
