//! The generated hooks, compiled against `lifebase` as a library: a project opens an `App`,
//! spawns `hooks::run` and gets every committed change of the collections it hooks as a
//! typed record, in commit order. Changes are made through lifebase's services, as its
//! HTTP handlers make them.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::object;
use lifebase::service::records::ShapeParams;
use lifebase_blog::generated::hooks::{self, Hooks, TagsHooks};
use lifebase_blog::types::{TagsColor, TagsView};
use serde_json::json;

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
}

impl Recorder {
    fn push(&self, line: String) {
        self.seen.lock().expect("lock").push(line);
    }
}

impl TagsHooks for Recorder {
    fn on_record_after_create_success(&self, record: &TagsView) {
        self.push(format!("create {} {:?}", record.name, record.color));
    }

    fn on_record_after_update_success(&self, record: &TagsView) {
        self.push(format!("update {} {:?}", record.name, record.color));
    }

    fn on_record_after_delete_success(&self, record: &TagsView) {
        self.push(format!("delete {}", record.name));
    }
}

#[tokio::test]
async fn after_success_hooks_get_typed_records_after_each_commit() {
    let blog = common::open_blog().await;
    let (app, ctx) = (&blog.app, &blog.superuser);

    let recorder = Arc::new(Recorder::default());
    let hooks = Hooks {
        tags: Some(recorder.clone()),
        ..Hooks::default()
    };
    let runner = tokio::spawn(hooks::run(app.clone(), hooks));
    // Let the runner subscribe before the first change.
    tokio::time::sleep(Duration::from_millis(50)).await;

    let shape = ShapeParams::default;
    let created = app
        .create_record(
            ctx,
            "tags",
            object(json!({"name": "rust", "color": "red"})),
            vec![],
            shape(),
        )
        .await
        .expect("create");
    let id = created["id"].as_str().expect("id").to_string();
    app.update_record(
        ctx,
        "tags",
        &id,
        object(json!({"color": ""})),
        vec![],
        shape(),
    )
    .await
    .expect("update");
    // A change to a collection without hooks runs nothing.
    app.create_record(
        ctx,
        "users",
        object(json!({"email": "a@example.com", "password": "Passw0rd-long", "passwordConfirm": "Passw0rd-long"})),
        vec![],
        shape(),
    )
    .await
    .expect("create user");
    app.delete_record(ctx, "tags", &id).await.expect("delete");

    let expected = [
        format!("create rust {:?}", Some(TagsColor::Red)),
        "update rust None".to_string(),
        "delete rust".to_string(),
    ];
    for _ in 0..100 {
        if recorder.seen.lock().expect("lock").len() >= expected.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(*recorder.seen.lock().expect("lock"), expected);
    assert!(
        !runner.is_finished(),
        "the runner stopped: {:?}",
        runner.await
    );
    runner.abort();
}
