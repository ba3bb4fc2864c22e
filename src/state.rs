//! The state every worker shares: the store, the settings and the runtime state
//! (`runtime/`). Built once by `serve` (and by each test app) and handed to `app::build`.

use std::sync::Arc;

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::runtime::views::ViewBuffer;

/// State shared by every worker.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: DbPool,
    /// Settings.
    pub config: Arc<Config>,
    /// Buffered view counts.
    pub views: Arc<ViewBuffer>,
    /// Request metrics (`/metrics`).
    pub metrics: crate::runtime::metrics::Metrics,
    /// Route patterns by path, for metrics and logs.
    pub routes: Arc<crate::runtime::metrics::RoutePatterns>,
    /// Request quotas per client.
    pub limits: Arc<crate::runtime::quotas::Limiter>,
    /// Serialized public responses until the store changes.
    pub responses: Arc<crate::runtime::cache::ResponseCache>,
    /// The preview-link key, once read (or made).
    pub preview_secret: Arc<std::sync::OnceLock<Vec<u8>>>,
    /// Where media bytes live.
    pub media: crate::runtime::media_store::MediaStore,
    /// Uploads decoded and resized at once (one per core): bounds memory and CPU.
    pub media_work: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// State over an open pool. Kept responses are forgotten by the cache tags each
    /// committed batch of writes touched (the writer's [`db::CommitReport`]).
    pub fn new(pool: DbPool, config: Config) -> anyhow::Result<Self> {
        let metrics = crate::runtime::metrics::Metrics::new()?;
        let responses = Arc::new(crate::runtime::cache::ResponseCache::new(
            config.cache_mb.saturating_mul(1024 * 1024),
            std::time::Duration::from_secs(config.cache_views_lag_secs),
            pool.clock().clone(),
        ));
        metrics
            .registry
            .register(Box::new(responses.counts.lookups.clone()))?;
        let forget = responses.clone();
        pool.on_commit(move |report: &db::CommitReport| {
            if !report.tags.is_empty() {
                forget.forget(&report.tags);
            }
        });
        if let Some(url) = &config.purge_url {
            let counts = crate::runtime::purger::PurgeCounts::default();
            metrics
                .registry
                .register(Box::new(counts.requests.clone()))?;
            let purger = crate::runtime::purger::Purger::start(
                url.clone(),
                std::time::Duration::from_millis(config.webhook_timeout_ms),
                counts,
            )?;
            pool.on_commit(move |report: &db::CommitReport| purger.purge(&report.tags));
        }
        let media = crate::runtime::media_store::MediaStore::open(
            &config.media_store,
            &config.database_url,
            config.media_cache_mb.saturating_mul(1024 * 1024),
        )?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Ok(Self {
            pool,
            media,
            media_work: Arc::new(tokio::sync::Semaphore::new(cores)),
            config: Arc::new(config),
            views: Arc::new(ViewBuffer::default()),
            responses,
            limits: Arc::new(crate::runtime::quotas::Limiter::default()),
            preview_secret: Arc::new(std::sync::OnceLock::new()),
            metrics,
            routes: Arc::new(crate::runtime::metrics::RoutePatterns::default()),
        })
    }

    /// One look at the store's record of touched cache tags for commits other processes
    /// made (another instance on the same PostgreSQL, an import) since row `seen`:
    /// forgets the kept responses carrying their tags. The first look (`seen` empty)
    /// forgets everything and starts from the last row. `serve` looks every second, so
    /// a kept response outlives a commit elsewhere by about a second at most. Returns
    /// true when it forgot something.
    pub async fn forget_changes_elsewhere(&self, seen: &mut Option<i64>) -> bool {
        const ROWS: i64 = 1000;
        let after = *seen;
        let Ok(rows) = db::run(&self.pool, move |conn| match after {
            None => Ok((db::purges::latest(conn)?, Vec::new())),
            Some(after) => {
                let rows = db::purges::since(conn, after, ROWS)?;
                Ok((rows.last().map(|(seq, _)| *seq), rows))
            }
        })
        .await
        else {
            return false;
        };
        let (last, rows) = rows;
        if seen.is_none() {
            *seen = Some(last.unwrap_or(0));
            self.responses.forget_everything();
            return true;
        }
        let foreign: Vec<String> = rows
            .into_iter()
            .filter(|(seq, _)| !self.pool.is_own_purge(*seq))
            .flat_map(|(_, tags)| tags)
            .collect();
        if let Some(last) = last {
            *seen = Some(last);
        }
        if foreign.is_empty() {
            return false;
        }
        self.responses.forget(&foreign);
        true
    }

    /// Now, by the store's clock (tests advance it).
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.pool.clock().now()
    }

    /// [`Self::clock_now`] in the store's timestamp format.
    pub fn now(&self) -> String {
        crate::domain::time::format(self.clock_now())
    }
}
