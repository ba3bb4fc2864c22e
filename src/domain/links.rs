//! Links to the frontend: where an article lives, from the configured template.

/// Fills `{language}`, `{slug}` and `{id}` in an article URL template.
pub fn article_url(template: &str, language: &str, slug: &str, id: &str) -> String {
    template
        .replace("{language}", language)
        .replace("{slug}", slug)
        .replace("{id}", id)
}

/// Most URLs in one sitemap file (the sitemaps.org limit).
pub const MAX_SITEMAP_URLS: i64 = 50_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_placeholder() {
        assert_eq!(
            article_url(
                "https://example.org/{language}/{slug}?id={id}",
                "uk",
                "kyiv",
                "42"
            ),
            "https://example.org/uk/kyiv?id=42"
        );
    }
}
