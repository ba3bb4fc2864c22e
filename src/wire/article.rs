//! Wire types of articles: what clients send and receive.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::articles::ArticleRecord;
use crate::domain::article::Status;
use crate::domain::time;
use crate::http::conditional::{Validators, hashed_etag};

/// An image shown with the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureImage {
    /// Absolute http(s) URL of the image.
    #[schema(
        example = "https://example.org/media/kyiv-vigil.jpg",
        max_length = 2000,
        pattern = r"^https?://[^\s/?#]+[^\s]*$"
    )]
    pub url: String,
    /// Text alternative for screen readers.
    #[schema(
        example = "Candles at a vigil in Kyiv",
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f]*$"
    )]
    #[serde(default)]
    pub alt: Option<String>,
    /// Caption shown under the image.
    #[schema(
        example = "Photo: UWC",
        max_length = 500,
        pattern = r"^[^\x00-\x1f\x7f]*$"
    )]
    #[serde(default)]
    pub caption: Option<String>,
}

/// A tag or author as listed on an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TermRef {
    /// URL-safe identifier.
    #[schema(example = "standwithukraine")]
    pub slug: String,
    /// Display name, case and `#` kept.
    #[schema(example = "#StandWithUkraine")]
    pub name: String,
}

/// Another language version of the same story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Translation {
    /// BCP 47 language tag.
    #[schema(example = "uk")]
    pub language: String,
    /// The translation's id.
    #[schema(example = "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70")]
    pub id: String,
    /// The translation's slug.
    #[schema(example = "svitovyi-konhres-ukraintsiv")]
    pub slug: String,
}

/// The body of `POST /v1/articles` and `PUT /v1/articles/{id}`; PATCH takes any subset as
/// a JSON Merge Patch. Server-owned fields (`id`, `version`, `view_count`, derived fields,
/// timestamps) are refused with 422.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Ukrainian World Congress marks Unity Day",
    "subtitle": "Communities on five continents join in",
    "body_markdown": "Communities gathered in **40 countries**.\n\n> Unity is our strength.\n\n- Kyiv\n- Toronto\n- Berlin",
    "status": "published",
    "published_at": "2026-01-22T09:00:00Z",
    "language": "en",
    "tags": ["#StandWithUkraine", "Diaspora"],
    "authors": ["ukrainian-world-congress"],
    "featured": true
}))]
pub struct ArticleInput {
    /// Headline, 1–300 characters.
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        example = "Ukrainian World Congress marks Unity Day"
    )]
    pub title: String,
    /// Secondary headline.
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub subtitle: Option<String>,
    /// URL slug; generated from the title on create when absent (Ukrainian КМУ 2010
    /// transliteration), kept on update when absent.
    #[serde(default)]
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120,
        example = "unity-day-2026"
    )]
    pub slug: Option<String>,
    /// Summary; derived from the body's first paragraph when absent.
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub excerpt: Option<String>,
    /// The body, CommonMark with tables and footnotes.
    #[serde(default)]
    #[schema(max_length = 200000)]
    pub body_markdown: String,
    /// `draft` when absent. `scheduled` is `published` with a future `published_at`.
    #[serde(default)]
    pub status: Option<Status>,
    /// RFC 3339; set to now when publishing without one.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// BCP 47 language tag; the server default when absent.
    #[serde(default)]
    #[schema(example = "en", pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    pub language: Option<String>,
    /// Id of the same story in another language.
    #[serde(default)]
    pub translation_of: Option<String>,
    /// Tag names; a new name creates the tag, an existing one is matched by its slug.
    #[serde(default)]
    #[schema(value_type = Vec<TagName>, max_items = 50, example = json!(["#StandWithUkraine"]))]
    pub tags: Vec<String>,
    /// Author slugs; each must exist.
    #[serde(default)]
    #[schema(value_type = Vec<AuthorSlug>, max_items = 20, example = json!(["ukrainian-world-congress"]))]
    pub authors: Vec<String>,
    /// Image shown with the article.
    #[serde(default)]
    pub feature_image: Option<FeatureImage>,
    /// Absolute URL of the original, for syndicated copies.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s/?#]+[^\s]*$")]
    pub canonical_url: Option<String>,
    /// Pinned / editor's pick.
    #[serde(default)]
    pub featured: bool,
}

