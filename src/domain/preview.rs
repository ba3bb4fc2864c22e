//! Draft preview links: a token naming one article and an expiry, signed with
//! HMAC-SHA256 under a server secret. Anything edited, expired or signed with another
//! secret does not verify.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(secret: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(payload.as_bytes());
    Some(mac)
}

/// A token for article `id` valid until `expires` (Unix seconds).
pub fn sign(secret: &[u8], id: &str, expires: i64) -> String {
    let payload = format!("{id}.{expires}");
    let tag = mac(secret, &payload)
        .map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{}.{tag}", URL_SAFE_NO_PAD.encode(payload))
}

/// The article id of a token that is authentic and not expired at `now` (Unix seconds).
/// The signature is compared in constant time.
pub fn verify(secret: &[u8], token: &str, now: i64) -> Option<String> {
    let (payload, tag) = token.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(secret, &payload)?.verify_slice(&tag).ok()?;
    let (id, expires) = payload.rsplit_once('.')?;
    let expires: i64 = expires.parse().ok()?;
    (expires > now).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_until_it_expires_and_not_when_edited() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let t = sign(secret, "01936b2e-7c4a", 1_000);
        assert_eq!(verify(secret, &t, 999).as_deref(), Some("01936b2e-7c4a"));
        assert_eq!(verify(secret, &t, 1_000), None, "expired");
        assert_eq!(verify(b"another secret of thirty-two b..", &t, 0), None);
        let (payload, tag) = t.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode("01936b2e-7c4a.999999");
        assert_eq!(verify(secret, &format!("{forged}.{tag}"), 0), None);
        assert_eq!(verify(secret, &format!("{payload}.x{tag}"), 0), None);
        assert_eq!(verify(secret, "garbage", 0), None);
    }
}
