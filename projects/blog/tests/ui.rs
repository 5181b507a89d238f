//! The generated admin pages (`src/generated_ui/`, from `lifebase codegen ui`) served
//! in-process next to lifebase's API and admin UI, as a project mounts them: signed in
//! through `POST /_/login`, then the posts table, infinite scroll, click-to-edit with
//! validation errors, bulk delete, and the session and CSRF checks, with the Datastar SSE
//! answers asserted as text.

mod common;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web;
use lifebase::realtime::Broker;
use lifebase::service::records::ShapeParams;
use serde_json::{Value, json};

const EMAIL: &str = "root@example.com";
const PASSWORD: &str = "Sup3r-secret-pass";

async fn text<B: MessageBody>(response: ServiceResponse<B>) -> String {
    String::from_utf8(read_body(response).await.to_vec()).expect("utf-8")
}

/// The `data:` lines of every event named `name`, one string per event.
fn events(sse: &str, name: &str) -> Vec<String> {
    sse.split("\n\n")
        .filter(|block| block.starts_with(&format!("event: {name}\n")))
        .map(|block| block.to_string())
        .collect()
}

#[actix_web::test]
async fn the_posts_page_lists_scrolls_edits_and_bulk_deletes_for_a_signed_in_superuser() {
    let blog = common::open_blog().await;
    blog.create(
        "_superusers",
        json!({"email": EMAIL, "password": PASSWORD, "passwordConfirm": PASSWORD}),
    )
    .await;
    let user = blog
        .create(
            "users",
            json!({"email": "ada@example.com", "name": "Ada", "password": "Passw0rd-long", "passwordConfirm": "Passw0rd-long"}),
        )
        .await;
    let tag = blog.create("tags", json!({"name": "rust"})).await;
    let mut ids = vec![];
    for number in 1..=35 {
        let post = blog
            .create(
                "posts",
                json!({
                    "title": format!("Post {number:02}"),
                    "status": if number % 2 == 0 { "published" } else { "draft" },
                    "categories": ["news", "howto"],
                    "author": user["id"],
                    "tags": [tag["id"]],
                    "rating": 4.5,
                    "views": number,
                    "featured": number == 35,
                    "publishedAt": "2024-05-01 10:00:00.000Z",
                    "metadata": {"a": 1},
                }),
            )
            .await;
        ids.push(post["id"].as_str().expect("id").to_string());
    }
    let newest = ids[34].clone();

    let service = init_service(
        actix_web::App::new()
            .service(web::scope("/_/blog").configure(lifebase_blog::generated_ui::configure))
            .configure(lifebase::server::configure(
                blog.app.clone(),
                Arc::new(Broker::new(blog.app.events.clone())),
            )),
    )
    .await;

    // No session: the page sends the browser to sign in, an action gets a redirect event.
    let response = call_service(
        &service,
        TestRequest::get().uri("/_/blog/posts").to_request(),
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers().get(header::LOCATION).expect("location"),
        "/_/login"
    );
    let response = call_service(
        &service,
        TestRequest::get()
            .uri(&format!("/_/blog/posts/{newest}/title/edit"))
            .insert_header(("Datastar-Request", "true"))
            .to_request(),
    )
    .await;
    assert!(
        text(response)
            .await
            .contains("window.location.assign(\"/_/login\")")
    );

    // Sign in as the admin UI does.
    let response = call_service(
        &service,
        TestRequest::post()
            .uri("/_/login")
            .insert_header(("Datastar-Request", "true"))
            .set_json(json!({"email": EMAIL, "password": PASSWORD}))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("lb_admin="))
        .and_then(|value| value.split(';').next())
        .expect("session cookie")
        .to_string();

    // The page: the newest 30 posts with typed cells and the scroll trigger.
    let response = call_service(
        &service,
        TestRequest::get()
            .uri("/_/blog/posts")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    let csrf = page
        .split("<meta name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf meta")
        .to_string();
    assert_eq!(page.matches("<tr id=\"posts-row-").count(), 30, "{page}");
    let first_page: Vec<&String> = ids
        .iter()
        .filter(|id| page.contains(&format!("<tr id=\"posts-row-{id}\">")))
        .collect();
    assert_eq!(first_page.len(), 30);
    assert!(page.contains("/_/static/datastar-1.0.0-beta.11.js"));
    assert!(page.contains(&format!(
        "<td id=\"posts-{newest}-title\" class=\"lb-cell\" title=\"Click to edit\" data-on-click=\"@get('/_/blog/posts/{newest}/title/edit')\">Post 35</td>"
    )));
    for cell in [
        format!("<td id=\"posts-{newest}-status\" class=\"lb-cell\""),
        format!("<td id=\"posts-{newest}-featured\""),
        "<span class=\"lb-item\">news</span><span class=\"lb-item\">howto</span>".to_string(),
        format!(
            "<span class=\"lb-item\">{}</span>",
            tag["id"].as_str().expect("id")
        ),
        "2024-05-01 10:00:00.000Z".to_string(),
        "{&#34;a&#34;:1}".to_string(),
    ] {
        assert!(page.contains(&cell), "{cell}");
    }
    assert!(page.contains(">draft</td>") && page.contains(">published</td>"));
    assert!(page.contains(">4.5</td>") && page.contains(">35</td>") && page.contains(">true</td>"));
    // Files, JSON and geo points are shown, not edited.
    assert!(page.contains(&format!("<td id=\"posts-{newest}-metadata\">")));
    let more = page
        .split("data-on-intersect=\"@get('")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("scroll trigger")
        .replace("&#38;", "&");
    assert!(more.starts_with("/_/blog/posts/more?after="), "{more}");
    assert!(more.contains("&at=20"), "{more}");

    // The next page is appended, and the trigger ends.
    let response = call_service(
        &service,
        TestRequest::get()
            .uri(&more)
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header(("Datastar-Request", "true"))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).expect("type"),
        "text/event-stream"
    );
    let sse = text(response).await;
    let appended = events(&sse, "datastar-merge-fragments");
    assert_eq!(appended.len(), 2, "{sse}");
    assert!(appended[0].starts_with(
        "event: datastar-merge-fragments\ndata: selector #posts-rows\ndata: mergeMode append\n"
    ));
    assert_eq!(appended[0].matches("<tr id=\"posts-row-").count(), 5);
    // Together the two pages hold every post once.
    for id in &ids {
        let on_first = first_page.contains(&id);
        let on_second = appended[0].contains(&format!("<tr id=\"posts-row-{id}\">"));
        assert!(on_first != on_second, "{id}");
    }
    assert_eq!(
        appended[1],
        "event: datastar-merge-fragments\ndata: fragments <tfoot id=\"posts-more\"></tfoot>"
    );

    let action =
        |method: actix_web::http::Method, path: String, body: Value, csrf: Option<&str>| {
            let mut request = TestRequest::default()
                .method(method)
                .uri(&path)
                .insert_header((header::COOKIE, cookie.clone()))
                .insert_header(("Datastar-Request", "true"))
                .set_json(body);
            if let Some(csrf) = csrf {
                request = request.insert_header(("X-CSRF-Token", csrf.to_string()));
            }
            request.to_request()
        };
    let send = |request| {
        let service = &service;
        async move {
            let response = service.call(request).await.expect("answer");
            let status = response.status().as_u16();
            (status, text(response).await)
        }
    };
    use actix_web::http::Method;

    // Click-to-edit: the cell becomes its typed editor, holding the value in `draft`.
    let target = ids[6].clone();
    let (status, sse) = send(action(
        Method::GET,
        format!("/_/blog/posts/{target}/title/edit"),
        json!({}),
        None,
    ))
    .await;
    assert_eq!(status, 200);
    assert!(
        sse.starts_with("event: datastar-merge-signals\ndata: signals {\"draft\":\"Post 07\"}\n\n"),
        "{sse}"
    );
    assert!(sse.contains(&format!(
        "data: fragments <td id=\"posts-{target}-title\" class=\"lb-editing\"><input type=\"text\" id=\"posts-{target}-title-input\" data-bind=\"draft\" aria-label=\"title\""
    )), "{sse}");
    assert!(sse.contains(&format!("@patch('/_/blog/posts/{target}/title')")));
    assert!(sse.contains(&format!(
        "data: script document.getElementById(\"posts-{target}-title-input\")?.focus()"
    )));
    let (_, sse) = send(action(
        Method::GET,
        format!("/_/blog/posts/{target}/status/edit"),
        json!({}),
        None,
    ))
    .await;
    assert!(sse.contains("<select id=\"posts-"), "{sse}");
    assert!(sse.contains("<option value=\"archived\">archived</option>"));

    // A required title emptied: the editor stays, with the service's message under it.
    let (status, sse) = send(action(
        Method::PATCH,
        format!("/_/blog/posts/{target}/title"),
        json!({"draft": ""}),
        Some(&csrf),
    ))
    .await;
    assert_eq!(status, 200);
    assert!(sse.contains("aria-invalid=\"true\""), "{sse}");
    assert!(sse.contains(&format!(
        "<p class=\"field-error\" id=\"posts-{target}-title-error\" role=\"alert\">Cannot be blank.</p>"
    )), "{sse}");
    // A number that is not one never reaches the service.
    let (_, sse) = send(action(
        Method::PATCH,
        format!("/_/blog/posts/{target}/rating"),
        json!({"draft": "many"}),
        Some(&csrf),
    ))
    .await;
    assert!(
        sse.contains("role=\"alert\">Must be a number.</p>"),
        "{sse}"
    );

    // Without the CSRF header the write is refused.
    let (status, _) = send(action(
        Method::PATCH,
        format!("/_/blog/posts/{target}/title"),
        json!({"draft": "Sneaky"}),
        None,
    ))
    .await;
    assert_eq!(status, 403);

    // A good value is saved through the update service and the cell (and `updated`) shown.
    let (status, sse) = send(action(
        Method::PATCH,
        format!("/_/blog/posts/{target}/title"),
        json!({"draft": "Renamed <b>"}),
        Some(&csrf),
    ))
    .await;
    assert_eq!(status, 200);
    assert!(sse.contains(&format!(
        "data: fragments <td id=\"posts-{target}-title\" class=\"lb-cell\" title=\"Click to edit\" data-on-click=\"@get('/_/blog/posts/{target}/title/edit')\">Renamed &#60;b&#62;</td>"
    )), "{sse}");
    assert!(sse.contains(&format!("<td id=\"posts-{target}-updated\">")));
    let saved = blog
        .app
        .view_record(&blog.superuser, "posts", &target, ShapeParams::default())
        .await
        .expect("view");
    assert_eq!(saved["title"], "Renamed <b>");
    for (column, draft, stored, expected) in [
        ("featured", json!(true), "featured", json!(true)),
        ("status", json!("archived"), "status", json!("archived")),
        (
            "categories",
            json!(["opinion"]),
            "categories",
            json!(["opinion"]),
        ),
        (
            "publishedAt",
            json!("2025-01-02T03:04"),
            "publishedAt",
            json!("2025-01-02 03:04:00.000Z"),
        ),
        ("views", json!("12"), "views", json!(12)),
    ] {
        let (_, sse) = send(action(
            Method::PATCH,
            format!("/_/blog/posts/{target}/{column}"),
            json!({"draft": draft}),
            Some(&csrf),
        ))
        .await;
        assert!(!sse.contains("field-error"), "{column}: {sse}");
        let saved = blog
            .app
            .view_record(&blog.superuser, "posts", &target, ShapeParams::default())
            .await
            .expect("view");
        assert_eq!(saved[stored], expected, "{column}");
    }
    // Escape shows the cell again; a read-only column has no editor.
    let (_, sse) = send(action(
        Method::GET,
        format!("/_/blog/posts/{target}/views"),
        json!({}),
        None,
    ))
    .await;
    assert!(
        sse.contains(&format!(
            "<td id=\"posts-{target}-views\" class=\"lb-cell\""
        )),
        "{sse}"
    );
    assert!(sse.contains(">12</td>"));
    let (_, sse) = send(action(
        Method::GET,
        format!("/_/blog/posts/{target}/metadata/edit"),
        json!({}),
        None,
    ))
    .await;
    assert!(sse.contains("This field cannot be edited here."), "{sse}");

    // Bulk delete: a confirmation naming the count, then the rows leave the table.
    let chosen = json!({"ids": [ids[1], ids[2]]});
    let (status, sse) = send(action(
        Method::POST,
        "/_/blog/posts/delete".to_string(),
        chosen.clone(),
        Some(&csrf),
    ))
    .await;
    assert_eq!(status, 200);
    assert!(sse.contains("Delete 2 records from posts?"), "{sse}");
    assert!(sse.contains("data-on-click=\"@delete('/_/blog/posts/delete')\""));
    assert!(sse.contains("showModal()"));
    let (status, sse) = send(action(
        Method::DELETE,
        "/_/blog/posts/delete".to_string(),
        chosen,
        Some(&csrf),
    ))
    .await;
    assert_eq!(status, 200);
    let removed = events(&sse, "datastar-remove-fragments");
    assert_eq!(
        removed,
        [
            format!(
                "event: datastar-remove-fragments\ndata: selector #posts-row-{}",
                ids[1]
            ),
            format!(
                "event: datastar-remove-fragments\ndata: selector #posts-row-{}",
                ids[2]
            ),
        ]
    );
    assert!(sse.contains("Deleted 2 records."), "{sse}");
    assert!(sse.contains("data: signals {\"ids\":[],\"_selected\":0}"));
    let left = blog
        .app
        .list_records(&blog.superuser, "posts", Default::default())
        .await
        .expect("list");
    assert_eq!(left["totalItems"], 33);
    // A bulk delete without CSRF, or with a bad id, deletes nothing.
    let (status, _) = send(action(
        Method::DELETE,
        "/_/blog/posts/delete".to_string(),
        json!({"ids": [ids[3]]}),
        None,
    ))
    .await;
    assert_eq!(status, 403);
    let (_, sse) = send(action(
        Method::DELETE,
        "/_/blog/posts/delete".to_string(),
        json!({"ids": [ids[3], "x' || 1=1"]}),
        Some(&csrf),
    ))
    .await;
    assert!(sse.contains("The selection holds an invalid id."), "{sse}");
    assert!(!sse.contains("datastar-remove-fragments"));

    // A view collection is a read-only table; the index links every collection.
    let response = call_service(
        &service,
        TestRequest::get()
            .uri("/_/blog/post_stats")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let stats = text(response).await;
    assert!(stats.contains("A view collection: read-only."));
    assert!(
        !stats.contains("data-select value") && !stats.contains("class=\"lb-cell\""),
        "{stats}"
    );
    let response = call_service(
        &service,
        TestRequest::get()
            .uri("/_/blog/")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    let index = text(response).await;
    assert!(
        index.contains("<a href=\"/_/blog/posts\">posts</a>"),
        "{index}"
    );
    assert!(index.contains("<a href=\"/_/blog/post_stats\">post_stats</a> (view, read-only)"));
}
