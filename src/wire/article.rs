//! Wire types of articles: what clients send and receive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::articles::ArticleRecord;
use crate::domain::article::Status;
pub use crate::domain::input::{
    ArticleInput, AuthorSlug, FeatureImage, TagName, TermRef, Translation,
};
use crate::domain::time;
use crate::domain::version::{ArticleFacts, Validators, article_validators};

/// The body of `PATCH /v1/articles/{id}`: a JSON Merge Patch (RFC 7396) of the
/// writable fields. Every member is optional; `null` clears an optional field (and
/// empties `body_markdown`, `tags` and `authors`, and makes `featured` false). `null`
/// for `title`, `slug`, `status` or `language`, and a member the article does not
/// have, are refused with 422 naming them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Unity Day: communities in 40 countries", "featured": false, "subtitle": null}))]
pub struct ArticlePatch {
    /// Headline, 1–300 characters (cannot be cleared).
    #[serde(default)]
    #[schema(nullable = false, example = "Unity Day: communities in 40 countries")]
    pub title: Option<String>,
    /// Secondary headline; `null` clears it.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// URL slug; the former one keeps answering 301 (cannot be cleared).
    #[serde(default)]
    #[schema(nullable = false)]
    pub slug: Option<String>,
    /// Summary; `null` derives it from the body again.
    #[serde(default)]
    pub excerpt: Option<String>,
    /// The body, CommonMark; `null` empties it.
    #[serde(default)]
    pub body_markdown: Option<String>,
    /// Publication state (cannot be cleared).
    #[serde(default)]
    #[schema(nullable = false)]
    pub status: Option<Status>,
    /// RFC 3339 publication time; `null` clears it (publishing sets it to now).
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// BCP 47 language tag (cannot be cleared).
    #[serde(default)]
    #[schema(nullable = false)]
    pub language: Option<String>,
    /// Id of the same story in another language; `null` detaches it.
    #[serde(default)]
    pub translation_of: Option<String>,
    /// Tag names, replacing the current ones; `null` removes them all.
    #[serde(default)]
    #[schema(value_type = Option<Vec<TagName>>)]
    pub tags: Option<Vec<String>>,
    /// Author slugs, replacing the current ones; `null` removes them all.
    #[serde(default)]
    #[schema(value_type = Option<Vec<AuthorSlug>>)]
    pub authors: Option<Vec<String>>,
    /// Image shown with the article; `null` removes it. A merge patch: members given
    /// here replace those of the current image.
    #[serde(default)]
    pub feature_image: Option<FeatureImagePatch>,
    /// Absolute URL of the original; `null` clears it.
    #[serde(default)]
    pub canonical_url: Option<String>,
    /// Pinned / editor's pick; `null` is `false`.
    #[serde(default)]
    pub featured: Option<bool>,
}

impl ArticlePatch {
    /// Members a patch may not set to `null`: the article always has them.
    pub const NOT_NULL: [&'static str; 4] = ["title", "slug", "status", "language"];
}

/// A merge patch of the feature image: members given replace the current ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureImagePatch {
    /// Absolute http(s) URL of the image.
    #[serde(default)]
    #[schema(nullable = false)]
    pub url: Option<String>,
    /// Text alternative; `null` clears it.
    #[serde(default)]
    pub alt: Option<String>,
    /// Caption; `null` clears it.
    #[serde(default)]
    pub caption: Option<String>,
}

