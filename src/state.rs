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
}

impl AppState {
    /// State over an open pool. Kept responses are forgotten when a batch of writes
    /// commits a change they could show (the writer's [`db::CommitReport`]).
    pub fn new(pool: DbPool, config: Config) -> anyhow::Result<Self> {
        let metrics = crate::runtime::metrics::Metrics::new()?;
        let responses = Arc::new(crate::runtime::cache::ResponseCache::with_clock(
            pool.clock().clone(),
        ));
        let forget = responses.clone();
        pool.on_commit(move |_: &db::CommitReport| forget.invalidate());
        Ok(Self {
            pool,
            config: Arc::new(config),
            views: Arc::new(ViewBuffer::default()),
            responses,
            limits: Arc::new(crate::runtime::quotas::Limiter::default()),
            preview_secret: Arc::new(std::sync::OnceLock::new()),
            metrics,
            routes: Arc::new(crate::runtime::metrics::RoutePatterns::default()),
        })
    }

    /// One look at the store's change record for changes other processes made (another
    /// instance on the same PostgreSQL, an import): when the change time moved since
    /// `seen` and this process's writer did not move it, kept responses are forgotten.
    /// `serve` calls it every second, so a kept response outlives a commit elsewhere by
    /// at most about a second. Returns true when it forgot them.
    pub async fn forget_changes_elsewhere(&self, seen: &mut Option<Option<String>>) -> bool {
        // The write time alone: scheduled publications are the cache's own bound.
        let Ok(changed) = db::run(&self.pool, |conn| Ok(db::changed_at(conn)?)).await else {
            return false;
        };
        let forget = seen.as_ref().is_some_and(|s| *s != changed)
            && self.pool.is_foreign_change(changed.as_deref());
        if forget {
            self.responses.invalidate();
        }
        *seen = Some(changed);
        forget
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
