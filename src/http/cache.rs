//! The response cache in front of the handlers: an anonymous GET answered
//! `Cache-Control: public` is kept whole and served again from memory (304 when the
//! client's copy matches) until a commit touches one of the cache tags the handler
//! named in `Surrogate-Key` (this process's writer reports its commits; other
//! processes' are read from the store by `serve`), or its view counts are older than
//! their lag. See [`crate::runtime::cache::ResponseCache`]. Public responses carry
//! their tags for a CDN in front as `Surrogate-Key` and `Cache-Tag`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use crate::db;
use crate::domain::cache_tags;
use crate::http::conditional::{self, Validators};
use crate::runtime::cache::{CachedResponse, Coding, Lookup};
use crate::state::AppState;

fn cacheable(req: &ServiceRequest) -> bool {
    req.method() == Method::GET && !req.headers().contains_key(header::AUTHORIZATION)
}

/// Bodies below this are sent as they are (compressing them saves too little).
const MIN_COMPRESSED: usize = 1024;

/// The coding a kept response goes out in: the client's preference among br and gzip.
fn coding(req: &ServiceRequest, hit: &CachedResponse) -> Option<Coding> {
    use actix_web::http::header::{AcceptEncoding, Encoding, Header};
    if hit.body.len() < MIN_COMPRESSED {
        return None;
    }
    let accept = AcceptEncoding::parse(req.request()).ok()?;
    let supported = [Encoding::brotli(), Encoding::gzip(), Encoding::identity()];
    match accept.negotiate(supported.iter()) {
        Some(e) if e == Encoding::brotli() => Some(Coding::Brotli),
        Some(e) if e == Encoding::gzip() => Some(Coding::Gzip),
        _ => None,
    }
}

/// A compressed body is another representation: its strong ETag differs from the
/// identity body's (`"…"` → `"…-gzip"`), as RFC 9110 §8.8.3 asks.
fn coded_etag(etag: &str, coding: Coding) -> String {
    match etag.strip_suffix('"') {
        Some(open) => format!("{open}-{}\"", coding.token()),
        None => etag.to_string(),
    }
}

fn from_cache(req: &ServiceRequest, hit: &CachedResponse) -> HttpResponse {
    let text = |name| {
        hit.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let coding = coding(req, hit);
    let etag = text(header::ETAG).unwrap_or_default();
    let v = Validators {
        etag: match coding {
            Some(c) => coded_etag(&etag, c),
            None => etag.clone(),
        },
        last_modified: text(header::LAST_MODIFIED),
    };
    // Either copy the client holds is still good; the 304 names the one it holds.
    let identity = Validators {
        etag: etag.clone(),
        last_modified: v.last_modified.clone(),
    };
    let matched = if etag.is_empty() {
        None
    } else if conditional::is_fresh(req.request(), &v) {
        Some(&v.etag)
    } else if coding.is_some() && conditional::is_fresh(req.request(), &identity) {
        Some(&identity.etag)
    } else {
        None
    };
    let mut res = if let Some(matched) = matched {
        let mut res = HttpResponse::NotModified().finish();
        for name in [header::LAST_MODIFIED, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = hit.headers.get(&name) {
                res.headers_mut().insert(name, value.clone());
            }
        }
        if let Ok(value) = HeaderValue::from_str(matched) {
            res.headers_mut().insert(header::ETAG, value);
        }
        return res;
    } else {
        match coding {
            Some(c) => HttpResponse::build(hit.status).body(hit.encoded(c)),
            None => HttpResponse::build(hit.status).body(hit.body.clone()),
        }
    };
    let headers = res.headers_mut();
    for (name, value) in &hit.headers {
        headers.append(name.clone(), value.clone());
    }
    if let Some(c) = coding {
        // Set here, so actix's Compress leaves the body alone.
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(c.token()),
        );
        if let Ok(value) = HeaderValue::from_str(&v.etag) {
            headers.insert(header::ETAG, value);
        }
    }
    // `Vary: Accept-Encoding` is among the kept headers (every public answer has it).
    res
}

