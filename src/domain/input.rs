//! The article's writable form ([`ArticleInput`], what POST and PUT take and what a
//! revision keeps) and the small values an article names: its image, its tags and
//! authors ([`TermRef`]) and its other-language versions ([`Translation`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::article::Status;

/// An image shown with the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureImage {
    /// Absolute http(s) URL of the image, or `media:ID` naming an uploaded media item
    /// (`POST /v1/media`). Read back, a media item's URL is its served copy, and the
    /// fields below describe it.
    #[schema(
        example = "https://example.org/media/kyiv-vigil.jpg",
        max_length = 2000,
        pattern = r"^(https?://[^\s/?#]+[^\s]*|media:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
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
    /// The media item shown (absent for a plain URL). Sent back (an article read and
    /// written again), it names the item as `url: "media:ID"` does; the read-only
    /// fields below are then ignored.
    #[schema(example = "01936f3e-8a7b-7cde-9f01-23456789abcd")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// Width of `url` in pixels (read-only, media items only).
    #[schema(read_only, example = 1600)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height of `url` in pixels (read-only, media items only).
    #[schema(read_only, example = 1067)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Media type of `url` (read-only, media items only).
    #[schema(read_only, example = "image/jpeg")]
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Size of `url` in bytes (read-only, media items only).
    #[schema(read_only, example = 284311)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Who made the image (read-only: set on the media item).
    #[schema(read_only, example = "Photo: Olena Kovalenko / UWC")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// Responsive copies for `<img srcset>` (read-only, media items only).
    #[schema(
        read_only,
        example = "https://news.example.org/media/3f2a….webp 320w, https://news.example.org/media/9bc1….webp 640w"
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srcset: Option<String>,
}

impl FeatureImage {
    /// As written: a media item named by `media_id` becomes `url: "media:ID"`, and the
    /// fields the server fills in are dropped.
    pub fn normalized(self) -> Self {
        let url = match &self.media_id {
            Some(id) => format!("{}{id}", crate::domain::media::SCHEME),
            None => self.url,
        };
        Self::plain(url, self.alt, self.caption)
    }

    /// A plain image: `url`, `alt` and `caption` as given.
    pub fn plain(url: String, alt: Option<String>, caption: Option<String>) -> Self {
        Self {
            url,
            alt,
            caption,
            media_id: None,
            width: None,
            height: None,
            mime: None,
            bytes: None,
            credit: None,
            srcset: None,
        }
    }

    /// What an article shows for a resolved media item.
    pub fn shown(r: crate::domain::media::ResolvedImage) -> Self {
        Self {
            url: r.url,
            alt: r.alt,
            caption: r.caption,
            media_id: Some(r.media_id),
            width: Some(r.width),
            height: Some(r.height),
            mime: Some(r.mime),
            bytes: Some(r.bytes),
            credit: r.credit,
            srcset: Some(r.srcset),
        }
    }
}

/// A tag or author as listed on an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TermRef {
    /// URL-safe identifier.
    #[schema(example = "standwithukraine")]
    pub slug: String,
    /// Display name, case and `#` kept.
    #[schema(example = "#StandWithUkraine")]
    pub name: String,
}

/// Another language version of the same story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
