//! An in-process lifebase with the blog schema: `App::open` on a temp data dir, the schema
//! imported through the collections service as a superuser, as `PUT /api/collections/import`
//! does. Start at `open_blog`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset"
)]

use std::sync::Arc;

use lifebase::config::{Config, DataDir};
use lifebase::service::records::ShapeParams;
use lifebase::service::{App, Auth, RequestContext};
use serde_json::{Map, Value, json};

pub struct Blog {
    pub app: Arc<App>,
    /// A superuser's request context, for seeding.
    pub superuser: RequestContext,
    _tmp: tempfile::TempDir,
}

pub fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Opens an app on a fresh data dir with the blog's collections (the view comes in a second
/// pass, after the tables its query reads).
pub async fn open_blog() -> Blog {
    let tmp = tempfile::tempdir().expect("tmp");
    let app = App::open(Config {
        http: "127.0.0.1:0".parse().expect("address"),
        data_dir: DataDir::new(tmp.path()),
        max_body_bytes: Config::DEFAULT_MAX_BODY,
        readers: 2,
    })
    .expect("open app");
    let superuser = RequestContext {
        auth: Auth::Record {
            collection: app.collection("_superusers").expect("_superusers"),
            record: Map::new(),
        },
        ..RequestContext::default()
    };
    let capability = superuser.auth.require_superuser().expect("superuser");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.json"))
        .expect("schema.json");
    let schema: Value = serde_json::from_str(&text).expect("JSON");
    let tables: Vec<Value> = schema
        .as_array()
        .expect("array")
        .iter()
        .filter(|collection| collection["type"] != "view")
        .cloned()
        .collect();
    for collections in [json!(tables), schema] {
        app.import_collections(
            &capability,
            json!({"collections": collections, "deleteMissing": false}),
        )
        .await
        .expect("import");
    }
    Blog {
        app,
        superuser,
        _tmp: tmp,
    }
}

impl Blog {
    /// Creates a record as a superuser and returns its JSON.
    pub async fn create(&self, collection: &str, body: Value) -> Value {
        self.app
            .create_record(
                &self.superuser,
                collection,
                object(body),
                vec![],
                ShapeParams::default(),
            )
            .await
            .unwrap_or_else(|error| panic!("create {collection}: {error:?}"))
    }
}