/// Names the cache tags `res` shows (see [`crate::domain::cache_tags`]), in
/// `Surrogate-Key`: what keeps it, here and in a CDN, until a commit touches one of
/// them. A public response without tags is not kept here. Kept off non-public
/// responses by the cache middleware.
pub fn tagged<S: AsRef<str>>(
    mut res: HttpResponse,
    tags: impl IntoIterator<Item = S>,
) -> HttpResponse {
    let mut names: Vec<String> = Vec::new();
    let every = [cache_tags::EVERYTHING.to_string()];
    for tag in tags
        .into_iter()
        .map(|t| t.as_ref().to_string())
        .chain(every)
    {
        if cache_tags::is_header_safe(&tag) && !names.contains(&tag) {
            names.push(tag);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&names.join(" "))
        && !names.is_empty()
    {
        res.headers_mut()
            .insert(header::HeaderName::from_static(SURROGATE_KEY), value);
    }
    res
}

/// The cache tags a handler named in `Surrogate-Key` (space-separated).
fn tags_of(headers: &actix_web::http::header::HeaderMap) -> Vec<String> {
    headers
        .get(SURROGATE_KEY)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split_ascii_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `Surrogate-Key`: the cache tags of a public response (Fastly, Varnish xkey).
pub const SURROGATE_KEY: &str = "surrogate-key";
/// `Cache-Tag`: the same tags comma-separated (Cloudflare, Akamai).
pub const CACHE_TAG: &str = "cache-tag";

/// True when the response may be kept by anyone (`Cache-Control: public`).
fn is_public(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes().starts_with(b"public"))
}

/// Public responses carry their tags twice (`Surrogate-Key`, `Cache-Tag`); others none.
fn label(headers: &mut actix_web::http::header::HeaderMap) {
    if !is_public(headers) {
        headers.remove(SURROGATE_KEY);
        return;
    }
    let tags = tags_of(headers);
    if let Ok(value) = HeaderValue::from_str(&tags.join(","))
        && !tags.is_empty()
    {
        headers.insert(header::HeaderName::from_static(CACHE_TAG), value);
    }
}

/// Serves kept responses, keeps new public ones.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = state.responses.clone();
    // Writes are not seen here: the writer's commit report forgets kept responses
    // (see `AppState::new`), whichever path or job wrote.
    if !cacheable(&req) {
        let mut res = next.call(req).await?;
        label(res.headers_mut());
        return Ok(res.map_into_boxed_body());
    }
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_string(), |p| p.as_str().to_string());
    let stale = match cache.get(&key) {
        Lookup::Fresh(hit) => {
            cache.counts.hits.inc();
            let res = from_cache(&req, &hit);
            return Ok(req.into_response(res));
        }
        Lookup::Stale(old) => Some(old),
        Lookup::Miss => None,
    };
    // One computation per key at a time. With a stale copy kept, the others are
    // served it meanwhile (stale-while-revalidate); without, they wait and usually
    // find the new one kept.
    let flight = cache.flight(&key);
    let turn = match (&stale, flight.clone().try_lock_owned()) {
        (_, Ok(turn)) => turn,
        (Some(old), Err(_)) => {
            cache.counts.stale.inc();
            cache.land(&key, flight);
            let res = from_cache(&req, old);
            return Ok(req.into_response(res));
        }
        (None, Err(_)) => {
            let turn = flight.clone().lock_owned().await;
            if let Lookup::Fresh(hit) = cache.get(&key) {
                drop(turn);
                cache.land(&key, flight);
                cache.counts.hits.inc();
                let res = from_cache(&req, &hit);
                return Ok(req.into_response(res));
            }
            turn
        }
    };
    let generation = cache.generation();
    let bound = cache.bound_stamp();
    let result = compute(&state, &key, (generation, bound), next.call(req).await).await;
    // Stored (or not) before the waiting requests look again.
    drop(turn);
    cache.land(&key, flight);
    result
}

/// When the next scheduled publication happens (Unix milliseconds; `None`: none is
/// pending), for [`crate::runtime::cache::ResponseCache::set_bound`].
pub fn next_publication_millis(
    conn: &mut db::AnyConnection,
) -> Result<Option<i64>, db::StoreError> {
    let next = db::next_publication(conn, db::now_utc())?;
    Ok(next.map(|t| crate::domain::time::parse(&t).map_or(i64::MIN, |t| t.timestamp_millis())))
}

/// Runs after the handler: keeps a public 200 and hands the response on.
async fn compute(
    state: &AppState,
    key: &str,
    (generation, bound): (u64, u64),
    res: Result<ServiceResponse<impl MessageBody + 'static>, Error>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let cache = &state.responses;
    let mut res = res?;
    label(res.headers_mut());
    // A miss is a public answer computed (not `/metrics`, an error, a keyed read).
    if is_public(res.headers()) {
        cache.counts.misses.inc();
    }
    let tags = tags_of(res.headers());
    if res.status() != StatusCode::OK || !is_public(res.headers()) || tags.is_empty() {
        if res.status() != StatusCode::NOT_MODIFIED {
            // What was kept for it is no longer the answer (an article deleted).
            cache.remove(key);
        }
        return Ok(res.map_into_boxed_body());
    }
    if tags.iter().any(|t| t == cache_tags::ARTICLES)
        && cache.needs_bound()
        && let Ok(next) = db::run(&state.pool, |conn| next_publication_millis(conn)).await
    {
        cache.set_bound(bound, next);
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(body).await else {
        let res = HttpResponse::InternalServerError().finish();
        return Ok(ServiceResponse::new(req, res));
    };
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    cache.put(
        key.to_string(),
        generation,
        &tags,
        (head.status(), head.headers().clone(), bytes.clone()),
    );
    Ok(ServiceResponse::new(
        req,
        head.set_body(bytes).map_into_boxed_body(),
    ))
}
