//! The change feed's store: an event per change to an article, written in the same
//! transaction as the change (with the webhook deliveries it causes), the schedule of
//! articles waiting for their publication time, and pages of events for a caller.

use crate::db::AnyConnection;
use std::collections::HashMap;

use diesel::prelude::*;

use super::ArticleRow;
use super::read::{ArticleRecord, Written, assemble, load_views};
use super::visible_to;
use crate::db::error::StoreError;
use crate::db::schema::{article_events, article_schedule, articles};
use crate::domain::access::Caller;
use crate::domain::article::Status;
use crate::domain::events::{Change, EventType, classify};

/// One stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_events)]
pub struct EventRow {
    /// Position in the feed.
    pub seq: i32,
    /// The article's id.
    pub article_id: String,
    /// `EventType` wire name.
    pub kind: String,
    /// When it happened.
    pub occurred_at: String,
    /// Whether the public could see the article before.
    pub public_before: bool,
    /// Whether the public could see it after.
    pub public_after: bool,
    /// Whether the change concerns the public: it changed whether or how the public
    /// sees the article. Only these are shown without a key.
    pub public: bool,
    /// ETag of the public view after, when public.
    pub public_etag: Option<String>,
    /// ETag of the keyed view after, unless trashed or deleted.
    pub keyed_etag: Option<String>,
}

/// What a webhook delivery keeps of its event: the facts, and the article as its
/// audience saw it right after the change. The delivery job renders the payload from it
/// (`wire::change`), so no JSON shape is made inside the write.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EventSnapshot {
    /// Position in the feed.
    pub seq: i32,
    /// `EventType` wire name.
    pub kind: String,
    /// The article's id.
    pub article_id: String,
    /// When it happened (store format).
    pub occurred_at: String,
    /// The time the article was seen at (store format): what its shown status is
    /// computed at.
    pub seen_at: String,
    /// The article as the audience may see it, `None` when it may not.
    pub article: Option<ArticleRecord>,
}

