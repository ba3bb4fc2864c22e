//! Conditional requests and caching headers: ETag, Last-Modified, If-None-Match,
//! If-Modified-Since (304), If-Match (412), Cache-Control by caller.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::config::Config;
use crate::db::StoreError;
use crate::domain::access::Caller;
use crate::error::ApiError;

pub use crate::domain::version::{Validators, hashed_etag};

fn tags_in(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// True when `If-None-Match` (weak comparison) or else `If-Modified-Since` says the
/// client's copy is current.
pub fn is_fresh(req: &HttpRequest, v: &Validators) -> bool {
    let headers = req.headers();
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
    {
        let ours = v.etag.trim_start_matches("W/");
        return tags_in(inm).any(|t| t == "*" || t.trim_start_matches("W/") == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|h| h.to_str().ok());
    match (
        since.and_then(parse_http_date),
        v.last_modified.as_deref().and_then(parse_http_date),
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}

fn parse_http_date(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc2822(s)
        .ok()
        .map(|t| t.to_utc())
}

/// The `If-Match` header of a write, if any.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

/// `if_match: IfMatch` in a handler's arguments reads the header; what it names is
/// checked inside the write, against the stored version.
impl actix_web::FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

impl IfMatch {
    /// Reads `If-Match` from the request.
    pub fn of(req: &HttpRequest) -> Self {
        Self(
            req.headers()
                .get(header::IF_MATCH)
                .map(|h| h.to_str().unwrap_or("\u{0}").to_string()),
        )
    }

    /// True when the request carries `If-Match`.
    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }

    /// 412 unless the header is absent, `*`, or names `current` (strong comparison).
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        self.check_stored(current).map_err(ApiError::from)
    }

    /// [`Self::check`] inside a store write: a mismatch is [`StoreError::Stale`], which
    /// rolls the write back.
    pub fn check_stored(&self, current: &str) -> Result<(), StoreError> {
        match &self.0 {
            None => Ok(()),
            Some(v) if tags_in(v).any(|t| t == "*" || t == current) => Ok(()),
            Some(_) => Err(StoreError::Stale {
                current: current.to_string(),
            }),
        }
    }
}

/// Cache-Control for a read by `caller`: shared caches may keep public reads only.
pub fn cache_control(caller: &Caller, config: &Config) -> String {
    if caller.sees_unpublished() {
        "private, no-cache".to_string()
    } else {
        format!(
            "public, max-age={}, s-maxage={}, stale-while-revalidate={}",
            config.cache_max_age, config.cache_s_maxage, config.cache_swr
        )
    }
}

fn with_validators(mut b: HttpResponseBuilder, v: &Validators, cache: &str) -> HttpResponseBuilder {
    b.insert_header((header::ETAG, v.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Authorization, Accept-Encoding"));
    if let Some(lm) = &v.last_modified {
        b.insert_header((header::LAST_MODIFIED, lm.as_str()));
    }
    b
}

/// 200 with `body` and its validators, or 304 when the client's copy is current.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    v: &Validators,
    cache: &str,
    body: &T,
) -> HttpResponse {
    if is_fresh(req, v) {
        return with_validators(HttpResponse::NotModified(), v, cache).finish();
    }
    with_validators(HttpResponse::Ok(), v, cache).json(body)
}

/// 200 with `body` validated by a hash of its bytes (for resources without a version:
/// webhooks, revision lists), Cache-Control by caller; or 304 when the client's copy is
/// current.
pub fn respond_hashed<T: Serialize>(
    req: &HttpRequest,
    caller: &Caller,
    config: &Config,
    body: &T,
) -> Result<HttpResponse, ApiError> {
    respond_page(req, caller, config, body, None)
}

/// [`respond_hashed`] with `Last-Modified` too: `changed`, the store's last change (a
/// page of a list, which any write may change).
pub fn respond_page<T: Serialize>(
    req: &HttpRequest,
    caller: &Caller,
    config: &Config,
    body: &T,
    changed: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let v = Validators {
        etag: hashed_etag(&bytes),
        last_modified: changed.and_then(crate::domain::time::http_date),
    };
    Ok(respond(req, &v, &cache_control(caller, config), body))
}

/// 200 with a body already serialized as `content_type`, or 304 when the client's copy
/// is current.
pub fn respond_bytes(
    req: &HttpRequest,
    v: &Validators,
    cache: &str,
    content_type: &str,
    body: impl Into<actix_web::web::Bytes>,
) -> HttpResponse {
    if is_fresh(req, v) {
        return with_validators(HttpResponse::NotModified(), v, cache).finish();
    }
    with_validators(HttpResponse::Ok(), v, cache)
        .content_type(content_type)
        .body(body.into())
}

/// A write's response (200 or 201) carrying the new validators; never cached.
pub fn written(status: StatusCode, v: &Validators) -> HttpResponseBuilder {
    with_validators(HttpResponse::build(status), v, "no-store")
}