/// A news article as clients read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
    "slug": "ukrainian-world-congress-marks-unity-day",
    "title": "Ukrainian World Congress marks Unity Day",
    "subtitle": "Communities on five continents join in",
    "excerpt": "Communities gathered in 40 countries.",
    "body_markdown": "Communities gathered in **40 countries**.\n\n> Unity is our strength.\n\n- Kyiv\n- Toronto",
    "body_html": "<p>Communities gathered in <strong>40 countries</strong>.</p>\n<blockquote>\n<p>Unity is our strength.</p>\n</blockquote>\n<ul>\n<li>Kyiv</li>\n<li>Toronto</li>\n</ul>\n",
    "body_text": "Communities gathered in 40 countries.\n\nUnity is our strength.\n\nKyiv\nToronto",
    "status": "published",
    "published_at": "2026-01-22T09:00:00Z",
    "language": "en",
    "translations": [{"language": "uk", "id": "01936b2f-0000-7000-8000-000000000001", "slug": "den-sobornosti"}],
    "tags": [{"slug": "standwithukraine", "name": "#StandWithUkraine"}],
    "authors": [{"slug": "ukrainian-world-congress", "name": "Ukrainian World Congress"}],
    "feature_image": null,
    "canonical_url": null,
    "featured": true,
    "view_count": 330,
    "word_count": 11,
    "reading_time_minutes": 1,
    "created_at": "2026-01-21T17:30:00Z",
    "updated_at": "2026-01-22T09:00:00Z",
    "trashed_at": null,
    "version": 3
}))]
pub struct Article {
    /// Stable, opaque id (UUIDv7), never reused.
    pub id: String,
    /// Current URL slug; former slugs answer 301 to it.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Secondary headline.
    pub subtitle: Option<String>,
    /// Summary, given or derived from the first paragraph.
    pub excerpt: String,
    /// The markdown source.
    pub body_markdown: String,
    /// Sanitized HTML rendered from the markdown.
    pub body_html: String,
    /// Plain text of the body.
    pub body_text: String,
    /// Publication state as the caller sees it now.
    pub status: Status,
    /// When it is (or will be) public.
    pub published_at: Option<DateTime<Utc>>,
    /// BCP 47 language tag.
    pub language: String,
    /// The same story in other languages, as far as the caller may see them.
    pub translations: Vec<Translation>,
    /// Tags, in the order given.
    pub tags: Vec<TermRef>,
    /// Authors, in the order given.
    pub authors: Vec<TermRef>,
    /// Image shown with the article.
    pub feature_image: Option<FeatureImage>,
    /// URL of the original, for syndicated copies.
    pub canonical_url: Option<String>,
    /// Pinned / editor's pick.
    pub featured: bool,
    /// Counted views (buffered; visible within seconds).
    pub view_count: i64,
    /// Words in the body.
    pub word_count: i32,
    /// At 200 words a minute, rounded up.
    pub reading_time_minutes: i32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the last change.
    pub updated_at: DateTime<Utc>,
    /// When it was moved to the trash; only keyed callers see trashed articles.
    pub trashed_at: Option<DateTime<Utc>>,
    /// Increments on every change; the ETag is `"v{version}"`.
    pub version: i32,
}

/// One article as a list shows it, for the spec's examples.
fn list_item_example() -> serde_json::Value {
    serde_json::json!({
        "id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
        "slug": "ukrainian-world-congress-marks-unity-day",
        "title": "Ukrainian World Congress marks Unity Day",
        "excerpt": "Communities gathered in 40 countries.",
        "status": "published",
        "published_at": "2026-01-22T09:00:00Z",
        "language": "en",
        "tags": [{"slug": "standwithukraine", "name": "#StandWithUkraine"}],
        "view_count": 330,
        "snippet": "Communities in <mark>Ukraine</mark> and abroad…"
    })
}

/// An article in a list. Carries the fields asked for with `fields` (always `id`), by
/// default every field but the three bodies; with `q`, also a `snippet`.
// A member not asked for is `None` and left out; a nullable member asked for is
// `Some(None)`, shown as `null`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!(list_item_example()))]
pub struct ArticleListItem {
    /// Stable, opaque id.
    pub id: String,
    /// Current URL slug.
    pub slug: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Secondary headline.
    pub subtitle: Option<Option<String>>,
    /// Summary.
    pub excerpt: Option<String>,
    /// Markdown source (only when asked for).
    pub body_markdown: Option<String>,
    /// Sanitized HTML (only when asked for).
    pub body_html: Option<String>,
    /// Plain text (only when asked for).
    pub body_text: Option<String>,
    /// Publication state as the caller sees it now.
    pub status: Option<Status>,
    /// When it is (or will be) public.
    pub published_at: Option<Option<DateTime<Utc>>>,
    /// BCP 47 language tag.
    pub language: Option<String>,
    /// Other-language versions the caller may see.
    pub translations: Option<Vec<Translation>>,
    /// Tags.
    pub tags: Option<Vec<TermRef>>,
    /// Authors.
    pub authors: Option<Vec<TermRef>>,
    /// Image shown with the article.
    pub feature_image: Option<Option<FeatureImage>>,
    /// URL of the original.
    pub canonical_url: Option<Option<String>>,
    /// Editor's pick.
    pub featured: Option<bool>,
    /// Counted views.
    pub view_count: Option<i64>,
    /// Words in the body.
    pub word_count: Option<i32>,
    /// Minutes to read.
    pub reading_time_minutes: Option<i32>,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Time of the last change.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was trashed.
    pub trashed_at: Option<Option<DateTime<Utc>>>,
    /// Increments on every change.
    pub version: Option<i32>,
    /// With `q`: HTML-escaped text around the first match, matches in `<mark>`; `null`
    /// when the match is only in the tags.
    pub snippet: Option<Option<String>>,
}

/// `value` when the member is `wanted`, else `None` (left out).
fn pick<T>(wanted: bool, value: T) -> Option<T> {
    wanted.then_some(value)
}

