//! Request quotas: a fixed-window counter per client (a key's name, or the address of an
//! anonymous caller), in memory. A fixed window is what the `RateLimit` header reports
//! exactly (`r` requests left, `t` seconds to the reset); GCRA limiters such as
//! `governor` answer "when may I retry" but not "how many are left", which the header
//! needs. Bursts at a window's edge can reach twice the rate; windows are a minute or
//! more, so that is bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::quota::Rate;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The rate applied.
    pub rate: Rate,
    /// Requests left in this window (after this one, when allowed).
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u64,
    /// Whether the request may proceed.
    pub allowed: bool,
}

impl Decision {
    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): quota and window.
    pub fn policy_header(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.name(),
            self.rate.limit,
            self.rate.window_secs
        )
    }

    /// `RateLimit`: what is left and when it resets.
    pub fn header(&self) -> String {
        format!(
            "\"{}\";r={};t={}",
            self.name(),
            self.remaining,
            self.reset_secs
        )
    }

    fn name(&self) -> &'static str {
        "default"
    }
}

/// Counters per client: the window's end (Unix seconds) and the requests counted in it.
#[derive(Debug, Default)]
pub struct Limiter {
    state: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    by_client: HashMap<String, (u64, u32)>,
    last_sweep: u64,
}

/// Clients remembered before ended windows are swept (at most once a second).
const SWEEP_AT: usize = 100_000;

/// Clients remembered at most; past it, new clients share one counter (so a flood of
/// addresses costs memory no more than this, and is limited as one client).
const HARD_CAP: usize = 1_000_000;

impl Limiter {
    /// Counts a request of `client` against `rate` at `now` (the server's clock, so a
    /// test moves windows on instead of waiting for them).
    pub fn check(&self, client: &str, rate: Rate, now: chrono::DateTime<chrono::Utc>) -> Decision {
        let now = u64::try_from(now.timestamp()).unwrap_or_default();
        let w = u64::from(rate.window_secs.max(1));
        let window_end = (now / w + 1) * w;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.by_client.len() >= SWEEP_AT && state.last_sweep != now {
            state.last_sweep = now;
            state.by_client.retain(|_, (end, _)| *end > now);
        }
        let client = if state.by_client.len() >= HARD_CAP && !state.by_client.contains_key(client) {
            "overflow"
        } else {
            client
        };
        let entry = state
            .by_client
            .entry(client.to_string())
            .or_insert((window_end, 0));
        if entry.0 <= now {
            *entry = (window_end, 0);
        }
        let allowed = entry.1 < rate.limit;
        if allowed {
            entry.1 += 1;
        }
        Decision {
            rate,
            remaining: rate.limit - entry.1.min(rate.limit),
            reset_secs: entry.0.saturating_sub(now).max(1),
            allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses() {
        let l = Limiter::default();
        let rate = Rate {
            limit: 3,
            window_secs: 3600,
        };
        let seen: Vec<(bool, u32)> = (0..5)
            .map(|_| {
                let d = l.check("a", rate, chrono::Utc::now());
                (d.allowed, d.remaining)
            })
            .collect();
        assert_eq!(
            seen,
            [(true, 2), (true, 1), (true, 0), (false, 0), (false, 0)]
        );
        assert!(
            l.check("b", rate, chrono::Utc::now()).allowed,
            "clients are counted apart"
        );
        let d = l.check("a", rate, chrono::Utc::now());
        assert!(d.reset_secs >= 1 && d.reset_secs <= 3600);
        assert_eq!(d.header(), format!("\"default\";r=0;t={}", d.reset_secs));
        assert_eq!(d.policy_header(), "\"default\";q=3;w=3600");
    }
}
