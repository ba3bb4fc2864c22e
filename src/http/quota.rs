//! The request gate. First the size of the request's headers (431 past
//! `NEWSDESK_MAX_HEADER_BYTES`, so no handler parses a huge cookie or key). Then the
//! quota: every `/v1` request is counted against its client's rate — the
//! key's own rate or `NEWSDESK_KEY_RATE` for a valid key, `NEWSDESK_ANON_RATE` per client
//! address otherwise (bad keys too, so guessing keys is rate-limited) — and answered with
//! `RateLimit-Policy` and `RateLimit` headers; past the quota, 429 with `Retry-After`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use crate::error::ApiError;
use crate::http::auth::{Authenticated, resolve};
use crate::http::client;
use crate::runtime::quotas::Decision;
use crate::state::AppState;

fn add_headers(headers: &mut actix_web::http::header::HeaderMap, d: &Decision) {
    for (name, value) in [
        ("ratelimit-policy", d.policy_header()),
        ("ratelimit", d.header()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

/// Counts the request and answers 429 past the quota.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(limit) = state.as_ref().map(|s| s.config.max_header_bytes) {
        let size: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        if size > limit {
            let err = ApiError::HeadersTooLarge(format!(
                "The request's headers are {size} bytes; this server accepts at most {limit}."
            ));
            return Ok(req
                .into_response(err.error_response())
                .map_into_right_body());
        }
    }
    // Everything is counted but the operations endpoints and the docs (matched on the
    // raw path: a percent-encoded path to an API route is counted too).
    let path = req.path();
    let exempt = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"].contains(&path)
        || path.starts_with("/docs/")
        // Media bytes: public, immutable, several per page (a CDN's job to absorb).
        || path.starts_with("/media/");
    let Some(state) = state.filter(|_| !exempt) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let config = &state.config;
    let (client, rate) = match resolve(req.headers(), &state).await {
        Ok(Authenticated(caller @ crate::domain::access::Caller::Key { .. }, own)) => {
            let name = match &caller {
                crate::domain::access::Caller::Key { name, .. } => name.clone(),
                crate::domain::access::Caller::Public => String::new(),
            };
            req.extensions_mut().insert(Authenticated(caller, own));
            (format!("key:{name}"), own.or(config.key_rate))
        }
        _ => (
            format!(
                "ip:{}",
                client::service_address(&req, &config.trusted_proxies)
            ),
            config.anon_rate,
        ),
    };
    let Some(rate) = rate else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let decision = state.limits.check(&client, rate, state.clock_now());
    if !decision.allowed {
        let err = ApiError::TooManyRequests {
            detail: format!(
                "This client may make {} requests per {} s; wait {} s.",
                rate.limit, rate.window_secs, decision.reset_secs
            ),
            retry_after: decision.reset_secs,
        };
        let mut res = err.error_response();
        add_headers(res.headers_mut(), &decision);
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    add_headers(res.headers_mut(), &decision);
    Ok(res.map_into_left_body())
}