impl ArticleListItem {
    /// The members of `a` named in `fields` (`id` always), and with a search its
    /// `snippet` (`Some(None)`: the match is only in the tags).
    pub fn of(a: Article, fields: &[String], snippet: Option<Option<String>>) -> Self {
        let wanted = |f: &str| fields.iter().any(|w| w == f);
        Self {
            id: a.id,
            slug: pick(wanted("slug"), a.slug),
            title: pick(wanted("title"), a.title),
            subtitle: pick(wanted("subtitle"), a.subtitle),
            excerpt: pick(wanted("excerpt"), a.excerpt),
            body_markdown: pick(wanted("body_markdown"), a.body_markdown),
            body_html: pick(wanted("body_html"), a.body_html),
            body_text: pick(wanted("body_text"), a.body_text),
            status: pick(wanted("status"), a.status),
            published_at: pick(wanted("published_at"), a.published_at),
            language: pick(wanted("language"), a.language),
            translations: pick(wanted("translations"), a.translations),
            tags: pick(wanted("tags"), a.tags),
            authors: pick(wanted("authors"), a.authors),
            feature_image: pick(wanted("feature_image"), a.feature_image),
            canonical_url: pick(wanted("canonical_url"), a.canonical_url),
            featured: pick(wanted("featured"), a.featured),
            view_count: pick(wanted("view_count"), a.view_count),
            word_count: pick(wanted("word_count"), a.word_count),
            reading_time_minutes: pick(wanted("reading_time_minutes"), a.reading_time_minutes),
            created_at: pick(wanted("created_at"), a.created_at),
            updated_at: pick(wanted("updated_at"), a.updated_at),
            trashed_at: pick(wanted("trashed_at"), a.trashed_at),
            version: pick(wanted("version"), a.version),
            snippet: match snippet {
                Some(s) if wanted("snippet") => Some(s),
                _ => None,
            },
        }
    }
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "data": [list_item_example()],
    "meta": {"limit": 20, "next_cursor": "MjAyNi0wMS0yMlQwOTowMDowMC4wMDAwMDBaCjQy", "total": 1234}
}))]
pub struct ArticleList {
    /// The articles of this page.
    pub data: Vec<ArticleListItem>,
    /// Paging facts.
    pub meta: PageMeta,
}

/// Paging facts of a list response.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageMeta {
    /// The page size used.
    #[schema(example = 20)]
    pub limit: i64,
    /// Opaque token for the next page; `null` on the last page.
    #[schema(example = "MjAyNi0wMS0yMlQwOTowMDowMC4wMDAwMDBafDQy")]
    pub next_cursor: Option<String>,
    /// Number of items matching the request.
    #[schema(example = 1234)]
    pub total: i64,
    /// The page number, when numbered pages were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
}

impl Article {
    /// The article as a caller sees it at `now` (store format).
    pub fn from_record(rec: ArticleRecord, now: &str) -> Self {
        let r = rec.row.stored;
        let ts = |s: &str| time::parse(s).unwrap_or_default();
        Self {
            status: Status::shown(r.status, r.published_at.as_deref(), now),
            published_at: r.published_at.as_deref().map(ts),
            // A media item is shown as resolved when the article was written.
            feature_image: match r
                .feature_image_media
                .as_deref()
                .and_then(|m| serde_json::from_str(m).ok())
            {
                Some(resolved) => Some(FeatureImage::shown(resolved)),
                None => r.feature_image_url.map(|url| {
                    FeatureImage::plain(url, r.feature_image_alt, r.feature_image_caption)
                }),
            },
            created_at: ts(&r.created_at),
            updated_at: ts(&r.updated_at),
            trashed_at: r.deleted_at.as_deref().map(ts),
            id: r.id,
            slug: r.slug,
            title: r.title,
            subtitle: r.subtitle,
            excerpt: r.excerpt,
            body_markdown: r.body_markdown,
            body_html: r.body_html,
            body_text: r.body_text,
            language: r.language,
            translations: rec.translations,
            tags: rec.tags,
            authors: rec.authors,
            canonical_url: r.canonical_url,
            featured: r.featured,
            view_count: r.view_count,
            word_count: r.word_count,
            reading_time_minutes: r.reading_time_minutes,
            version: r.version,
        }
    }

    /// Its validators (see [`crate::domain::version::article_validators`]).
    pub fn validators(&self) -> Validators {
        article_validators(ArticleFacts {
            version: self.version,
            status: self.status,
            published_at: self.published_at,
            updated_at: self.updated_at,
            tags: &self.tags,
            authors: &self.authors,
            translations: &self.translations,
        })
    }
}
