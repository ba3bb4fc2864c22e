//! One article: by id, slug or former slug (301), and from the trash.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use super::{location, respond_article};
use crate::db::{self, StoreError, articles::Found};
use crate::domain::access::Caller;
use crate::error::ApiError;
use crate::http::auth::{Keyed, Read};
use crate::http::context::Cx;
use crate::wire::article::Article;

/// Get one article by id or slug.
///
/// A former slug answers 301 to the current one. Trashed articles are not here (see
/// `/v1/trash/{id}`); unpublished ones need a key with scope `read`.
#[utoipa::path(
    tag = "articles",
    params(
        ("id" = String, Path, description = "The article's id, current slug or a former slug.", example = "ukrainian-world-congress-marks-unity-day"),
        ("If-Modified-Since" = Option<String>, Header, description = "HTTP date of a cached copy; 304 when not modified since.")
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article.", body = Article,
            headers(("ETag" = String, description = "`\"v{version}-{hash}\"`; send it as If-Match when writing."),
                    ("Last-Modified" = String, description = "`updated_at` as an HTTP date."),
                    ("Cache-Control" = String, description = "`public, max-age, stale-while-revalidate` without a key, `private` with one."))),
        (status = 301, description = "A former slug; `Location` holds the current address.",
            headers(("Location" = String, description = "The article's current URL.")))
    )
)]
#[get("/articles/{id}")]
pub async fn get_article(cx: Cx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let caller = cx.auth.0.clone();
    let key = id.into_inner();
    match db::run(&cx.state.pool, move |conn| {
        db::articles::find(conn, &caller, &key, db::now_utc())
    })
    .await?
    {
        Found::Moved(slug) => Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location(&cx.state, &slug)))
            // Short-lived (a slug can be renamed back) and private for keyed callers,
            // who may be redirected to a draft's slug.
            .insert_header((header::CACHE_CONTROL, redirect_cache(&cx.auth.0)))
            .insert_header((header::VARY, "Authorization"))
            .finish()),
        Found::Article(rec) => Ok(respond_article(&cx.req, &cx.state, &cx.auth.0, *rec)),
    }
}

fn redirect_cache(caller: &Caller) -> &'static str {
    if caller.sees_unpublished() {
        "private, no-cache"
    } else {
        "public, max-age=300"
    }
}

/// Get one trashed article by id or slug.
#[utoipa::path(
    tag = "articles",
    params(("id" = String, Path, description = "The article's id or slug.")),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "The trashed article.", body = Article,
            headers(("ETag" = String, description = "Validator; send it as If-Match to restore.")))
    )
)]
#[get("/trash/{id}")]
pub async fn get_trashed_article(
    cx: Cx<Keyed<Read>>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = cx.auth.0.clone();
    let key = id.into_inner();
    let rec = db::run(&cx.state.pool, move |conn| {
        let pk = db::articles::pk_of(conn, &key)?;
        let rec = db::articles::load_by_pk(conn, &caller, pk, db::now_utc())?;
        match rec.row.deleted_at {
            Some(_) => Ok(rec),
            None => Err(StoreError::not_found("trashed article", key)),
        }
    })
    .await?;
    Ok(respond_article(&cx.req, &cx.state, &cx.auth.0, rec))
}
