//! Versions as validators: the strong ETag and modification date a representation is
//! known by (RFC 9110 §8.8), computed from what it shows.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::article::Status;
use crate::domain::input::{TermRef, Translation};

/// The validators of one representation.
#[derive(Debug, Clone)]
pub struct Validators {
    /// A strong entity tag, quotes included.
    pub etag: String,
    /// An HTTP date, when the resource has a modification time.
    pub last_modified: Option<String>,
}

/// A strong ETag from a hash of some bytes.
pub fn hashed_etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..20])
}

/// What an article's validators are computed from.
#[derive(Debug, Clone, Copy)]
pub struct ArticleFacts<'a> {
    /// Its version (one more with every change).
    pub version: i32,
    /// Its status as shown now.
    pub status: Status,
    /// When it is (or will be) public.
    pub published_at: Option<DateTime<Utc>>,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
    /// Its tags, authors and translations as shown.
    pub tags: &'a [TermRef],
    /// Its authors.
    pub authors: &'a [TermRef],
    /// Its other-language versions.
    pub translations: &'a [Translation],
}

/// ETag `"v{version}-{hash}"`: the version, plus a hash of what can change without one
/// (the shown status, tag and author names, translations). `view_count` is left out on
/// purpose, so views never make an editor's `If-Match` stale. `Last-Modified` is the
/// publication time of a scheduled article whose time has come (it changed without an
/// update), else the last change.
pub fn article_validators(a: ArticleFacts<'_>) -> Validators {
    let linked = format!(
        "{:?}{:?}{:?}{:?}",
        a.status, a.tags, a.authors, a.translations
    );
    let hash = hashed_etag(linked.as_bytes());
    let modified = match (a.status, a.published_at) {
        (Status::Published, Some(p)) if p > a.updated_at => p,
        _ => a.updated_at,
    };
    Validators {
        etag: format!("\"v{}-{}\"", a.version, &hash[1..9]),
        last_modified: Some(modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string()),
    }
}
