//! Background jobs: announcing scheduled articles when their time comes, and sending
//! queued webhook deliveries with retries. `serve` runs them on a timer; each pass is
//! also a plain function, so tests can run one.

use std::time::Duration;

use crate::config::Config;
use crate::db::{self, DbPool, StoreError, webhooks};
use crate::domain::{signature, time};

/// Deliveries sent per pass.
const BATCH: i64 = 20;

/// How long a claimed batch is reserved for its sender before another pass (or another
/// process) may retry it: longer than the whole batch can take.
fn lease(config: &Config) -> Duration {
    Duration::from_millis(config.webhook_timeout_ms.saturating_mul(BATCH as u64))
        + Duration::from_secs(60)
}

/// Announces the scheduled articles whose time has come; returns how many.
pub fn publish_due(pool: &DbPool) -> Result<usize, StoreError> {
    pool.write_blocking(|conn| db::articles::changes::publish_due(conn, db::now_utc()))
}

/// Sends the due webhook deliveries, a batch at a time, for at most a few seconds (a
/// pass never holds up the next tick for long), recording each outcome; returns how
/// many attempts were made.
pub fn deliver_due(pool: &DbPool, config: &Config) -> Result<usize, StoreError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(config.webhook_timeout_ms)))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("newsdesk-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut attempts = 0;
    let started = std::time::Instant::now();
    loop {
        if started.elapsed() > Duration::from_secs(5) {
            return Ok(attempts);
        }
        let now = pool.clock().now();
        let lease_until = now + lease(config);
        let claimed =
            pool.write_blocking(move |conn| webhooks::claim_due(conn, now, lease_until, BATCH))?;
        if claimed.is_empty() {
            return Ok(attempts);
        }
        for d in claimed {
            let outcome = send(&agent, &d, config, pool.clock());
            attempts += 1;
            if let Some(error) = &outcome.error {
                tracing::warn!(delivery = d.pk, url = %d.url, attempt = d.attempts, error, "webhook delivery failed");
            }
            pool.write_blocking(move |conn| {
                webhooks::finish(conn, &d, &outcome, db::now_utc()).map_err(StoreError::from)
            })?;
        }
    }
}

/// One attempt: POST the payload, signed; success is any 2xx.
fn send(
    agent: &ureq::Agent,
    d: &webhooks::Claimed,
    config: &Config,
    clock: &crate::domain::time::Clock,
) -> webhooks::Outcome {
    let message_id = format!("evt_{}", d.event_seq);
    let timestamp = clock.now().timestamp();
    let body = match crate::wire::change::delivery_body(&d.payload) {
        Ok(body) => body,
        Err(error) => {
            return webhooks::Outcome {
                status: None,
                error: Some(error),
                retry_at: None,
            };
        }
    };
    let signature = signature::sign(&d.secret, &message_id, timestamp, body.as_bytes());
    let result = agent
        .post(&d.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", &signature)
        .header("newsdesk-event", &d.event_type)
        .send(body.as_bytes());
    let (status, error) = match result {
        Ok(res) if res.status().is_success() => (Some(res.status().as_u16()), None),
        Ok(res) => (
            Some(res.status().as_u16()),
            Some(format!("the receiver answered {}", res.status())),
        ),
        Err(e) => (None, Some(e.to_string())),
    };
    let retry_at = match &error {
        Some(_) if d.attempts < config.webhook_max_attempts => {
            let wait = backoff(config.webhook_retry_ms, d.attempts);
            Some(time::format(clock.now() + wait))
        }
        _ => None,
    };
    webhooks::Outcome {
        status,
        error,
        retry_at,
    }
}

/// Wait after attempt `n` (from 1): `base`, then doubling, at most a day.
pub fn backoff(base_ms: u64, n: i32) -> Duration {
    let factor = 1u64 << n.clamp(1, 30).saturating_sub(1);
    Duration::from_millis(base_ms.saturating_mul(factor)).min(Duration::from_secs(86_400))
}

/// Runs the scheduled-publication job every `jobs_ms` until the task is dropped.
pub async fn run_publisher(pool: DbPool, config: Config) {
    let mut tick = actix_web::rt::time::interval(Duration::from_millis(config.jobs_ms.max(10)));
    loop {
        tick.tick().await;
        let p = pool.clone();
        match actix_web::web::block(move || publish_due(&p)).await {
            Ok(Err(e)) => tracing::warn!(error = %e, "scheduled publications: will retry"),
            Ok(Ok(n)) if n > 0 => tracing::info!(published = n, "scheduled articles went live"),
            _ => {}
        }
    }
}

/// Runs the webhook delivery job every `jobs_ms` until the task is dropped; a slow
/// receiver delays only other deliveries, never scheduled publications.
pub async fn run_deliveries(pool: DbPool, config: Config) {
    let mut tick = actix_web::rt::time::interval(Duration::from_millis(config.jobs_ms.max(10)));
    loop {
        tick.tick().await;
        let (p, c) = (pool.clone(), config.clone());
        if let Ok(Err(e)) = actix_web::web::block(move || deliver_due(&p, &c)).await {
            tracing::warn!(error = %e, "webhook deliveries: will retry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1000, 1), Duration::from_secs(1));
        assert_eq!(backoff(1000, 2), Duration::from_secs(2));
        assert_eq!(backoff(1000, 4), Duration::from_secs(8));
        assert_eq!(backoff(30_000, 30), Duration::from_secs(86_400));
    }
}
