//! Kept public responses, bounded in bytes, forgotten by cache tag.
//!
//! The entries live in two `quick_cache` caches sharing one byte budget: a hot tier (a
//! third of it) of responses as sent, and a warm tier (the rest) of every kept response
//! with its body packed with LZ4 (an article's three bodies pack about 5:1, so the warm
//! tier holds several times the responses the same bytes would hold unpacked). A read
//! the hot tier misses and the warm one has unpacks the body (microseconds, against the
//! store's hundreds for a miss) and moves the response to the hot tier. Packing an
//! article costs ~18 µs, about a tenth of a miss (R3 and W8, all misses, measured level). Each tier has a
//! byte budget (its weigher counts each body, and in the hot tier an allowance for its
//! compressed copies), S3-FIFO eviction (a new entry waits
//! in a small queue and reaches the main one only when read again, so an archive's long
//! tail read once does not push out the hot head; and, unlike TinyLFU admission, a hot
//! entry is kept at once after a sweep of cold ones) and eviction of single entries.
//! It replaced `moka`, whose TinyLFU kept the hot head out for tens of seconds after a
//! sweep of the archive (BENCHMARKS.md).
//!
//! Forgetting is by tag (see [`crate::domain::cache_tags`]) and lazy: every kept
//! response records the tags it shows and the generation it was computed from; a commit
//! moves the generation and stamps each tag it touched with it (in a fixed table of
//! slots, by hash: two tags sharing a slot only cost an extra miss). An entry counts
//! while none of its tags was stamped after it was computed, and while its view counts
//! are at most `views_lag` old. Nothing walks the entries.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;

use crate::domain::cache_tags;

/// A public response kept whole: status, headers, body.
#[derive(Debug)]
pub struct CachedResponse {
    /// The status (200).
    pub status: StatusCode,
    /// Every header the handler set (ETag, Last-Modified, Cache-Control, Link, …).
    pub headers: HeaderMap,
    /// The body, shared.
    pub body: Bytes,
    /// The slots of the tags it shows.
    slots: Box<[u32]>,
    /// The generation it was computed from.
    born: u64,
    /// When it was kept, by the store's clock (Unix milliseconds).
    at: i64,
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

    /// The bytes it is counted as in the budget: the body, an allowance of half the
    /// body for its compressed copies (each about a quarter of it), the headers and
    /// the bookkeeping.
    fn weight(&self, key: &str) -> u32 {
        let total = key.len()
            + self.body.len() * 3 / 2
            + header_bytes(&self.headers)
            + self.slots.len() * 4
            + 256;
        u32::try_from(total).unwrap_or(u32::MAX)
    }
}

/// A kept response in the warm tier: its headers and body packed together (LZ4), so an
/// entry is one allocation of a few kilobytes.
#[derive(Debug)]
pub struct PackedResponse {
    status: StatusCode,
    /// LZ4 block format, its length first, of: the header block's length (u32 LE); each
    /// header as name length (u16 LE), name, value length (u32 LE), value; the body.
    packed: Box<[u8]>,
    slots: Box<[u32]>,
    born: u64,
    at: i64,
}

impl PackedResponse {
    fn pack(r: &CachedResponse) -> Self {
        thread_local! {
            /// The bytes to pack and the packing, reused: an entry then costs one exact
            /// allocation (no 20 KB buffer shrunk to 3 KB per entry, which fragments the
            /// heap).
            static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = Default::default();
        }
        BUFFERS.with_borrow_mut(|(raw, out)| Self::pack_with(r, raw, out))
    }

    fn pack_with(r: &CachedResponse, raw: &mut Vec<u8>, out: &mut Vec<u8>) -> Self {
        raw.clear();
        raw.extend_from_slice(&[0; 4]);
        for (name, value) in &r.headers {
            // Header names are short and values far below 4 GB.
            raw.extend_from_slice(&(name.as_str().len() as u16).to_le_bytes());
            raw.extend_from_slice(name.as_str().as_bytes());
            raw.extend_from_slice(&(value.len() as u32).to_le_bytes());
            raw.extend_from_slice(value.as_bytes());
        }
        let header_len = (raw.len() - 4) as u32;
        raw[..4].copy_from_slice(&header_len.to_le_bytes());
        raw.extend_from_slice(&r.body);
        // The format of `lz4_flex::compress_prepend_size`: the length, then the block.
        out.clear();
        out.resize(4 + lz4_flex::block::get_maximum_output_size(raw.len()), 0);
        out[..4].copy_from_slice(&(raw.len() as u32).to_le_bytes());
        // The output holds the largest block the input can make.
        let n = lz4_flex::block::compress_into(raw, &mut out[4..]).unwrap_or(0);
        Self {
            status: r.status,
            packed: Box::from(&out[..4 + n]),
            slots: r.slots.clone(),
            born: r.born,
            at: r.at,
        }
    }

