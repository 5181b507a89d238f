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
            relation("parent", "pbc_posts", 1),
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
fn golden_relations_requests_and_collections() {
    let request = request_user1();
    check_goldens(
        "posts",
        &request,
        true,
        vec![
            Golden {
                filter: "author.name = 'Ann'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__r_author" ON "__r_author"."id" = "posts"."author" WHERE "__r_author"."name" = ?)"#,
                params: vec![text_value("Ann")],
            },
            Golden {
                filter: "author = 'u1' && author.id = 'u1'",
                sql: r#"("posts"."author" = ? AND "posts"."author" = ?)"#,
                params: vec![text_value("u1"), text_value("u1")],
            },
            Golden {
                filter: "editors.name ?= 'Ann'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN json_each(CASE WHEN iif(json_valid("posts"."editors"), json_type("posts"."editors")='array', FALSE) THEN "posts"."editors" ELSE json_array("posts"."editors") END) "__je___r_editors" LEFT JOIN "users" "__r_editors" ON "__r_editors"."id" = "__je___r_editors"."value" WHERE "__r_editors"."name" = ?)"#,
                params: vec![text_value("Ann")],
            },
            Golden {
                filter: "editors.name = 'Ann'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN json_each(CASE WHEN iif(json_valid("posts"."editors"), json_type("posts"."editors")='array', FALSE) THEN "posts"."editors" ELSE json_array("posts"."editors") END) "__je___r_editors" LEFT JOIN "users" "__r_editors" ON "__r_editors"."id" = "__je___r_editors"."value" WHERE ("__r_editors"."name" = ? AND NOT EXISTS (SELECT 1 FROM (SELECT "__mm__r_editors"."name" AS "multiMatchValue" FROM "posts" "__mm__r" LEFT JOIN json_each(CASE WHEN iif(json_valid("__mm__r"."editors"), json_type("__mm__r"."editors")='array', FALSE) THEN "__mm__r"."editors" ELSE json_array("__mm__r"."editors") END) "__mm__r_editors_je" LEFT JOIN "users" "__mm__r_editors" ON "__mm__r_editors"."id" = "__mm__r_editors_je"."value" WHERE "__mm__r"."id" = "posts"."id") "__sm1" WHERE NOT ("__sm1"."multiMatchValue" = ?))))"#,
                params: vec![text_value("Ann"), text_value("Ann")],
            },
            Golden {
                filter: "views ?!= 1 && views ?> 1 && views ?>= 1 && views ?< 1 && views ?<= 1",
                sql: r#"("posts"."views" IS NOT ? AND "posts"."views" > ? AND "posts"."views" >= ? AND "posts"."views" < ? AND "posts"."views" <= ?)"#,
                params: vec![SqlValue::Integer(1); 5],
            },
            Golden {
                filter: "title ?~ 'a' || title ?!~ 'b'",
                sql: r#"("posts"."title" LIKE ? ESCAPE '\' OR "posts"."title" NOT LIKE ? ESCAPE '\')"#,
                params: vec![text_value("%a%"), text_value("%b%")],
            },
            Golden {
                filter: "tags ?= 'a'",
                sql: r#""posts"."tags" = ?"#,
                params: vec![text_value("a")],
            },
            Golden {
                filter: "tags:each ?= 'a'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN json_each(CASE WHEN iif(json_valid("posts"."tags"), json_type("posts"."tags")='array', FALSE) THEN "posts"."tags" ELSE json_array("posts"."tags") END) "__je___r_tags" WHERE "__je___r_tags"."value" = ?)"#,
                params: vec![text_value("a")],
            },
            Golden {
                filter: "tags:length > 1",
                sql: r#"json_array_length(CASE WHEN iif(json_valid("posts"."tags"), json_type("posts"."tags")='array', FALSE) THEN "posts"."tags" ELSE (CASE WHEN "posts"."tags" = '' OR "posts"."tags" IS NULL THEN json_array() ELSE json_array("posts"."tags") END) END) > ?"#,
                params: vec![SqlValue::Integer(1)],
            },
            Golden {
                filter: "comments_via_post.message ?= 'hi'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "comments" "__r_comments_via_post" ON "__r_comments_via_post"."post" = "posts"."id" WHERE "__r_comments_via_post"."message" = ?)"#,
                params: vec![text_value("hi")],
            },
            Golden {
                filter: "author.team.name = 'red'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__r_author" ON "__r_author"."id" = "posts"."author" LEFT JOIN "teams" "__r_author_team" ON "__r_author_team"."id" = "__r_author"."team" WHERE "__r_author_team"."name" = ?)"#,
                params: vec![text_value("red")],
            },
            Golden {
                filter: "@request.auth.id != '' && author = @request.auth.id",
                sql: r#"(? IS NOT '' AND "posts"."author" = ?)"#,
                params: vec![text_value("u1"), text_value("u1")],
            },
            Golden {
                filter: "@request.auth.team.name = 'red'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__r_auth_users" ON "__r_auth_users"."id" = ? LEFT JOIN "teams" "__r_auth_users_team" ON "__r_auth_users_team"."id" = "__r_auth_users"."team" WHERE "__r_auth_users_team"."name" = ?)"#,
                params: vec![text_value("u1"), text_value("red")],
            },
            Golden {
                filter: "@request.auth.collectionName = 'users' && @request.auth.collectionId = 'pbc_users'",
                sql: "(? = ? AND ? = ?)",
                params: vec![
                    text_value("users"),
                    text_value("users"),
                    text_value("pbc_users"),
                    text_value("pbc_users"),
                ],
            },
            Golden {
                filter: "@request.body.title:isset = true && @request.body.nope:isset = false",
                sql: "(TRUE = 1 AND FALSE = 0)",
                params: vec![],
            },
            Golden {
                filter: "@request.body.views = 12 && @request.query.page = '2' && @request.headers.x_token = 'abc'",
                sql: "(? = ? AND ? = ? AND ? = ?)",
                params: vec![
                    SqlValue::Real(12.0),
                    SqlValue::Integer(12),
                    text_value("2"),
                    text_value("2"),
                    text_value("abc"),
                    text_value("abc"),
                ],
            },
            Golden {
                filter: "@request.method = 'POST' && @request.context = 'default' && @request.query.nope = null",
                sql: "(? = ? AND ? = ? AND '' = '')",
                params: vec![
                    text_value("POST"),
                    text_value("POST"),
                    text_value("default"),
                    text_value("default"),
                ],
            },
            Golden {
                filter: "@request.body.meta.a.b = 1 && @request.body.tags.1 = 'b'",
                sql: "(? = ? AND ? = ?)",
                params: vec![
                    SqlValue::Integer(1),
                    SqlValue::Integer(1),
                    text_value("b"),
                    text_value("b"),
                ],
            },
            Golden {
                filter: "@request.body.tags:each ?= 'a'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN json_each(?) "__r_data_each_tags" WHERE "__r_data_each_tags"."value" = ?)"#,
                params: vec![text_value(r#"["a","b"]"#), text_value("a")],
            },
            Golden {
                filter: "@request.body.tags:length = 2",
                sql: "? = ?",
                params: vec![SqlValue::Integer(2), SqlValue::Integer(2)],
            },
            Golden {
                filter: "@request.body.title:changed = true",
                sql: r#"(TRUE = 1 AND ? IS NOT "posts"."title") IS 1"#,
                params: vec![text_value("New")],
            },
            Golden {
                filter: "@request.body.title:lower = 'new'",
                sql: "LOWER(?) = ?",
                params: vec![text_value("New"), text_value("new")],
            },
            Golden {
                filter: "@request.body.author.name = 'Bob'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__r_data_users_author" ON "__r_data_users_author"."id" IN (?) WHERE "__r_data_users_author"."name" = ?)"#,
                params: vec![text_value("u2"), text_value("Bob")],
            },
            Golden {
                filter: "@collection.members.user ?= @request.auth.id && @collection.members.post ?= id",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "members" "__r_collection_members" WHERE ("__r_collection_members"."user" = ? AND COALESCE("__r_collection_members"."post", '') = COALESCE("posts"."id", '')))"#,
                params: vec![text_value("u1")],
            },
            Golden {
                filter: "@collection.members:m.user = 'x'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "members" "__r_collection_alias_m" WHERE ("__r_collection_alias_m"."user" = ? AND NOT EXISTS (SELECT 1 FROM (SELECT "__mm__r_collection_alias_m"."user" AS "multiMatchValue" FROM "posts" "__mm__r" LEFT JOIN "members" "__mm__r_collection_alias_m" WHERE "__mm__r"."id" = "posts"."id") "__sm1" WHERE NOT ("__sm1"."multiMatchValue" = ?))))"#,
                params: vec![text_value("x"), text_value("x")],
            },
            Golden {
                filter: "created > @now && created < @todayEnd && @month = 3 && created >= @yearStart && created <= @monthEnd",
                sql: r#"("posts"."created" > ? AND "posts"."created" < ? AND ? = ? AND "posts"."created" >= ? AND "posts"."created" <= ?)"#,
                params: vec![
                    text_value("2024-03-15 10:20:30.000Z"),
                    text_value("2024-03-15 23:59:59.999Z"),
                    SqlValue::Integer(3),
                    SqlValue::Integer(3),
                    text_value("2024-01-01 00:00:00.000Z"),
                    text_value("2024-03-31 23:59:59.999Z"),
                ],
            },
            Golden {
                filter: "geoDistance(location.lon, location.lat, 1, 2) < 5",
                sql: r#"(6371 * acos(cos(radians((CASE WHEN json_valid("posts"."location") THEN JSON_EXTRACT("posts"."location", '$.lat') ELSE JSON_EXTRACT(json_object('pb', "posts"."location"), '$.pb.lat') END))) * cos(radians(?)) * cos(radians(?) - radians((CASE WHEN json_valid("posts"."location") THEN JSON_EXTRACT("posts"."location", '$.lon') ELSE JSON_EXTRACT(json_object('pb', "posts"."location"), '$.pb.lon') END))) + sin(radians((CASE WHEN json_valid("posts"."location") THEN JSON_EXTRACT("posts"."location", '$.lat') ELSE JSON_EXTRACT(json_object('pb', "posts"."location"), '$.pb.lat') END))) * sin(radians(?)))) < ?"#,
                params: vec![
                    SqlValue::Integer(2),
                    SqlValue::Integer(1),
                    SqlValue::Integer(2),
                    SqlValue::Integer(5),
                ],
            },
            Golden {
                filter: "strftime('%Y', created) = '2024'",
                sql: r#"strftime(?,"posts"."created") = ?"#,
                params: vec![text_value("%Y"), text_value("2024")],
            },
        ],
    );
}

