//! The blog's own route (`src/routes.rs`), built on the generated `Records<C>`, served
//! in-process next to lifebase's API the way a project would: the same auth middleware,
//! rules and error shape as lifebase's own record routes.

mod common;

use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::test::{TestRequest, call_service, init_service, read_body_json};
use actix_web::{HttpResponse, web};
use lifebase::api::error::ApiError;
use lifebase::api::request::load_auth;
use lifebase::realtime::Broker;
use lifebase_blog::generated::client::{ListParams, Tags, ViewParams};
use lifebase_blog::generated::routes::Records;
use lifebase_blog::types::{TagsColor, TagsCreate, TagsUpdate};
use serde_json::{Value, json};

/// A route of the test's own: creates, renames, lists and deletes a tag through
/// `Records<Tags>`, answering the names it saw.
async fn tag_round_trip(tags: Records<Tags>) -> Result<HttpResponse, ApiError> {
    let none = ViewParams::default();
    let created = tags
        .create(
            &TagsCreate {
                id: None,
                name: "draft-name".into(),
                color: Some(TagsColor::Green),
            },
            &none,
        )
        .await?;
    let renamed = TagsUpdate {
        name: Some("final-name".into()),
        color: Some(None),
    };
    let updated = tags.update(&created.id, &renamed, &none).await?;
    let listed = tags.list(&ListParams::default().sort("name")).await?;
    tags.delete(&created.id).await?;
    let after = tags.list(&ListParams::default()).await?;
    Ok(HttpResponse::Ok().json(json!({
        "created": [created.name, created.color],
        "updated": [updated.name, updated.color],
        "listed": listed.items.iter().map(|tag| tag.name.clone()).collect::<Vec<_>>(),
        "after": after.total_items,
    })))
}

#[actix_web::test]
async fn records_create_update_list_delete_under_the_collections_rules() {
    let blog = common::open_blog().await;
    let service = init_service(
        actix_web::App::new()
            .wrap(from_fn(load_auth))
            .route("/test/tags", web::post().to(tag_round_trip))
            .configure(lifebase::server::configure(
                blog.app.clone(),
                Arc::new(Broker::new(blog.app.events.clone())),
            )),
    )
    .await;

    // Tags take writes from superusers only (createRule null): a guest gets PocketBase's 403.
    let response = call_service(&service, TestRequest::post().uri("/test/tags").to_request()).await;
    assert_eq!(response.status(), 403);
    let body: Value = read_body_json(response).await;
    assert_eq!(body["status"], 403);

    let login = TestRequest::post()
        .uri("/api/collections/_superusers/auth-with-password")
        .set_json(json!({"identity": "root@example.com", "password": "Sup3r-secret-pass"}))
        .to_request();
    blog.app
        .create_record(
            &blog.superuser,
            "_superusers",
            common::object(json!({"email": "root@example.com", "password": "Sup3r-secret-pass", "passwordConfirm": "Sup3r-secret-pass"})),
            vec![],
            lifebase::service::records::ShapeParams::default(),
        )
        .await
        .expect("superuser");
    let response = call_service(&service, login).await;
    assert_eq!(response.status(), 200);
    let auth: Value = read_body_json(response).await;
    let request = TestRequest::post()
        .uri("/test/tags")
        .insert_header((
            "Authorization",
            auth["token"].as_str().expect("token").to_string(),
        ))
        .to_request();
    let response = call_service(&service, request).await;
    assert_eq!(response.status(), 200);
    let body: Value = read_body_json(response).await;
    assert_eq!(
        body,
        json!({
            "created": ["draft-name", "green"],
            "updated": ["final-name", null],
            "listed": ["final-name"],
            "after": 0
        })
    );
}

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
                Arc::new(Broker::new(blog.app.events.clone())),
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