    /// The response as sent; `None` if the packed bytes do not unpack (they always do:
    /// they were packed here).
    fn unpack(&self) -> Option<CachedResponse> {
        use actix_web::http::header::{HeaderName, HeaderValue};
        let raw = Bytes::from(lz4_flex::decompress_size_prepended(&self.packed).ok()?);
        let take = |at: &mut usize, n: usize| -> Option<Bytes> {
            let part = raw.get(*at..*at + n)?;
            *at += n;
            Some(raw.slice_ref(part))
        };
        let mut at = 0;
        let header_len = u32::from_le_bytes(take(&mut at, 4)?[..].try_into().ok()?) as usize;
        let mut headers = HeaderMap::new();
        while at < 4 + header_len {
            let n = u16::from_le_bytes(take(&mut at, 2)?[..].try_into().ok()?) as usize;
            let name = HeaderName::from_bytes(&take(&mut at, n)?).ok()?;
            let n = u32::from_le_bytes(take(&mut at, 4)?[..].try_into().ok()?) as usize;
            let value = HeaderValue::from_maybe_shared(take(&mut at, n)?).ok()?;
            headers.append(name, value);
        }
        Some(CachedResponse {
            status: self.status,
            headers,
            body: raw.slice(at..),
            slots: self.slots.clone(),
            born: self.born,
            at: self.at,
            gzip: std::sync::OnceLock::new(),
            br: std::sync::OnceLock::new(),
        })
    }

    fn weight(&self, key: &str) -> u32 {
        let total = key.len() + self.packed.len() + self.slots.len() * 4 + 256;
        u32::try_from(total).unwrap_or(u32::MAX)
    }
}

fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 32)
        .sum()
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    /// A kept response that counts.
    Fresh(Arc<CachedResponse>),
    /// A kept response something has made old (a tag touched, counts past their lag):
    /// served only while another request computes its successor.
    Stale(Arc<CachedResponse>),
    /// Nothing kept.
    Miss,
}

/// Tag slots: a power of two.
const SLOTS: usize = 1 << 16;

/// Lookups by result, for `/metrics` (`newsdesk_cache_lookups_total{result}`).
#[derive(Debug, Clone)]
pub struct CacheCounts {
    /// The counter family, to register.
    pub lookups: prometheus::IntCounterVec,
    /// Answered from a fresh entry.
    pub hits: prometheus::IntCounter,
    /// Answered from a stale entry while its successor was computed.
    pub stale: prometheus::IntCounter,
    /// Computed.
    pub misses: prometheus::IntCounter,
}

impl Default for CacheCounts {
    fn default() -> Self {
        let lookups = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "newsdesk_cache_lookups_total",
                "Public reads by what the response cache had: hit, stale (served while \
                 its successor was computed), miss",
            ),
            &["result"],
        )
        // A fixed, valid name and label.
        .unwrap_or_else(|_| unreachable!());
        Self {
            hits: lookups.with_label_values(&["hit"]),
            stale: lookups.with_label_values(&["stale"]),
            misses: lookups.with_label_values(&["miss"]),
            lookups,
        }
    }
}

