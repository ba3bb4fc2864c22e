//! Webhooks and their outbox: endpoints, the deliveries each change queues (in the
//! change's own transaction), and the claim-send-finish cycle of the delivery job.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::error::StoreError;
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::domain::events::EventType;
use crate::domain::time;

thread_local! {
    /// The active webhooks as the writer's current batch read them, under its
    /// [`crate::db::writer::epoch`]: every write in a batch queues deliveries, and
    /// reading the endpoints once per batch spares a statement per write.
    static ACTIVE: std::cell::RefCell<Option<(u64, Vec<WebhookRow>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The active webhooks (kept for the rest of a batch, see [`ACTIVE`]).
fn active(conn: &mut AnyConnection) -> QueryResult<Vec<WebhookRow>> {
    let epoch = crate::db::writer::epoch();
    let kept = ACTIVE.with(|a| match (&*a.borrow(), epoch) {
        (Some((at, rows)), Some(now)) if *at == now => Some(rows.clone()),
        _ => None,
    });
    if let Some(rows) = kept {
        return Ok(rows);
    }
    let rows: Vec<WebhookRow> = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(WebhookRow::as_select())
        .load(conn)?;
    if let Some(now) = epoch {
        ACTIVE.with(|a| *a.borrow_mut() = Some((now, rows.clone())));
    }
    Ok(rows)
}

/// Forgets the kept active webhooks: called by every write to them.
fn forget_active() {
    ACTIVE.with(|a| *a.borrow_mut() = None);
}

/// One stored webhook.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub pk: i32,
    pub id: String,
    pub url: String,
    pub events: String,
    pub include_unpublished: bool,
    pub secret: String,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl WebhookRow {
    /// The event types it subscribes to.
    pub fn event_types(&self) -> Vec<EventType> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
}

/// One stored delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub pk: i32,
    pub webhook_pk: i32,
    pub event_seq: i32,
    pub event_type: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// What a webhook is set to.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url: String,
    pub events: Vec<EventType>,
    pub include_unpublished: bool,
    pub active: bool,
}

fn not_found(id: &str) -> StoreError {
    StoreError::not_found("webhook", id)
}

fn events_json(events: &[EventType]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".into())
}

/// Registers a webhook with a new signing secret.
pub fn create(conn: &mut AnyConnection, s: &Settings) -> Result<WebhookRow, StoreError> {
    forget_active();
    let now = crate::db::now();
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(&id),
            webhooks::url.eq(&s.url),
            webhooks::events.eq(events_json(&s.events)),
            webhooks::include_unpublished.eq(s.include_unpublished),
            webhooks::secret.eq(crate::domain::signature::new_secret()),
            webhooks::active.eq(s.active),
            webhooks::created_at.eq(&now),
            webhooks::updated_at.eq(&now),
        ))
        .execute(conn)?;
    get(conn, &id)
}

/// Every webhook, oldest first.
pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .order(webhooks::pk)
        .select(WebhookRow::as_select())
        .load(conn)
}

/// One webhook by id.
pub fn get(conn: &mut AnyConnection, id: &str) -> Result<WebhookRow, StoreError> {
    webhooks::table
        .filter(webhooks::id.eq(id))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))
}

/// Changes a webhook: `change` makes the new settings from the current ones.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    change: impl FnOnce(&WebhookRow, Settings) -> Result<Settings, StoreError>,
) -> Result<WebhookRow, StoreError> {
    forget_active();
    crate::db::write_transaction(conn, |conn| {
        let row = get(conn, id)?;
        let current = Settings {
            url: row.url.clone(),
            events: row.event_types(),
            include_unpublished: row.include_unpublished,
            active: row.active,
        };
        let s = change(&row, current)?;
        if s.include_unpublished != row.include_unpublished {
            // Queued payloads were made for the old audience: never send them.
            diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::webhook_pk.eq(row.pk))
                    .filter(webhook_deliveries::state.eq("pending")),
            )
            .set((
                webhook_deliveries::state.eq("failed"),
                webhook_deliveries::next_attempt_at.eq(None::<String>),
                webhook_deliveries::last_error
                    .eq("cancelled: the webhook's include_unpublished changed"),
            ))
            .execute(conn)?;
        }
        diesel::update(webhooks::table.find(row.pk))
            .set((
                webhooks::url.eq(&s.url),
                webhooks::events.eq(events_json(&s.events)),
                webhooks::include_unpublished.eq(s.include_unpublished),
                webhooks::active.eq(s.active),
                webhooks::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        get(conn, id)
    })
}

