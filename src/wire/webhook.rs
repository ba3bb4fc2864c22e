//! Wire types of webhooks and their delivery log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::webhooks::{DeliveryRow, WebhookRow};
use crate::domain::events::EventType;
use crate::domain::time;

/// A registered webhook (its secret is shown only when it is created).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-9a0b-7c1d-8e2f-3a4b5c6d7e8f",
    "url": "https://partner.example.org/hooks/newsdesk",
    "events": ["article.published", "article.updated", "article.unpublished", "article.trashed", "article.deleted"],
    "include_unpublished": false,
    "active": true,
    "created_at": "2026-01-21T17:30:00Z",
    "updated_at": "2026-01-21T17:30:00Z"
}))]
pub struct Webhook {
    /// Stable id.
    pub id: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types delivered.
    pub events: Vec<EventType>,
    /// When false (the default), only events about the public set are delivered and the
    /// article in them is the public one; when true, every event, with drafts.
    pub include_unpublished: bool,
    /// Inactive webhooks queue nothing and send nothing.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Self {
            events: r.event_types(),
            created_at: time::parse(&r.created_at).unwrap_or_default(),
            updated_at: time::parse(&r.updated_at).unwrap_or_default(),
            id: r.id,
            url: r.url,
            include_unpublished: r.include_unpublished,
            active: r.active,
        }
    }
}

/// A new webhook with its signing secret, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-9a0b-7c1d-8e2f-3a4b5c6d7e8f",
    "url": "https://partner.example.org/hooks/newsdesk",
    "events": ["article.published"],
    "include_unpublished": false,
    "active": true,
    "created_at": "2026-01-21T17:30:00Z",
    "updated_at": "2026-01-21T17:30:00Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}))]
pub struct WebhookCreated {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Signing secret (`whsec_` + base64 key): verify `webhook-signature` with it.
    pub secret: String,
}

/// Every webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Oldest first.
    pub data: Vec<Webhook>,
}

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://partner.example.org/hooks/newsdesk",
    "events": ["article.published", "article.updated", "article.unpublished", "article.trashed", "article.deleted"]
}))]
pub struct WebhookInput {
    /// Absolute http(s) URL with a DNS name or IP address as host, at most 2,000
    /// characters.
    #[schema(
        max_length = 2000,
        pattern = r"^https?://[^\s/?#]+[^\s]*$",
        example = "https://partner.example.org/hooks/newsdesk"
    )]
    pub url: String,
    /// Event types to deliver: at least one (repeats are ignored).
    #[schema(min_items = 1)]
    pub events: Vec<EventType>,
    /// Deliver events about unpublished articles too (default false).
    #[serde(default)]
    pub include_unpublished: bool,
    /// Start active (default true).
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The body of `PATCH /v1/webhooks/{id}` (JSON Merge Patch): any subset of the fields.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct WebhookPatch {
    /// New URL.
    #[schema(max_length = 2000, pattern = r"^https?://[^\s/?#]+[^\s]*$")]
    pub url: Option<String>,
    /// New event types.
    #[schema(min_items = 1)]
    pub events: Option<Vec<EventType>>,
    /// Deliver events about unpublished articles too.
    pub include_unpublished: Option<bool>,
    /// Pause (false) or resume (true) deliveries.
    pub active: Option<bool>,
}

/// State of a delivery.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more will be made.
    Failed,
}

/// One queued event for one webhook, with its last attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 77,
    "event_id": 1042,
    "event_type": "article.published",
    "state": "pending",
    "attempts": 2,
    "next_attempt_at": "2026-01-22T09:02:00Z",
    "last_attempt_at": "2026-01-22T09:01:00Z",
    "last_status": 503,
    "last_error": "the receiver answered 503 Service Unavailable",
    "created_at": "2026-01-22T09:00:00Z",
    "delivered_at": null
}))]
pub struct Delivery {
    /// Delivery id.
    pub id: i64,
    /// The event's id in the change feed (`webhook-id` is `evt_{event_id}`).
    pub event_id: i64,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last answer, if the receiver answered.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued (with the change).
    pub created_at: DateTime<Utc>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let ts = |s: Option<&str>| s.and_then(time::parse);
        Self {
            id: i64::from(r.pk),
            event_id: i64::from(r.event_seq),
            event_type: EventType::parse(&r.event_type).unwrap_or(EventType::Updated),
            state: match r.state.as_str() {
                "delivered" => DeliveryState::Delivered,
                "failed" => DeliveryState::Failed,
                _ => DeliveryState::Pending,
            },
            attempts: r.attempts,
            next_attempt_at: if r.state == "pending" {
                ts(r.next_attempt_at.as_deref())
            } else {
                None
            },
            last_attempt_at: ts(r.last_attempt_at.as_deref()),
            last_status: r.last_status,
            last_error: r.last_error,
            created_at: time::parse(&r.created_at).unwrap_or_default(),
            delivered_at: ts(r.delivered_at.as_deref()),
        }
    }
}

/// A page of a webhook's deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries.
    pub data: Vec<Delivery>,
    /// Paging facts.
    pub meta: DeliveryMeta,
}

/// Paging facts of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryMeta {
    /// The page size used.
    #[schema(example = 20)]
    pub limit: i64,
    /// Token for older deliveries; `null` on the last page.
    pub next_cursor: Option<String>,
}