/// Serialized public responses (anonymous GETs answered `Cache-Control: public`), so a
/// repeated read costs no query and no serialization.
pub struct ResponseCache {
    /// The hot tier: responses as sent.
    entries: Option<quick_cache::sync::Cache<String, Arc<CachedResponse>, ByBytes>>,
    /// The warm tier: every kept response, packed.
    packed: Option<quick_cache::sync::Cache<String, Arc<PackedResponse>, ByBytes>>,
    /// Moves at every forgetting.
    generation: AtomicU64,
    /// Per slot: the generation its tags were last touched at.
    touched: Box<[AtomicU64]>,
    /// The generation everything was last forgotten at.
    everything: AtomicU64,
    hasher: RandomState,
    /// The slot of `articles` (looked at on every read).
    articles_slot: u32,
    /// Unix milliseconds of the next scheduled publication (lists change then without
    /// a write): when it comes, `articles` is forgotten.
    valid_until: AtomicI64,
    /// The stamp of `articles`' slot `valid_until` was computed at (`u64::MAX`: not
    /// known).
    bound_for: AtomicU64,
    /// Responses being computed: the first miss computes, the others wait for it (or,
    /// when a stale copy is kept, are served that).
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The time scheduled publications are compared with.
    clock: crate::domain::time::Clock,
    /// How old the view counts a kept response shows may be.
    views_lag: Duration,
    /// Lookups by result.
    pub counts: CacheCounts,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::new(
            64 * 1024 * 1024,
            Duration::from_secs(60),
            crate::domain::time::Clock::system(),
        )
    }
}

impl ResponseCache {
    /// A cache of at most `budget` bytes (0: keeps nothing) whose entries show view
    /// counts at most `views_lag` old, going by `clock` (the store's) for scheduled
    /// publications.
    pub fn new(budget: u64, views_lag: Duration, clock: crate::domain::time::Clock) -> Self {
        // A third of the budget for the hot tier, the rest for the warm one; each sized
        // for the entries it holds at ~16 KB (as sent) and ~4 KB (packed).
        let hot = budget / 3;
        fn tier<V: Clone>(bytes: u64, each: u64) -> quick_cache::sync::Cache<String, V, ByBytes>
        where
            ByBytes: quick_cache::Weighter<String, V>,
        {
            quick_cache::sync::Cache::with_weighter(
                usize::try_from(bytes / each).unwrap_or(4096).max(16),
                bytes,
                ByBytes,
            )
        }
        let entries = (budget > 0).then(|| tier(hot, 16_384));
        let packed = (budget > 0).then(|| tier(budget - hot, 4_096));
        let hasher = RandomState::new();
        let articles_slot = (hasher.hash_one(cache_tags::ARTICLES) as usize & (SLOTS - 1)) as u32;
        Self {
            entries,
            packed,
            articles_slot,
            generation: AtomicU64::new(1),
            touched: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            everything: AtomicU64::new(0),
            hasher,
            valid_until: AtomicI64::new(i64::MIN),
            bound_for: AtomicU64::new(u64::MAX),
            flights: Mutex::default(),
            clock,
            views_lag,
            counts: CacheCounts::default(),
        }
    }

    fn slot(&self, tag: &str) -> u32 {
        // SLOTS fits in u32.
        (self.hasher.hash_one(tag) as usize & (SLOTS - 1)) as u32
    }

    fn stamp(&self, slot: u32) -> u64 {
        self.touched[slot as usize].load(Ordering::Acquire)
    }

    /// The current generation: taken before computing a response to keep.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets every kept response showing any of `tags` (`all`: every response).
    pub fn forget<S: AsRef<str>>(&self, tags: impl IntoIterator<Item = S>) {
        let now = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        for tag in tags {
            let tag = tag.as_ref();
            if tag == cache_tags::EVERYTHING {
                self.everything.fetch_max(now, Ordering::AcqRel);
            } else {
                self.touched[self.slot(tag) as usize].fetch_max(now, Ordering::AcqRel);
            }
        }
    }

    /// Forgets every kept response.
    pub fn forget_everything(&self) {
        self.forget([cache_tags::EVERYTHING]);
    }

    /// True when no commit since generation `born` touched `tag` (nor everything).
    pub fn unchanged_since(&self, tag: &str, born: u64) -> bool {
        born >= self.everything.load(Ordering::Acquire) && self.stamp(self.slot(tag)) <= born
    }

    /// True when no commit since `entry` was computed touched what it shows.
    fn current(&self, entry: &CachedResponse) -> bool {
        entry.born >= self.everything.load(Ordering::Acquire)
            && entry.slots.iter().all(|s| self.stamp(*s) <= entry.born)
    }

    fn counts_at(&self, entry: &CachedResponse, now_millis: i64) -> bool {
        let age = now_millis.saturating_sub(entry.at);
        self.current(entry) && u128::from(age.unsigned_abs()) < self.views_lag.as_millis()
    }

