//! "Most read" over a window and "related" articles: public articles only.

use std::sync::Arc;

use crate::db::AnyConnection;
use crate::db::engine::on_engine;
use crate::db::prepared::{any_of, raw};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::read::{ArticleRecord, load_many};
use super::{Bodies, Filter, ListQuery, Position, Shelf};
use crate::db::error::StoreError;
use crate::db::schema::{article_tags, article_views_daily, articles};
use crate::domain::access::Caller;
use crate::domain::listing::Sort;

/// The most viewed public articles since `since_day` (`YYYY-MM-DD`), with their views
/// in the window.
pub fn popular(
    conn: &mut AnyConnection,
    since_day: &str,
    limit: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(ArticleRecord, i64)>, StoreError> {
    let now = &crate::domain::time::format(at);
    // Sum the window from the by-day index first, then keep the public ones: the
    // planner would otherwise walk every article to group by it.
    let views = || sql::<BigInt>("CAST(SUM(article_views_daily.views) AS BIGINT)");
    let ranked: Vec<(i32, i64)> = article_views_daily::table
        .filter(article_views_daily::day.ge(since_day))
        .group_by(article_views_daily::article_pk)
        .select((article_views_daily::article_pk, views()))
        .order((views().desc(), article_views_daily::article_pk.desc()))
        .limit(limit * 5 + 50)
        .load(conn)?;
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<i32> = ranked.iter().map(|r| r.0).collect();
    let public: Vec<i32> = on_engine!(conn, c => articles::table
        .filter(super::public_now(now))
        .filter(any_of(articles::pk, &candidates))
        .select(articles::pk)
        .load(c))?;
    let top: Vec<(i32, i64)> = ranked
        .into_iter()
        .filter(|(pk, _)| public.contains(pk))
        .take(limit as usize)
        .collect();
    let pks: Vec<i32> = top.iter().map(|r| r.0).collect();
    let records = load_many(conn, &Caller::Public, &pks, Bodies::Skipped, now)?;
    Ok(records
        .into_iter()
        .zip(top)
        .map(|(rec, (_, views))| (rec, views))
        .collect())
}

/// Candidates read per tag of the article: its newest public articles (by creation).
pub const RELATED_PER_TAG: i64 = 50;
/// Tags of the article that count (in their order on it).
const RELATED_TAGS: usize = 10;
/// Tags whose newest public articles are kept at most ([`TagNewest`]): each is at most
/// 51 short rows, ~3 KB, so 1,024 tags cost ~3 MB at worst.
const TAGS_KEPT: usize = 1_024;

/// A tag's newest public articles but one, from the tag index and the public articles'
/// (pk, sort_at) index; `$hint` names that index where the engine must be told.
macro_rules! newest_public_of_tag {
    ($hint:literal) => {
        concat!(
            "SELECT t.article_pk AS pk, a.sort_at AS sort_at \
             FROM article_tags t JOIN articles a ",
            $hint,
            " ON a.pk = t.article_pk \
             WHERE t.tag_pk = ? \
               AND a.status = 'published' AND a.deleted_at IS NULL AND a.sort_at <= ? \
             ORDER BY t.article_pk DESC LIMIT ?"
        )
    };
}

/// A tag's newest public articles as `related` reads them, newest first: (pk, sort_at).
type Newest = Arc<[(i32, String)]>;

/// Each tag's newest public articles, kept between `related` requests while every
/// public list of articles stays as it was: the caller names the version of those lists
/// it reads at ([`Lists`]), and a tag's entry counts only at the version it was read at.
/// So a related miss reads one row per candidate it loads, not 10 tags' worth of index.
#[derive(Debug)]
pub struct TagNewest(quick_cache::sync::Cache<i32, (u64, Newest)>);

impl Default for TagNewest {
    fn default() -> Self {
        Self(quick_cache::sync::Cache::new(TAGS_KEPT))
    }
}

/// What `related` may keep and use: `kept` entries read at `version` of the public
/// lists of articles, a number that changes whenever any of them may (a commit making
/// an article appear, go or move in lists, a scheduled publication's time come); with no
/// version (not known), nothing is used or kept.
#[derive(Debug, Clone, Copy)]
pub struct Lists<'a> {
    /// The tags' newest articles kept.
    pub kept: &'a TagNewest,
    /// The version of the public lists now.
    pub version: Option<u64>,
}

