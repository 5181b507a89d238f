//! Generated clients against a live lifebase (issue #6): the blog example's typed Rust
//! (`projects/blog/src/generated`, compiled here as a module) drives the real binary through
//! create, list (filter, sort, expand, fields, skipTotal), view, update, delete and
//! auth-with-password, and the records decode into their generated types; a Python client
//! generated from `projects/blog/openapi.json` by PyPI's `openapi-python-client` (from
//! `LB_PYDEPS`, installed by `bash tests/run.sh`) creates, lists and views a post.

mod common;

#[allow(
    dead_code,
    unreachable_pub,
    reason = "the generated module is the blog crate's public API; this test uses a part"
)]
#[path = "../projects/blog/src/generated/mod.rs"]
mod generated;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Auth, Body, Server};
use generated::client::{Client, Error, ListParams, ViewParams, quote};
use generated::types::*;
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Imports the blog schema as a superuser. Two passes: lifebase checks a view's query
/// before the tables of the same import exist, so the view comes in the second one.
fn import_blog(server: &Server) {
    let text = std::fs::read_to_string(root().join("projects/blog/schema.json")).expect("schema");
    let collections: Value = serde_json::from_str(&text).expect("schema.json is JSON");
    let tables: Vec<Value> = collections
        .as_array()
        .expect("array")
        .iter()
        .filter(|collection| collection["type"] != "view")
        .cloned()
        .collect();
    for collections in [json!(tables), collections] {
        server.must(
            "PUT",
            "/api/collections/import",
            Auth::Superuser,
            Body::Json(json!({"collections": collections, "deleteMissing": false})),
            204,
        );
    }
}