    /// When the next scheduled publication's time has come (it is `now_millis`),
    /// forgets the lists (once).
    fn check_bound(&self, now_millis: i64) {
        let articles = self.stamp(self.articles_slot);
        if self.bound_for.load(Ordering::Acquire) == articles
            && now_millis >= self.valid_until.load(Ordering::Acquire)
            && self
                .bound_for
                .compare_exchange(articles, u64::MAX, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.forget([cache_tags::ARTICLES]);
        }
    }

    /// True when the next scheduled publication must be looked up before a list is
    /// kept (see [`Self::set_bound`]).
    pub fn needs_bound(&self) -> bool {
        self.bound_for.load(Ordering::Acquire) != self.stamp(self.articles_slot)
    }

    /// The stamp to hand [`Self::set_bound`]: taken before looking the bound up.
    pub fn bound_stamp(&self) -> u64 {
        self.stamp(self.articles_slot)
    }

    /// Records when the next scheduled publication happens (`None`: none pending),
    /// looked up after [`Self::bound_stamp`] gave `stamp`.
    pub fn set_bound(&self, stamp: u64, next_publication_millis: Option<i64>) {
        self.valid_until.store(
            next_publication_millis.unwrap_or(i64::MAX),
            Ordering::Release,
        );
        self.bound_for.store(stamp, Ordering::Release);
    }

    /// A version of every public list of articles, for what is derived from them and
    /// kept elsewhere (each tag's newest articles for related, list totals): it moves
    /// whenever a commit touches `articles`, `tags`, `authors` or `all` (an article
    /// appearing, going or moving in lists; a tag or author renamed), or a scheduled
    /// publication's time comes.
    /// `None` while the next scheduled publication is not known: then nothing derived
    /// from lists may be kept or used.
    pub fn lists_version(&self) -> Option<u64> {
        self.check_bound(self.clock.now().timestamp_millis());
        let articles = self.stamp(self.articles_slot);
        let terms = [cache_tags::TAGS, cache_tags::AUTHORS].map(|t| self.stamp(self.slot(t)));
        (self.bound_for.load(Ordering::Acquire) == articles).then(|| {
            (terms.into_iter())
                .fold(articles, u64::max)
                .max(self.everything.load(Ordering::Acquire))
        })
    }

    /// [`Self::lists_version`], first learning when the next scheduled publication
    /// happens from `next` (Unix milliseconds; `None`: none pending) if it is not known.
    pub fn lists_version_or<E>(
        &self,
        next: impl FnOnce() -> Result<Option<i64>, E>,
    ) -> Result<Option<u64>, E> {
        if let Some(version) = self.lists_version() {
            return Ok(Some(version));
        }
        let stamp = self.bound_stamp();
        self.set_bound(stamp, next()?);
        Ok(self.lists_version())
    }

