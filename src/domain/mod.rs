//! Pure rules: no HTTP, no SQL.

pub mod access;
pub mod article;
pub mod cache_tags;
pub mod errors;
pub mod events;
pub mod image;
pub mod input;
pub mod links;
pub mod listing;
pub mod markdown;
pub mod media;
pub mod preview;
pub mod quota;
pub mod search;
pub mod signature;
pub mod slug;
pub mod time;
pub mod version;

/// Every regular expression the API schema states, each the pattern of a rule here:
/// the spec may use no other (`tests/api/openapi.rs`), and each agrees with its rule
/// (the tests of `article`, `slug` and `quota`).
pub const PATTERNS: &[&str] = &[
    article::LINE_PATTERN,
    article::NAME_PATTERN,
    article::TEXT_PATTERN,
    article::URL_PATTERN,
    media::IMAGE_URL_PATTERN,
    article::LANGUAGE_PATTERN,
    slug::SLUG_PATTERN,
    quota::DURATION_PATTERN,
];

#[cfg(test)]
mod tests {
    use super::article::{TextRule, check_text, is_language_tag, is_web_url};

    /// Each pattern says yes where its rule does; `exact` when it says no where the
    /// rule does too (a URL's pattern cannot parse it: the rule refuses more).
    fn agrees(pattern: &str, rule: impl Fn(&str) -> bool, exact: bool, samples: &[&str]) {
        let re = regex::Regex::new(pattern).expect("a valid pattern");
        for s in samples {
            let (schema, rule) = (re.is_match(s), rule(s));
            if exact {
                assert_eq!(schema, rule, "{pattern} and its rule on {s:?}");
            } else {
                assert!(
                    !rule || schema,
                    "{pattern} refuses {s:?}, which its rule accepts"
                );
            }
        }
    }

    const TEXTS: &[&str] = &[
        "",
        " ",
        "Kyiv",
        "Київ — столиця",
        "tab\there",
        "two\nlines",
        "cr\r",
        "nul\0",
        "bell\u{7}",
        "del\u{7f}",
        "  padded  ",
        "#StandWithUkraine",
        "\u{a0}",
    ];

    #[test]
    fn the_text_patterns_state_the_text_rules() {
        let text = |rule: TextRule| move |s: &str| check_text(s, rule, 10_000).is_ok();
        agrees(
            super::article::LINE_PATTERN,
            text(TextRule::Line),
            true,
            TEXTS,
        );
        agrees(
            super::article::NAME_PATTERN,
            text(TextRule::Name),
            true,
            TEXTS,
        );
        agrees(
            super::article::TEXT_PATTERN,
            text(TextRule::Text),
            true,
            TEXTS,
        );
    }

    #[test]
    fn the_slug_language_url_and_duration_patterns_state_their_rules() {
        agrees(
            super::slug::SLUG_PATTERN,
            super::slug::is_valid_slug,
            true,
            &[
                "kyiv",
                "kyiv-2026",
                "-kyiv",
                "kyiv-",
                "ky--iv",
                "Kyiv",
                "київ",
                "a",
                "",
            ],
        );
        agrees(
            super::article::LANGUAGE_PATTERN,
            is_language_tag,
            true,
            &[
                "en",
                "uk",
                "en-GB",
                "zh-Hant-TW",
                "EN",
                "e",
                "english",
                "en-",
                "en-x",
            ],
        );
        agrees(
            super::article::URL_PATTERN,
            is_web_url,
            false,
            &[
                "https://example.org/a?b#c",
                "http://127.0.0.1:8080/x",
                "ftp://example.org",
                "https://",
                "https:// example.org",
                "https://exa mple.org",
                "example.org",
                "https://[::1]/",
                "https://a",
            ],
        );
        agrees(
            super::quota::DURATION_PATTERN,
            |s| super::quota::parse_duration(s).is_ok(),
            false,
            &[
                "30s", "15m", "15min", "12h", "90d", "2w", "1y", "h", "", "10",
            ],
        );
    }
}