fn api_error(result: Result<impl std::fmt::Debug, Error>) -> generated::client::ApiError {
    match result {
        Err(Error::Api(error)) => error,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_generated_rust_client_drives_a_live_server_with_typed_records() {
    let server = Server::start();
    import_blog(&server);
    let guest = Client::new(server.base.clone());
    let superuser = guest.with_token(server.token.clone());

    // Sign up and log in (users: createRule "", auth with password).
    let user = guest
        .users()
        .create(
            &UsersCreate {
                id: None,
                password: "Passw0rd-long".into(),
                email: "ada@example.com".into(),
                email_visibility: Some(false),
                verified: None,
                name: Some("Ada".into()),
                avatar: None,
                password_confirm: "Passw0rd-long".into(),
            },
            &ViewParams::default(),
        )
        .await
        .expect("sign up");
    assert_eq!(user.name, "Ada");
    assert_eq!(user.avatar, None);
    let auth = guest
        .users()
        .auth_with_password("ada@example.com", "Passw0rd-long")
        .await
        .expect("auth with password");
    assert_eq!(auth.record.id, user.id);
    assert_eq!(
        auth.record.email, "ada@example.com",
        "the owner sees the email"
    );
    let ada = guest.with_token(auth.token.clone());
    let refreshed = ada.users().auth_refresh().await.expect("auth refresh");
    assert_eq!(refreshed.record.id, user.id);
    let wrong = guest
        .users()
        .auth_with_password("ada@example.com", "wrong-password")
        .await;
    assert_eq!(api_error(wrong).status, 400);

    // Tags: only superusers create (createRule null).
    let refused = ada
        .tags()
        .create(
            &TagsCreate {
                id: None,
                name: "rust".into(),
                color: None,
            },
            &ViewParams::default(),
        )
        .await;
    assert_eq!(api_error(refused).status, 403);
    let tag = superuser
        .tags()
        .create(
            &TagsCreate {
                id: None,
                name: "rust".into(),
                color: Some(TagsColor::Red),
            },
            &ViewParams::default(),
        )
        .await
        .expect("create tag");
    assert_eq!(tag.color, Some(TagsColor::Red));

    // A post with every kind of field.
    let published_at = DateTime::parse("2024-02-29 23:59:58.123Z").expect("date");
    let draft = PostsCreate {
        id: None,
        title: "Typed clients".into(),
        slug: Some("typed-clients".into()),
        body: Some("<p>Hello</p>".into()),
        status: PostsStatus::Published,
        categories: Some(vec![PostsCategories::Howto, PostsCategories::News]),
        author: user.id.clone(),
        tags: Some(vec![tag.id.clone()]),
        cover: None,
        attachments: None,
        website: Some("https://example.com/".into()),
        contact: Some("ada@example.com".into()),
        published_at: Some(published_at),
        rating: Some(4.5),
        views: Some(12),
        featured: Some(true),
        metadata: Some(json!({"lang": "en", "n": [1, 2]})),
        location: Some(GeoPoint {
            lon: 13.4,
            lat: 52.5,
        }),
    };
    let invalid = ada
        .posts()
        .create(
            &PostsCreate {
                title: "ab".into(),
                ..draft.clone()
            },
            &ViewParams::default(),
        )
        .await;
    let invalid = api_error(invalid);
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.field("title").expect("title error").code,
        "validation_min_text_constraint"
    );
    let post = ada
        .posts()
        .create(&draft, &ViewParams::default().expand("author"))
        .await
        .expect("create post");
    assert_eq!(post.collection_name, "posts");
    assert_eq!(post.status, PostsStatus::Published);
    assert_eq!(
        post.categories,
        [PostsCategories::Howto, PostsCategories::News]
    );
    assert_eq!(post.author, user.id);
    assert_eq!(post.tags, std::slice::from_ref(&tag.id));
    assert_eq!(post.published_at, Some(published_at));
    assert_eq!(
        post.published_at.map(|date| date.to_string()).as_deref(),
        Some("2024-02-29 23:59:58.123Z")
    );
    assert_eq!(post.cover, None);
    assert_eq!(post.rating, 4.5);
    assert_eq!(post.views, 12);
    assert!(post.featured);
    assert_eq!(post.metadata, json!({"lang": "en", "n": [1, 2]}));
    assert_eq!(
        post.location,
        GeoPoint {
            lon: 13.4,
            lat: 52.5
        }
    );
    assert!(post.created.unix_millis() > 1_700_000_000_000);
    assert_eq!(post.created, post.updated);
    let expanded_author = post
        .expand
        .as_ref()
        .and_then(|expand| expand.author.as_ref());
    assert_eq!(expanded_author.map(|author| &author.id), Some(&user.id));

    // List: filter, sort, expand, fields, skipTotal.
    let other = superuser
        .posts()
        .create(
            &PostsCreate {
                title: "A draft \"quoted\"".into(),
                status: PostsStatus::Draft,
                categories: None,
                tags: None,
                ..draft.clone()
            },
            &ViewParams::default(),
        )
        .await
        .expect("create second post");
    let page = guest
        .posts()
        .list(&ListParams::default().sort("-created"))
        .await
        .expect("guest list");
    assert_eq!(page.total_items, 1, "a guest sees only published posts");
    assert_eq!(page.items[0].id, post.id);
    let page = ada
        .posts()
        .list(
            &ListParams::default()
                .filter(format!("title = {}", quote("A draft \"quoted\"")))
                .expand("author,tags")
                .per_page(5)
                .page(1),
        )
        .await
        .expect("filtered list");
    assert_eq!(page.total_items, 1);
    assert_eq!(page.per_page, 5);
    assert_eq!(page.items[0].id, other.id);
    assert_eq!(page.items[0].status, PostsStatus::Draft);
    assert_eq!(page.items[0].categories, []);
    assert_eq!(
        page.items[0]
            .expand
            .as_ref()
            .map(|expand| expand.tags.is_none()),
        Some(true)
    );
    let page = ada
        .posts()
        .list(
            &ListParams::default()
                .filter("tags.id ?= ".to_string() + &quote(tag.id.as_str()))
                .expand("tags,author")
                .fields("id,title,status,author,created,updated,expand")
                .skip_total(),
        )
        .await
        .expect("list with fields");
    assert_eq!(page.total_items, -1);
    assert_eq!(page.items.len(), 1);
    let listed = &page.items[0];
    assert_eq!(listed.title, "Typed clients");
    assert_eq!(listed.body, "", "not picked by ?fields=");
    let expand = listed.expand.as_ref().expect("expand");
    assert_eq!(
        expand.tags.as_ref().map(|tags| tags[0].name.as_str()),
        Some("rust")
    );
    assert_eq!(
        expand.author.as_ref().map(|author| author.name.as_str()),
        Some("Ada")
    );

    // View, with back-relations landing in `other`.
    superuser
        .comments()
        .create(
            &CommentsCreate {
                id: None,
                post: post.id.clone(),
                author: user.id.clone(),
                message: "First!".into(),
            },
            &ViewParams::default(),
        )
        .await
        .expect("comment");
    let viewed = guest
        .posts()
        .view(&post.id, &ViewParams::default().expand("comments_via_post"))
        .await
        .expect("view");
    assert_eq!(viewed.title, "Typed clients");
    let back = &viewed.expand.as_ref().expect("expand").other["comments_via_post"];
    assert_eq!(back[0]["message"], "First!");
    let stats = guest
        .post_stats()
        .view(&PostStatsId(post.id.0.clone()), &ViewParams::default())
        .await
        .expect("view collection");
    assert_eq!(stats.comments, 1.0);

    // Update: set, clear, and the rule.
    let updated = ada
        .posts()
        .update(
            &post.id,
            &PostsUpdate {
                title: Some("Typed clients, updated".into()),
                published_at: Some(None),
                categories: Some(vec![]),
                status: Some(PostsStatus::Archived),
                ..PostsUpdate::default()
            },
            &ViewParams::default(),
        )
        .await
        .expect("update");
    assert_eq!(updated.title, "Typed clients, updated");
    assert_eq!(updated.published_at, None);
    assert_eq!(updated.categories, []);
    assert_eq!(updated.status, PostsStatus::Archived);
    assert!(updated.updated >= post.updated);
    guest
        .users()
        .create(
            &UsersCreate {
                id: None,
                password: "Passw0rd-long".into(),
                email: "bob@example.com".into(),
                email_visibility: None,
                verified: None,
                name: None,
                avatar: None,
                password_confirm: "Passw0rd-long".into(),
            },
            &ViewParams::default(),
        )
        .await
        .expect("second sign up");
    let bob_token = guest
        .users()
        .auth_with_password("bob@example.com", "Passw0rd-long")
        .await
        .expect("second auth")
        .token;
    let bob = guest.with_token(bob_token);
    let not_yours = bob
        .posts()
        .update(&post.id, &PostsUpdate::default(), &ViewParams::default())
        .await;
    assert_eq!(api_error(not_yours).status, 404);
    let not_yours = bob.posts().delete(&post.id).await;
    assert_eq!(api_error(not_yours).status, 404);

    // Delete.
    ada.posts().delete(&post.id).await.expect("delete");
    let gone = ada.posts().view(&post.id, &ViewParams::default()).await;
    assert_eq!(api_error(gone).status, 404);
    let gone = ada.posts().delete(&post.id).await;
    assert_eq!(api_error(gone).status, 404);
}

#[test]
fn dates_round_trip_pocketbase_text() {
    for text in [
        "2006-01-02 15:04:05.000Z",
        "1970-01-01 00:00:00.000Z",
        "1969-12-31 23:59:59.999Z",
        "2024-02-29 12:00:00.001Z",
        "0001-01-01 00:00:00.000Z",
        "9999-12-31 23:59:59.999Z",
    ] {
        let date = DateTime::parse(text).expect(text);
        assert_eq!(date.to_string(), text);
        assert_eq!(DateTime::from_unix_millis(date.unix_millis()), date);
        let json = serde_json::to_value(date).expect("serialize");
        assert_eq!(json, json!(text));
    }
    assert_eq!(
        DateTime::parse("1970-01-01 00:00:01.500Z").map(DateTime::unix_millis),
        Ok(1500)
    );
    for bad in [
        "",
        "2023-02-29 00:00:00.000Z",
        "2024-13-01 00:00:00.000Z",
        "2024-01-01T00:00:00.000Z",
        "2024-01-01 24:00:00.000Z",
        "2024-01-01 00:00:00Z",
        "2024-01-01 00:00:00.000",
        "+024-01-01 00:00:00.000Z",
    ] {
        assert!(DateTime::parse(bad).is_err(), "{bad:?}");
    }
}

fn pydeps() -> PathBuf {
    std::env::var_os("LB_PYDEPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/pydeps"))
}

