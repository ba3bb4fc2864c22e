//! The view counter's buffer: views are counted in memory and written in one batch per
//! flush, so a burst of views is not a burst of writes; the server flushes once more on
//! shutdown so no counted view is lost.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::db::{self, DbPool, StoreError};
use crate::domain::cache_tags;
use crate::runtime::cache::ResponseCache;

/// Views counted since the last flush, by article id; and when each client last had a
/// view of each article counted.
#[derive(Debug)]
pub struct ViewBuffer {
    pending: Mutex<HashMap<String, i64>>,
    seen: Mutex<Seen>,
    batches: AtomicU64,
    /// The public article each recent key (slug or id) named, with the response cache's
    /// generation it was looked up at: a beacon for it reads nothing from the store
    /// while no commit since touched the article.
    public_ids: quick_cache::sync::Cache<String, (u64, String)>,
}

impl Default for ViewBuffer {
    fn default() -> Self {
        Self {
            pending: Mutex::default(),
            seen: Mutex::default(),
            batches: AtomicU64::default(),
            public_ids: quick_cache::sync::Cache::new(PUBLIC_IDS),
        }
    }
}

/// Keys of public articles remembered for beacons (~150 bytes each).
const PUBLIC_IDS: usize = 16_384;

/// When each (client, article) pair last had a view counted, and the last sweep.
type Seen = (
    HashMap<(String, String), DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Client–article pairs remembered before old ones are swept.
const SWEEP_AT: usize = 200_000;

/// Client–article pairs remembered at most.
const HARD_CAP: usize = 2_000_000;

impl ViewBuffer {
    /// Counts one view of the article `id`.
    pub fn record(&self, id: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        *pending.entry(id.to_string()).or_insert(0) += 1;
    }

    /// Counts a view of article `id` by `client` at `now` (the server's clock) unless that
    /// client's last counted view of it is younger than `window`; returns whether it
    /// counted. Old pairs are swept at most once a second; past a hard cap, views of new
    /// pairs are not counted (a flood of addresses cannot inflate "most read" or memory).
    pub fn record_once(
        &self,
        client: &str,
        id: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> bool {
        let window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let (pairs, last_sweep) = &mut *seen;
            if pairs.len() >= SWEEP_AT
                && last_sweep.is_none_or(|t| now - t >= TimeDelta::seconds(1))
            {
                *last_sweep = Some(now);
                pairs.retain(|_, at| now - *at < window);
            }
            let key = (client.to_string(), id.to_string());
            match pairs.get(&key) {
                Some(at) if now - *at < window => return false,
                None if pairs.len() >= HARD_CAP => return false,
                _ => {}
            }
            pairs.insert(key, now);
        }
        self.record(id);
        true
    }

    /// The id of the public article `key` names, when a lookup at a generation of
    /// `responses` after which no commit touched the article found it.
    pub fn public_id(&self, key: &str, responses: &ResponseCache) -> Option<String> {
        let (born, id) = self.public_ids.get(key)?;
        responses
            .unchanged_since(&cache_tags::article(&id), born)
            .then_some(id)
    }

    /// Remembers that `key` named the public article `id` in a lookup begun at
    /// generation `born` of the response cache.
    pub fn remember_public(&self, key: String, born: u64, id: String) {
        self.public_ids.insert(key, (born, id));
    }

    /// Views waiting to be written.
    pub fn pending(&self) -> i64 {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .sum()
    }

    /// Batches written so far (each one transaction).
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Writes every pending count through the store's writer; on failure the counts go
    /// back into the buffer for the next flush. Kept responses are forgotten by the
    /// commit's report, like after any other write.
    pub async fn flush(&self, pool: &DbPool) -> Result<(), StoreError> {
        let taken: Vec<(String, i64)> = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.drain().collect()
        };
        if taken.is_empty() {
            return Ok(());
        }
        let written = taken.clone();
        let result = db::write(pool, move |conn| {
            db::articles::add_views(conn, &written).map_err(StoreError::from)
        })
        .await;
        match result {
            Ok(()) => {
                self.batches.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                for (id, n) in taken {
                    *pending.entry(id).or_insert(0) += n;
                }
                Err(e)
            }
        }
    }
}
