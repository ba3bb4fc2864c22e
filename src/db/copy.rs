//! `newsdesk copy`: one store into another, empty one, table by table, every row as it
//! is — ids and keys (`pk`s), slugs and former slugs, revisions, view counts and daily
//! views, key hashes, webhooks and their outbox, the change feed with its numbers, the
//! schedule, the preview-link secret. The way from SQLite to PostgreSQL (or back). The
//! search index is engine-specific and is rebuilt on the target from the copied
//! articles; PostgreSQL's identity sequences are moved past the copied keys.

use diesel::prelude::*;

use super::schema;
use super::{AnyConnection, DbPool, StoreError};

/// Rows read per statement.
const CHUNK: i64 = 2000;

/// How many rows each table gave.
#[derive(Debug, Default)]
pub struct CopyReport {
    /// (table, rows), in copy order.
    pub tables: Vec<(&'static str, usize)>,
}

/// Copies one table from `src` to `dst` in primary-key order: `CHUNK` rows at a time by
/// offset (`[keys]`: tables of small rows, keys of any kind), or `after key, chunk N`
/// by keyset on an integer key (`articles`, whose rows carry three bodies).
macro_rules! copy_table {
    ($src:expr, $dst:expr, $report:expr, $t:ident, [$($key:ident),+], { $($col:ident : $ty:ty),+ $(,)? }) => {{
        use schema::$t;
        let mut offset = 0i64;
        loop {
            #[allow(unused_parens)]
            let rows: Vec<($($ty),+)> = $t::table
                .select(($($t::$col),+))
                .order(($($t::$key.asc()),+))
                .limit(CHUNK)
                .offset(offset)
                .load($src)?;
            if rows.is_empty() {
                break;
            }
            offset += rows.len() as i64;
            copy_table!(@insert $dst, $t, rows, $($col),+);
        }
        $report.tables.push((stringify!($t), offset as usize));
    }};
    ($src:expr, $dst:expr, $report:expr, $t:ident, after $key:ident, chunk $chunk:expr, { $($col:ident : $ty:ty),+ $(,)? }) => {{
        use schema::$t;
        let (mut last, mut copied) = (i32::MIN, 0usize);
        loop {
            let rows: Vec<($($ty),+)> = $t::table
                .filter($t::$key.gt(last))
                .select(($($t::$col),+))
                .order($t::$key.asc())
                .limit($chunk)
                .load($src)?;
            let Some(end) = rows.last().map(|r| r.0) else {
                break;
            };
            (last, copied) = (end, copied + rows.len());
            copy_table!(@insert $dst, $t, rows, $($col),+);
        }
        $report.tables.push((stringify!($t), copied));
    }};
    // A row per statement (one prepared statement, reused): the two engines share no
    // multi-row INSERT in Diesel's MultiConnection.
    (@insert $dst:expr, $t:ident, $rows:expr, $($col:ident),+) => {
        for ($($col),+) in $rows {
            #[allow(unused_parens)]
            diesel::insert_into($t::table)
                .values(($($t::$col.eq($col)),+))
                .execute($dst)?;
        }
    };
}

/// Tables whose keys PostgreSQL numbers from an identity sequence.
const IDENTITIES: &[(&str, &str)] = &[
    ("authors", "pk"),
    ("tags", "pk"),
    ("articles", "pk"),
    ("media", "pk"),
    ("api_keys", "pk"),
    ("article_events", "seq"),
    ("webhooks", "pk"),
    ("webhook_deliveries", "pk"),
    ("article_revisions", "pk"),
];

/// Copies every row of the store `from` into the store `to`, which must hold no
/// content yet (just migrated), in one transaction of `to`'s writer: all or nothing.
/// Then brings the target's search index up (through `migrate`).
pub fn copy(from: &DbPool, to: &DbPool) -> anyhow::Result<CopyReport> {
    super::migrate(from)?;
    super::migrate(to)?;
    let source = from.clone();
    let report = to.write_bulk(move |dst| {
        let mut src = source
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // One snapshot of the source, whatever its server writes meanwhile.
        src.transaction(|src| {
            super::snapshot(src)?;
            copy_all(src, dst)
        })
    })?;
    // The search rows of the copied articles, in the target's engine.
    super::migrate(to)?;
    Ok(report)
}

fn copy_all(src: &mut AnyConnection, dst: &mut AnyConnection) -> Result<CopyReport, StoreError> {
    let occupied: i64 = schema::articles::table.count().get_result::<i64>(dst)?
        + schema::authors::table.count().get_result::<i64>(dst)?
        + schema::tags::table.count().get_result::<i64>(dst)?
        + schema::api_keys::table.count().get_result::<i64>(dst)?
        + schema::webhooks::table.count().get_result::<i64>(dst)?;
    if occupied > 0 {
        return Err(StoreError::Conflict {
            field: "target".into(),
            reason: "the target store is not empty: copy only into a new, empty database".into(),
        });
    }
    // What a migration or a start may have put there already.
    diesel::delete(schema::store_changes::table).execute(dst)?;
    diesel::delete(schema::server_secrets::table).execute(dst)?;
    diesel::delete(schema::article_events::table).execute(dst)?;
    diesel::delete(schema::article_revisions::table).execute(dst)?;
    diesel::delete(schema::article_search::table).execute(dst)?;

    let mut r = CopyReport::default();
    copy_table!(src, dst, r, authors, [pk], {
        pk: i32, slug: String, name: String, description: Option<String>,
        created_at: String, updated_at: String,
    });
    copy_table!(src, dst, r, tags, [pk], {
        pk: i32, slug: String, name: String, description: Option<String>,
        created_at: String, updated_at: String,
    });
    // The key first: the keyset reads it from each chunk's last row.
    copy_table!(src, dst, r, articles, after pk, chunk CHUNK / 4, {
        pk: i32, id: String, slug: String, title: String, subtitle: Option<String>,
        excerpt: String, excerpt_is_derived: bool, body_markdown: String, body_html: String,
        body_text: String, status: String, published_at: Option<String>, sort_at: String,
        language: String, translation_group: String, feature_image_url: Option<String>,
        feature_image_alt: Option<String>, feature_image_caption: Option<String>,
        canonical_url: Option<String>, featured: bool, view_count: i64, word_count: i32,
        reading_time_minutes: i32, created_at: String, updated_at: String,
        deleted_at: Option<String>, version: i32, feature_image_media: Option<String>,
    });
    copy_table!(src, dst, r, article_tags, [article_pk, tag_pk], {
        article_pk: i32, tag_pk: i32, position: i32,
    });
    copy_table!(src, dst, r, article_authors, [article_pk, author_pk], {
        article_pk: i32, author_pk: i32, position: i32,
    });
    copy_table!(src, dst, r, former_slugs, [slug], { slug: String, article_pk: i32 });
    copy_table!(src, dst, r, media, [pk], {
        pk: i32, id: String, sha256: String, format: String, width: i32, height: i32,
        alt: Option<String>, caption: Option<String>, credit: Option<String>, files: String,
        created_at: String, updated_at: String, version: i32,
    });
    copy_table!(src, dst, r, article_media, [article_pk, media_pk], {
        article_pk: i32, media_pk: i32,
    });
    copy_table!(src, dst, r, api_keys, [pk], {
        pk: i32, name: String, key_hash: String, prefix: String, scope: String,
        created_at: String, last_used_at: Option<String>, revoked_at: Option<String>,
        expires_at: Option<String>, rate_limit: Option<i32>, rate_window_secs: Option<i32>,
    });
    copy_table!(src, dst, r, article_views_daily, [day, article_pk], {
        article_pk: i32, day: String, views: i64,
    });
    copy_table!(src, dst, r, article_events, [seq], {
        seq: i32, article_id: String, kind: String, occurred_at: String,
        public_before: bool, public_after: bool, public: bool,
        public_etag: Option<String>, keyed_etag: Option<String>,
    });
    copy_table!(src, dst, r, article_schedule, [article_pk], { article_pk: i32, due_at: String });
    copy_table!(src, dst, r, webhooks, [pk], {
        pk: i32, id: String, url: String, events: String, include_unpublished: bool,
        secret: String, active: bool, created_at: String, updated_at: String,
    });
    copy_table!(src, dst, r, webhook_deliveries, [pk], {
        pk: i32, webhook_pk: i32, event_seq: i32, event_type: String, payload: String,
        state: String, attempts: i32, next_attempt_at: Option<String>,
        last_attempt_at: Option<String>, last_status: Option<i32>,
        last_error: Option<String>, created_at: String, delivered_at: Option<String>,
    });
    copy_table!(src, dst, r, article_revisions, [pk], {
        pk: i32, article_pk: i32, n: i32, change: String, key_name: Option<String>,
        created_at: String, snapshot: String,
    });
    copy_table!(src, dst, r, server_secrets, [name], { name: String, value: String });
    copy_table!(src, dst, r, store_changes, [id], { id: i32, changed_at: String });
    if dst.is_postgres() {
        for (table, key) in IDENTITIES {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{key}'), \
                 COALESCE((SELECT MAX({key}) FROM {table}), 0) + 1, false)"
            ))
            .execute(dst)?;
        }
    }
    super::touch(dst)?;
    super::report_tags([crate::domain::cache_tags::EVERYTHING]);
    Ok(r)
}
