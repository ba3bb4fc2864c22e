//! Configuration from the environment (and `.env`); every default lives here once and is
//! mirrored in `.env.example`.

use std::env;
use std::str::FromStr;

/// Everything a deployment can set.
#[derive(Debug, Clone)]
pub struct Config {
    /// SQLite file path (`DATABASE_URL`).
    pub database_url: String,
    /// Address to listen on (`NEWSDESK_BIND`).
    pub bind: String,
    /// Absolute base URL for links (`NEWSDESK_PUBLIC_URL`), without a trailing slash.
    pub public_url: String,
    /// Largest accepted request body in bytes (`NEWSDESK_BODY_LIMIT`).
    pub body_limit: usize,
    /// Database connections in the pool (`NEWSDESK_POOL_SIZE`).
    pub pool_size: u32,
    /// Language of articles written without one (`NEWSDESK_DEFAULT_LANGUAGE`).
    pub default_language: String,
    /// `max-age` of public reads, seconds (`NEWSDESK_CACHE_MAX_AGE`).
    pub cache_max_age: u32,
    /// `s-maxage` of public reads (shared caches, CDNs), seconds (`NEWSDESK_CACHE_S_MAXAGE`).
    pub cache_s_maxage: u32,
    /// `stale-while-revalidate` of public reads, seconds (`NEWSDESK_CACHE_SWR`).
    pub cache_swr: u32,
    /// How often buffered view counts are written, milliseconds (`NEWSDESK_VIEW_FLUSH_MS`).
    pub view_flush_ms: u64,
    /// HTTP worker threads; 0 means one per core (`NEWSDESK_WORKERS`).
    pub workers: usize,
    /// Browser origins allowed to send keyed requests (`NEWSDESK_CORS_ORIGINS`, comma
    /// separated); anonymous requests are allowed from any origin.
    pub cors_origins: Vec<String>,
    /// Where the frontend shows an article, for feeds and sitemaps
    /// (`NEWSDESK_ARTICLE_URL`): `{slug}`, `{id}` and `{language}` are filled in.
    /// Default: the API's own article URL.
    pub article_url: String,
    /// Title of feeds and Google News' publication name (`NEWSDESK_SITE_TITLE`).
    pub site_title: String,
    /// The frontend's home page, the feeds' `alternate` link (`NEWSDESK_SITE_URL`);
    /// default: the public URL.
    pub site_url: String,
    /// Items in a feed page unless `limit` says otherwise (`NEWSDESK_FEED_LIMIT`, 1–100).
    pub feed_limit: i64,
    /// URLs per sitemap file before `/v1/sitemap.xml` becomes an index
    /// (`NEWSDESK_SITEMAP_URLS`, 1–50,000, the protocol's limit).
    pub sitemap_urls: i64,
    /// How often background jobs run (scheduled publications, webhook deliveries),
    /// milliseconds (`NEWSDESK_JOBS_MS`).
    pub jobs_ms: u64,
    /// Wait before the first retry of a failed webhook delivery, doubled each time,
    /// milliseconds (`NEWSDESK_WEBHOOK_RETRY_MS`).
    pub webhook_retry_ms: u64,
    /// Attempts before a delivery is marked failed (`NEWSDESK_WEBHOOK_MAX_ATTEMPTS`).
    pub webhook_max_attempts: i32,
    /// How long one delivery may take, milliseconds (`NEWSDESK_WEBHOOK_TIMEOUT_MS`).
    pub webhook_timeout_ms: u64,
}

/// The default `article_url` for a public URL: the API's own article address.
pub fn api_article_url(public_url: &str) -> String {
    format!("{public_url}/v1/articles/{{slug}}")
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "./data/newsdesk.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            body_limit: 1_048_576,
            pool_size: 8,
            default_language: "en".into(),
            cache_max_age: 60,
            cache_s_maxage: 300,
            cache_swr: 300,
            view_flush_ms: 1000,
            workers: 0,
            cors_origins: Vec::new(),
            article_url: api_article_url("http://127.0.0.1:8080"),
            site_title: "newsdesk".into(),
            site_url: "http://127.0.0.1:8080".into(),
            feed_limit: 50,
            sitemap_urls: crate::wire::sitemap::MAX_URLS,
            jobs_ms: 1000,
            webhook_retry_ms: 30_000,
            webhook_max_attempts: 10,
            webhook_timeout_ms: 10_000,
        }
    }
}

