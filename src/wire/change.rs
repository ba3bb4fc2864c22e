//! The change feed and webhook payloads: one shape for both.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::events::EventType;
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
    #[schema(example = "MTA0Mgo4YjFjMmQzZTRmNTY")]
    pub next_cursor: String,
    /// True when more events follow right now (read on without waiting).
    pub has_more: bool,
}