#[test]
fn golden_client_filters_get_email_visibility_and_list_rules() {
    let request = request_user1();
    check_goldens(
        "posts",
        &request,
        false,
        vec![
            Golden {
                filter: "author.email = 'a@b.c'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__r_author" ON "__r_author"."id" = "posts"."author" WHERE ("__r_author"."email" = ? AND "__r_author"."emailVisibility" = TRUE))"#,
                params: vec![text_value("a@b.c")],
            },
            Golden {
                filter: "drafts_via_post.note ?= 'x'",
                sql: r#"EXISTS (SELECT 1 FROM (SELECT 1) "__rl_base" LEFT JOIN "drafts" "__r_drafts_via_post" ON "__r_drafts_via_post"."post" = "posts"."id" WHERE "__r_drafts_via_post"."note" = ? AND (("__r_drafts_via_post"."id" = '' OR "__r_drafts_via_post"."id" IS NULL) OR "__r_drafts_via_post"."note" IS NOT ?))"#,
                params: vec![text_value("x"), text_value("hidden")],
            },
        ],
    );
}

#[test]
fn golden_sort() {
    let fixture = Fixture::new();
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, false);
    let rows = [
        ("", ""),
        (
            "-created, title",
            r#""posts"."created" DESC, "posts"."title" ASC"#,
        ),
        (
            "+author.name,@random,-@rowid",
            r#"(SELECT "__s_author"."name" FROM (SELECT 1) "__rl_base" LEFT JOIN "users" "__s_author" ON "__s_author"."id" = "posts"."author" LIMIT 1) ASC, RANDOM(), "posts"."_rowid_" DESC"#,
        ),
        (
            "meta.a",
            r#"(CASE WHEN json_valid("posts"."meta") THEN JSON_EXTRACT("posts"."meta", '$.a') ELSE JSON_EXTRACT(json_object('pb', "posts"."meta"), '$.pb.a') END) ASC"#,
        ),
        (
            "-tags:length",
            r#"json_array_length(CASE WHEN iif(json_valid("posts"."tags"), json_type("posts"."tags")='array', FALSE) THEN "posts"."tags" ELSE (CASE WHEN "posts"."tags" = '' OR "posts"."tags" IS NULL THEN json_array() ELSE json_array("posts"."tags") END) END) DESC"#,
        ),
    ];
    for (sort, expected) in rows {
        let fragment = compile_sort(sort, &ctx).unwrap_or_else(|error| panic!("{sort}: {error}"));
        assert_eq!(fragment.sql, expected, "sort {sort:?}");
        assert!(fragment.params.is_empty());
    }
}

