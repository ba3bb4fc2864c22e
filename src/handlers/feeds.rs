//! Syndication: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest published articles,
//! the sitemap (or sitemap index) and the Google News sitemap. Always the public view,
//! whatever key is sent.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::config::Config;
use crate::db::{
    self,
    articles::{Bodies, ListQuery, Shelf},
};
use crate::domain::access::Caller;
use crate::domain::cache_tags;
use crate::domain::links;
use crate::domain::time;
use crate::error::ApiError;
use crate::handlers::articles::list::{self, ArticleListParams};
use crate::http::cache::tagged;
use crate::http::conditional::{self, Validators};
use crate::http::paging;
use crate::http::query::Query;
use crate::state::AppState;
use crate::wire::article::Article;
use crate::wire::feed::{self, FeedItem, FeedPage};
use crate::wire::sitemap::{self, MAX_NEWS_URLS, NewsUrl, PageUrl};

/// Query parameters of the feeds. Unknown parameters are a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Tag slugs, comma-separated: articles with any of them.
    #[param(example = "standwithukraine")]
    pub tag: Option<String>,
    /// Author slugs, comma-separated: articles by any of them.
    #[param(example = "ukrainian-world-congress")]
    pub author: Option<String>,
    /// BCP 47 language tag.
    #[param(pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", example = "uk")]
    pub language: Option<String>,
    /// Items per page, 1–100 (default `NEWSDESK_FEED_LIMIT`, 50).
    #[param(minimum = 1, maximum = 100, example = 50)]
    pub limit: Option<i64>,
    /// Opaque token from the feed's `next` link (older items).
    pub cursor: Option<String>,
}

/// The three feed formats, as the path names them.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    fn render(self, page: &FeedPage) -> String {
        match self {
            Self::Rss => feed::rss(page),
            Self::Atom => feed::atom(page),
            Self::Json => feed::json(page),
        }
    }
}

fn article_url(config: &Config, language: &str, slug: &str, id: &str) -> String {
    links::article_url(&config.article_url, language, slug, id)
}

/// Validators that need no rendering: the request, the settings that shape links and the
/// time of the store's last change. A poll with `If-None-Match` costs one query.
fn validators(kind: &str, req: &HttpRequest, config: &Config, changed: Option<&str>) -> Validators {
    let basis = format!(
        "{kind}|{}|{}|{}|{}|{}|{}|{}|{changed:?}",
        req.query_string(),
        config.feed_limit,
        config.sitemap_urls,
        config.public_url,
        config.article_url,
        config.site_title,
        config.site_url
    );
    Validators {
        etag: conditional::hashed_etag(basis.as_bytes()),
        last_modified: changed.and_then(time::http_date),
    }
}

fn public_cache(config: &Config) -> String {
    conditional::cache_control(&Caller::Public, config)
}

/// The cache tags of a sitemap: it lists every public article.
const SITEMAP_TAGS: [&str; 3] = [
    cache_tags::ARTICLES,
    cache_tags::ARTICLES_UPDATED,
    cache_tags::SITEMAP,
];

/// Serves a feed or sitemap, whose validators need only the request and the store's
/// last change: a poll with a current `If-None-Match` costs one query and no rendering.
/// Otherwise `render` (given that last change) builds the body and its cache tags.
async fn respond_document<Fut>(
    req: &HttpRequest,
    state: &AppState,
    kind: &str,
    content_type: &'static str,
    render: impl FnOnce(Option<String>) -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: std::future::Future<Output = Result<(String, Vec<String>), ApiError>>,
{
    let changed = db::run(&state.pool, |conn| {
        Ok(db::last_change(conn, db::now_utc())?)
    })
    .await?;
    let v = validators(kind, req, &state.config, changed.as_deref());
    let cache = public_cache(&state.config);
    if conditional::is_fresh(req, &v) {
        return Ok(conditional::respond_bytes(
            req,
            &v,
            &cache,
            content_type,
            "",
        ));
    }
    let (body, tags) = render(changed).await?;
    Ok(tagged(
        conditional::respond_bytes(req, &v, &cache, content_type, body),
        &tags,
    ))
}

fn title(config: &Config, p: &FeedParams) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("tag", &p.tag),
        ("author", &p.author),
        ("language", &p.language),
    ] {
        if let Some(v) = value {
            parts.push(format!("{name}: {v}"));
        }
    }
    if parts.is_empty() {
        config.site_title.clone()
    } else {
        format!("{} ({})", config.site_title, parts.join(", "))
    }
}