fn var<T: FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a valid value")),
        _ => Ok(default),
    }
}

impl Config {
    /// Reads the environment; a missing variable takes its default, a bad one is an error.
    pub fn from_env() -> anyhow::Result<Self> {
        let d = Self::default();
        let bind: String = var("NEWSDESK_BIND", d.bind)?;
        let public_url = match env::var("NEWSDESK_PUBLIC_URL") {
            Ok(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
            _ => format!("http://{bind}"),
        };
        anyhow::ensure!(
            crate::domain::article::is_web_url(&public_url),
            "NEWSDESK_PUBLIC_URL must be an absolute http(s) URL"
        );
        let article_url: String = var("NEWSDESK_ARTICLE_URL", api_article_url(&public_url))?;
        anyhow::ensure!(
            (article_url.contains("{slug}") || article_url.contains("{id}"))
                && crate::domain::article::is_web_url(&crate::domain::links::article_url(
                    &article_url,
                    "en",
                    "s",
                    "i"
                )),
            "NEWSDESK_ARTICLE_URL must be an absolute http(s) URL with {{slug}} or {{id}}"
        );
        let site_url: String = var("NEWSDESK_SITE_URL", public_url.clone())?;
        anyhow::ensure!(
            crate::domain::article::is_web_url(&site_url),
            "NEWSDESK_SITE_URL must be an absolute http(s) URL"
        );
        let feed_limit = var("NEWSDESK_FEED_LIMIT", d.feed_limit)?;
        anyhow::ensure!(
            (1..=100).contains(&feed_limit),
            "NEWSDESK_FEED_LIMIT must be 1–100"
        );
        let sitemap_urls = var("NEWSDESK_SITEMAP_URLS", d.sitemap_urls)?;
        anyhow::ensure!(
            (1..=crate::wire::sitemap::MAX_URLS).contains(&sitemap_urls),
            "NEWSDESK_SITEMAP_URLS must be 1–50000"
        );
        Ok(Self {
            sitemap_urls,
            article_url,
            site_title: var("NEWSDESK_SITE_TITLE", d.site_title)?,
            site_url,
            feed_limit,
            jobs_ms: var("NEWSDESK_JOBS_MS", d.jobs_ms)?,
            webhook_retry_ms: var("NEWSDESK_WEBHOOK_RETRY_MS", d.webhook_retry_ms)?,
            webhook_max_attempts: var("NEWSDESK_WEBHOOK_MAX_ATTEMPTS", d.webhook_max_attempts)?,
            webhook_timeout_ms: var("NEWSDESK_WEBHOOK_TIMEOUT_MS", d.webhook_timeout_ms)?,
            database_url: var("DATABASE_URL", d.database_url)?,
            bind,
            public_url,
            body_limit: var("NEWSDESK_BODY_LIMIT", d.body_limit)?,
            pool_size: var("NEWSDESK_POOL_SIZE", d.pool_size)?,
            default_language: var("NEWSDESK_DEFAULT_LANGUAGE", d.default_language)?,
            cache_max_age: var("NEWSDESK_CACHE_MAX_AGE", d.cache_max_age)?,
            cache_s_maxage: var("NEWSDESK_CACHE_S_MAXAGE", d.cache_s_maxage)?,
            cache_swr: var("NEWSDESK_CACHE_SWR", d.cache_swr)?,
            view_flush_ms: var("NEWSDESK_VIEW_FLUSH_MS", d.view_flush_ms)?,
            workers: var("NEWSDESK_WORKERS", d.workers)?,
            cors_origins: env::var("NEWSDESK_CORS_ORIGINS")
                .unwrap_or_default()
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
        })
    }
}