#[test]
fn table_alias_is_quoted_or_kept() {
    let fixture = Fixture::new();
    let request = RequestInfo::default();
    let mut ctx = fixture.ctx("posts", &request, true);
    ctx.table_alias = "`p`";
    let fragment = compile_filter("title = 'a'", &ctx).expect("compiles");
    assert_eq!(fragment.sql, r#"`p`."title" = ?"#);
    ctx.table_alias = "p; DROP TABLE x";
    assert!(matches!(
        compile_filter("title = 'a'", &ctx),
        Err(RuleError::InvalidExpression { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Rejected input
// ---------------------------------------------------------------------------------------

#[test]
fn rejected_filters() {
    let fixture = Fixture::new();
    let request = request_user1();
    let too_long = format!("title = '{}'", "a".repeat(MAX_FILTER_LENGTH));
    let too_deep = format!(
        "{}title = 'a'{}",
        "(".repeat(MAX_NESTING_DEPTH + 1),
        ")".repeat(MAX_NESTING_DEPTH + 1)
    );
    let too_many = ["views = 1"; MAX_EXPRESSIONS + 1].join(" && ");
    let too_nested = format!("{}title = 'x'", "parent.".repeat(MAX_NESTED_RELATIONS + 1));
    type Check = fn(&RuleError) -> bool;
    let syntax: Check = |error| matches!(error, RuleError::Syntax { .. });
    let unknown: Check = |error| matches!(error, RuleError::UnknownField { .. });
    let hidden: Check = |error| matches!(error, RuleError::HiddenField { .. });
    let invalid: Check = |error| matches!(error, RuleError::InvalidExpression { .. });
    let modifier: Check = |error| matches!(error, RuleError::InvalidModifier { .. });
    let rows: Vec<(bool, &str, Check)> = vec![
        (true, "title =", syntax),
        (true, "title", syntax),
        (true, "= 'a'", syntax),
        (true, "(title = 'a'", syntax),
        (true, "title = 'a')", syntax),
        (true, "title = 'a' title = 'b'", syntax),
        (true, "title == 'a'", syntax),
        (true, "title = 'unterminated", syntax),
        (true, "title ? 'a'", syntax),
        (true, "title & 'a'", syntax),
        (true, "title = 'a' &&", syntax),
        (true, "()", syntax),
        (true, "// only a comment", syntax),
        (true, "title = 1abc", syntax),
        (true, "title = geoDistance(1, 2", syntax),
        (true, "nope = 1", unknown),
        (true, "author.nope = 1", unknown),
        (true, "@foo = 1", unknown),
        (true, "#title = 1", unknown),
        (true, "@request.auth. = 1", unknown),
        (true, "comments_via_post:length = 1", unknown),
        (true, "comments_via_nope.message ?= 1", unknown),
        (true, "users_via_post.name ?= 1", unknown),
        (true, "title.name = 1", invalid),
        (true, "geoDistance(1, 2, 3) = 1", invalid),
        (true, "geoDistance('a', 2, 3, 4) = 1", invalid),
        (true, "nope(1) = 1", invalid),
        (true, "meta.a:lower = 'x'", invalid),
        (true, "title:bogus = 1", modifier),
        (true, "@request.body.title:each = 1", modifier),
        (true, "@request.query.page:length = 1", modifier),
        (false, "secret = 'x'", hidden),
        (false, "author.secret = 'x'", hidden),
        (false, "@request.auth.secret = 'x'", hidden),
        (false, "@request.auth.password = 'x'", hidden),
        (false, "@request.auth.tokenKey != ''", hidden),
        (false, "secrets_via_post.value ?= 'v'", |error| {
            matches!(error, RuleError::ForbiddenCollection { .. })
        }),
        (true, "@collection.nope.x = 1", |error| {
            matches!(error, RuleError::UnknownCollection { .. })
        }),
        (true, &too_long, |error| {
            matches!(error, RuleError::TooLong { .. })
        }),
        (true, &too_deep, |error| {
            matches!(error, RuleError::TooDeep { .. })
        }),
        (true, &too_many, |error| {
            matches!(error, RuleError::TooManyExpressions { .. })
        }),
        (true, &too_nested, |error| {
            matches!(error, RuleError::TooManyJoins { .. })
        }),
    ];
    for (superuser, filter, check) in rows {
        let ctx = fixture.ctx("posts", &request, superuser);
        match compile_filter(filter, &ctx) {
            Ok(fragment) => panic!("{filter:?} compiled to {fragment:?}"),
            Err(error) => assert!(check(&error), "{filter:?} gave {error:?}"),
        }
        // Saved rules may use hidden fields, so only the other errors apply to them.
        if superuser {
            assert!(check_rule(filter, &ctx).is_err(), "check_rule({filter:?})");
        }
    }
}

#[test]
fn syntax_errors_name_position_and_expectation() {
    let fixture = Fixture::new();
    let request = RequestInfo::default();
    let ctx = fixture.ctx("posts", &request, true);
    let error = compile_filter("title = 'a' && views >", &ctx).expect_err("incomplete");
    assert_eq!(
        error.to_string(),
        "invalid filter at position 22: expected an identifier, text, number or function call, found the end of the filter"
    );
    let error = compile_filter("title = 'a' views = 1", &ctx).expect_err("missing join");
    assert_eq!(
        error.to_string(),
        "invalid filter at position 12: expected \"&&\", \"||\" or the end of the filter, found identifier \"views\""
    );
    let error =
        compile_filter("secret = 1", &fixture.ctx("posts", &request, false)).expect_err("hidden");
    assert_eq!(
        error.to_string(),
        "Only superusers can filter by \"secret\""
    );
}

#[test]
fn the_same_field_that_is_hidden_is_fine_for_superusers() {
    let fixture = Fixture::new();
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, true);
    for filter in [
        "secret = 'x'",
        "author.secret = 'x'",
        "@request.auth.secret = 'x'",
        "secrets_via_post.value ?= 'v'",
    ] {
        assert!(compile_filter(filter, &ctx).is_ok(), "{filter}");
        assert!(check_rule(filter, &ctx).is_ok(), "{filter}");
    }
    assert_eq!(check_rule("", &ctx), Ok(()));
    // Rules are checked the way PocketBase saves them: hidden fields allowed, no auth.
    let client_ctx = fixture.ctx("posts", &request, false);
    assert_eq!(
        check_rule("secret = 'x' && @request.auth.nope = 1", &client_ctx),
        Ok(())
    );
    assert!(matches!(
        check_rule("nope = 1", &client_ctx),
        Err(RuleError::UnknownField { .. })
    ));
    assert_eq!(
        compile_filter("  ", &ctx).expect("blank").sql,
        "1=1".to_string()
    );
}

#[test]
fn rejected_sorts() {
    let fixture = Fixture::new();
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, false);
    let nine = ["title"; MAX_SORT_FIELDS + 1].join(",");
    for sort in [
        "nope",
        "title,,views",
        "-",
        "@request.query.page",
        "null",
        "secret",
        "author.secret",
        "secrets_via_post.value",
        "title desc",
        nine.as_str(),
    ] {
        assert!(compile_sort(sort, &ctx).is_err(), "{sort:?} was accepted");
    }
}

#[test]
fn injection_looking_text_is_always_a_parameter() {
    let fixture = Fixture::new();
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, false);
    for hostile in [
        "x' OR 1=1 --",
        "\"; DROP TABLE posts; --",
        "') OR ('1'='1",
        "\\' OR 1=1",
        "%' OR title LIKE '%",
        "Robert'); DROP TABLE students;--",
        "ünïcödé ☃ \u{0}",
    ] {
        let escaped = hostile.replace('"', "\\\"");
        for filter in [
            format!("title = \"{escaped}\""),
            format!("title ~ \"{escaped}\""),
            format!("author.name ?= \"{escaped}\""),
        ] {
            let fragment =
                compile_filter(&filter, &ctx).unwrap_or_else(|error| panic!("{filter}: {error}"));
            assert!(!fragment.sql.contains(hostile), "{filter} leaked into SQL");
            assert_eq!(fragment.sql.matches('?').count(), fragment.params.len());
        }
    }
    let mut hostile_request = request_user1();
    hostile_request
        .body
        .insert("title".into(), json!("x' OR '1'='1"));
    hostile_request
        .headers
        .insert("x_evil".into(), json!("\"; DROP TABLE posts; --"));
    let ctx = fixture.ctx("posts", &hostile_request, false);
    let fragment = compile_filter(
        "@request.body.title = title || @request.headers.x_evil = title",
        &ctx,
    )
    .expect("compiles");
    assert!(!fragment.sql.contains("OR '1'"));
    assert!(!fragment.sql.contains("DROP"));
    assert_eq!(fragment.params.len(), 2);
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn random_input_never_panics(input in "\\PC{0,300}") {
        let fixture = Fixture::new();
        let request = request_user1();
        let ctx = fixture.ctx("posts", &request, false);
        let _ = compile_filter(&input, &ctx);
        let _ = compile_sort(&input, &ctx);
    }

    #[test]
    fn filter_shaped_input_never_panics(
        input in "[a-z_@.:'\"()=!~<>?&|, 0-9\\-]{0,120}"
    ) {
        let fixture = Fixture::new();
        let request = request_user1();
        let ctx = fixture.ctx("posts", &request, true);
        let _ = compile_filter(&input, &ctx);
        let _ = compile_filter(&format!("title = 'a' && {input}"), &ctx);
    }

    #[test]
    fn text_literals_always_become_parameters(literal in "[^\\\\]{1,80}") {
        let fixture = Fixture::new();
        let request = request_user1();
        let ctx = fixture.ctx("posts", &request, false);
        let filter = format!("title = \"{}\"", literal.replace('"', "\\\""));
        let fragment = compile_filter(&filter, &ctx).expect("a text literal compiles");
        prop_assert_eq!(fragment.sql, "\"posts\".\"title\" = ?".to_string());
        prop_assert_eq!(fragment.params, vec![SqlValue::Text(literal)]);
    }
}

// ---------------------------------------------------------------------------------------
// Execution against SQLite
// ---------------------------------------------------------------------------------------

fn column_sql(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text => "TEXT NOT NULL DEFAULT ''",
        ColumnKind::Real => "REAL NOT NULL DEFAULT 0",
        ColumnKind::Bool => "INTEGER NOT NULL DEFAULT 0",
        ColumnKind::JsonArray => "TEXT NOT NULL DEFAULT '[]'",
        ColumnKind::Json => "TEXT DEFAULT NULL",
        ColumnKind::GeoPoint => "TEXT NOT NULL DEFAULT '{\"lon\":0,\"lat\":0}'",
    }
}

fn fixture_database(schema: &Schema) -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    for collection in schema.all() {
        let columns: Vec<String> = collection
            .fields
            .iter()
            .map(|field| {
                if field.name == "id" {
                    "\"id\" TEXT PRIMARY KEY NOT NULL".to_string()
                } else {
                    format!(
                        "\"{}\" {}",
                        field.name,
                        column_sql(field.kind.column_kind())
                    )
                }
            })
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE \"{}\" ({});",
            collection.name,
            columns.join(", ")
        ))
        .expect("create table");
    }
    conn.execute_batch(
        r#"
        INSERT INTO teams (id, name) VALUES ('t1', 'red'), ('t2', 'blue');
        INSERT INTO users (id, email, emailVisibility, name, team, secret, roles) VALUES
            ('u1', 'u1@example.com', 1, 'Ann', 't1', 's1', '["a"]'),
            ('u2', 'u2@example.com', 0, 'Bob', 't2', 's2', '[]'),
            ('u3', 'u3@example.com', 1, 'Cid', '', '', '[]');
        INSERT INTO posts (id, title, views, done, created, meta, tags, status, author, editors, location, parent) VALUES
            ('p1', 'Hello world', 10, 1, '2024-01-01 00:00:00.000Z', '{"a":{"b":1}}', '["a","b"]', 'a', 'u1', '["u1","u2"]', '{"lon":1,"lat":2}', ''),
            ('p2', '100% sure_thing', 5, 0, '2024-03-15 12:00:00.000Z', NULL, '["a"]', '', 'u2', '["u1"]', '{"lon":0,"lat":0}', 'p1'),
            ('p3', '', 0, 0, '2023-06-01 00:00:00.000Z', '"text"', '[]', 'b', '', '[]', '{"lon":0,"lat":0}', 'p2');
        INSERT INTO comments (id, post, message, author) VALUES
            ('c1', 'p1', 'hi', 'u2'), ('c2', 'p1', 'yo', 'u1'), ('c3', 'p2', 'hi', 'u1');
        INSERT INTO members (id, user, post) VALUES ('m1', 'u1', 'p1'), ('m2', 'u2', 'p2');
        INSERT INTO drafts (id, post, note) VALUES ('d1', 'p1', 'hidden'), ('d2', 'p2', 'x');
        INSERT INTO secrets (id, post, value) VALUES ('s1', 'p1', 'v');
        "#,
    )
    .expect("seed rows");
    conn
}

