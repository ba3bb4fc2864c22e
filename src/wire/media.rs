//! Wire types of media items.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::media::MediaRow;
use crate::domain::media::url;
use crate::domain::time;

/// An uploaded image: its clean full-size copy, its variants and their `srcset`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f3e-8a7b-7cde-9f01-23456789abcd",
    "type": "image/jpeg",
    "width": 4000,
    "height": 3000,
    "bytes": 2841123,
    "url": "https://news.example.org/media/5d41402abc4b2a76b9719d911017c592.jpg",
    "alt": "Candles at a vigil in Kyiv",
    "caption": "A vigil on Independence Square",
    "credit": "Photo: Olena Kovalenko / UWC",
    "variants": [
        {"url": "https://news.example.org/media/7e5f…a1.webp", "type": "image/webp", "width": 320, "height": 240, "bytes": 14211},
        {"url": "https://news.example.org/media/c4ca…22.jpg", "type": "image/jpeg", "width": 320, "height": 240, "bytes": 19874}
    ],
    "srcset": "https://news.example.org/media/7e5f…a1.webp 320w, https://news.example.org/media/9bc1…3f.webp 640w",
    "created_at": "2026-11-29T10:00:00Z",
    "updated_at": "2026-11-29T10:00:00Z"
}))]
pub struct Media {
    /// Stable id; an article names it as `media:ID`.
    pub id: String,
    /// Media type of the original (read from its bytes).
    #[serde(rename = "type")]
    pub mime: String,
    /// Width in pixels, upright (EXIF orientation applied).
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
    /// Size of the clean full-size copy in bytes.
    pub bytes: u64,
    /// The clean full-size copy (metadata removed but the colour profile).
    pub url: String,
    /// Text alternative; required before an article using the image is published.
    pub alt: Option<String>,
    /// Caption shown with the image.
    pub caption: Option<String>,
    /// Who made the image.
    pub credit: Option<String>,
    /// Resized copies (never wider than the original), in WebP and the original's format.
    pub variants: Vec<Variant>,
    /// The WebP variants as an `<img srcset>` value.
    pub srcset: String,
    /// Upload time.
    pub created_at: DateTime<Utc>,
    /// Last change of alt, caption or credit.
    pub updated_at: DateTime<Utc>,
}

/// One resized copy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Variant {
    /// Immutable, content-addressed URL of its bytes.
    pub url: String,
    /// `image/webp`, or the original's type.
    #[serde(rename = "type")]
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: u64,
}

impl Media {
    /// The item `r`, its bytes under `base`.
    pub fn of(r: &MediaRow, base: &str) -> Self {
        let stored = r.stored();
        let original = stored.original().cloned();
        let variants = stored
            .files
            .iter()
            .filter(|f| !f.original)
            .map(|f| Variant {
                url: url(base, &f.name),
                mime: f.mime().to_string(),
                width: f.width,
                height: f.height,
                bytes: f.bytes,
            })
            .collect();
        Self {
            id: r.id.clone(),
            mime: original
                .as_ref()
                .map_or("application/octet-stream", |f| f.mime())
                .to_string(),
            width: stored.width,
            height: stored.height,
            bytes: original.as_ref().map_or(0, |f| f.bytes),
            url: original.map(|f| url(base, &f.name)).unwrap_or_default(),
            alt: r.alt.clone(),
            caption: r.caption.clone(),
            credit: r.credit.clone(),
            variants,
            srcset: stored.srcset(base),
            created_at: time::parse(&r.created_at).unwrap_or_default(),
            updated_at: time::parse(&r.updated_at).unwrap_or_default(),
        }
    }

    /// Its ETag: the item's id and version.
    pub fn etag(r: &MediaRow) -> String {
        format!("\"m-{}-{}\"", r.id, r.version)
    }
}

/// Changes to a media item's text (JSON Merge Patch: `null` clears).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"alt": "Candles at a vigil in Kyiv", "credit": "Photo: Olena Kovalenko / UWC"}))]
pub struct MediaPatch {
    /// Text alternative (at most 500 characters, one line).
    #[schema(max_length = 500, value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f]*$")]
    #[serde(default, deserialize_with = "super::present")]
    pub alt: Option<Option<String>>,
    /// Caption (at most 500 characters, one line).
    #[schema(max_length = 500, value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f]*$")]
    #[serde(default, deserialize_with = "super::present")]
    pub caption: Option<Option<String>>,
    /// Credit (at most 200 characters, one line).
    #[schema(max_length = 200, value_type = Option<String>, pattern = r"^[^\x00-\x1f\x7f]*$")]
    #[serde(default, deserialize_with = "super::present")]
    pub credit: Option<Option<String>>,
}

/// A page of media items, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaPage {
    /// The items.
    pub data: Vec<Media>,
    /// Paging facts.
    pub meta: MediaMeta,
}

/// Paging facts of the media list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaMeta {
    /// The page size used.
    #[schema(example = 20)]
    pub limit: i64,
    /// Token for older items; `null` on the last page.
    pub next_cursor: Option<String>,
}