/// The body of `PATCH /v1/articles/{id}`: a JSON Merge Patch (RFC 7396) of the
/// writable fields. Every member is optional; `null` clears an optional field (and
/// resets `tags`, `authors` and `featured` to empty or `false`). A member the article
/// does not have is refused with 422 naming it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Unity Day: communities in 40 countries", "featured": false, "subtitle": null}))]
pub struct ArticlePatch {
    /// Headline, 1–300 characters (cannot be cleared).
    #[serde(default)]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        example = "Unity Day: communities in 40 countries"
    )]
    pub title: Option<String>,
    /// Secondary headline; `null` clears it.
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub subtitle: Option<String>,
    /// URL slug; the former one keeps answering 301.
    #[serde(default)]
    #[schema(
        nullable = false,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Summary; `null` derives it from the body again.
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub excerpt: Option<String>,
    /// The body, CommonMark.
    #[serde(default)]
    #[schema(nullable = false, max_length = 200000)]
    pub body_markdown: Option<String>,
    /// Publication state.
    #[serde(default)]
    #[schema(nullable = false)]
    pub status: Option<Status>,
    /// RFC 3339 publication time; `null` clears it (publishing sets it to now).
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// BCP 47 language tag.
    #[serde(default)]
    #[schema(nullable = false, pattern = "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    pub language: Option<String>,
    /// Id of the same story in another language; `null` detaches it.
    #[serde(default)]
    pub translation_of: Option<String>,
    /// Tag names, replacing the current ones.
    #[serde(default)]
    #[schema(nullable = false, value_type = Option<Vec<TagName>>, max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Author slugs, replacing the current ones.
    #[serde(default)]
    #[schema(nullable = false, value_type = Option<Vec<AuthorSlug>>, max_items = 20)]
    pub authors: Option<Vec<String>>,
    /// Image shown with the article; `null` removes it. A merge patch: members given
    /// here replace those of the current image.
    #[serde(default)]
    pub feature_image: Option<FeatureImagePatch>,
    /// Absolute URL of the original; `null` clears it.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^https?://[^\s/?#]+[^\s]*$")]
    pub canonical_url: Option<String>,
    /// Pinned / editor's pick.
    #[serde(default)]
    #[schema(nullable = false)]
    pub featured: Option<bool>,
}

/// A merge patch of the feature image: members given replace the current ones.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureImagePatch {
    /// Absolute http(s) URL of the image.
    #[serde(default)]
    #[schema(
        nullable = false,
        max_length = 2000,
        pattern = r"^https?://[^\s/?#]+[^\s]*$"
    )]
    pub url: Option<String>,
    /// Text alternative; `null` clears it.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub alt: Option<String>,
    /// Caption; `null` clears it.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\x00-\x1f\x7f]*$")]
    pub caption: Option<String>,
}

/// A tag's name as written on an article: 1–100 characters, not blank, no control
/// characters. Case and a leading `#` are kept.
pub struct TagName;

impl utoipa::PartialSchema for TagName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::domain::article::{MAX_TERM_NAME, NAME_PATTERN};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_TERM_NAME))
            .pattern(Some(NAME_PATTERN))
            .examples(["#StandWithUkraine"])
            .into()
    }
}

impl ToSchema for TagName {}

/// An author's slug.
pub struct AuthorSlug;

impl utoipa::PartialSchema for AuthorSlug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::domain::slug::{MAX_SLUG_LEN, SLUG_PATTERN};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .min_length(Some(1))
            .max_length(Some(MAX_SLUG_LEN))
            .pattern(Some(SLUG_PATTERN))
            .examples(["ukrainian-world-congress"])
            .into()
    }
}

impl ToSchema for AuthorSlug {}

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

