//! Article lists: filters, bilingual full-text search, sorts, cursor and numbered pages,
//! sparse fieldsets, `Link` headers; and the trash.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::db::{
    self,
    articles::{ArticleRecord, Bodies, Filter, ListQuery, Position, Shelf},
};
use crate::domain::access::Caller;
use crate::domain::article::{Status, is_language_tag};
use crate::domain::listing::{self, Sort};
use crate::domain::search::{self, MAX_QUERY_CHARS, Term};
use crate::domain::time;
use crate::error::ApiError;
use crate::http::auth::{Keyed, Read};
use crate::http::cache::next_publication_millis;
use crate::http::conditional;
use crate::http::context::Cx;
use crate::http::paging::{self, PageParams};
use crate::http::query::Query;
use crate::state::AppState;
use crate::wire::article::{Article, ArticleList, ArticleListItem, PageMeta};

/// Orders of `GET /v1/articles`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ArticleSort {
    /// Newest first (default without `q`).
    #[serde(rename = "-published_at")]
    NewestFirst,
    /// Oldest first.
    #[serde(rename = "published_at")]
    OldestFirst,
    /// Most recently changed first.
    #[serde(rename = "-updated_at")]
    RecentlyUpdated,
    /// Most read first.
    #[serde(rename = "-view_count")]
    MostViewed,
    /// Best match first among the 1,000 most recently added matches (default with `q`;
    /// needs `q`).
    #[serde(rename = "relevance")]
    Relevance,
}

impl From<ArticleSort> for Sort {
    fn from(s: ArticleSort) -> Self {
        match s {
            ArticleSort::NewestFirst => Sort::Newest,
            ArticleSort::OldestFirst => Sort::Oldest,
            ArticleSort::RecentlyUpdated => Sort::Updated,
            ArticleSort::MostViewed => Sort::MostViewed,
            ArticleSort::Relevance => Sort::Relevance,
        }
    }
}

/// Query parameters of `GET /v1/articles`. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    /// Full-text search over title, subtitle, excerpt, tags and body, in English and
    /// Ukrainian (inflected forms match: "Україна" finds "України"). Words are ANDed,
    /// `"quoted phrases"` match exactly, `word*` matches a prefix. At most 256 characters.
    #[param(max_length = 256, example = "Україна")]
    pub q: Option<String>,
    /// Tag slugs, comma-separated: articles with any of them.
    #[param(example = "standwithukraine,diaspora")]
    pub tag: Option<String>,
    /// Author slugs, comma-separated: articles by any of them.
    #[param(example = "ukrainian-world-congress")]
    pub author: Option<String>,
    /// BCP 47 language tag.
    #[param(pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", example = "uk")]
    pub language: Option<String>,
    /// Publication state; anything but `published` needs a key with scope `read`.
    #[param(inline)]
    pub status: Option<Status>,
    /// Only editor's picks (`true`) or only the others (`false`).
    pub featured: Option<bool>,
    /// Published at or after: an RFC 3339 timestamp (inclusive, exact to the
    /// microsecond) or a date `YYYY-MM-DD` (from 00:00:00 UTC that day).
    #[param(example = "2026-01-01")]
    pub published_after: Option<String>,
    /// Published at or before: an RFC 3339 timestamp (inclusive) or a date `YYYY-MM-DD`
    /// (until the end of that day, UTC).
    #[param(example = "2026-01-31T23:59:59Z")]
    pub published_before: Option<String>,
    /// Order; `-published_at` by default, `relevance` by default with `q`.
    #[param(inline)]
    pub sort: Option<ArticleSort>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<i64>,
    /// Opaque token from `meta.next_cursor` (or the `Link` header) of the previous page.
    pub cursor: Option<String>,
    /// Numbered page from 1, for frontends that show page numbers (not with `cursor`).
    #[param(minimum = 1, maximum = 10000, example = 2)]
    pub page: Option<i64>,
    /// Sparse fieldset: the fields each item carries, comma-separated (`id` always).
    /// Without it items carry every field but `body_markdown`, `body_html`, `body_text`.
    #[param(example = "id,slug,title,excerpt")]
    pub fields: Option<String>,
}

/// A parsed list request.
pub(crate) struct Plan {
    pub(crate) query: ListQuery,
    terms: Vec<Term>,
    fields: Vec<String>,
}

fn bad(param: &str) -> impl Fn(String) -> ApiError + '_ {
    move |m| ApiError::bad_param(param, m)
}

