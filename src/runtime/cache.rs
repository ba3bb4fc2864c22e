//! Kept public responses with exact invalidation: each entry counts only while the
//! generation it was computed at is current.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;

/// A public response kept whole: status, headers, body.
#[derive(Debug)]
pub struct CachedResponse {
    /// The status (200).
    pub status: StatusCode,
    /// Every header the handler set (ETag, Last-Modified, Cache-Control, Link, …).
    pub headers: HeaderMap,
    /// The body, shared.
    pub body: Bytes,
    generation: u64,
    /// The body compressed, made on the first request that asks for each coding.
    gzip: std::sync::OnceLock<Bytes>,
    br: std::sync::OnceLock<Bytes>,
}

/// A content coding the cache keeps bodies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `gzip`
    Gzip,
    /// `br`
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Brotli => "br",
        }
    }
}

/// Compresses a body in memory.
type Compressor = fn(&[u8]) -> std::io::Result<Vec<u8>>;

impl CachedResponse {
    /// The body in `coding`, compressed once per kept response (each later request
    /// sends the same bytes without compressing again).
    pub fn encoded(&self, coding: Coding) -> Bytes {
        use std::io::Write;
        let (cell, compress): (_, Compressor) = match coding {
            Coding::Gzip => (&self.gzip, |raw| {
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(raw.len() / 3),
                    flate2::Compression::default(),
                );
                enc.write_all(raw)?;
                enc.finish()
            }),
            Coding::Brotli => (&self.br, |raw| {
                let mut out = Vec::with_capacity(raw.len() / 3);
                {
                    // Quality 6: most of brotli's gain at a fraction of 11's time.
                    let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
                    enc.write_all(raw)?;
                }
                Ok(out)
            }),
        };
        cell.get_or_init(|| {
            compress(&self.body)
                .map(Bytes::from)
                // Writing into memory does not fail; should it, the body goes as is.
                .unwrap_or_else(|_| self.body.clone())
        })
        .clone()
    }
}

/// Serialized public responses (anonymous GETs answered `Cache-Control: public`), so a
/// repeated read costs no query and no serialization. Exact invalidation: every write
/// this process answers, every view-count flush and every change another process makes
/// (polled) moves the generation; and no entry outlives the next scheduled publication
/// (an article going live changes lists without a write).
#[derive(Debug)]
pub struct ResponseCache {
    generation: AtomicU64,
    /// Unix milliseconds of the next scheduled publication; entries count only before it.
    valid_until: AtomicI64,
    /// The generation `valid_until` was computed at.
    valid_until_generation: AtomicU64,
    entries: RwLock<(HashMap<String, Arc<CachedResponse>>, usize)>,
    /// Responses being computed: the first miss computes, the others wait for it.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The time scheduled publications are compared with.
    clock: crate::domain::time::Clock,
}

/// Responses kept at most, and their bytes at most; past either, the cache starts afresh.
const MAX_RESPONSES: usize = 20_000;
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

impl Default for ResponseCache {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(1),
            valid_until: AtomicI64::new(i64::MIN),
            valid_until_generation: AtomicU64::new(0),
            entries: RwLock::default(),
            flights: Mutex::default(),
            clock: crate::domain::time::Clock::system(),
        }
    }
}

impl ResponseCache {
    /// A cache that goes by `clock` (the store's) for scheduled publications.
    pub fn with_clock(clock: crate::domain::time::Clock) -> Self {
        Self {
            clock,
            ..Self::default()
        }
    }

    fn now_millis(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

impl ResponseCache {
    /// The current generation (taken before computing a response to store).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets every response: something changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// True when entries may be served now: the scheduled-publication bound is known for
    /// this generation and not yet reached.
    fn bound_holds(&self, generation: u64) -> bool {
        self.valid_until_generation.load(Ordering::Acquire) == generation
            && self.now_millis() < self.valid_until.load(Ordering::Acquire)
    }

    /// True when the bound must be computed again before storing (see [`Self::set_bound`]).
    pub fn needs_bound(&self) -> bool {
        !self.bound_holds(self.generation())
    }

    /// Records when the next scheduled publication happens (`None`: none pending),
    /// computed at `generation`.
    pub fn set_bound(&self, generation: u64, next_publication_millis: Option<i64>) {
        self.valid_until.store(
            next_publication_millis.unwrap_or(i64::MAX),
            Ordering::Release,
        );
        self.valid_until_generation
            .store(generation, Ordering::Release);
    }

    /// The response kept for `key`, if still valid.
    pub fn get(&self, key: &str) -> Option<Arc<CachedResponse>> {
        let generation = self.generation();
        if !self.bound_holds(generation) {
            return None;
        }
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .0
            .get(key)
            .filter(|r| r.generation == generation)
            .cloned()
    }

    /// The lock of the computation of `key`: whoever holds it computes the response;
    /// the others wait, then find it kept (no stampede of identical misses).
    pub fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        flights.entry(key.to_string()).or_default().clone()
    }

    /// Ends a computation of `key` begun with [`Self::flight`].
    pub fn land(&self, key: &str, flight: Arc<tokio::sync::Mutex<()>>) {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        // Nobody else waits on it (the map's reference and ours): forget it.
        if Arc::strong_count(&flight) <= 2 {
            flights.remove(key);
        }
    }

    /// Keeps a response computed at `generation`, unless something changed meanwhile.
    pub fn put(
        &self,
        key: String,
        generation: u64,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) {
        if generation != self.generation() || !self.bound_holds(generation) {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let (map, bytes) = &mut *entries;
        let stale = map
            .values()
            .next()
            .is_some_and(|r| r.generation != generation);
        if stale || map.len() >= MAX_RESPONSES || *bytes + body.len() > MAX_RESPONSE_BYTES {
            map.clear();
            *bytes = 0;
        }
        *bytes += body.len();
        map.insert(
            key,
            Arc::new(CachedResponse {
                status,
                headers,
                body,
                generation,
                gzip: std::sync::OnceLock::new(),
                br: std::sync::OnceLock::new(),
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_counts_until_the_next_change_or_publication() {
        let c = ResponseCache::default();
        let g = c.generation();
        assert!(c.needs_bound());
        c.put(
            "k".into(),
            g,
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from("x"),
        );
        assert!(
            c.get("k").is_none(),
            "nothing is kept before the bound is known"
        );
        c.set_bound(g, None);
        c.put(
            "k".into(),
            g,
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from("x"),
        );
        assert_eq!(c.get("k").unwrap().body, Bytes::from("x"));
        c.invalidate();
        assert!(c.get("k").is_none(), "a write forgets it");
        let g = c.generation();
        c.set_bound(g, Some(c.now_millis() - 1));
        c.put(
            "k".into(),
            g,
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from("y"),
        );
        assert!(c.get("k").is_none(), "a publication time passed");
    }
}
