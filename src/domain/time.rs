//! The store's one timestamp format: UTC, microseconds, `Z` — fixed width, so text order
//! is time order (mixed formats are what broke Ghost's SQLite date queries).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

/// The time a store and its server go by: the system's, moved on by a fixed amount that
/// tests advance instead of sleeping. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, by this clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::microseconds(self.offset_micros.load(Ordering::Relaxed))
    }

    /// Moves this clock (and its clones) on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// Formats a time as `2026-11-27T21:03:45.123456Z`.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp; `None` for anything not in the store's format.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An HTTP date (`Last-Modified`) for a stored timestamp, to the second.
pub fn http_date(s: &str) -> Option<String> {
    parse(s).map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advanced_clock_runs_ahead_and_its_clones_with_it() {
        let clock = Clock::system();
        let copy = clock.clone();
        clock.advance(chrono::Duration::hours(2));
        let ahead = copy.now() - Utc::now();
        assert!(ahead >= chrono::Duration::minutes(119), "{ahead}");
        assert!(ahead <= chrono::Duration::minutes(121), "{ahead}");
    }

    #[test]
    fn stored_format_is_fixed_width_and_round_trips() {
        let t = DateTime::parse_from_rfc3339("2026-03-01T08:00:00+02:00")
            .unwrap()
            .with_timezone(&Utc);
        let s = format(t);
        assert_eq!(s, "2026-03-01T06:00:00.000000Z");
        assert_eq!(parse(&s), Some(t));
        assert_eq!(http_date(&s).unwrap(), "Sun, 01 Mar 2026 06:00:00 GMT");
    }
}
