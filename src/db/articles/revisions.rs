//! Revisions: after every change to an article, a full snapshot of its writable state
//! (the body a PUT would send), which key made the change and when. Written in the
//! change's transaction; kept through trash and restore; purged with the article.

use crate::db::AnyConnection;
use diesel::prelude::*;

use super::read::ArticleRecord;
use crate::db::error::StoreError;
use crate::db::schema::{article_revisions, articles};
use crate::domain::access::{Caller, Scope};

/// One stored revision.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    /// Number within the article, from 1.
    pub n: i32,
    /// What happened: created, updated, trashed, restored, reverted to n.
    pub change: String,
    /// The key that made it (none for changes made by the server or an import).
    pub key_name: Option<String>,
    /// When.
    pub created_at: String,
    /// The article's writable state after the change (JSON of `ArticleInput`).
    pub snapshot: String,
}

fn reader() -> Caller {
    Caller::Key {
        name: "revisions".into(),
        scope: Scope::Read,
    }
}

/// Stores the article's state after `change`, made by `caller` (loading it first).
pub fn record(
    conn: &mut AnyConnection,
    pk: i32,
    change: &str,
    caller: &Caller,
    now: &str,
) -> Result<(), StoreError> {
    let rec = super::read::load_by_pk_text(conn, &reader(), pk, now)?;
    record_of(conn, &rec, change, caller, now)
}

/// Stores `rec` (the article as a key sees it right after `change`) as its next
/// revision. A `created` change is the first revision: no lookup of the last number.
pub fn record_of(
    conn: &mut AnyConnection,
    rec: &ArticleRecord,
    change: &str,
    caller: &Caller,
    now: &str,
) -> Result<(), StoreError> {
    let pk = rec.row.pk;
    let snapshot = serde_json::to_string(&rec.input()).map_err(StoreError::failed)?;
    let n: Option<i32> = if change == "created" {
        None
    } else {
        article_revisions::table
            .filter(article_revisions::article_pk.eq(pk))
            .select(diesel::dsl::max(article_revisions::n))
            .first(conn)?
    };
    let key_name = match caller {
        Caller::Key { name, .. } => Some(name.as_str()),
        Caller::Public => None,
    };
    diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_pk.eq(pk),
            article_revisions::n.eq(n.unwrap_or(0) + 1),
            article_revisions::change.eq(change),
            article_revisions::key_name.eq(key_name),
            article_revisions::created_at.eq(now),
            article_revisions::snapshot.eq(snapshot),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every revision of article `pk`, oldest first.
pub fn list(conn: &mut AnyConnection, pk: i32) -> QueryResult<Vec<RevisionRow>> {
    article_revisions::table
        .filter(article_revisions::article_pk.eq(pk))
        .order(article_revisions::n)
        .select(RevisionRow::as_select())
        .load(conn)
}

/// Revision `n` of article `pk`.
pub fn get(conn: &mut AnyConnection, pk: i32, n: i32) -> Result<RevisionRow, StoreError> {
    article_revisions::table
        .filter(article_revisions::article_pk.eq(pk))
        .filter(article_revisions::n.eq(n))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("revision", n))
}

/// Records a first revision for every article that has none (a database from before
/// revisions); returns how many.
pub fn backfill(conn: &mut AnyConnection, now: &str) -> Result<usize, StoreError> {
    crate::db::write_transaction(conn, |conn| {
        let missing: Vec<i32> = articles::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
                article_revisions::table.filter(article_revisions::article_pk.eq(articles::pk)),
            )))
            .order(articles::pk)
            .select(articles::pk)
            .load(conn)?;
        for pk in &missing {
            record(conn, *pk, "baseline", &Caller::Public, now)?;
        }
        Ok(missing.len())
    })
}