fn to_sqlite(value: &SqlValue) -> rusqlite::types::Value {
    match value {
        SqlValue::Null => rusqlite::types::Value::Null,
        SqlValue::Integer(integer) => rusqlite::types::Value::Integer(*integer),
        SqlValue::Real(real) => rusqlite::types::Value::Real(*real),
        SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
    }
}

fn query_ids(conn: &Connection, where_clause: &SqlFragment, order_by: &str) -> Vec<String> {
    let sql = format!(
        "SELECT \"posts\".\"id\" FROM \"posts\" WHERE {} ORDER BY {order_by}",
        where_clause.sql
    );
    let mut statement = conn
        .prepare(&sql)
        .unwrap_or_else(|error| panic!("prepare {sql}: {error}"));
    let params: Vec<rusqlite::types::Value> = where_clause.params.iter().map(to_sqlite).collect();
    statement
        .query_map(rusqlite::params_from_iter(params), |row| {
            row.get::<_, String>(0)
        })
        .unwrap_or_else(|error| panic!("query {sql}: {error}"))
        .collect::<Result<Vec<_>, _>>()
        .expect("rows")
}

#[test]
fn compiled_filters_select_the_right_rows() {
    let fixture = Fixture::new();
    let conn = fixture_database(&fixture.schema);
    let user1 = request_user1();
    let anonymous = RequestInfo::default();
    let rows: Vec<(bool, &RequestInfo, &str, &[&str])> = vec![
        (true, &user1, "title = 'Hello world'", &["p1"]),
        (true, &user1, "title != 'Hello world'", &["p2", "p3"]),
        (true, &user1, "title = null", &["p3"]),
        (true, &user1, "title = ''", &["p3"]),
        (true, &user1, "title != ''", &["p1", "p2"]),
        (true, &user1, "title ~ 'world'", &["p1"]),
        (true, &user1, "title ~ 'WORLD'", &["p1"]),
        (true, &user1, "title ~ '100%'", &["p2"]),
        (true, &user1, "title ~ '_'", &["p2"]),
        (true, &user1, "title ~ 'o_w'", &[]),
        (true, &user1, "title !~ 'hello'", &["p2", "p3"]),
        (true, &user1, "title:lower = 'hello world'", &["p1"]),
        (true, &user1, "views > 5", &["p1"]),
        (true, &user1, "views >= 5 && views <= 10", &["p1", "p2"]),
        (true, &user1, "views < 5 || views = 10", &["p1", "p3"]),
        (true, &user1, "done = true", &["p1"]),
        (true, &user1, "done = false", &["p2", "p3"]),
        (true, &user1, "meta.a.b = 1", &["p1"]),
        (true, &user1, "meta = null", &["p2"]),
        (true, &user1, "meta = 'text'", &["p3"]),
        (true, &user1, "location.lon = 1", &["p1"]),
        (true, &user1, "tags ?= 'a'", &[]),
        (true, &user1, "tags:each ?= 'a'", &["p1", "p2"]),
        (true, &user1, "tags:each ?= 'b'", &["p1"]),
        (true, &user1, "tags:each = 'a'", &["p2"]),
        (true, &user1, "tags:each != 'a'", &["p3"]),
        (true, &user1, "tags:length = 0", &["p3"]),
        (true, &user1, "tags:length > 1", &["p1"]),
        (true, &user1, "status = 'a' || status = ''", &["p1", "p2"]),
        (true, &user1, "author.name = 'Ann'", &["p1"]),
        (true, &user1, "author.id = 'u2'", &["p2"]),
        (true, &user1, "author = ''", &["p3"]),
        (true, &user1, "author.team.name = 'blue'", &["p2"]),
        (true, &user1, "parent.parent.title = 'Hello world'", &["p3"]),
        (true, &user1, "editors.name ?= 'Bob'", &["p1"]),
        (true, &user1, "editors.name = 'Ann'", &["p2"]),
        (true, &user1, "editors.name != 'Bob'", &["p2", "p3"]),
        (true, &user1, "editors:length = 2", &["p1"]),
        (true, &user1, "editors.name ?!= 'Ann'", &["p1", "p3"]),
        (true, &user1, "editors.name ?~ 'o'", &["p1"]),
        (true, &user1, "editors.name ?!~ 'n'", &["p1"]),
        (true, &user1, "editors.name ?< 'B'", &["p1", "p2"]),
        (true, &user1, "editors.name ?<= 'Ann'", &["p1", "p2"]),
        (true, &user1, "editors.name ?>= 'Bob'", &["p1"]),
        (true, &user1, "comments_via_post.message ?> 'i'", &["p1"]),
        (
            true,
            &user1,
            "comments_via_post.message > 'a'",
            &["p1", "p2"],
        ),
        (true, &user1, "views ?> 5", &["p1"]),
        (true, &user1, "editors.team.name ?= 'blue'", &["p1"]),
        (true, &user1, "comments_via_post.message ?= 'yo'", &["p1"]),
        (true, &user1, "comments_via_post.message = 'hi'", &["p2"]),
        (
            true,
            &user1,
            "comments_via_post.author.name ?= 'Ann'",
            &["p1", "p2"],
        ),
        (
            true,
            &user1,
            "comments_via_post.id ?= 'c3' && title != ''",
            &["p2"],
        ),
        (true, &user1, "editors.name = author.name", &["p3"]),
        (
            true,
            &user1,
            "@request.auth.id != '' && author = @request.auth.id",
            &["p1"],
        ),
        (
            true,
            &anonymous,
            "@request.auth.id != '' && author = @request.auth.id",
            &[],
        ),
        (
            true,
            &anonymous,
            "@request.auth.id = ''",
            &["p1", "p2", "p3"],
        ),
        (
            true,
            &user1,
            "@request.auth.team.name = 'red'",
            &["p1", "p2", "p3"],
        ),
        (true, &user1, "@request.auth.name = author.name", &["p1"]),
        (true, &user1, "editors ~ @request.auth.id", &["p1", "p2"]),
        (
            true,
            &user1,
            "editors:each ?= @request.auth.id",
            &["p1", "p2"],
        ),
        (
            true,
            &user1,
            "@collection.members.user ?= @request.auth.id && @collection.members.post ?= id",
            &["p1"],
        ),
        (
            true,
            &user1,
            "@collection.members:a.user ?= @request.auth.id && @collection.members:b.post ?= id",
            &["p1", "p2"],
        ),
        (true, &user1, "@collection.members.user = 'u1'", &[]),
        (
            true,
            &user1,
            "@request.body.author.name = 'Bob'",
            &["p1", "p2", "p3"],
        ),
        (true, &user1, "@request.body.editors.name = 'Bob'", &[]),
        (
            true,
            &user1,
            "@request.body.editors.name ?= 'Bob'",
            &["p1", "p2", "p3"],
        ),
        (
            true,
            &user1,
            "@request.body.tags:each ?= 'b' && views > 5",
            &["p1"],
        ),
        (true, &user1, "@request.body.tags:each = tags:each", &[]),
        (
            true,
            &user1,
            "@request.body.title:changed = true",
            &["p1", "p2", "p3"],
        ),
        (
            true,
            &user1,
            "@request.body.views > views",
            &["p1", "p2", "p3"],
        ),
        (true, &user1, "created > @now", &["p2"]),
        (
            true,
            &user1,
            "created >= @todayStart && created <= @todayEnd",
            &["p2"],
        ),
        (true, &user1, "created < @yearStart", &["p3"]),
        (
            true,
            &user1,
            "strftime('%Y', created) = '2024'",
            &["p1", "p2"],
        ),
        (false, &user1, "author.email = 'u1@example.com'", &["p1"]),
        (false, &user1, "author.email = 'u2@example.com'", &[]),
        (true, &user1, "author.email = 'u2@example.com'", &["p2"]),
        (false, &user1, "drafts_via_post.note ?= 'hidden'", &[]),
        (true, &user1, "drafts_via_post.note ?= 'hidden'", &["p1"]),
        (false, &user1, "drafts_via_post.note ?= 'x'", &["p2"]),
        (
            false,
            &user1,
            "drafts_via_post.note = '' || title = ''",
            &["p3"],
        ),
        (true, &user1, "secrets_via_post.value ?= 'v'", &["p1"]),
        (true, &user1, "title = \"x' OR 1=1 --\"", &[]),
        (true, &user1, "title ~ \"%' OR title LIKE '%\"", &[]),
    ];
    for (superuser, request, filter, expected) in rows {
        let ctx = fixture.ctx("posts", request, superuser);
        let fragment =
            compile_filter(filter, &ctx).unwrap_or_else(|error| panic!("{filter}: {error}"));
        let ids = query_ids(&conn, &fragment, "\"posts\".\"id\"");
        assert_eq!(ids, expected, "{filter}\n{}", fragment.sql);
    }
}

