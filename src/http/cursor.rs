//! Opaque paging tokens: URL-safe base64 of the position's parts and a checksum, so a
//! token the server did not issue (or one that was edited) is a 400, never a wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

fn checksum(payload: &str) -> String {
    hex::encode(&Sha256::digest(payload.as_bytes())[..6])
}

/// Encodes the parts of a keyset position.
pub fn encode(parts: &[&str]) -> String {
    let payload = parts.join("\n");
    URL_SAFE_NO_PAD.encode(format!("{payload}\n{}", checksum(&payload)))
}

/// Decodes a token into exactly `n` parts, or answers 400 naming `cursor`.
pub fn decode(token: &str, n: usize) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::bad_param("cursor", "not a cursor this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (payload, sum) = text.rsplit_once('\n').ok_or_else(bad)?;
    if checksum(payload) != sum {
        return Err(bad());
    }
    let parts: Vec<String> = payload.split('\n').map(str::to_owned).collect();
    if parts.len() != n {
        return Err(bad());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage_and_edits() {
        let t = encode(&["2026-01-01T00:00:00.000000Z", "42"]);
        assert_eq!(
            decode(&t, 2).unwrap(),
            ["2026-01-01T00:00:00.000000Z", "42"]
        );
        assert!(decode("%%%", 2).is_err());
        assert!(decode(&t, 3).is_err());
        let forged = URL_SAFE_NO_PAD.encode("2026-01-01T00:00:00.000000Z\n41\n000000000000");
        assert!(decode(&forged, 2).is_err());
        assert!(decode("aGVsbG8KMQ", 2).is_err());
    }
}
