//! "Most read" over a window and "related" articles: public articles only.

use crate::db::AnyConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::read::{ArticleRecord, load_many};
use super::{Filter, ListQuery, Position, Shelf, visible_to};
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
    let public: Vec<i32> = articles::table
        .filter(visible_to(&Caller::Public, now))
        .filter(articles::pk.eq_any(&candidates))
        .select(articles::pk)
        .load(conn)?;
    let top: Vec<(i32, i64)> = ranked
        .into_iter()
        .filter(|(pk, _)| public.contains(pk))
        .take(limit as usize)
        .collect();
    let pks: Vec<i32> = top.iter().map(|r| r.0).collect();
    let records = load_many(conn, &Caller::Public, &pks, now)?;
    Ok(records
        .into_iter()
        .zip(top)
        .map(|(rec, (_, views))| (rec, views))
        .collect())
}

/// Public articles related to article `pk`: those sharing most tags first, then the
/// best full-text matches of `similar` (an FTS5 OR expression over its title's words).
pub fn related(
    conn: &mut AnyConnection,
    pk: i32,
    similar: Option<crate::domain::search::Match>,
    limit: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<ArticleRecord>, StoreError> {
    let now = &crate::domain::time::format(at);
    let own_tags: Vec<i32> = article_tags::table
        .filter(article_tags::article_pk.eq(pk))
        .select(article_tags::tag_pk)
        .load(conn)?;
    let mut pks: Vec<i32> = article_tags::table
        .inner_join(articles::table)
        .filter(visible_to(&Caller::Public, now))
        .filter(article_tags::tag_pk.eq_any(own_tags))
        .filter(articles::pk.ne(pk))
        .group_by(articles::pk)
        .select(articles::pk)
        .order((diesel::dsl::count_star().desc(), articles::sort_at.desc()))
        .limit(limit)
        .load(conn)?;
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
        };
        for (rec, _) in super::list::list_text(conn, &Caller::Public, &q, now)?.items {
            if rec.row.pk != pk && !pks.contains(&rec.row.pk) && (pks.len() as i64) < limit {
                pks.push(rec.row.pk);
            }
        }
    }
    load_many(conn, &Caller::Public, &pks, now)
}
