//! In-memory caches with exact invalidation: each entry remembers the store's change
//! time it was computed at, and counts only while that time is still current.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most entries kept; past it the cache starts afresh (a cheap bound, no LRU needed).
const MAX_ENTRIES: usize = 10_000;

/// List totals by query shape.
#[derive(Debug, Default)]
pub struct CountCache {
    entries: Mutex<HashMap<String, (Option<String>, i64)>>,
}

impl CountCache {
    /// The total cached for `key`, if it was computed at the store change `changed`.
    pub fn get(&self, key: &str, changed: Option<&str>) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.as_deref() == changed)
            .map(|(_, n)| *n)
    }

    /// Remembers a total computed at the store change `changed`.
    pub fn put(&self, key: String, changed: Option<String>, total: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (changed, total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_counts_only_at_its_change_time() {
        let c = CountCache::default();
        c.put("k".into(), Some("t1".into()), 5);
        assert_eq!(c.get("k", Some("t1")), Some(5));
        assert_eq!(c.get("k", Some("t2")), None);
        assert_eq!(c.get("other", Some("t1")), None);
    }
}