fn python(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new("python3")
        .args(args)
        .current_dir(dir)
        .env(
            "PYTHONPATH",
            format!("{}:{}", dir.display(), pydeps().display()),
        )
        .envs(envs.iter().copied())
        .output()
        .expect("run python3 (`bash tests/run.sh` installs the test tools)")
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Drives the generated Python client: sign up, log in, create, list, view a post.
const PYTHON_CLIENT_SCRIPT: &str = r#"
import os

from blog_client import AuthenticatedClient, Client
from blog_client.api.posts import posts_create, posts_list, posts_view
from blog_client.api.users import users_auth_with_password, users_create
from blog_client.models import (
    Error, PostsCreate, PostsCreateStatus, PostsViewStatus, UsersAuthWithPasswordBody,
    UsersCreate,
)

base = os.environ["LB_BASE"]
guest = Client(base_url=base, raise_on_unexpected_status=True)
user = users_create.sync(client=guest, body=UsersCreate(
    email="py@example.com", password="Passw0rd-long", password_confirm="Passw0rd-long"))
assert not isinstance(user, Error), user
auth = users_auth_with_password.sync(client=guest, body=UsersAuthWithPasswordBody(
    identity="py@example.com", password="Passw0rd-long"))
assert not isinstance(auth, Error), auth
assert auth.record.id == user.id
client = AuthenticatedClient(base_url=base, token=auth.token, prefix="",
                             raise_on_unexpected_status=True)

refused = posts_create.sync(client=guest, body=PostsCreate(
    title="From Python", status=PostsCreateStatus.PUBLISHED, author=user.id))
assert isinstance(refused, Error) and refused.status == 400, refused

post = posts_create.sync(client=client, body=PostsCreate(
    title="From Python", status=PostsCreateStatus.PUBLISHED, author=user.id,
    published_at="2024-05-06 07:08:09.010Z", rating=3.5))
assert not isinstance(post, Error), post
assert post.status == PostsViewStatus.PUBLISHED
assert post.published_at == "2024-05-06 07:08:09.010Z"

page = posts_list.sync(client=client, filter_='title = "From Python"', expand="author")
assert not isinstance(page, Error), page
assert page.total_items == 1 and page.items[0].id == post.id, page
assert page.items[0].expand.additional_properties["author"]["id"] == user.id

viewed = posts_view.sync(client=guest, id=post.id)
assert not isinstance(viewed, Error), viewed
assert viewed.title == "From Python" and viewed.rating == 3.5
missing = posts_view.sync(client=guest, id="nope00000000000")
assert isinstance(missing, Error) and missing.status == 404, missing
print("python client ok")
"#;

#[test]
fn a_python_client_generated_from_the_openapi_document_works_against_a_live_server() {
    let tmp = tempfile::tempdir().expect("tmp");
    // No post hooks: they would run `ruff`, which formats but changes nothing that runs.
    std::fs::write(
        tmp.path().join("config.yaml"),
        "post_hooks: []\npackage_name_override: blog_client\n",
    )
    .expect("config");
    let document = root().join("projects/blog/openapi.json");
    let generated = python(
        tmp.path(),
        &[
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            document.to_str().expect("utf-8"),
            "--meta",
            "none",
            "--output-path",
            "blog_client",
            "--config",
            "config.yaml",
        ],
        &[],
    );
    assert_success(&generated, "openapi-python-client generate");
    let report = String::from_utf8_lossy(&generated.stdout).to_string()
        + &String::from_utf8_lossy(&generated.stderr);
    assert!(
        !report.contains("Warning"),
        "openapi-python-client skipped parts of the document:\n{report}"
    );

    let server = Server::start();
    import_blog(&server);
    std::fs::write(tmp.path().join("drive.py"), PYTHON_CLIENT_SCRIPT).expect("script");
    let output = python(tmp.path(), &["drive.py"], &[("LB_BASE", &server.base)]);
    assert_success(&output, "the generated Python client");
    assert!(String::from_utf8_lossy(&output.stdout).contains("python client ok"));
}
