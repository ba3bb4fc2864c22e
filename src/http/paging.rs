//! Paging, one way for every list: the page parameters ([`PageParams`]), the page size
//! ([`limit`]), opaque cursors ([`encode`], [`decode`], [`numbered`]) and the next page's
//! address ([`link`]).
//!
//! A cursor is URL-safe base64 of the position's parts and a checksum, so a token the
//! server did not issue (or one that was edited) is a 400, never a wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use crate::error::ApiError;

/// Paging of a list ordered by slug (tags, authors) or of the trash.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<i64>,
    /// Opaque token from `meta.next_cursor` of the previous page (no example: only
    /// tokens this server issued are valid).
    pub cursor: Option<String>,
}

/// The page size asked for (`default` when absent); a 400 naming `limit` outside
/// `1..=max`.
pub fn limit(given: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = given.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_param(
            "limit",
            format!("must be between 1 and {max}"),
        ));
    }
    Ok(limit)
}

/// A cursor for a position counted in one sequence (`kind`: `changes`, `deliveries`).
pub fn encode_numbered(kind: &str, n: i32) -> String {
    encode(&[kind, &n.to_string()])
}

/// Reads a cursor made by [`encode_numbered`] with the same `kind`; a 400 naming `param`
/// for anything else.
pub fn numbered(param: &str, token: &str, kind: &str) -> Result<i32, ApiError> {
    let bad = || ApiError::bad_param(param, "not a cursor this server issued");
    let parts = decode(token, 2).map_err(|_| bad())?;
    if parts[0] != kind {
        return Err(bad());
    }
    parts[1].parse().ok().filter(|n| *n >= 0).ok_or_else(bad)
}

/// A page of a list kept newest first by an integer key (media, deliveries): its size,
/// from `limit` (default 20, at most 100), and the key it starts below, from `cursor`.
#[derive(Debug, Clone, Copy)]
pub struct NumberedPage {
    /// Items per page.
    pub limit: i64,
    /// Only keys below this one (none: from the newest).
    pub before: Option<i32>,
    kind: &'static str,
}

impl NumberedPage {
    /// Reads the `limit` and `cursor` parameters of a list of `kind`; a 400 naming the
    /// parameter that is wrong.
    pub fn of(
        kind: &'static str,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            limit: self::limit(limit, 20, 100)?,
            before: cursor.map(|t| numbered("cursor", t, kind)).transpose()?,
            kind,
        })
    }

    /// The next page's cursor: below the last key shown, when more items follow.
    pub fn next(&self, more: bool, last: Option<i32>) -> Option<String> {
        last.filter(|_| more).map(|n| encode_numbered(self.kind, n))
    }
}

/// This request's address with `cursor` and `page` replaced by `set`: the `next` (or
/// `prev`) link of a page, absolute under `public_url`.
pub fn link(public_url: &str, req: &actix_web::HttpRequest, set: (&str, &str)) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "cursor" && k != "page" {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair(set.0, set.1);
    format!("{public_url}{}?{}", req.path(), out.finish())
}

/// This request's own address, and the first page's (without `cursor`), absolute.
pub fn self_and_first(public_url: &str, req: &actix_web::HttpRequest) -> (String, String) {
    let at = |qs: &str| match qs {
        "" => format!("{public_url}{}", req.path()),
        qs => format!("{public_url}{}?{qs}", req.path()),
    };
    let mut first = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if k != "cursor" {
            first.append_pair(&k, &v);
        }
    }
    (at(req.query_string()), at(&first.finish()))
}

/// The `Link` header of a page (RFC 8288): `next` (and `prev` for numbered pages).
/// `page` is the number of a numbered page, `next_cursor` the next page's cursor.
pub fn links(
    public_url: &str,
    req: &actix_web::HttpRequest,
    page: Option<i64>,
    more: bool,
    next_cursor: Option<&str>,
) -> Option<String> {
    let to =
        |set: (&str, &str), rel: &str| format!("<{}>; rel=\"{rel}\"", link(public_url, req, set));
    let mut out = Vec::new();
    match (page, next_cursor) {
        (Some(n), _) => {
            if more {
                out.push(to(("page", &(n + 1).to_string()), "next"));
            }
            if n > 1 {
                out.push(to(("page", &(n - 1).to_string()), "prev"));
            }
        }
        (None, Some(next)) => out.push(to(("cursor", next), "next")),
        (None, None) => {}
    }
    (!out.is_empty()).then(|| out.join(", "))
}

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

    #[test]
    fn a_numbered_cursor_serves_only_its_own_sequence_and_limits_are_bounded() {
        // The spec's example of `since` is a real token.
        assert_eq!(
            encode_numbered("changes", 1042),
            "Y2hhbmdlcwoxMDQyCjliZTFhNDAzYjY2ZQ"
        );
        let t = encode_numbered("changes", 42);
        assert_eq!(numbered("since", &t, "changes").unwrap(), 42);
        assert!(numbered("cursor", &t, "deliveries").is_err());
        assert!(numbered("since", &encode(&["changes", "-1"]), "changes").is_err());
        assert_eq!(limit(None, 20, 100).unwrap(), 20);
        assert!(limit(Some(0), 20, 100).is_err());
        assert!(limit(Some(101), 20, 100).is_err());
    }
}
