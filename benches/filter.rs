//! Criterion micro-benchmarks of the pure hot paths every request takes: the filter
//! language (`core::rules::compile_filter` / `compile_sort`) and the record encoder and
//! validator (`core::record::to_json` / `prepare`), over the same `posts` schema the
//! load benchmark (`benches/load.rs`) uses.
//!
//! Run with `cargo bench --bench filter` (or `task bench:micro`); pass a name to run a
//! subset, e.g. `cargo bench --bench filter -- compile_filter`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};

use lifebase::core::collection::{Collection, Schema, bootstrap_collections};
use lifebase::core::record::{ExportOptions, PrepareOptions, prepare, to_json};
use lifebase::core::rules::{
    AuthInfo, CompileContext, RequestInfo, compile_filter, compile_sort, parse_filter,
};

const NOW: &str = "2026-01-02 03:04:05.678Z";

/// The bootstrap collections (`_superusers`, `users`) plus the benchmark's `posts`.
fn schema() -> Schema {
    let mut posts = Collection::from_json(
        &json!({
            "name": "posts",
            "type": "base",
            "listRule": "",
            "viewRule": "",
            "createRule": "@request.auth.id != ''",
            "fields": [
                {"name": "title", "type": "text", "required": true, "max": 200},
                {"name": "body", "type": "editor"},
                {"name": "score", "type": "number"},
                {"name": "tags", "type": "select", "maxSelect": 3,
                 "values": ["a", "b", "c", "d", "e", "f", "g", "h"]},
                {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_",
                 "maxSelect": 1},
                {"name": "created", "type": "autodate", "onCreate": true, "onUpdate": false},
                {"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true}
            ]
        }),
        None,
    )
    .expect("the posts collection is valid");
    posts.ensure_system_fields();
    let mut collections = bootstrap_collections(NOW);
    collections.push(posts);
    Schema::new(collections)
}

fn request_with_auth() -> RequestInfo {
    let mut record = Map::new();
    record.insert("id".into(), json!("u1234567890abcd"));
    record.insert("email".into(), json!("user@example.com"));
    record.insert("verified".into(), json!(true));
    RequestInfo {
        auth: Some(AuthInfo {
            collection_id: "_pb_users_auth_".into(),
            collection_name: "users".into(),
            record,
        }),
        method: "GET".into(),
        context: "default".into(),
        ..RequestInfo::default()
    }
}

/// Filters from simple to heavy: the list benchmark's filter, a rule, any-of on a multi
/// select, a relation path (one join), and a long boolean chain.
const FILTERS: &[(&str, &str)] = &[
    ("range", "score >= 100 && score < 600"),
    (
        "rule_auth",
        "@request.auth.id != '' && author = @request.auth.id",
    ),
    ("multi_select_any", "tags ?= 'c' || tags ?= 'd'"),
    (
        "relation_path",
        "author.email ~ 'example' && author.verified = true",
    ),
    (
        "long_chain",
        "(title ~ 'hello' || body ~ 'world') && score > 10 && score < 9000 && \
         created > '2024-01-01 00:00:00' && (tags ?= 'a' || tags ?= 'b' || tags ?= 'h') && \
         author != '' && id != 'abc' && updated >= @todayStart",
    ),
];

fn bench_rules(c: &mut Criterion) {
    let schema = schema();
    let posts = schema.get("posts").expect("posts").clone();
    let request = request_with_auth();
    let ctx = CompileContext::new(&posts, &schema, &request, "posts");

    let mut group = c.benchmark_group("parse_filter");
    for (name, filter) in FILTERS {
        group.bench_function(*name, |b| b.iter(|| parse_filter(black_box(filter))));
    }
    group.finish();

    let mut group = c.benchmark_group("compile_filter");
    for (name, filter) in FILTERS {
        // Fail loudly here rather than benchmark an error path.
        compile_filter(filter, &ctx).expect("the benchmark filters compile");
        group.bench_function(*name, |b| {
            b.iter(|| compile_filter(black_box(filter), black_box(&ctx)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("compile_sort");
    for (name, sort) in [
        ("created_desc", "-created"),
        ("three_keys", "-score,title,author.email"),
    ] {
        compile_sort(sort, &ctx).expect("the benchmark sorts compile");
        group.bench_function(name, |b| {
            b.iter(|| compile_sort(black_box(sort), black_box(&ctx)))
        });
    }
    group.finish();
}

/// A stored `posts` row as the store hands it to the encoder.
fn stored_post(index: usize) -> Map<String, Value> {
    let value = json!({
        "id": format!("p{index:014}"),
        "title": format!("post number {index}"),
        "body": "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
                 tempor incididunt ut labore et dolore magna aliqua.</p>",
        "score": (index % 1000) as f64,
        "tags": ["a", "c", "f"],
        "author": "u1234567890abcd",
        "created": NOW,
        "updated": NOW,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn bench_records(c: &mut Criterion) {
    let schema = schema();
    let posts = schema.get("posts").expect("posts").clone();
    let users = schema.get("users").expect("users").clone();
    let options = ExportOptions::default();

    let mut group = c.benchmark_group("record");
    let row = stored_post(42);
    group.bench_function("to_json_post", |b| {
        b.iter(|| to_json(black_box(&posts), black_box(&row), &options))
    });
    let page: Vec<Map<String, Value>> = (0..30).map(stored_post).collect();
    group.bench_function("to_json_page_of_30_serialized", |b| {
        b.iter(|| {
            let items: Vec<Value> = page
                .iter()
                .map(|row| Value::Object(to_json(&posts, row, &options)))
                .collect();
            serde_json::to_vec(&items)
        })
    });
    let mut user = Map::new();
    for (key, value) in [
        ("id", json!("u1234567890abcd")),
        ("email", json!("user@example.com")),
        ("emailVisibility", json!(false)),
        ("verified", json!(true)),
        ("name", json!("A User")),
        ("password", json!("$2a$10$abcdefghijklmnopqrstuv")),
        ("tokenKey", json!("secret-token-key")),
        ("created", json!(NOW)),
        ("updated", json!(NOW)),
    ] {
        user.insert(key.into(), value);
    }
    group.bench_function("to_json_user", |b| {
        b.iter(|| to_json(black_box(&users), black_box(&user), &options))
    });

    let body = match json!({
        "title": "hello world",
        "body": "<p>some <b>rich</b> text</p>",
        "score": 512,
        "tags": ["a", "c"],
        "author": "u1234567890abcd",
    }) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let prepare_options = PrepareOptions::new(NOW);
    prepare(&posts, None, &body, &prepare_options).expect("the benchmark body is valid");
    group.bench_function("prepare_create_post", |b| {
        b.iter(|| prepare(black_box(&posts), None, black_box(&body), &prepare_options))
    });
    let update = match json!({"score+": 1, "tags-": ["a"]}) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    group.bench_function("prepare_update_post_modifiers", |b| {
        b.iter(|| {
            prepare(
                black_box(&posts),
                Some(black_box(&row)),
                black_box(&update),
                &prepare_options,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_rules, bench_records);
criterion_main!(benches);