fn last_event(conn: &mut AnyConnection, article_id: &str) -> QueryResult<Option<EventRow>> {
    article_events::table
        .filter(article_events::article_id.eq(article_id))
        .order(article_events::seq.desc())
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// Records one change to article `pk` (whose id is `article_id`), keeps its schedule
/// entry true, and queues the webhook deliveries it causes. Call inside the write's
/// transaction, after the change. `Refreshed` and `WentLive` record nothing when
/// neither view differs from the last event's. Returns the article as a key sees it
/// now (`None` when trashed or gone), for the caller to reuse.
pub fn record(
    conn: &mut AnyConnection,
    pk: i32,
    article_id: &str,
    change: Change,
    occurred_at: &str,
    now: &str,
) -> Result<Option<ArticleRecord>, StoreError> {
    record_written(conn, pk, article_id, change, None, occurred_at, now)
}

/// [`record`], given the row the write just stored when it has it (`written`).
fn record_written(
    conn: &mut AnyConnection,
    pk: i32,
    article_id: &str,
    change: Change,
    written: Option<Written>,
    occurred_at: &str,
    now: &str,
) -> Result<Option<ArticleRecord>, StoreError> {
    let loaded = if change == Change::Deleted {
        None
    } else {
        load_views(conn, pk, written, now)?
    };
    let public_view = loaded.as_ref().and_then(|l| l.public.clone());
    // A created article (a new id) has no events yet.
    let last = if change == Change::Created {
        None
    } else {
        last_event(conn, article_id)?
    };
    let public_before = last.as_ref().is_some_and(|l| l.public_after);
    let public_after = public_view.is_some();
    let public_etag = public_view.as_ref().map(|a| a.etag(now));
    let keyed_etag = loaded.as_ref().map(|l| l.keyed.etag(now));
    if change != Change::Deleted {
        let fresh = change == Change::Created;
        schedule(conn, pk, loaded.as_ref().map(|l| &l.keyed), fresh, now)?;
    }
    let unchanged = last
        .as_ref()
        .is_some_and(|l| l.public_etag == public_etag && l.keyed_etag == keyed_etag);
    let keyed = loaded.map(|l| l.keyed);
    if matches!(change, Change::Refreshed | Change::WentLive) && unchanged {
        return Ok(keyed);
    }
    let kind = classify(change, public_before, public_after);
    // A change only key holders can see (a draft sibling created or trashed) must not
    // tell the public that anything happened.
    let public = public_before != public_after
        || (public_after
            && last.as_ref().and_then(|l| l.public_etag.as_ref()) != public_etag.as_ref());
    if public {
        use crate::domain::cache_tags as tags;
        // What the public sees of it changed: the article and the responses showing
        // it, the lists by last change, the change feed; when it appeared or went,
        // every list and the counts of its tags and authors (an edit that moves it in
        // lists says so itself: see `write::update`).
        crate::db::report_tags([
            tags::article(article_id),
            tags::ARTICLES_UPDATED.to_string(),
            tags::CHANGES.to_string(),
        ]);
        if public_before != public_after {
            crate::db::report_tags([tags::ARTICLES, tags::TAGS, tags::AUTHORS]);
        }
    }
    let seq: i32 = diesel::insert_into(article_events::table)
        .values((
            article_events::article_id.eq(article_id),
            article_events::kind.eq(kind.as_str()),
            article_events::occurred_at.eq(occurred_at),
            article_events::public_before.eq(public_before),
            article_events::public_after.eq(public_after),
            article_events::public.eq(public),
            article_events::public_etag.eq(&public_etag),
            article_events::keyed_etag.eq(&keyed_etag),
        ))
        .returning(article_events::seq)
        .get_result(conn)?;
    let payload = |include_unpublished: bool| EventSnapshot {
        seq,
        kind: kind.as_str().to_string(),
        article_id: article_id.to_string(),
        occurred_at: occurred_at.to_string(),
        seen_at: now.to_string(),
        article: if include_unpublished {
            keyed.clone()
        } else {
            public_view.clone()
        },
    };
    crate::db::webhooks::enqueue(conn, seq, kind, public, &payload, now)?;
    Ok(keyed)
}

/// Keeps the article's schedule entry: present while it is published with a future date.
/// A `fresh` article has no entry to remove.
fn schedule(
    conn: &mut AnyConnection,
    pk: i32,
    keyed: Option<&ArticleRecord>,
    fresh: bool,
    now: &str,
) -> QueryResult<()> {
    let before: Option<String> = if fresh {
        None
    } else {
        diesel::delete(article_schedule::table.find(pk))
            .returning(article_schedule::due_at)
            .get_result(conn)
            .optional()?
    };
    if let Some(a) = keyed.filter(|a| a.shown_status(now) == Status::Scheduled)
        && let Some(due) = a.row.published_at.as_deref()
        && let Some(due) = crate::domain::time::parse(due)
    {
        let due = crate::domain::time::format(due);
        if due.as_str() > now {
            if before.as_deref() != Some(due.as_str()) {
                // A publication to come: kept lists know when the next one is due (they
                // are forgotten then), and this one may be sooner.
                crate::db::report_tags([crate::domain::cache_tags::ARTICLES]);
            }
            diesel::insert_into(article_schedule::table)
                .values((
                    article_schedule::article_pk.eq(pk),
                    article_schedule::due_at.eq(due),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Records a change to `pk`, then refreshes the other untrashed members of `groups`
/// (their lists of translations may have changed). Returns the article as a key sees it
/// now (`None` when trashed or gone). `written`: the row as the write stored it (a
/// create's `RETURNING`) and its links when it made them all, saving their reads.
pub fn after_write(
    conn: &mut AnyConnection,
    pk: i32,
    article_id: &str,
    change: Change,
    written: Option<Written>,
    groups: &[&str],
    now: &str,
) -> Result<Option<ArticleRecord>, StoreError> {
    let keyed = record_written(conn, pk, article_id, change, written, now, now)?;
    let mut seen: Vec<&str> = Vec::with_capacity(groups.len());
    for group in groups {
        if seen.contains(group) {
            continue;
        }
        seen.push(group);
        // One cached statement per group (most writes touch one).
        let members: Vec<(i32, String)> = articles::table
            .filter(articles::translation_group.eq(*group))
            .filter(articles::pk.ne(pk))
            .filter(articles::deleted_at.is_null())
            .select((articles::pk, articles::id))
            .load(conn)?;
        refresh_each(conn, &members, now)?;
    }
    Ok(keyed)
}

/// Refreshes the other untrashed members of article `pk`'s translation group.
fn refresh_group_of(conn: &mut AnyConnection, pk: i32, now: &str) -> Result<(), StoreError> {
    let group: Option<String> = articles::table
        .find(pk)
        .select(articles::translation_group)
        .first(conn)
        .optional()?;
    let Some(group) = group else { return Ok(()) };
    let members: Vec<(i32, String)> = articles::table
        .filter(articles::translation_group.eq(&group))
        .filter(articles::pk.ne(pk))
        .filter(articles::deleted_at.is_null())
        .select((articles::pk, articles::id))
        .load(conn)?;
    refresh_each(conn, &members, now)
}

/// Records an `article.updated` for each of these articles whose representation changed
/// (a tag or author they carry was renamed or removed).
pub fn refresh(conn: &mut AnyConnection, pks: &[i32], now: &str) -> Result<(), StoreError> {
    let members: Vec<(i32, String)> = articles::table
        .filter(articles::pk.eq_any(pks))
        .filter(articles::deleted_at.is_null())
        .select((articles::pk, articles::id))
        .load(conn)?;
    refresh_each(conn, &members, now)
}

fn refresh_each(
    conn: &mut AnyConnection,
    members: &[(i32, String)],
    now: &str,
) -> Result<(), StoreError> {
    for (pk, id) in members {
        record(conn, *pk, id, Change::Refreshed, now, now)?;
    }
    Ok(())
}

/// Announces every scheduled article whose time has come (`article.published`, with
/// its webhooks), each in its own transaction; returns how many.
pub fn publish_due(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<usize, StoreError> {
    let now = &crate::domain::time::format(at);
    let due: Vec<(i32, String, String)> = article_schedule::table
        .inner_join(articles::table)
        .filter(article_schedule::due_at.le(now))
        .order(article_schedule::due_at)
        .select((articles::pk, articles::id, article_schedule::due_at))
        .limit(500)
        .load(conn)?;
    let mut announced = 0;
    for (pk, id, due_at) in due {
        // A savepoint per article: one that cannot be announced (logged, tried again
        // next time) does not hold back the others.
        let one = conn.transaction(|conn| {
            // Gone or moved since it was read: a write took care of it.
            let taken = diesel::delete(
                article_schedule::table
                    .find(pk)
                    .filter(article_schedule::due_at.eq(&due_at)),
            )
            .execute(conn)?;
            if taken == 1 {
                crate::db::touch(conn)?;
                record(conn, pk, &id, Change::WentLive, &due_at, now)?;
                // Its translations now list it for the public too.
                refresh_group_of(conn, pk, now)?;
                announced += 1;
            }
            Ok::<_, StoreError>(())
        });
        if let Err(e) = one {
            tracing::warn!(article = %id, error = %e, "a scheduled publication was not announced; will retry");
        }
    }
    Ok(announced)
}

/// Records a baseline event for every article that has none (a database from before
/// the change feed, or just imported), and schedules its future publications; returns
/// how many. Two statements for any number of articles: the events carry no ETags (the
/// next change of each article records an event whatever it changed) and queue no
/// webhooks (an import is not news).
pub fn backfill(conn: &mut AnyConnection, now: &str) -> Result<usize, StoreError> {
    use diesel::sql_types::Text;
    crate::db::write_transaction(conn, |conn| {
        let public = "(a.status = 'published' AND a.deleted_at IS NULL AND a.sort_at <= ?1)";
        let n = crate::db::sql_query(
            conn,
            &format!(
                "INSERT INTO article_events \
               (article_id, kind, occurred_at, public_before, public_after, public) \
             SELECT a.id, \
                    CASE WHEN {public} THEN 'article.published' ELSE 'article.created' END, \
                    ?1, false, {public}, {public} \
             FROM articles a \
             WHERE NOT EXISTS (SELECT 1 FROM article_events e WHERE e.article_id = a.id) \
             ORDER BY a.pk"
            ),
        )
        .bind::<Text, _>(now)
        .execute(conn)?;
        crate::db::sql_query(
            conn,
            "INSERT INTO article_schedule (article_pk, due_at) \
             SELECT pk, published_at FROM articles \
             WHERE status = 'published' AND deleted_at IS NULL AND published_at > ?1 \
             ON CONFLICT (article_pk) DO NOTHING",
        )
        .bind::<Text, _>(now)
        .execute(conn)?;
        Ok(n)
    })
}

/// An event and its article as the caller may see it now (`None`: remove it).
pub type EventWithArticle = (EventRow, Option<ArticleRecord>);

/// Events after `after` that `caller` may see, at most `limit`, with each article as the
/// caller may see it now; and whether more follow.
pub fn page(
    conn: &mut AnyConnection,
    caller: &Caller,
    after: i32,
    limit: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(Vec<EventWithArticle>, bool), StoreError> {
    let now = &crate::domain::time::format(at);
    let mut query = article_events::table
        .filter(article_events::seq.gt(after))
        .order(article_events::seq)
        .select(EventRow::as_select())
        .limit(limit + 1)
        .into_boxed();
    if !caller.sees_unpublished() {
        // A literal, so SQLite uses the partial index `article_events_public`.
        query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("public"));
    }
    let mut events: Vec<EventRow> = query.load(conn)?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let mut ids: Vec<&str> = events.iter().map(|e| e.article_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<ArticleRow> = articles::table
        .filter(articles::id.eq_any(&ids))
        .filter(visible_to(caller, now))
        .filter(articles::deleted_at.is_null())
        .select(ArticleRow::as_select())
        .load(conn)?;
    let mut current: HashMap<String, ArticleRecord> = assemble(conn, caller, rows, now)?
        .into_iter()
        .map(|rec| (rec.row.id.clone(), rec))
        .collect();
    // The same article may appear in several events of a page: clone for all but one.
    let mut remaining: HashMap<&str, usize> = HashMap::new();
    for e in &events {
        *remaining.entry(e.article_id.as_str()).or_default() += 1;
    }
    let mut out = Vec::with_capacity(events.len());
    for e in &events {
        let left = remaining.entry(e.article_id.as_str()).or_default();
        *left -= 1;
        let article = if *left == 0 {
            current.remove(&e.article_id)
        } else {
            current.get(&e.article_id).cloned()
        };
        out.push((e.clone(), article));
    }
    Ok((out, more))
}

/// The event type of a stored row.
pub fn kind_of(e: &EventRow) -> EventType {
    EventType::parse(&e.kind).unwrap_or(EventType::Updated)
}
