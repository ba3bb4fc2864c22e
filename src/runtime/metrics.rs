//! Request metrics for `/metrics` (Prometheus text): a counter and a latency histogram
//! by route pattern, method and status. Recorded by the app's outermost middleware with
//! the route pattern looked up once per path: actix finds a pattern by matching the path
//! against every route's regex, which was a third of the CPU of a cached article read
//! when done on every request (as actix-web-prom, used before, does).

use std::collections::HashMap;
use std::sync::RwLock;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

/// The metrics and their registry.
#[derive(Clone)]
pub struct Metrics {
    /// What `/metrics` renders.
    pub registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    /// Bytes the response cache counts as kept (set when `/metrics` is read).
    pub cache_bytes: IntGauge,
    /// Entries in both tiers of the response cache (set when `/metrics` is read): a
    /// response kept in the hot tier is also in the warm one, so it counts twice.
    pub cache_entries: IntGauge,
    /// Bytes SQLite holds on the heap (set when `/metrics` is read).
    pub sqlite_heap: IntGauge,
}

impl Metrics {
    /// Fresh metrics in their own registry.
    pub fn new() -> anyhow::Result<Self> {
        let labels = ["endpoint", "method", "status"];
        let requests = IntCounterVec::new(
            Opts::new("newsdesk_http_requests_total", "HTTP requests answered"),
            &labels,
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "newsdesk_http_requests_duration_seconds",
                "Time to answer an HTTP request",
            ),
            &labels,
        )?;
        let cache_bytes = IntGauge::new(
            "newsdesk_cache_bytes",
            "Bytes the response cache counts as kept (bodies, compressed copies, headers)",
        )?;
        let cache_entries = IntGauge::new(
            "newsdesk_cache_entries",
            "Entries in both tiers of the response cache (a hot response counts twice)",
        )?;
        let sqlite_heap = IntGauge::new(
            "newsdesk_sqlite_heap_bytes",
            "Bytes SQLite holds on the heap: page caches and prepared statements (0 on PostgreSQL)",
        )?;
        let registry = Registry::new();
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(cache_bytes.clone()))?;
        registry.register(Box::new(cache_entries.clone()))?;
        registry.register(Box::new(sqlite_heap.clone()))?;
        Ok(Self {
            registry,
            requests,
            duration,
            cache_bytes,
            cache_entries,
            sqlite_heap,
        })
    }

    /// Counts one answered request.
    pub fn record(&self, endpoint: &str, method: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [endpoint, method, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.duration.with_label_values(&labels).observe(seconds);
    }
}

/// Route patterns by the shape of a request's path ([`path_shape`]), so a shape is
/// matched against the routes once.
#[derive(Debug, Default)]
pub struct RoutePatterns(RwLock<HashMap<String, String>>);

/// Shapes remembered at most; past it, the memo starts afresh.
const MAX_PATHS: usize = 10_000;

/// `path` with each matched parameter standing as a whole segment replaced by
/// `{name}`, in order: `/v1/articles/some-slug/related` with `id = some-slug` is
/// `/v1/articles/{id}/related`. Every path one route matches has one shape (a parameter
/// spanning segments, rare, leaves the path as it is), so the memo keeps about one
/// entry per route however long the archive's tail of slugs.
pub fn path_shape<'a>(path: &str, params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut params = params.peekable();
    let mut shape = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            shape.push('/');
        }
        match params.peek() {
            Some((name, value)) if *value == segment => {
                shape.push('{');
                shape.push_str(name);
                shape.push('}');
                params.next();
            }
            _ => shape.push_str(segment),
        }
    }
    shape
}

impl RoutePatterns {
    /// The route pattern of the paths of shape `path`, from `find` the first time.
    pub fn of(&self, path: &str, find: impl FnOnce() -> Option<String>) -> String {
        if let Some(p) = self.0.read().unwrap_or_else(|p| p.into_inner()).get(path) {
            return p.clone();
        }
        let pattern = find().unwrap_or_else(|| "unmatched".into());
        let mut memo = self.0.write().unwrap_or_else(|p| p.into_inner());
        if memo.len() >= MAX_PATHS {
            memo.clear();
        }
        memo.insert(path.to_string(), pattern.clone());
        pattern
    }
}

#[cfg(test)]
mod tests {
    use super::path_shape;

    #[test]
    fn a_path_shape_names_its_parameters_in_order() {
        let shape = |path, params: &[(&'static str, &'static str)]| {
            path_shape(path, params.iter().copied())
        };
        assert_eq!(
            shape("/v1/articles/a-slug/related", &[("id", "a-slug")]),
            "/v1/articles/{id}/related"
        );
        assert_eq!(
            shape("/v1/articles/related/related", &[("id", "related")]),
            "/v1/articles/{id}/related",
            "by position: a later segment of the same text stays"
        );
        assert_eq!(
            shape("/v1/articles/x/revisions/3", &[("id", "x"), ("n", "3")]),
            "/v1/articles/{id}/revisions/{n}"
        );
        assert_eq!(shape("/v1/articles", &[]), "/v1/articles");
        assert_eq!(
            shape("/media/a/b", &[("name", "a/b")]),
            "/media/a/b",
            "a parameter spanning segments leaves the path"
        );
    }
}
