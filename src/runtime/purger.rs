//! Purging a CDN or Varnish in front by cache tag (`NEWSDESK_PURGE_URL`): after each
//! commit that touched tags, a `PURGE` request naming them in `xkey` (Varnish's xkey
//! module) and `Surrogate-Key` (Fastly-style) goes to the URL.
//!
//! It never holds up a write: the commit only hands the tags to a thread of its own,
//! which sends them (tags waiting together go in one request, split when the header
//! would grow past [`MAX_HEADER`]) and retries failures with a doubling wait (1 s up to
//! a minute) for [`MAX_ATTEMPTS`] attempts, merging tags that arrive meanwhile. Tags
//! that still could not be purged are given up (logged): the CDN then keeps those copies
//! until their `s-maxage` ends. Each instance purges what its own writer committed.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// Attempts before the tags of a failing purge are given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// Longest `xkey` header sent; more tags go in more requests.
const MAX_HEADER: usize = 4000;

/// Counts of purge requests, for `/metrics` (`newsdesk_cdn_purges_total{result}`).
#[derive(Debug, Clone)]
pub struct PurgeCounts {
    /// The counter family, to register.
    pub requests: prometheus::IntCounterVec,
}

impl Default for PurgeCounts {
    fn default() -> Self {
        Self {
            requests: prometheus::IntCounterVec::new(
                prometheus::Opts::new(
                    "newsdesk_cdn_purges_total",
                    "PURGE requests sent to NEWSDESK_PURGE_URL, by result (ok, failed)",
                ),
                &["result"],
            )
            // A fixed, valid name and label.
            .unwrap_or_else(|_| unreachable!()),
        }
    }
}

/// The handle commits hand their tags to.
#[derive(Debug)]
pub struct Purger {
    queue: Mutex<Sender<BTreeSet<String>>>,
}

impl Purger {
    /// Starts the purging thread for `url`; `timeout` bounds each request.
    pub fn start(url: String, timeout: Duration, counts: PurgeCounts) -> std::io::Result<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("newsdesk-purger".into())
            .spawn(move || run(&url, timeout, &rx, &counts))?;
        Ok(Self {
            queue: Mutex::new(tx),
        })
    }

    /// Queues `tags` for purging; returns at once.
    pub fn purge(&self, tags: &BTreeSet<String>) {
        if tags.is_empty() {
            return;
        }
        let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        // The thread is gone only when the process ends.
        let _ = queue.send(tags.clone());
    }
}

/// The wait after the `attempt`th failure in a row.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.clamp(1, 7).saturating_sub(1)).min(Duration::from_secs(60))
}

fn run(url: &str, timeout: Duration, rx: &Receiver<BTreeSet<String>>, counts: &PurgeCounts) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("newsdesk-purger/", env!("CARGO_PKG_VERSION")))
        // PURGE is not among HTTP's standard methods.
        .allow_non_standard_methods(true)
        .build()
        .into();
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let mut failures = 0u32;
    let mut retry_at: Option<Instant> = None;
    loop {
        // Wait for tags (or, after a failure, until the retry is due), then take all
        // that are waiting.
        let next = match retry_at {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match next {
            Ok(tags) => pending.extend(tags),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        pending.extend(rx.try_iter().flatten());
        if retry_at.is_some_and(|at| Instant::now() < at) || pending.is_empty() {
            continue;
        }
        match send(&agent, url, &pending) {
            Ok(()) => {
                counts.requests.with_label_values(&["ok"]).inc();
                pending.clear();
                failures = 0;
                retry_at = None;
            }
            Err(error) => {
                counts.requests.with_label_values(&["failed"]).inc();
                failures += 1;
                if failures >= MAX_ATTEMPTS {
                    tracing::error!(%error, tags = pending.len(), "CDN purge given up; those copies live until their s-maxage ends");
                    pending.clear();
                    failures = 0;
                    retry_at = None;
                } else {
                    tracing::warn!(%error, attempt = failures, "CDN purge failed; will retry");
                    retry_at = Some(Instant::now() + backoff(failures));
                }
            }
        }
    }
}

/// Groups tags into header values of at most [`MAX_HEADER`] bytes.
fn chunks(tags: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for tag in tags {
        if !current.is_empty() && current.len() + 1 + tag.len() > MAX_HEADER {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(tag);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// PURGE requests for `tags`; success is a 2xx for each.
fn send(agent: &ureq::Agent, url: &str, tags: &BTreeSet<String>) -> Result<(), String> {
    for value in chunks(tags) {
        let request = ureq::http::Request::builder()
            .method("PURGE")
            .uri(url)
            .header("xkey", &value)
            .header("Surrogate-Key", &value)
            .body(())
            .map_err(|e| e.to_string())?;
        let response = agent.run(request).map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_tags_go_in_several_requests() {
        let tags: BTreeSet<String> = (0..1000).map(|i| format!("article:{i:036}")).collect();
        let chunks = chunks(&tags);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.len() <= MAX_HEADER));
        let back: BTreeSet<String> = chunks
            .iter()
            .flat_map(|c| c.split(' ').map(str::to_owned))
            .collect();
        assert_eq!(back, tags);
    }

    #[test]
    fn retries_wait_longer_up_to_a_minute() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(9), Duration::from_secs(60));
    }
}
