//! Opaque paging tokens: URL-safe base64 of a small text the server alone reads.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// Encodes the parts of a keyset position.
pub fn encode(parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("\n"))
}

/// Decodes a token into exactly `n` parts, or answers 400 naming `cursor`.
pub fn decode(token: &str, n: usize) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::bad_param("cursor", "not a cursor this server issued");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let parts: Vec<String> = text.split('\n').map(str::to_owned).collect();
    if parts.len() != n {
        return Err(bad());
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let t = encode(&["2026-01-01T00:00:00.000000Z", "42"]);
        assert_eq!(
            decode(&t, 2).unwrap(),
            ["2026-01-01T00:00:00.000000Z", "42"]
        );
        assert!(decode("%%%", 2).is_err());
        assert!(decode(&t, 3).is_err());
    }
}