/// Removes a webhook and its delivery log.
pub fn delete(
    conn: &mut AnyConnection,
    id: &str,
    check: impl FnOnce(&WebhookRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    check(&get(conn, id)?)?;
    forget_active();
    let n = diesel::delete(webhooks::table.filter(webhooks::id.eq(id))).execute(conn)?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

/// Queues a delivery of event `seq` to every active webhook subscribed to `kind` that may
/// see it (`public`: the event concerns the public set). `payload` gives the event as a
/// webhook with or without `include_unpublished` sees it, kept as facts (the delivery
/// job renders them). Runs in the change's transaction: the outbox.
pub fn enqueue(
    conn: &mut AnyConnection,
    seq: i32,
    kind: EventType,
    public: bool,
    payload: &dyn Fn(bool) -> crate::db::articles::changes::EventSnapshot,
    now: &str,
) -> Result<(), StoreError> {
    for hook in active(conn)? {
        if !hook.event_types().contains(&kind) || !(public || hook.include_unpublished) {
            continue;
        }
        let body = serde_json::to_string(&payload(hook.include_unpublished))
            .map_err(StoreError::failed)?;
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::webhook_pk.eq(hook.pk),
                webhook_deliveries::event_seq.eq(seq),
                webhook_deliveries::event_type.eq(kind.as_str()),
                webhook_deliveries::payload.eq(body),
                webhook_deliveries::state.eq("pending"),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A webhook's deliveries, newest first, before delivery `before` when given; and
/// whether more follow.
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook_id: &str,
    before: Option<i32>,
    limit: i64,
) -> Result<(Vec<DeliveryRow>, bool), StoreError> {
    let hook = get(conn, webhook_id)?;
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_pk.eq(hook.pk))
        .order(webhook_deliveries::pk.desc())
        .select(DeliveryRow::as_select())
        .limit(limit + 1)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::pk.lt(before));
    }
    let mut rows = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// A delivery claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub pk: i32,
    pub event_seq: i32,
    pub event_type: String,
    pub payload: String,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due deliveries of active webhooks: each attempt is counted and
/// the next one pushed to `lease_until` before sending, so a crash mid-send retries
/// (at least once) and two processes never send the same attempt.
pub fn claim_due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let (now, lease_until) = (&time::format(now), &time::format(lease_until));
    crate::db::write_transaction(conn, |conn| {
        let due: Vec<(DeliveryRow, (String, String))> = webhook_deliveries::table
            .inner_join(webhooks::table)
            .filter(webhook_deliveries::state.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(webhooks::active.eq(true))
            .order(webhook_deliveries::next_attempt_at)
            .limit(limit)
            .select((DeliveryRow::as_select(), (webhooks::url, webhooks::secret)))
            .load(conn)?;
        let mut out = Vec::with_capacity(due.len());
        for (d, (url, secret)) in due {
            diesel::update(webhook_deliveries::table.find(d.pk))
                .set((
                    webhook_deliveries::attempts.eq(d.attempts + 1),
                    webhook_deliveries::next_attempt_at.eq(lease_until),
                    webhook_deliveries::last_attempt_at.eq(now),
                ))
                .execute(conn)?;
            out.push(Claimed {
                pk: d.pk,
                event_seq: d.event_seq,
                event_type: d.event_type,
                payload: d.payload,
                attempts: d.attempts + 1,
                url,
                secret,
            });
        }
        Ok(out)
    })
}

/// How one attempt ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// When to try again; `None` after success or the last attempt.
    pub retry_at: Option<String>,
}

/// Records the end of an attempt, unless the claim was lost meanwhile (the lease ran
/// out and another pass took the delivery over).
pub fn finish(
    conn: &mut AnyConnection,
    claimed: &Claimed,
    outcome: &Outcome,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<()> {
    let now = &crate::domain::time::format(at);
    let delivered = outcome.error.is_none();
    let state = match (delivered, &outcome.retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    diesel::update(
        webhook_deliveries::table
            .find(claimed.pk)
            .filter(webhook_deliveries::state.eq("pending"))
            .filter(webhook_deliveries::attempts.eq(claimed.attempts)),
    )
    .set((
        webhook_deliveries::state.eq(state),
        webhook_deliveries::next_attempt_at.eq(&outcome.retry_at),
        webhook_deliveries::last_status.eq(outcome.status.map(i32::from)),
        webhook_deliveries::last_error.eq(&outcome.error),
        webhook_deliveries::delivered_at.eq(delivered.then_some(now)),
    ))
    .execute(conn)?;
    Ok(())
}