/// The list a feed shows: public articles, newest first, filtered as asked, no total.
fn feed_query(params: &FeedParams, config: &Config) -> Result<ListQuery, ApiError> {
    let mut query = list::plan(
        ArticleListParams {
            tag: params.tag.clone(),
            author: params.author.clone(),
            language: params.language.clone(),
            limit: Some(params.limit.unwrap_or(config.feed_limit)),
            cursor: params.cursor.clone(),
            ..Default::default()
        },
        &Caller::Public,
        Shelf::Live,
    )?
    .query;
    // Feeds carry no total: skip the count. They carry the full HTML.
    query.known_total = Some(0);
    query.bodies = Bodies::Loaded;
    Ok(query)
}

/// A feed of the newest published articles: RSS 2.0, Atom 1.0 or JSON Feed 1.1.
///
/// Every format carries the full sanitized HTML, the excerpt, a stable id
/// (`urn:uuid:{id}`; the article id in JSON Feed), tags, authors and translations, and
/// pages to older items. RSS: `content:encoded`, `description`, `guid` (not a
/// permalink), `category`, `dc:creator`, `atom:link` `self`, `first` and `next`. Atom:
/// `alternate` links with `hreflang`, one per translation; `category` (term = slug,
/// label = name); RFC 5005 `first` and `next`. JSON Feed: `next_url`, and per item `id`,
/// `url`, `content_html`, `summary`, `tags`, `authors`, `language` and `_translations`.
/// Links point at the frontend (`NEWSDESK_ARTICLE_URL`).
#[utoipa::path(
    tag = "feeds",
    params(
        ("format" = inline(FeedFormat), Path, description = "`rss`, `atom` or `json`.", example = "rss"),
        FeedParams
    ),
    responses(
        (status = 200, description = "The feed in the format the path names.",
            content(
                (String = "application/rss+xml", example = json!("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\">…</rss>")),
                (String = "application/atom+xml", example = json!("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">…</feed>")),
                (Object = "application/feed+json", example = json!({"version": "https://jsonfeed.org/version/1.1", "title": "newsdesk", "home_page_url": "https://example.org", "feed_url": "https://api.example.org/v1/feeds/json", "items": []}))
            ),
            headers(("Last-Modified" = String, description = "Time of the latest change in the store."))),
        (status = 404, description = "No such format.")
    )
)]
#[get("/feeds/{format}")]
pub async fn get_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    format: web::Path<FeedFormat>,
    params: Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let (params, format) = (params.into_inner(), format.into_inner());
    let query = feed_query(&params, &state.config)?;
    let kind = format!("{format:?}");
    let (req, state, params) = (&req, &state, &params);
    respond_document(
        req,
        state,
        &kind,
        format.content_type(),
        move |changed| async move {
            let page = feed_page(req, state, params, query, changed).await?;
            Ok((format.render(&page.0), page.1))
        },
    )
    .await
}

/// One page of the feed, and its cache tags (the lists, the feed, each article shown).
async fn feed_page(
    req: &HttpRequest,
    state: &AppState,
    params: &FeedParams,
    query: ListQuery,
    changed: Option<String>,
) -> Result<(FeedPage, Vec<String>), ApiError> {
    let config = &state.config;
    let q = query.clone();
    let page = db::run(&state.pool, move |conn| {
        db::articles::list(conn, &Caller::Public, &q, db::now_utc())
    })
    .await?;
    let next_url = list::next_cursor(&page, query.sort)
        .map(|token| paging::link(&config.public_url, req, ("cursor", &token)));
    let now = state.now();
    let tags: Vec<String> = [cache_tags::ARTICLES, cache_tags::FEED]
        .map(String::from)
        .into_iter()
        .chain((page.items.iter()).map(|(rec, _)| cache_tags::article(&rec.row.id)))
        .collect();
    let items: Vec<FeedItem> = (page.items.into_iter())
        .map(|(rec, _)| {
            FeedItem::of(Article::from_record(rec, &now), |language, slug, id| {
                article_url(config, language, slug, id)
            })
        })
        .collect();
    let updated = (items.iter().map(|i| i.updated).max())
        .or_else(|| changed.as_deref().and_then(time::parse))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let (self_url, first_url) = paging::self_and_first(&config.public_url, req);
    let page = FeedPage {
        title: title(config, params),
        description: format!("Newest published articles of {}.", config.site_title),
        self_url,
        first_url,
        next_url,
        site_url: config.site_url.clone(),
        language: params.language.clone(),
        updated,
        items,
    };
    Ok((page, tags))
}

/// Query parameters of the sitemap.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SitemapParams {
    /// One file of a sitemap index (from 1), when there are more than 50,000 articles.
    #[param(minimum = 1, maximum = 10000, example = 1)]
    pub page: Option<i64>,
}

const XML: &str = "application/xml; charset=utf-8";