pub(crate) fn plan(p: ArticleListParams, caller: &Caller, shelf: Shelf) -> Result<Plan, ApiError> {
    let limit = paging::limit(p.limit, 20, 100)?;
    let (filter, terms) = filter_of(&p, caller)?;
    let sort = match (p.sort.map(Sort::from), p.q.is_some()) {
        (Some(Sort::Relevance), false) => {
            return Err(ApiError::bad_param("sort", "relevance needs q"));
        }
        (Some(s), _) => s,
        (None, true) => Sort::Relevance,
        (None, false) => Sort::Newest,
    };
    let position = position_of(p.cursor, p.page, sort)?;
    let fields = match p.fields.as_deref() {
        Some(f) => listing::parse_fields(f).map_err(bad("fields"))?,
        None => listing::default_fields(),
    };
    // A snippet is cut from the body's text; otherwise only a body asked for is read.
    let bodies = if !terms.is_empty() || fields.iter().any(|f| f.starts_with("body_")) {
        Bodies::Loaded
    } else {
        Bodies::Skipped
    };
    Ok(Plan {
        query: ListQuery {
            filter,
            sort,
            limit,
            position,
            shelf,
            known_total: None,
            bodies,
        },
        terms,
        fields,
    })
}

/// The cursor of the page after `page` (sorted by `sort`), when there is one.
pub(crate) fn next_cursor(page: &db::articles::ListPage, sort: Sort) -> Option<String> {
    let (rec, rank) = page.items.last().filter(|_| page.more)?;
    let key = db::articles::ListPage::key(sort, rec, *rank);
    Some(paging::encode(&[
        sort.as_str(),
        &key,
        &rec.row.pk.to_string(),
    ]))
}

/// The filter the parameters ask for, and the search terms of `q`.
fn filter_of(p: &ArticleListParams, caller: &Caller) -> Result<(Filter, Vec<Term>), ApiError> {
    let terms = p.q.as_deref().map(search_terms).transpose()?;
    let slugs = |v: &Option<String>, name: &'static str| {
        v.as_deref()
            .map(listing::parse_slugs)
            .transpose()
            .map_err(bad(name))
            .map(Option::unwrap_or_default)
    };
    let bound = |v: &Option<String>, upper: bool, name: &'static str| {
        v.as_deref()
            .map(|s| listing::parse_bound(s, upper).map(time::format))
            .transpose()
            .map_err(bad(name))
    };
    let filter = Filter {
        // Text with no searchable word matches nothing rather than everything.
        search: terms.clone().map(search::Match::All),
        tags: slugs(&p.tag, "tag")?,
        authors: slugs(&p.author, "author")?,
        language: language_of(p.language.as_deref())?,
        status: status_for(p.status, caller)?,
        featured: p.featured,
        published_after: bound(&p.published_after, false, "published_after")?,
        published_before: bound(&p.published_before, true, "published_before")?,
    };
    Ok((filter, terms.unwrap_or_default()))
}

/// The words `q` searches for; a 400 when it is too long.
fn search_terms(q: &str) -> Result<Vec<Term>, ApiError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_param(
            "q",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(search::parse_query(q))
}

/// The `language` filter; a 400 unless it is a language tag.
fn language_of(language: Option<&str>) -> Result<Option<String>, ApiError> {
    match language {
        Some(l) if !is_language_tag(l) => Err(ApiError::bad_param(
            "language",
            "must be a BCP 47 language tag such as 'en' or 'uk'",
        )),
        l => Ok(l.map(str::to_owned)),
    }
}

/// The `status` filter; a 401 for a status other than published without a key.
fn status_for(status: Option<Status>, caller: &Caller) -> Result<Option<Status>, ApiError> {
    match status {
        Some(s) if s != Status::Published && !caller.sees_unpublished() => {
            Err(ApiError::Unauthorized(format!(
                "Listing '{s:?}' articles needs a key with scope 'read'."
            )))
        }
        s => Ok(s),
    }
}

/// Where the page starts: after a cursor issued for `sort`, at a numbered page, or at
/// the start.
fn position_of(
    cursor: Option<String>,
    page: Option<i64>,
    sort: Sort,
) -> Result<Position, ApiError> {
    match (cursor, page) {
        (Some(_), Some(_)) => Err(ApiError::bad_param("page", "give either page or cursor")),
        (Some(c), None) => {
            let parts = paging::decode(&c, 3)?;
            let pk = parts[2]
                .parse()
                .map_err(|_| ApiError::bad_param("cursor", "not a cursor this server issued"))?;
            if parts[0] != sort.as_str() {
                return Err(ApiError::bad_param(
                    "cursor",
                    "was issued for another sort order",
                ));
            }
            Ok(Position::After(parts[1].clone(), pk))
        }
        (None, Some(n)) if (1..=10_000).contains(&n) => Ok(Position::Page(n)),
        (None, Some(_)) => Err(ApiError::bad_param("page", "must be between 1 and 10000")),
        (None, None) => Ok(Position::Start),
    }
}

