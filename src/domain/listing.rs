//! Rules of article lists: sort orders, date bounds, sparse fieldsets.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// A list order; each is a keyset order ending in the primary key, so cursors are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// `-published_at` (default): newest first.
    Newest,
    /// `published_at`: oldest first.
    Oldest,
    /// `-updated_at`: most recently changed first.
    Updated,
    /// `-view_count`: most read first.
    MostViewed,
    /// `relevance` (default with `q`): best match first.
    Relevance,
}

impl Sort {
    /// Every accepted value of `sort`.
    pub const VALUES: [&'static str; 5] = [
        "-published_at",
        "published_at",
        "-updated_at",
        "-view_count",
        "relevance",
    ];

    /// Reads a `sort` value.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "-published_at" => Ok(Self::Newest),
            "published_at" => Ok(Self::Oldest),
            "-updated_at" => Ok(Self::Updated),
            "-view_count" => Ok(Self::MostViewed),
            "relevance" => Ok(Self::Relevance),
            _ => Err(format!("must be one of {}", Self::VALUES.join(", "))),
        }
    }

    /// The `sort` value naming this order.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "-published_at",
            Self::Oldest => "published_at",
            Self::Updated => "-updated_at",
            Self::MostViewed => "-view_count",
            Self::Relevance => "relevance",
        }
    }
}

/// Reads a `published_after` / `published_before` bound: an RFC 3339 timestamp (exact,
/// inclusive) or a date `YYYY-MM-DD` (UTC), which means the start of that day for a lower
/// bound and its last microsecond for an upper bound — so both bounds are inclusive and
/// `published_after=D&published_before=D` is the whole day D.
pub fn parse_bound(s: &str, upper: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "must be an RFC 3339 timestamp or a date YYYY-MM-DD".to_string())?;
    let time = if upper {
        NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        Some(NaiveTime::MIN)
    };
    time.map(|t| day.and_time(t).and_utc())
        .ok_or_else(|| "not a valid date".to_string())
}

/// Fields of an article a list item may carry (`fields=`).
pub const ARTICLE_FIELDS: [&str; 25] = [
    "id",
    "slug",
    "title",
    "subtitle",
    "excerpt",
    "body_markdown",
    "body_html",
    "body_text",
    "status",
    "published_at",
    "language",
    "translations",
    "tags",
    "authors",
    "feature_image",
    "canonical_url",
    "featured",
    "view_count",
    "word_count",
    "reading_time_minutes",
    "created_at",
    "updated_at",
    "trashed_at",
    "version",
    "snippet",
];

/// The fields a list item carries when `fields` is absent: all but the three bodies.
pub fn default_fields() -> Vec<String> {
    ARTICLE_FIELDS
        .iter()
        .filter(|f| !matches!(**f, "body_markdown" | "body_html" | "body_text"))
        .map(|f| f.to_string())
        .collect()
}

/// Reads `fields=a,b,c`; `id` is always included.
pub fn parse_fields(s: &str) -> Result<Vec<String>, String> {
    let mut out = vec!["id".to_string()];
    for f in s.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !ARTICLE_FIELDS.contains(&f) {
            return Err(format!("unknown field '{f}'"));
        }
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    }
    Ok(out)
}

/// Reads a comma-separated list of slugs.
pub fn parse_slugs(s: &str) -> Result<Vec<String>, String> {
    let slugs: Vec<String> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if slugs.is_empty() || slugs.len() > 20 {
        return Err("must be 1 to 20 comma-separated slugs".into());
    }
    if let Some(bad) = slugs.iter().find(|s| !super::slug::is_valid_slug(s)) {
        return Err(format!("'{bad}' is not a slug"));
    }
    Ok(slugs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds_cover_the_whole_day() {
        assert_eq!(
            parse_bound("2026-01-22", false).unwrap().to_rfc3339(),
            "2026-01-22T00:00:00+00:00"
        );
        assert_eq!(
            parse_bound("2026-01-22", true).unwrap().to_rfc3339(),
            "2026-01-22T23:59:59.999999+00:00"
        );
        assert_eq!(
            parse_bound("2026-01-22T10:00:00+02:00", true)
                .unwrap()
                .to_rfc3339(),
            "2026-01-22T08:00:00+00:00"
        );
        assert!(parse_bound("yesterday", false).is_err());
    }

    #[test]
    fn fields_are_checked_and_keep_id() {
        assert_eq!(parse_fields("slug,title").unwrap(), ["id", "slug", "title"]);
        assert!(parse_fields("password").is_err());
        assert!(!default_fields().contains(&"body_html".to_string()));
    }

    #[test]
    fn sorts_round_trip() {
        for v in Sort::VALUES {
            assert_eq!(Sort::parse(v).unwrap().as_str(), v);
        }
        assert!(Sort::parse("title").is_err());
    }
}
