//! "Most read" and "related": public articles only, whoever asks.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Duration;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::db::{self, articles::ArticleRecord};
use crate::domain::access::Caller;
use crate::domain::cache_tags;
use crate::domain::listing::default_fields;
use crate::domain::search;
use crate::error::ApiError;
use crate::handlers::articles::list::list_item;
use crate::http::cache::next_publication_millis;
use crate::http::conditional;
use crate::http::context::Cx;
use crate::http::paging;
use crate::http::paths::ArticleKey;
use crate::http::query::Query;
use crate::state::AppState;
use crate::wire::article::{Article, ArticleList, PageMeta};

/// Time windows of "most read".
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum Window {
    /// Today and yesterday (UTC days touching the last 24 hours).
    #[serde(rename = "24h")]
    Day,
    /// The last 7 UTC days, today included.
    #[default]
    #[serde(rename = "7d")]
    Week,
    /// The last 30 UTC days, today included.
    #[serde(rename = "30d")]
    Month,
}

/// Parameters of `GET /v1/articles/popular`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// The window views are counted over (default `7d`).
    #[param(inline)]
    pub window: Option<Window>,
    /// How many, 1–100 (default 10).
    #[param(minimum = 1, maximum = 100, example = 10)]
    pub limit: Option<i64>,
}

/// Parameters of `GET /v1/articles/{id}/related`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many, 1–20 (default 5).
    #[param(minimum = 1, maximum = 20, example = 5)]
    pub limit: Option<i64>,
}

fn respond(
    req: &HttpRequest,
    state: &AppState,
    records: Vec<ArticleRecord>,
    limit: i64,
    tags: &[&str],
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let fields = default_fields();
    let tags: Vec<String> = (tags.iter().map(|t| t.to_string()))
        .chain(records.iter().map(|r| cache_tags::article(&r.row.id)))
        .collect();
    let data: Vec<_> = records
        .into_iter()
        .map(|r| list_item(Article::from_record(r, &now), &fields, &[]))
        .collect();
    let total = data.len() as i64;
    let body = ArticleList {
        data,
        meta: PageMeta {
            limit,
            next_cursor: None,
            total,
            page: None,
        },
    };
    let res = conditional::respond_hashed(req, &Caller::Public, &state.config, &body)?;
    Ok(crate::http::cache::tagged(res, &tags))
}

/// Most read articles over a window.
///
/// Ranked by views counted per UTC day (`POST /v1/articles/{id}/views`) within the
/// window; published articles only. For all-time "most read" use
/// `GET /v1/articles?sort=-view_count`.
#[utoipa::path(
    tag = "articles",
    params(PopularParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Most read first.", body = ArticleList)
    )
)]
#[get("/articles/popular")]
pub async fn list_popular_articles(
    cx: Cx,
    params: Query<PopularParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = paging::limit(params.limit, 10, 100)?;
    let today = cx.state.clock_now();
    let since = match params.window.unwrap_or_default() {
        Window::Day => today - Duration::hours(24),
        Window::Week => today - Duration::days(6),
        Window::Month => today - Duration::days(29),
    }
    .format("%Y-%m-%d")
    .to_string();
    let ranked = db::run(&cx.state.pool, move |conn| {
        db::articles::popular(conn, &since, limit, db::now_utc())
    })
    .await?;
    respond(
        &cx.req,
        &cx.state,
        ranked.into_iter().map(|(r, _)| r).collect(),
        limit,
        &[cache_tags::ARTICLES, cache_tags::POPULAR],
    )
}

/// Articles related to one article.
///
/// Published articles sharing the most tags with it first (newest first among equals),
/// then those whose text is most like its title. The candidates sharing tags are the
/// newest 50 articles of each of its tags, so the answer costs the same in any archive.
/// The article itself must be visible to the caller.
#[utoipa::path(
    tag = "articles",
    params(ArticleKey, RelatedParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Related articles, closest first.", body = ArticleList)
    )
)]
#[get("/articles/{id}/related")]
pub async fn list_related_articles(
    cx: Cx,
    article: web::Path<ArticleKey>,
    params: Query<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = paging::limit(params.limit, 5, 20)?;
    let (caller, key) = (cx.auth.0, article.into_inner().id);
    let (pool, responses) = (cx.state.pool.clone(), cx.state.responses.clone());
    let records = db::run(&cx.state.pool, move |conn| {
        let now = db::now_utc();
        let version = responses.lists_version_or(|| next_publication_millis(conn))?;
        let db::articles::Found::Article(head) = db::articles::find_head(conn, &caller, &key, now)?
        else {
            return Err(db::StoreError::not_found("article", key));
        };
        let similar = search::any_word(&head.title);
        let lists = db::articles::Lists {
            kept: pool.tag_newest(),
            version,
        };
        db::articles::related(conn, lists, head.pk, similar, limit, now)
    })
    .await?;
    respond(&cx.req, &cx.state, records, limit, &[cache_tags::ARTICLES])
}