/// One list item: the requested fields of the article, plus a highlighted snippet when
/// searching.
pub(crate) fn list_item(article: Article, fields: &[String], terms: &[Term]) -> ArticleListItem {
    let snippet = (!terms.is_empty()).then(|| {
        search::snippet(&article.body_text, terms, 30)
            .or_else(|| search::snippet(&article.excerpt, terms, 30))
            .or_else(|| search::snippet(&article.title, terms, 30))
    });
    ArticleListItem::of(article, fields, snippet)
}

/// The cache tags of a list of articles: every list's, each article shown, and the
/// tag of changes anywhere when it is ordered by them.
pub(crate) fn list_tags<'a>(ids: impl Iterator<Item = &'a str>, sort: Sort) -> Vec<String> {
    use crate::domain::cache_tags as tags;
    let mut out = vec![tags::ARTICLES.to_string()];
    if sort == Sort::Updated {
        out.push(tags::ARTICLES_UPDATED.to_string());
    }
    out.extend(ids.map(tags::article));
    out
}

async fn respond(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    plan: Plan,
) -> Result<HttpResponse, ApiError> {
    let (page, changed) = fetch(&state, &caller, plan.query.clone()).await?;
    let q = &plan.query;
    let next_cursor = next_cursor(&page, q.sort);
    let page_number = match q.position {
        Position::Page(n) => Some(n),
        _ => None,
    };
    let links = paging::links(
        &state.config.public_url,
        &req,
        page_number,
        page.more,
        next_cursor.as_deref(),
    );
    let tags = list_tags(
        page.items.iter().map(|(rec, _)| rec.row.id.as_str()),
        q.sort,
    );
    let body = ArticleList {
        data: items(page.items, &plan, &state.now()),
        meta: PageMeta {
            limit: q.limit,
            next_cursor,
            total: page.total,
            page: page_number,
        },
    };
    let res = conditional::respond_page(&req, &caller, &state.config, &body, changed.as_deref())?;
    let mut res = crate::http::cache::tagged(res, tags);
    if let Some(v) = links.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LINK, v);
    }
    Ok(res)
}

/// The list items of a page: each article's requested fields, with a snippet when
/// searching.
fn items(records: Vec<(ArticleRecord, f64)>, plan: &Plan, now: &str) -> Vec<ArticleListItem> {
    (records.into_iter())
        .map(|(rec, _)| list_item(Article::from_record(rec, now), &plan.fields, &plan.terms))
        .collect()
}

/// The page `query` names as `caller` sees it, counted, and the time of the store's
/// last change. A public total is kept while the public lists stay as they are.
async fn fetch(
    state: &AppState,
    caller: &Caller,
    query: ListQuery,
) -> Result<(db::articles::ListPage, Option<String>), ApiError> {
    let (c, pool, responses) = (caller.clone(), state.pool.clone(), state.responses.clone());
    Ok(db::run(&state.pool, move |conn| {
        let lists = match c {
            Caller::Public => responses.lists_version_or(|| next_publication_millis(conn))?,
            Caller::Key { .. } => None,
        };
        db::articles::list_counted(conn, pool.counts(), &c, &query, db::now_utc(), lists)
    })
    .await?)
}

/// List, filter and search articles.
///
/// Without a key: published articles whose `published_at` has passed. A key with scope
/// `read` sees every status (`status` filters). Filters combine with AND; `tag` and
/// `author` take several slugs (any of them). Pages are keyset cursors (a deep page costs
/// what the first costs) or numbered `page`s. With `q`, items carry a `snippet` with
/// matches wrapped in `<mark>`.
#[utoipa::path(
    tag = "articles",
    params(ArticleListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles.", body = ArticleList,
            headers(("Last-Modified" = String, description = "Time of the latest change in the store."),
                    ("Link" = String, description = "RFC 8288 links: `rel=\"next\"`, and `rel=\"prev\"` for numbered pages."))),
        (status = 401, description = "The key is unknown or revoked, or a non-public `status` without a key.")
    )
)]
#[get("/articles")]
pub async fn list_articles(
    cx: Cx,
    params: Query<ArticleListParams>,
) -> Result<HttpResponse, ApiError> {
    let plan = plan(params.into_inner(), &cx.auth.0, Shelf::Live)?;
    respond(cx.req, cx.state, cx.auth.0, plan).await
}

/// List the trash.
///
/// Articles deleted without `permanent`, restorable; newest first.
#[utoipa::path(
    tag = "articles",
    params(PageParams),
    security(("bearer" = ["read"])),
    responses(
        (status = 200, description = "A page of trashed articles.", body = ArticleList)
    )
)]
#[get("/trash")]
pub async fn list_trash(
    cx: Cx<Keyed<Read>>,
    params: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let params = ArticleListParams {
        limit: p.limit,
        cursor: p.cursor,
        ..Default::default()
    };
    let plan = plan(params, &cx.auth.0, Shelf::Trash)?;
    respond(cx.req, cx.state, cx.auth.0, plan).await
}
