//! The blog's own routes, written by hand against the generated types: they run with
//! lifebase's auth, rules and error shape because they reach records only through
//! `generated::routes::Records`. Register them before lifebase's routes (its `/api`
//! scope answers every path under it), as `configure` documents.

use actix_web::{HttpResponse, web};
use lifebase::api::error::ApiError;
use serde::Serialize;

use crate::generated::client::{Comments, ListParams, Posts, ViewParams, quote};
use crate::generated::routes::Records;
use crate::types::{PostsId, PostsStatus};

/// Registers the blog's routes. Call it before `lifebase::server::configure`:
/// `App::new().wrap(from_fn(load_auth)).configure(routes::configure).configure(lifebase::server::configure(app, broker))`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/api/blog/posts/{id}/summary", web::get().to(summary));
}

/// The answer of `GET /api/blog/posts/{id}/summary`.
#[derive(Debug, Serialize)]
struct Summary {
    id: PostsId,
    title: String,
    status: PostsStatus,
    /// The author's name when the caller may see the author, else empty.
    author: String,
    comments: i64,
}

/// `GET /api/blog/posts/{id}/summary`: a post with its author's name and its number of
/// comments, as the caller may see them (404 when the post's view rule hides it).
async fn summary(
    posts: Records<Posts>,
    comments: Records<Comments>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = PostsId(path.into_inner());
    let post = posts
        .view(&id, &ViewParams::default().expand("author"))
        .await?;
    let author = post
        .expand
        .as_ref()
        .and_then(|expand| expand.author.as_ref())
        .map(|author| author.name.clone())
        .unwrap_or_default();
    let filter = format!("post = {}", quote(id.as_str()));
    let page = comments
        .list(&ListParams::default().filter(filter).per_page(1))
        .await?;
    Ok(HttpResponse::Ok().json(Summary {
        id: post.id,
        title: post.title,
        status: post.status,
        author,
        comments: page.total_items,
    }))
}