#[test]
fn compiled_sorts_order_the_rows() {
    let fixture = Fixture::new();
    let conn = fixture_database(&fixture.schema);
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, false);
    let everything = SqlFragment {
        sql: "1=1".into(),
        params: vec![],
    };
    for (sort, expected) in [
        ("-views", vec!["p1", "p2", "p3"]),
        ("views", vec!["p3", "p2", "p1"]),
        ("-created", vec!["p2", "p1", "p3"]),
        ("author.name,id", vec!["p3", "p1", "p2"]),
        ("-author.team.name,id", vec!["p1", "p2", "p3"]),
        ("-tags:length", vec!["p1", "p2", "p3"]),
        ("done,-views", vec!["p2", "p3", "p1"]),
        ("-@rowid", vec!["p3", "p2", "p1"]),
    ] {
        let order = compile_sort(sort, &ctx).unwrap_or_else(|error| panic!("{sort}: {error}"));
        assert!(order.params.is_empty());
        assert_eq!(
            query_ids(&conn, &everything, &order.sql),
            expected,
            "{sort}"
        );
    }
    let random = compile_sort("@random", &ctx).expect("random");
    assert_eq!(query_ids(&conn, &everything, &random.sql).len(), 3);
}

#[test]
fn rules_compiled_for_other_collections_run() {
    let fixture = Fixture::new();
    let conn = fixture_database(&fixture.schema);
    let request = request_user1();
    let ctx = fixture.ctx("comments", &request, true);
    let fragment =
        compile_filter("post.author = @request.auth.id && message = 'hi'", &ctx).expect("compiles");
    let sql = format!(
        "SELECT \"comments\".\"id\" FROM \"comments\" WHERE {} ORDER BY 1",
        fragment.sql
    );
    let mut statement = conn.prepare(&sql).expect("prepare");
    let params: Vec<rusqlite::types::Value> = fragment.params.iter().map(to_sqlite).collect();
    let ids: Vec<String> = statement
        .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(ids, vec!["c1".to_string()]);
}

