//! The store's record of cache tags touched, one row per committed batch that touched
//! any (see [`crate::domain::cache_tags`]): how every instance on one store learns
//! which kept responses another instance's commit made wrong.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::cache_purges;

/// Rows older than this are deleted (an instance that has not looked for longer
/// forgets everything instead).
const KEEP_SECS: i64 = 3600;

/// Records `tags` as touched by the batch committing now; returns the row's number.
/// Call inside the batch's transaction (the writer does).
pub fn record(conn: &mut AnyConnection, tags: &BTreeSet<String>) -> QueryResult<i64> {
    let now = super::now_utc();
    let joined = tags
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let seq: i64 = diesel::insert_into(cache_purges::table)
        .values((
            cache_purges::occurred_at.eq(crate::domain::time::format(now)),
            cache_purges::tags.eq(joined),
        ))
        .returning(cache_purges::seq)
        .get_result(conn)?;
    if seq % 256 == 0 {
        let cutoff = crate::domain::time::format(now - chrono::Duration::seconds(KEEP_SECS));
        diesel::delete(cache_purges::table.filter(cache_purges::occurred_at.lt(cutoff)))
            .execute(conn)?;
    }
    Ok(seq)
}

/// The last row's number (`None` for an empty record).
pub fn latest(conn: &mut AnyConnection) -> QueryResult<Option<i64>> {
    cache_purges::table
        .select(diesel::dsl::max(cache_purges::seq))
        .first(conn)
}

/// Rows after `after`, oldest first, at most `limit`: each with its tags.
pub fn since(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, Vec<String>)>> {
    let rows: Vec<(i64, String)> = cache_purges::table
        .filter(cache_purges::seq.gt(after))
        .order(cache_purges::seq)
        .select((cache_purges::seq, cache_purges::tags))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, tags)| (seq, tags.split(' ').map(str::to_owned).collect()))
        .collect())
}
