//! The store's one timestamp format: UTC, microseconds, `Z` — fixed width, so text order
//! is time order (mixed formats are what broke Ghost's SQLite date queries).

use chrono::{DateTime, SecondsFormat, Utc};

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
