//! Versions as validators: the strong ETag and modification date a representation is
//! known by (RFC 9110 §8.8), computed from what it shows.

use sha2::{Digest, Sha256};

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