fn page_urls(config: &Config, entries: Vec<db::articles::sitemap::SiteEntry>) -> Vec<PageUrl> {
    entries
        .into_iter()
        .map(|e| PageUrl {
            loc: article_url(config, &e.language, &e.slug, &e.id),
            lastmod: time::parse(&e.updated_at)
                .max(time::parse(&e.published_at))
                .unwrap_or_default(),
            alternates: e
                .translations
                .iter()
                .map(|t| {
                    (
                        t.language.clone(),
                        article_url(config, &t.language, &t.slug, &t.id),
                    )
                })
                .collect(),
            language: e.language,
        })
        .collect()
}

/// The sitemap of every published article.
///
/// Up to 50,000 articles (`NEWSDESK_SITEMAP_URLS`): one `urlset`, each URL with
/// `xhtml:link` `hreflang` alternates for its translations. Beyond: a `sitemapindex` of
/// `?page=1…n`, oldest articles first (new ones land in the last file).
#[utoipa::path(
    tag = "feeds",
    params(SitemapParams),
    responses(
        (status = 200, description = "A sitemap `urlset`, or a `sitemapindex`.",
            content((String = "application/xml", example = json!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">…</urlset>"))),
            headers(("Last-Modified" = String, description = "Time of the latest change in the store."))),
        (status = 404, description = "No such file of the sitemap index.")
    )
)]
#[get("/sitemap.xml")]
pub async fn get_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<SitemapParams>,
) -> Result<HttpResponse, ApiError> {
    let page = params.into_inner().page;
    if let Some(n) = page
        && !(1..=10_000).contains(&n)
    {
        return Err(ApiError::bad_param("page", "must be between 1 and 10000"));
    }
    let c = state.config.clone();
    respond_document(&req, &state, "sitemap", XML, |changed| async {
        let body = db::run(&state.pool, move |conn| {
            sitemap_file(conn, &c, page, changed)
        })
        .await?;
        Ok((body, SITEMAP_TAGS.map(String::from).to_vec()))
    })
    .await
}

/// The sitemap: the one file of URLs while they fit in one, else the index of its
/// files (`page` absent) or file `page`.
fn sitemap_file(
    conn: &mut db::AnyConnection,
    c: &Config,
    page: Option<i64>,
    changed: Option<String>,
) -> Result<String, db::StoreError> {
    let now = db::now_utc();
    let total = db::articles::sitemap::public_count(conn, now)?;
    let per_file = c.sitemap_urls;
    let files = (total + per_file - 1) / per_file;
    match page {
        None if total <= per_file => {
            let entries = db::articles::sitemap::public_page(conn, now, 0, per_file)?;
            Ok(sitemap::urlset(&page_urls(c, entries)))
        }
        None => {
            let last = changed.as_deref().and_then(time::parse);
            let list: Vec<(String, Option<DateTime<Utc>>)> = (1..=files)
                .map(|n| (format!("{}/v1/sitemap.xml?page={n}", c.public_url), last))
                .collect();
            Ok(sitemap::index(&list))
        }
        Some(n) if n <= files.max(1) => {
            let entries =
                db::articles::sitemap::public_page(conn, now, (n - 1) * per_file, per_file)?;
            Ok(sitemap::urlset(&page_urls(c, entries)))
        }
        Some(n) => Err(db::StoreError::not_found("sitemap page", n)),
    }
}

/// The Google News sitemap: articles published in the last two days.
///
/// At most 1,000, newest first, each with `news:publication` (`NEWSDESK_SITE_TITLE`
/// and the article's language), `news:publication_date` and `news:title`.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, description = "A Google News sitemap.",
            content((String = "application/xml", example = json!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">…</urlset>"))),
            headers(("Last-Modified" = String, description = "Time of the latest change in the store."))),
        (status = 400, description = "The request has query parameters; this one takes none.")
    )
)]
#[get("/sitemap-news.xml")]
pub async fn get_news_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
    _none: Query<NoParams>,
) -> Result<HttpResponse, ApiError> {
    // The two-day window moves with the clock: the hour is part of the validators.
    let hour = state.clock_now().format("%Y%m%d%H").to_string();
    let kind = format!("news|{hour}");
    let c = state.config.clone();
    respond_document(&req, &state, &kind, XML, |_| async {
        let body = db::run(&state.pool, move |conn| {
            let now = db::now_utc();
            let since = now - Duration::days(2);
            let entries = db::articles::sitemap::published_since(conn, now, since, MAX_NEWS_URLS)?;
            let urls: Vec<NewsUrl> = entries
                .into_iter()
                .map(|e| NewsUrl {
                    loc: article_url(&c, &e.language, &e.slug, &e.id),
                    published: time::parse(&e.published_at).unwrap_or_default(),
                    title: e.title,
                    language: e.language,
                    image: e.image,
                })
                .collect();
            Ok(sitemap::news(&c.site_title, &urls))
        })
        .await?;
        Ok((body, SITEMAP_TAGS.map(String::from).to_vec()))
    })
    .await
}

/// No query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
