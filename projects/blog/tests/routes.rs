//! The blog's own route (`src/routes.rs`), built on the generated `Records<C>`, served
//! in-process next to lifebase's API the way a project would: the same auth middleware,
//! rules and error shape as lifebase's own record routes.

mod common;

use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::test::{TestRequest, call_service, init_service, read_body_json};
use lifebase::api::request::load_auth;
use lifebase::realtime::Broker;
use serde_json::{Value, json};

#[actix_web::test]
async fn the_summary_route_answers_with_typed_records_under_the_callers_rules() {
    let blog = common::open_blog().await;
    let password = "Passw0rd-long";
    let user = blog
        .create(
            "users",
            json!({"email": "ada@example.com", "name": "Ada", "password": password, "passwordConfirm": password}),
        )
        .await;
    let user_id = user["id"].as_str().expect("id");
    let published = blog
        .create(
            "posts",
            json!({"title": "Hello", "status": "published", "author": user_id}),
        )
        .await;
    let draft = blog
        .create(
            "posts",
            json!({"title": "Secret", "status": "draft", "author": user_id}),
        )
        .await;
    for message in ["one", "two"] {
        blog.create(
            "comments",
            json!({"post": published["id"], "author": user_id, "message": message}),
        )
        .await;
    }

    let service = init_service(
        actix_web::App::new()
            .wrap(from_fn(load_auth))
            .configure(lifebase_blog::routes::configure)
            .configure(lifebase::server::configure(
                blog.app.clone(),
                Arc::new(Broker::default()),
            )),
    )
    .await;
    let get = |path: String, token: Option<&str>| {
        let mut request = TestRequest::get().uri(&path);
        if let Some(token) = token {
            request = request.insert_header(("Authorization", token.to_string()));
        }
        request.to_request()
    };

    // A guest sees the published post, but not its author (users' view rule).
    let path = format!(
        "/api/blog/posts/{}/summary",
        published["id"].as_str().expect("id")
    );
    let response = call_service(&service, get(path.clone(), None)).await;
    assert_eq!(response.status(), 200);
    let body: Value = read_body_json(response).await;
    assert_eq!(
        body,
        json!({"id": published["id"], "title": "Hello", "status": "published", "author": "", "comments": 2})
    );

    // The draft is hidden from a guest, in PocketBase's error shape.
    let draft_path = format!(
        "/api/blog/posts/{}/summary",
        draft["id"].as_str().expect("id")
    );
    let response = call_service(&service, get(draft_path.clone(), None)).await;
    assert_eq!(response.status(), 404);
    let body: Value = read_body_json(response).await;
    assert_eq!(body["status"], 404);
    assert_eq!(body["data"], json!({}));

    // The author, logged in through lifebase's own route, sees both and their name.
    let login = TestRequest::post()
        .uri("/api/collections/users/auth-with-password")
        .set_json(json!({"identity": "ada@example.com", "password": password}))
        .to_request();
    let response = call_service(&service, login).await;
    assert_eq!(response.status(), 200);
    let auth: Value = read_body_json(response).await;
    let token = auth["token"].as_str().expect("token");
    let response = call_service(&service, get(path, Some(token))).await;
    let body: Value = read_body_json(response).await;
    assert_eq!(body["author"], "Ada");
    let response = call_service(&service, get(draft_path, Some(token))).await;
    assert_eq!(response.status(), 200);
    let body: Value = read_body_json(response).await;
    assert_eq!(body["status"], "draft");
    assert_eq!(body["comments"], 0);
}
