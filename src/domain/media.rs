//! Media items as articles use them: the `media:ID` references an article may hold (its
//! `feature_image.url`, Markdown `![alt](media:ID)`), the catalog a write resolves them
//! against, and the resolved image an article shows (URL, size, alt, `srcset`).

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::image::Format;

/// The scheme of a reference to a media item.
pub const SCHEME: &str = "media:";

/// Schema pattern of an image URL: an absolute http(s) URL or `media:` and a media id
/// ([`is_image_url`]).
pub const IMAGE_URL_PATTERN: &str = r"^(https?://[^\s/?#]+[^\s]*|media:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$";

/// Whether `s` is a media id (a UUID in lower-case hex).
pub fn is_media_id(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

/// The media id `url` refers to, when it is a `media:` reference.
pub fn reference(url: &str) -> Option<&str> {
    url.strip_prefix(SCHEME)
}

/// Whether `s` is an absolute http(s) URL or a well-formed `media:` reference.
pub fn is_image_url(s: &str) -> bool {
    match reference(s) {
        Some(id) => is_media_id(id),
        None => super::article::is_web_url(s),
    }
}

/// Every media id a Markdown body refers to (`![alt](media:ID)`).
pub fn references_in(markdown: &str) -> BTreeSet<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    // The options the renderer parses with: an image in a footnote counts too.
    Parser::new_ext(markdown, super::markdown::options())
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => reference(&dest_url).map(str::to_string),
            _ => None,
        })
        .collect()
}

/// One stored copy of a media item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Its content address in the media store (`{sha256}.{ext}`).
    pub name: String,
    /// `jpeg`, `png`, `webp` or `gif`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// The full-size clean copy of the upload.
    #[serde(default)]
    pub original: bool,
}

impl StoredFile {
    /// Its media type.
    pub fn mime(&self) -> &'static str {
        Format::parse(&self.format).map_or("application/octet-stream", Format::mime)
    }
}

/// A media item as stored.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    pub id: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub files: Vec<StoredFile>,
}

impl StoredMedia {
    /// The full-size clean copy.
    pub fn original(&self) -> Option<&StoredFile> {
        self.files
            .iter()
            .find(|f| f.original)
            .or_else(|| self.files.first())
    }

    /// The copy a plain `src` shows: the widest in the original's format up to 1600
    /// pixels (the full copy of a small image).
    pub fn fallback(&self) -> Option<&StoredFile> {
        self.files
            .iter()
            .filter(|f| f.format == self.format && f.width <= 1600)
            .max_by_key(|f| f.width)
            .or_else(|| self.original())
    }

    /// `srcset` over the WebP copies (every browser that reads `srcset` decodes WebP).
    pub fn srcset(&self, base: &str) -> String {
        let mut webp: Vec<&StoredFile> = self.files.iter().filter(|f| f.format == "webp").collect();
        webp.sort_by_key(|f| f.width);
        webp.dedup_by_key(|f| f.width);
        webp.iter()
            .map(|f| format!("{} {}w", url(base, &f.name), f.width))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The URL of a stored copy under the media base URL.
pub fn url(base: &str, name: &str) -> String {
    format!("{base}/{name}")
}

/// `sizes` for an image in an article's body: the column's width, at most 1024 pixels.
pub const SIZES: &str = "(max-width: 1024px) 100vw, 1024px";

/// An image resolved for an article: what the article JSON and feeds show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedImage {
    pub media_id: String,
    pub url: String,
    pub width: u32,
    pub height: u32,
    #[serde(rename = "type")]
    pub mime: String,
    pub bytes: u64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub srcset: String,
}

/// The media items a write may refer to, with the base URL of their bytes.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    base: String,
    items: HashMap<String, StoredMedia>,
}

impl Catalog {
    /// A catalog of `items`, their bytes under `base`.
    pub fn new(base: &str, items: impl IntoIterator<Item = StoredMedia>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            items: items.into_iter().map(|m| (m.id.clone(), m)).collect(),
        }
    }

    /// Whether it holds no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item `id`.
    pub fn get(&self, id: &str) -> Option<&StoredMedia> {
        self.items.get(id)
    }

    /// Item `id` as shown with `alt` and `caption` given by the article (each falls back
    /// to the item's own).
    pub fn resolve(
        &self,
        id: &str,
        alt: Option<&str>,
        caption: Option<&str>,
    ) -> Option<ResolvedImage> {
        let m = self.items.get(id)?;
        let shown = m.fallback()?;
        let given = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Some(ResolvedImage {
            media_id: m.id.clone(),
            url: url(&self.base, &shown.name),
            width: shown.width,
            height: shown.height,
            mime: shown.mime().to_string(),
            bytes: shown.bytes,
            alt: given(alt).or_else(|| m.alt.clone()),
            caption: given(caption).or_else(|| m.caption.clone()),
            credit: m.credit.clone(),
            srcset: m.srcset(&self.base),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_in_markdown_and_urls() {
        let id = "01936f3e-8a7b-7cde-9f01-23456789abcd";
        let md = format!("Text ![A vigil](media:{id}) and ![x](https://e.org/a.png)");
        assert_eq!(references_in(&md), BTreeSet::from([id.to_string()]));
        assert!(is_image_url(&format!("media:{id}")));
        assert!(!is_image_url("media:nope"));
        assert!(is_image_url("https://example.org/a.jpg"));
        let re = regex::Regex::new(IMAGE_URL_PATTERN).expect("pattern");
        for s in [
            format!("media:{id}"),
            "https://e.org/a".into(),
            "media:x".into(),
            "ftp://a".into(),
        ] {
            assert_eq!(re.is_match(&s), is_image_url(&s), "{s}");
        }
    }
}
