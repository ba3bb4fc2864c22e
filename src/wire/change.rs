//! The change feed and webhook payloads: one shape for both.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::articles::changes::{EventRow, EventSnapshot};
use crate::domain::events::EventType;
use crate::domain::time;
use crate::wire::article::Article;

/// One change to an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1042,
    "type": "article.published",
    "article_id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70",
    "occurred_at": "2026-01-22T09:00:00Z",
    "article": {"id": "01936b2e-7c4a-7d3e-9f10-2b8c4d5e6f70", "slug": "ukrainian-world-congress-marks-unity-day", "title": "Ukrainian World Congress marks Unity Day", "status": "published", "version": 3}
}))]
pub struct ChangeEvent {
    /// Position in the feed: increases with every change, never reused.
    #[schema(example = 1042)]
    pub id: i64,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The article it happened to (also after it was deleted).
    pub article_id: String,
    /// When it happened (for a scheduled publication: the scheduled time).
    pub occurred_at: DateTime<Utc>,
    /// The article as the caller may see it. In the change feed: as it is now (a later
    /// event for the same article may follow); in a webhook: as it was right after the
    /// change. `null` when the caller may not see it (unpublished, trashed, deleted):
    /// a mirror removes it.
    pub article: Option<Article>,
}

impl ChangeEvent {
    /// A stored event with its article as the caller may see it now.
    pub fn of(e: EventRow, article: Option<Article>) -> Self {
        Self {
            id: i64::from(e.seq),
            kind: EventType::parse(&e.kind).unwrap_or(EventType::Updated),
            occurred_at: time::parse(&e.occurred_at).unwrap_or_default(),
            article_id: e.article_id,
            article,
        }
    }

    /// The event as its audience saw it, from the facts the outbox kept.
    pub fn from_snapshot(s: EventSnapshot) -> Self {
        Self {
            id: i64::from(s.seq),
            kind: EventType::parse(&s.kind).unwrap_or(EventType::Updated),
            occurred_at: time::parse(&s.occurred_at).unwrap_or_default(),
            article: s.article.map(|rec| Article::from_record(rec, &s.seen_at)),
            article_id: s.article_id,
        }
    }
}

/// The body of a webhook delivery: its event rendered from the facts its outbox row
/// kept. Rows queued before the facts were kept hold the rendered event itself, which
/// is sent as it is; facts that no longer read (a row from another version) are an
/// error, never sent raw.
pub fn delivery_body(stored: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(stored).map_err(|e| format!("the stored event is not JSON: {e}"))?;
    if value.get("seen_at").is_none() {
        return Ok(stored.to_string());
    }
    let facts: EventSnapshot = serde_json::from_value(value)
        .map_err(|e| format!("the stored event could not be read: {e}"))?;
    serde_json::to_string(&ChangeEvent::from_snapshot(facts)).map_err(|e| e.to_string())
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// Events in the order they happened.
    pub data: Vec<ChangeEvent>,
    /// Where to continue.
    pub meta: ChangeMeta,
}

/// Paging facts of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeMeta {
    /// The page size used.
    #[schema(example = 100)]
    pub limit: i64,
    /// Pass as `since` to read what follows this page; present even on the last page,
    /// so a mirror polls with it for new changes.
    #[schema(example = "Y2hhbmdlcwoxMDQyCjliZTFhNDAzYjY2ZQ")]
    pub next_cursor: String,
    /// True when more events follow right now (read on without waiting).
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_renders_its_facts_and_sends_an_older_rendered_body_as_it_is() {
        let old = r#"{"id":7,"type":"article.deleted","article_id":"a","occurred_at":"2026-01-01T00:00:00Z","article":null}"#;
        assert_eq!(delivery_body(old).unwrap(), old);
        assert!(
            delivery_body(r#"{"seq":1,"seen_at":"x"}"#).is_err(),
            "never sent raw"
        );
        let facts = EventSnapshot {
            seq: 8,
            kind: "article.deleted".into(),
            article_id: "a".into(),
            occurred_at: "2026-01-01T00:00:00.000000Z".into(),
            seen_at: "2026-01-01T00:00:00.000000Z".into(),
            article: None,
        };
        let body: serde_json::Value =
            serde_json::from_str(&delivery_body(&serde_json::to_string(&facts).unwrap()).unwrap())
                .unwrap();
        assert_eq!(body["id"], 8);
        assert_eq!(body["type"], "article.deleted");
        assert_eq!(body["occurred_at"], "2026-01-01T00:00:00Z");
        assert!(body["article"].is_null());
    }
}