impl Lists<'_> {
    /// The newest public articles of `tag` (at most [`RELATED_PER_TAG`] + 1, so that
    /// `RELATED_PER_TAG` remain without any one of them), kept or read.
    fn newest(&self, conn: &mut AnyConnection, tag: i32, now: &str) -> Result<Newest, StoreError> {
        if let (Some(version), Some((at, newest))) = (self.version, self.kept.0.get(&tag))
            && at == version
        {
            return Ok(newest);
        }
        // SQLite is told the index; PostgreSQL finds it.
        let sql = match conn {
            AnyConnection::Sqlite(_) => newest_public_of_tag!("INDEXED BY articles_public_pk"),
            AnyConnection::Postgresql(_) => newest_public_of_tag!(""),
        };
        #[derive(diesel::QueryableByName)]
        struct Candidate {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pk: i32,
            #[diesel(sql_type = diesel::sql_types::Text)]
            sort_at: String,
        }
        let rows: Vec<Candidate> = raw(sql)
            .integer(tag)
            .text(now)
            .bigint(RELATED_PER_TAG + 1)
            .load(conn)?;
        let newest: Newest = rows.into_iter().map(|c| (c.pk, c.sort_at)).collect();
        if let Some(version) = self.version {
            self.kept.0.insert(tag, (version, newest.clone()));
        }
        Ok(newest)
    }
}

/// Public articles related to article `pk`: those sharing most tags first (newest first
/// among equals), then the best full-text matches of `similar` (its title's words).
///
/// Bounded whatever the archive's size: the candidates are the newest
/// [`RELATED_PER_TAG`] public articles of each of its first 10 tags, read from two
/// indexes (no article row) or kept from an earlier request ([`Lists`]); only the chosen
/// ones are loaded. (Ranking every article sharing a tag read thousands of rows for a
/// common tag: 2–7 ms per request at 100,000 articles.)
pub fn related(
    conn: &mut AnyConnection,
    lists: Lists<'_>,
    pk: i32,
    similar: Option<crate::domain::search::Match>,
    limit: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<ArticleRecord>, StoreError> {
    let now = &crate::domain::time::format(at);
    let own_tags: Vec<i32> = article_tags::table
        .filter(article_tags::article_pk.eq(pk))
        .order(article_tags::position)
        .select(article_tags::tag_pk)
        .load(conn)?;
    let mut shared: std::collections::HashMap<i32, (i32, String)> =
        std::collections::HashMap::new();
    for tag in own_tags.into_iter().take(RELATED_TAGS) {
        let newest = lists.newest(conn, tag, now)?;
        let others = newest.iter().filter(|(other, _)| *other != pk);
        for (other, sort_at) in others.take(RELATED_PER_TAG as usize) {
            shared.entry(*other).or_insert((0, sort_at.clone())).0 += 1;
        }
    }
    let mut ranked: Vec<(i32, String)> = shared
        .iter()
        .map(|(pk, (_, sort_at))| (*pk, sort_at.clone()))
        .collect();
    let count = |pk: &i32| shared.get(pk).map_or(0, |(n, _)| *n);
    ranked.sort_by(|(a, a_at), (b, b_at)| (count(b), b_at, b).cmp(&(count(a), a_at, a)));
    let mut pks: Vec<i32> = ranked
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|(pk, _)| pk)
        .collect();
    if (pks.len() as i64) < limit && similar.is_some() {
        let q = ListQuery {
            filter: Filter {
                search: similar,
                ..Filter::default()
            },
            sort: Sort::Relevance,
            limit: limit + 1,
            position: Position::Start,
            shelf: Shelf::Live,
            known_total: None,
            bodies: Bodies::Skipped,
        };
        for (rec, _) in super::list::list_text(conn, &Caller::Public, &q, now)?.items {
            if rec.row.pk != pk && !pks.contains(&rec.row.pk) && (pks.len() as i64) < limit {
                pks.push(rec.row.pk);
            }
        }
    }
    load_many(conn, &Caller::Public, &pks, Bodies::Skipped, now)
}