    /// The response kept for `key`, and whether it still counts.
    pub fn get(&self, key: &str) -> Lookup {
        let Some(entries) = &self.entries else {
            return Lookup::Miss;
        };
        let now_millis = self.clock.now().timestamp_millis();
        self.check_bound(now_millis);
        let found = entries.get(key).or_else(|| {
            // Not hot: unpacked from the warm tier, and hot from now on.
            let hit = Arc::new(self.packed.as_ref()?.get(key)?.unpack()?);
            entries.insert(key.to_string(), hit.clone());
            Some(hit)
        });
        match found {
            Some(hit) if self.counts_at(&hit, now_millis) => Lookup::Fresh(hit),
            Some(hit) => Lookup::Stale(hit),
            None => Lookup::Miss,
        }
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

    /// Keeps a response computed from `generation` that shows `tags`. A response
    /// showing lists is kept only while the next scheduled publication is known.
    pub fn put(
        &self,
        key: String,
        generation: u64,
        tags: &[&str],
        (status, headers, body): (StatusCode, HeaderMap, Bytes),
    ) {
        let Some(entries) = &self.entries else {
            return;
        };
        if tags.contains(&cache_tags::ARTICLES) && self.needs_bound() {
            return;
        }
        let mut slots: Vec<u32> = (tags.iter())
            .filter(|t| **t != cache_tags::EVERYTHING)
            .map(|t| self.slot(t))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let entry = CachedResponse {
            status,
            headers,
            body,
            slots: slots.into_boxed_slice(),
            born: generation,
            at: self.clock.now().timestamp_millis(),
            gzip: std::sync::OnceLock::new(),
            br: std::sync::OnceLock::new(),
        };
        // Already wrong (a commit since it was computed): not kept.
        if !self.current(&entry) {
            self.remove(&key);
            return;
        }
        if let Some(packed) = &self.packed {
            packed.insert(key.clone(), Arc::new(PackedResponse::pack(&entry)));
        }
        entries.insert(key, Arc::new(entry));
    }

    /// Drops what is kept for `key` (its successor cannot be kept).
    pub fn remove(&self, key: &str) {
        if let Some(entries) = &self.entries {
            entries.remove(key);
        }
        if let Some(packed) = &self.packed {
            packed.remove(key);
        }
    }

    /// Entries and bytes kept now, in both tiers (a response in both counts twice).
    pub fn size(&self) -> (u64, u64) {
        match (&self.entries, &self.packed) {
            (Some(hot), Some(warm)) => (
                (hot.len() + warm.len()) as u64,
                hot.weight() + warm.weight(),
            ),
            _ => (0, 0),
        }
    }
}

/// Weighs a kept response by its bytes ([`CachedResponse::weight`]).
#[derive(Debug, Clone, Copy)]
pub struct ByBytes;

impl quick_cache::Weighter<String, Arc<CachedResponse>> for ByBytes {
    fn weight(&self, key: &String, value: &Arc<CachedResponse>) -> u64 {
        u64::from(value.weight(key))
    }
}

impl quick_cache::Weighter<String, Arc<PackedResponse>> for ByBytes {
    fn weight(&self, key: &String, value: &Arc<PackedResponse>) -> u64 {
        u64::from(value.weight(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static str) -> (StatusCode, HeaderMap, Bytes) {
        (StatusCode::OK, HeaderMap::new(), Bytes::from(body))
    }

    fn fresh(c: &ResponseCache, key: &str) -> bool {
        matches!(c.get(key), Lookup::Fresh(_))
    }

    #[test]
    fn a_commit_forgets_the_entries_its_tags_name() {
        let c = ResponseCache::default();
        c.set_bound(c.bound_stamp(), None);
        let g = c.generation();
        c.put("a".into(), g, &["article:a"], response("a"));
        c.put("b".into(), g, &["article:b"], response("b"));
        c.put("l".into(), g, &["articles"], response("l"));
        assert!(fresh(&c, "a") && fresh(&c, "b") && fresh(&c, "l"));
        c.forget(["article:a"]);
        assert!(matches!(c.get("a"), Lookup::Stale(_)));
        assert!(fresh(&c, "b") && fresh(&c, "l"));
        // Computed before the commit, kept after it: not kept.
        c.put("a".into(), g, &["article:a"], response("a"));
        assert!(matches!(c.get("a"), Lookup::Miss));
        c.forget_everything();
        assert!(!fresh(&c, "b") && !fresh(&c, "l"));
    }

    #[test]
    fn lists_count_until_the_next_publication() {
        let c = ResponseCache::default();
        let g = c.generation();
        c.put("l".into(), g, &["articles"], response("l"));
        assert!(
            matches!(c.get("l"), Lookup::Miss),
            "no list is kept before the bound is known"
        );
        let now = c.clock.now().timestamp_millis();
        c.set_bound(c.bound_stamp(), Some(now + 60_000));
        c.put("l".into(), g, &["articles"], response("l"));
        c.put("a".into(), g, &["article:a"], response("a"));
        assert!(fresh(&c, "l"));
        c.set_bound(c.bound_stamp(), Some(now - 1));
        assert!(matches!(c.get("l"), Lookup::Stale(_)), "its time came");
        assert!(fresh(&c, "a"), "an article is not a list");
        assert!(c.needs_bound());
    }

    #[test]
    fn view_counts_age_out() {
        let c = ResponseCache::new(
            1 << 20,
            Duration::ZERO,
            crate::domain::time::Clock::system(),
        );
        c.put("a".into(), c.generation(), &["article:a"], response("a"));
        assert!(matches!(c.get("a"), Lookup::Stale(_)));
    }

    /// What a news site's cache must do: keep the hot head while the archive's tail
    /// streams through, and take in a newly hot response at once after such a sweep.
    #[test]
    fn the_hot_head_survives_a_sweep_and_a_new_one_gets_in() {
        let c = ResponseCache::new(
            256 * 1024,
            Duration::from_secs(60),
            crate::domain::time::Clock::system(),
        );
        let body: &'static str = Box::leak("x".repeat(2000).into_boxed_str());
        let hot: Vec<String> = (0..20).map(|i| format!("hot{i}")).collect();
        let read = |key: &str| {
            if matches!(c.get(key), Lookup::Miss) {
                c.put(
                    key.to_string(),
                    c.generation(),
                    &["article:x"],
                    response(body),
                );
            }
        };
        for _ in 0..3 {
            hot.iter().for_each(|k| read(k));
        }
        // A sweep of ten budgets' worth of responses, each read once.
        for i in 0..1300 {
            read(&format!("cold{i}"));
        }
        let kept = hot.iter().filter(|k| fresh(&c, k)).count();
        assert!(
            kept >= 18,
            "{kept} of 20 hot responses kept through the sweep"
        );
        // Newly hot after the sweep: kept from its second read on.
        for _ in 0..2 {
            read("new");
        }
        assert!(
            fresh(&c, "new"),
            "a newly hot response is kept after a sweep"
        );
    }

    /// Headers as a kept article carries them, one repeated.
    fn headers(i: usize) -> HeaderMap {
        use actix_web::http::header::{self, HeaderValue};
        let mut h = HeaderMap::new();
        h.insert(
            header::ETAG,
            HeaderValue::from_str(&format!("\"v1-{i}\"")).unwrap(),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
        h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.append(header::VARY, HeaderValue::from_static("Authorization"));
        h
    }

    /// The warm tier keeps, packed, what the hot tier has no room for: it comes back
    /// byte for byte, and a commit makes it stale like any other.
    #[test]
    fn the_warm_tier_keeps_what_the_hot_one_drops() {
        let c = ResponseCache::new(
            96 * 1024,
            Duration::from_secs(60),
            crate::domain::time::Clock::system(),
        );
        // Article-like bodies: text that repeats (three renderings of one body).
        let bodies: Vec<&'static str> = (0..60)
            .map(|i| {
                let text = format!("Paragraph {i} of a story about Kyiv and Toronto. ").repeat(40);
                &*Box::leak(format!("{text}{text}{text}").into_boxed_str())
            })
            .collect();
        for (i, body) in bodies.iter().enumerate() {
            let tag = format!("article:{i}");
            let (status, _, bytes) = response(body);
            c.put(
                format!("k{i}"),
                c.generation(),
                &[&tag],
                (status, headers(i), bytes),
            );
        }
        let hot = c.entries.as_ref().map(|e| e.len()).unwrap_or(0);
        assert!(hot < 20, "the hot tier holds {hot} of these ~18 KB bodies");
        for (i, body) in bodies.iter().enumerate() {
            match c.get(&format!("k{i}")) {
                Lookup::Fresh(r) => {
                    assert_eq!(&r.body[..], body.as_bytes(), "k{i}");
                    let pairs = |h: &HeaderMap| -> Vec<(String, String)> {
                        let mut all: Vec<_> = (h.iter())
                            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
                            .collect();
                        all.sort();
                        all
                    };
                    assert_eq!(pairs(&r.headers), pairs(&headers(i)), "k{i}");
                }
                other => panic!("k{i} not kept: {other:?}"),
            }
        }
        assert!(c.size().0 >= 60, "every response kept, most of them packed");
        c.forget(["article:7"]);
        assert!(matches!(c.get("k7"), Lookup::Stale(_)));
        assert!(fresh(&c, "k8"));
    }

    #[test]
    fn the_budget_holds() {
        let c = ResponseCache::new(
            64 * 1024,
            Duration::from_secs(60),
            crate::domain::time::Clock::system(),
        );
        let body: &'static str = Box::leak("x".repeat(4000).into_boxed_str());
        for i in 0..200 {
            c.put(
                format!("k{i}"),
                c.generation(),
                &["article:x"],
                response(body),
            );
        }
        let (_, bytes) = c.size();
        assert!(bytes <= 64 * 1024, "{bytes} bytes kept");
    }
}
