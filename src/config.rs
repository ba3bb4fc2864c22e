//! Configuration from the environment (and `.env`); every default lives here once and is
//! mirrored in `.env.example`.

use std::env;
use std::net::IpAddr;
use std::str::FromStr;

use crate::domain::quota::{Rate, parse_optional_rate};

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
    /// PostgreSQL: longest a statement may run before the server cancels it, ms.
    pub db_statement_timeout_ms: u64,
    /// PostgreSQL: longest a connection attempt may take, and a request may wait for a
    /// connection before answering 503, seconds.
    pub db_connect_timeout_secs: u64,
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
    /// Requests per client address for anonymous callers (`NEWSDESK_ANON_RATE`, e.g.
    /// `600/min`; `off` for none).
    pub anon_rate: Option<Rate>,
    /// Requests per key unless the key has its own rate (`NEWSDESK_KEY_RATE`).
    pub key_rate: Option<Rate>,
    /// Proxies whose `X-Forwarded-For` is believed (`NEWSDESK_TRUSTED_PROXIES`, IPs,
    /// comma separated).
    pub trusted_proxies: Vec<IpAddr>,
    /// A client's views of one article count once per this many seconds
    /// (`NEWSDESK_VIEW_WINDOW_SECS`).
    pub view_window_secs: u64,
    /// Time a client has to send its request head, milliseconds; slower ones get 408
    /// (`NEWSDESK_CLIENT_TIMEOUT_MS`).
    pub client_timeout_ms: u64,
    /// Largest total size of a request's headers in bytes; larger: 431
    /// (`NEWSDESK_MAX_HEADER_BYTES`).
    pub max_header_bytes: usize,
    /// Open connections per worker before new ones wait (`NEWSDESK_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Key that signs preview links (`NEWSDESK_PREVIEW_SECRET`); when unset, one is made
    /// and kept in the database.
    pub preview_secret: Option<String>,
    /// Attempts before a delivery is marked failed (`NEWSDESK_WEBHOOK_MAX_ATTEMPTS`).
    pub webhook_max_attempts: i32,
    /// How long one delivery may take, milliseconds (`NEWSDESK_WEBHOOK_TIMEOUT_MS`).
    pub webhook_timeout_ms: u64,
    /// Memory for kept public responses, mebibytes (`NEWSDESK_CACHE_MB`; 0 keeps none).
    pub cache_mb: u64,
    /// Longest a kept response may show an old view count, seconds
    /// (`NEWSDESK_CACHE_VIEWS_LAG_SECS`): view beacons forget no kept response but the
    /// most-read ranking, so counts shown elsewhere lag by at most this much.
    pub cache_views_lag_secs: u64,
    /// Where cache tags are purged after a commit (`NEWSDESK_PURGE_URL`): a CDN or
    /// Varnish receiving `PURGE` requests with `xkey` and `Surrogate-Key` headers.
    pub purge_url: Option<String>,
    /// Where media bytes live (`NEWSDESK_MEDIA_STORE`): a folder (default: `media/` next
    /// to the SQLite file, `./data/media` with PostgreSQL), `file:///path`, or
    /// `s3://bucket?endpoint=…&region=…&access_key_id=…&secret_access_key=…` (plus the
    /// usual `AWS_*` variables) for object storage several instances share.
    pub media_store: String,
    /// Base URL of media bytes (`NEWSDESK_MEDIA_URL`, default `{public_url}/media`): a
    /// CDN in front of `/media/` or of the bucket itself.
    pub media_url: String,
    /// Largest accepted upload in bytes (`NEWSDESK_MEDIA_MAX_BYTES`).
    pub media_max_bytes: usize,
    /// Most pixels (width × height) an upload may declare (`NEWSDESK_MEDIA_MAX_PIXELS`),
    /// decided from its header before decoding.
    pub media_max_pixels: u64,
    /// Memory for recently served media copies, MiB (`NEWSDESK_MEDIA_CACHE_MB`; 0 keeps
    /// none). Copies are immutable, so a kept one is never stale.
    pub media_cache_mb: u64,
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
            db_statement_timeout_ms: 10_000,
            db_connect_timeout_secs: 5,
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
            sitemap_urls: crate::domain::links::MAX_SITEMAP_URLS,
            jobs_ms: 1000,
            webhook_retry_ms: 30_000,
            webhook_max_attempts: 10,
            webhook_timeout_ms: 10_000,
            cache_mb: 64,
            cache_views_lag_secs: 60,
            purge_url: None,
            media_store: String::new(),
            media_url: "http://127.0.0.1:8080/media".into(),
            media_max_bytes: 20 << 20,
            media_max_pixels: 50_000_000,
            media_cache_mb: 32,
            anon_rate: Some(Rate {
                limit: 600,
                window_secs: 60,
            }),
            key_rate: Some(Rate {
                limit: 6000,
                window_secs: 60,
            }),
            trusted_proxies: Vec::new(),
            view_window_secs: 1800,
            client_timeout_ms: 5000,
            max_connections: 25_000,
            max_header_bytes: 16_384,
            preview_secret: None,
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
            (1..=crate::domain::links::MAX_SITEMAP_URLS).contains(&sitemap_urls),
            "NEWSDESK_SITEMAP_URLS must be 1–50000"
        );
        let rate = |name: &str, default: Option<Rate>| -> anyhow::Result<Option<Rate>> {
            match env::var(name) {
                Ok(v) if !v.trim().is_empty() => {
                    parse_optional_rate(&v).map_err(|e| anyhow::anyhow!("{name}: {e}"))
                }
                _ => Ok(default),
            }
        };
        let trusted_proxies = env::var("NEWSDESK_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpAddr>().map_err(|_| {
                    anyhow::anyhow!("NEWSDESK_TRUSTED_PROXIES: '{p}' is not an IP address")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let preview_secret = env::var("NEWSDESK_PREVIEW_SECRET")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(s) = &preview_secret {
            anyhow::ensure!(
                s.len() >= 32,
                "NEWSDESK_PREVIEW_SECRET must be at least 32 characters"
            );
        }
        let purge_url = env::var("NEWSDESK_PURGE_URL")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(u) = &purge_url {
            let parsed = url::Url::parse(u)
                .map_err(|e| anyhow::anyhow!("NEWSDESK_PURGE_URL: '{u}' is not a URL: {e}"))?;
            anyhow::ensure!(
                matches!(parsed.scheme(), "http" | "https"),
                "NEWSDESK_PURGE_URL must be an http:// or https:// URL"
            );
        }
        let media_url: String = var("NEWSDESK_MEDIA_URL", format!("{public_url}/media"))?;
        anyhow::ensure!(
            crate::domain::article::is_web_url(&media_url),
            "NEWSDESK_MEDIA_URL must be an absolute http(s) URL"
        );
        let media_max_pixels = var("NEWSDESK_MEDIA_MAX_PIXELS", d.media_max_pixels)?;
        anyhow::ensure!(
            (1..=1_000_000_000).contains(&media_max_pixels),
            "NEWSDESK_MEDIA_MAX_PIXELS must be 1–1000000000"
        );
        Ok(Self {
            media_store: var("NEWSDESK_MEDIA_STORE", d.media_store.clone())?,
            media_url: media_url.trim_end_matches('/').to_string(),
            media_max_bytes: var("NEWSDESK_MEDIA_MAX_BYTES", d.media_max_bytes)?,
            media_max_pixels,
            media_cache_mb: var("NEWSDESK_MEDIA_CACHE_MB", d.media_cache_mb)?,
            anon_rate: rate("NEWSDESK_ANON_RATE", d.anon_rate)?,
            key_rate: rate("NEWSDESK_KEY_RATE", d.key_rate)?,
            trusted_proxies,
            view_window_secs: var("NEWSDESK_VIEW_WINDOW_SECS", d.view_window_secs)?,
            client_timeout_ms: var("NEWSDESK_CLIENT_TIMEOUT_MS", d.client_timeout_ms)?,
            max_connections: var("NEWSDESK_MAX_CONNECTIONS", d.max_connections)?,
            max_header_bytes: var("NEWSDESK_MAX_HEADER_BYTES", d.max_header_bytes)?,
            preview_secret,
            sitemap_urls,
            article_url,
            site_title: var("NEWSDESK_SITE_TITLE", d.site_title)?,
            site_url,
            feed_limit,
            jobs_ms: var("NEWSDESK_JOBS_MS", d.jobs_ms)?,
            webhook_retry_ms: var("NEWSDESK_WEBHOOK_RETRY_MS", d.webhook_retry_ms)?,
            webhook_max_attempts: var("NEWSDESK_WEBHOOK_MAX_ATTEMPTS", d.webhook_max_attempts)?,
            webhook_timeout_ms: var("NEWSDESK_WEBHOOK_TIMEOUT_MS", d.webhook_timeout_ms)?,
            cache_mb: var("NEWSDESK_CACHE_MB", d.cache_mb)?,
            cache_views_lag_secs: var("NEWSDESK_CACHE_VIEWS_LAG_SECS", d.cache_views_lag_secs)?,
            purge_url,
            database_url: var("DATABASE_URL", d.database_url)?,
            bind,
            public_url,
            body_limit: var("NEWSDESK_BODY_LIMIT", d.body_limit)?,
            pool_size: var("NEWSDESK_POOL_SIZE", d.pool_size)?,
            db_statement_timeout_ms: var(
                "NEWSDESK_DB_STATEMENT_TIMEOUT_MS",
                d.db_statement_timeout_ms,
            )?,
            db_connect_timeout_secs: var(
                "NEWSDESK_DB_CONNECT_TIMEOUT_SECS",
                d.db_connect_timeout_secs,
            )?,
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
