//! Request rates and durations as people write them: `600/min`, `10/s`, `5000/h`;
//! `30s`, `12h`, `90d`.

use std::fmt;
use std::time::Duration;

/// At most `limit` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed in one window.
    pub limit: u32,
    /// The window's length in seconds.
    pub window_secs: u32,
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.window_secs {
            1 => write!(f, "{}/s", self.limit),
            60 => write!(f, "{}/min", self.limit),
            3600 => write!(f, "{}/h", self.limit),
            86_400 => write!(f, "{}/d", self.limit),
            w => write!(f, "{}/{w}s", self.limit),
        }
    }
}

/// Parses `N/s`, `N/min`, `N/h` or `N/d` (N ≥ 1).
pub fn parse_rate(s: &str) -> Result<Rate, String> {
    let bad = || format!("'{s}' is not a rate such as 600/min, 10/s or 5000/h");
    let (n, unit) = s.trim().split_once('/').ok_or_else(bad)?;
    let limit: u32 = n.trim().parse().map_err(|_| bad())?;
    let window_secs = match unit.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86_400,
        _ => return Err(bad()),
    };
    if limit == 0 || limit > 1_000_000_000 {
        return Err(bad());
    }
    Ok(Rate { limit, window_secs })
}

/// Parses an optional rate setting: empty, `off` or `0` mean no limit.
pub fn parse_optional_rate(s: &str) -> Result<Option<Rate>, String> {
    match s.trim() {
        "" | "off" | "0" | "none" => Ok(None),
        other => parse_rate(other).map(Some),
    }
}

/// Schema pattern of a duration ([`parse_duration`]).
pub const DURATION_PATTERN: &str = "^[0-9]+(s|m|min|h|d|w)$";

/// Parses `30s`, `15m`, `12h`, `90d` or `2w`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("'{s}' is not a duration such as 30s, 12h or 90d");
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    n.checked_mul(secs)
        .filter(|s| *s <= 100 * 365 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        let r = parse_rate("600/min").unwrap();
        assert_eq!((r.limit, r.window_secs), (600, 60));
        assert_eq!(r.to_string(), "600/min");
        assert_eq!(parse_rate("10/s").unwrap().window_secs, 1);
        assert_eq!(parse_rate("5000/h").unwrap().window_secs, 3600);
        for bad in ["600", "0/min", "-1/min", "10/fortnight", "x/s", ""] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_optional_rate("off").unwrap(), None);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("12h").unwrap(), Duration::from_secs(43_200));
        assert_eq!(
            parse_duration("90d").unwrap(),
            Duration::from_secs(7_776_000)
        );
        for bad in ["90", "d", "0s", "5y", "-3h", "99999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