/// An article in a list. Carries the fields asked for with `fields` (always `id`), by
/// default every field but the three bodies; with `q`, also a `snippet`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
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
}))]
pub struct ArticleListItem {
    /// Stable, opaque id.
    pub id: String,
    /// Current URL slug.
    pub slug: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Secondary headline.
    pub subtitle: Option<String>,
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
    pub published_at: Option<DateTime<Utc>>,
    /// BCP 47 language tag.
    pub language: Option<String>,
    /// Other-language versions the caller may see.
    pub translations: Option<Vec<Translation>>,
    /// Tags.
    pub tags: Option<Vec<TermRef>>,
    /// Authors.
    pub authors: Option<Vec<TermRef>>,
    /// Image shown with the article.
    pub feature_image: Option<FeatureImage>,
    /// URL of the original.
    pub canonical_url: Option<String>,
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
    pub trashed_at: Option<DateTime<Utc>>,
    /// Increments on every change.
    pub version: Option<i32>,
    /// With `q`: HTML-escaped text around the first match, matches in `<mark>`; `null`
    /// when the match is only in the tags.
    pub snippet: Option<String>,
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "data": [{
        "id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
        "slug": "ukrainian-world-congress-marks-unity-day",
        "title": "Ukrainian World Congress marks Unity Day",
        "excerpt": "Communities gathered in 40 countries.",
        "status": "published",
        "published_at": "2026-01-22T09:00:00Z",
        "language": "en"
    }],
    "meta": {"limit": 20, "next_cursor": "MjAyNi0wMS0yMlQwOTowMDowMC4wMDAwMDBaCjQy", "total": 1234}
}))]
pub struct ArticleList {
    /// The articles of this page.
    #[schema(value_type = Vec<ArticleListItem>)]
    pub data: Vec<serde_json::Map<String, serde_json::Value>>,
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
        let r = rec.row;
        let ts = |s: &str| time::parse(s).unwrap_or_default();
        Self {
            status: Status::shown(&r.status, r.published_at.as_deref(), now),
            published_at: r.published_at.as_deref().map(ts),
            feature_image: r.feature_image_url.map(|url| FeatureImage {
                url,
                alt: r.feature_image_alt,
                caption: r.feature_image_caption,
            }),
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

    /// ETag `"v{version}-{hash}"`: the version, plus a hash of what can change without
    /// one (the shown status, tag and author names, translations). `view_count` is left out on purpose, so
    /// views never make an editor's `If-Match` stale.
    pub fn validators(&self) -> Validators {
        let linked = format!(
            "{:?}{:?}{:?}{:?}",
            self.status, self.tags, self.authors, self.translations
        );
        let hash = hashed_etag(linked.as_bytes());
        // A scheduled article changes when its time comes, without an update.
        let modified = match (self.status, self.published_at) {
            (Status::Published, Some(p)) if p > self.updated_at => p,
            _ => self.updated_at,
        };
        Validators {
            etag: format!("\"v{}-{}\"", self.version, &hash[1..9]),
            last_modified: Some(modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
        }
    }
}

impl ArticleInput {
    /// The writable form of a stored article: the base a merge patch applies to.
    pub fn from_record(rec: &ArticleRecord) -> Self {
        let r = &rec.row;
        Self {
            title: r.title.clone(),
            subtitle: r.subtitle.clone(),
            slug: Some(r.slug.clone()),
            excerpt: (!r.excerpt_is_derived).then(|| r.excerpt.clone()),
            body_markdown: r.body_markdown.clone(),
            status: Some(Status::shown(&r.status, None, "")),
            published_at: r.published_at.as_deref().and_then(time::parse),
            language: Some(r.language.clone()),
            translation_of: (r.translation_group != r.id).then(|| r.translation_group.clone()),
            tags: rec.tags.iter().map(|t| t.name.clone()).collect(),
            authors: rec.authors.iter().map(|a| a.slug.clone()).collect(),
            feature_image: r.feature_image_url.as_ref().map(|url| FeatureImage {
                url: url.clone(),
                alt: r.feature_image_alt.clone(),
                caption: r.feature_image_caption.clone(),
            }),
            canonical_url: r.canonical_url.clone(),
            featured: r.featured,
        }
    }
}