#[test]
fn user_values_do_not_escape_json_paths_or_identifiers() {
    let fixture = Fixture::new();
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, true);
    let value: Value = json!({"title": "x"});
    assert!(value.is_object());
    for filter in [
        "meta.a'b = 1",
        "meta.a\"b = 1",
        "meta.a;b = 1",
        "title\" = 1",
    ] {
        assert!(compile_filter(filter, &ctx).is_err(), "{filter}");
    }
}

#[test]
fn geo_distance_needs_sqlite_math_functions() {
    // The bundled SQLite is built without SQLITE_ENABLE_MATH_FUNCTIONS: a bare connection
    // cannot run `geoDistance`. The store registers acos/cos/sin/radians on every
    // connection (`store::register_functions`), and the black-box API tests run it there.
    let fixture = Fixture::new();
    let conn = fixture_database(&fixture.schema);
    let request = request_user1();
    let ctx = fixture.ctx("posts", &request, true);
    let fragment = compile_filter("geoDistance(location.lon, location.lat, 1, 2) < 5", &ctx)
        .expect("compiles");
    let sql = format!("SELECT id FROM posts WHERE {}", fragment.sql);
    let error = conn.prepare(&sql).err().map(|error| error.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|message| message.contains("no such function")),
        "{error:?}"
    );
}
