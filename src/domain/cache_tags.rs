//! Cache tags (surrogate keys): the names of what a public response shows. Every kept
//! response records its tags; every commit names the tags it touched; only the kept
//! responses (in this process and in a CDN in front) carrying one of those are
//! forgotten. The same names go out as `Surrogate-Key` and `Cache-Tag`.
//!
//! | tag | carried by | touched by |
//! |---|---|---|
//! | `article:{id}` | the article, and every list showing it (lists, searches, feeds, related, most read) | a change the public can see in it |
//! | `articles` | every list of articles: lists, search, feeds, sitemaps, related, most read, change feed | an article appearing or going for the public (published, scheduled time come, unpublished, trashed, restored, deleted), or moving in lists (its publication time, language, featured flag, tags or authors changed) |
//! | `articles:updated` | lists by last change (`sort=-updated_at`), sitemaps | any change the public can see in any article |
//! | `tag:{slug}` | the tag, its list entry, the articles showing it | a change to the tag |
//! | `tags` | the list of tags | a change to any tag, or to the public articles they count |
//! | `author:{slug}`, `authors` | likewise for authors | likewise |
//! | `popular` | the most-read list | view counts written (and what `articles` touches) |
//! | `feed`, `sitemap`, `changes` | feeds, sitemaps, the change feed (beside `articles`) | as `articles` |
//! | `all` | every public response | an import, a copy of a whole store |
//!
//! An edit that leaves an article where it was in lists (its title or text, say)
//! forgets only the responses showing it: another tag's page, the second page of the
//! newest, and searches not showing it stay kept. A search does not learn an edited
//! article's new words until its kept copy ages out (below).
//!
//! View counts shown in articles and lists are not tags: a kept response shows counts
//! (and a search its matches) at most `NEWSDESK_CACHE_VIEWS_LAG_SECS` old.

/// Every list of articles.
pub const ARTICLES: &str = "articles";
/// Lists by last change, sitemaps: any public edit changes them.
pub const ARTICLES_UPDATED: &str = "articles:updated";
/// The list of tags.
pub const TAGS: &str = "tags";
/// The list of authors.
pub const AUTHORS: &str = "authors";
/// The most-read list (ranks by views).
pub const POPULAR: &str = "popular";
/// RSS, Atom and JSON feeds.
pub const FEED: &str = "feed";
/// Sitemaps.
pub const SITEMAP: &str = "sitemap";
/// The change feed.
pub const CHANGES: &str = "changes";
/// Carried by every public response: a commit naming it forgets every kept response
/// (an import, a copy of a whole store), here and in a CDN.
pub const EVERYTHING: &str = "all";

/// The tag of one article, by its id.
pub fn article(id: &str) -> String {
    format!("article:{id}")
}

/// The tag of one tag, by its slug.
pub fn tag(slug: &str) -> String {
    format!("tag:{slug}")
}

/// The tag of one author, by slug.
pub fn author(slug: &str) -> String {
    format!("author:{slug}")
}

/// True when `tag` can go in a header as one space-separated token (ids and slugs are
/// ASCII without spaces; anything else is left out rather than breaking the header).
pub fn is_header_safe(tag: &str) -> bool {
    !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_graphic() && b != b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_header_tokens() {
        assert_eq!(article("0193"), "article:0193");
        assert!(is_header_safe(&tag("stand-with-ukraine")));
        assert!(!is_header_safe("tag:a b"));
        assert!(!is_header_safe("tag:a,b"));
        assert!(!is_header_safe(""));
    }
}
