//! Article lists: filters, full-text search, every sort order with keyset cursors or
//! numbered pages, and the total — each as one query over indexed columns.

use crate::db::AnyConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use super::read::{ArticleRecord, assemble, rows_by_pk};
use super::{Bodies, Condition, visible_to};
use crate::db::error::StoreError;
use crate::db::schema::{article_authors, article_search, article_tags, articles, authors, tags};
use crate::db::search;
use crate::domain::access::Caller;
use crate::domain::article::{Status, StoredStatus};
use crate::domain::listing::Sort;
use crate::domain::search::Match;

/// Live articles or the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shelf {
    /// Not trashed.
    Live,
    /// Trashed, restorable.
    Trash,
}

impl Shelf {
    fn condition<QS: 'static>(self) -> Condition<QS>
    where
        articles::deleted_at: SelectableExpression<QS>,
    {
        match self {
            Self::Live => Box::new(articles::deleted_at.is_null()),
            Self::Trash => Box::new(articles::deleted_at.is_not_null()),
        }
    }
}

/// What a list is restricted to; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Full-text search: what the articles must match.
    pub search: Option<Match>,
    /// Any of these tag slugs.
    pub tags: Vec<String>,
    /// Any of these author slugs.
    pub authors: Vec<String>,
    /// This language.
    pub language: Option<String>,
    /// This shown status.
    pub status: Option<Status>,
    /// Featured or not.
    pub featured: Option<bool>,
    /// `published_at >=` this (store format).
    pub published_after: Option<String>,
    /// `published_at <=` this (store format).
    pub published_before: Option<String>,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Position {
    /// The first page.
    Start,
    /// After the item with this sort key and primary key (a cursor).
    After(String, i32),
    /// Numbered page, from 1.
    Page(i64),
}

/// A list request as the store runs it.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Restrictions.
    pub filter: Filter,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: i64,
    /// Start.
    pub position: Position,
    /// Live articles or the trash.
    pub shelf: Shelf,
    /// The total when already known (cached): the count is skipped.
    pub known_total: Option<i64>,
    /// Whether the page's rows carry their bodies.
    pub bodies: Bodies,
}

/// How many of the newest matches `relevance` ranks: bm25 scores every match it is
/// given, so a common word would otherwise cost a score per article.
pub const RANKED_MATCHES: i64 = 1000;

/// One page of a list.
#[derive(Debug)]
pub struct ListPage {
    /// The articles with their search rank (0 without `q`).
    pub items: Vec<(ArticleRecord, f64)>,
    /// True when another page follows.
    pub more: bool,
    /// Articles matching the query.
    pub total: i64,
}

impl ListPage {
    /// The sort key of an item, as a cursor stores it.
    pub fn key(sort: Sort, rec: &ArticleRecord, rank: f64) -> String {
        match sort {
            Sort::Newest | Sort::Oldest => rec.row.sort_at.clone(),
            Sort::Updated => rec.row.updated_at.clone(),
            Sort::MostViewed => rec.row.view_count.to_string(),
            Sort::Relevance => format!("{rank:?}"),
        }
    }
}

/// Applies the visibility rule, the shelf and the filter to a boxed query of any FROM
/// clause that includes `articles`.
macro_rules! restricted {
    ($query:expr, $caller:expr, $q:expr, $now:expr, $search:expr) => {{
        let f = &$q.filter;
        let mut query = $query
            .filter(visible_to($caller, $now))
            .filter($q.shelf.condition());
        if let Some(s) = $search {
            query = query.filter(
                sql::<Bool>(s.before)
                    .bind::<Text, _>(s.expr.clone())
                    .sql(s.after),
            );
        }
        if !f.tags.is_empty() {
            query = query.filter(
                articles::pk.eq_any(
                    article_tags::table
                        .inner_join(tags::table)
                        .filter(tags::slug.eq_any(f.tags.clone()))
                        .select(article_tags::article_pk),
                ),
            );
        }
        if !f.authors.is_empty() {
            query = query.filter(
                articles::pk.eq_any(
                    article_authors::table
                        .inner_join(authors::table)
                        .filter(authors::slug.eq_any(f.authors.clone()))
                        .select(article_authors::article_pk),
                ),
            );
        }
        if let Some(l) = &f.language {
            query = query.filter(articles::language.eq(l.clone()));
        }
        if let Some(featured) = f.featured {
            query = query.filter(articles::featured.eq(featured));
        }
        if let Some(a) = &f.published_after {
            query = query.filter(articles::published_at.ge(a.clone()));
        }
        if let Some(b) = &f.published_before {
            query = query.filter(articles::published_at.le(b.clone()));
        }
        match f.status {
            None => {}
            Some(Status::Published) => {
                query = query
                    .filter(articles::status.eq(StoredStatus::Published.as_str()))
                    .filter(articles::sort_at.le($now.to_string()))
            }
            Some(Status::Scheduled) => {
                query = query
                    .filter(articles::status.eq(StoredStatus::Published.as_str()))
                    .filter(articles::sort_at.gt($now.to_string()))
            }
            Some(s) => query = query.filter(articles::status.eq(s.stored().as_str())),
        }
        query
    }};
}

/// Starts a query after a cursor's position. It must come first in the WHERE clause:
/// SQLite takes the first upper bound on a column as the index range, and the cursor's
/// is the tight one (the visibility rule adds `sort_at <= now`).
macro_rules! after_cursor {
    ($query:expr, $q:expr, $rank:expr) => {{
        let mut query = $query;
        let rank = || sql::<Double>($rank);
        match &$q.position {
            Position::After(key, pk) => {
                let (key, pk) = (key.clone(), *pk);
                query = match $q.sort {
                    Sort::Newest => query.filter(
                        articles::sort_at
                            .le(key.clone())
                            .and(articles::sort_at.lt(key).or(articles::pk.lt(pk))),
                    ),
                    Sort::Oldest => query.filter(
                        articles::sort_at
                            .ge(key.clone())
                            .and(articles::sort_at.gt(key).or(articles::pk.gt(pk))),
                    ),
                    Sort::Updated => query.filter(
                        articles::updated_at
                            .le(key.clone())
                            .and(articles::updated_at.lt(key).or(articles::pk.lt(pk))),
                    ),
                    Sort::MostViewed => {
                        let views: i64 = key.parse().map_err(|_| bad_cursor())?;
                        query.filter(
                            articles::view_count
                                .le(views)
                                .and(articles::view_count.lt(views).or(articles::pk.lt(pk))),
                        )
                    }
                    Sort::Relevance => {
                        let r: f64 = key.parse().map_err(|_| bad_cursor())?;
                        query.filter(rank().gt(r).or(rank().eq(r).and(articles::pk.gt(pk))))
                    }
                };
            }
            Position::Start | Position::Page(_) => {}
        }
        let _ = rank;
        query
    }};
}

/// Orders a restricted query and takes one page (plus one, to tell if more follow).
macro_rules! paged {
    ($query:expr, $q:expr, $rank:expr) => {{
        let mut query = $query;
        let rank = || sql::<Double>($rank);
        query = match $q.sort {
            Sort::Newest => query.order((articles::sort_at.desc(), articles::pk.desc())),
            Sort::Oldest => query.order((articles::sort_at.asc(), articles::pk.asc())),
            Sort::Updated => query.order((articles::updated_at.desc(), articles::pk.desc())),
            Sort::MostViewed => query.order((articles::view_count.desc(), articles::pk.desc())),
            Sort::Relevance => query.order((rank().asc(), articles::pk.asc())),
        };
        if let Position::Page(n) = &$q.position {
            query = query.offset((n - 1) * $q.limit);
        }
        query.limit($q.limit + 1)
    }};
}

/// A page's (pk, rank) pairs, in order.
type Keys = Vec<(i32, f64)>;

/// A rank of 0 (lists without a search), as a double on both engines.
const NO_RANK: &str = "CAST(0 AS DOUBLE PRECISION)";

/// A search in the store's engine: its expression and the SQL around it.
struct SearchSql {
    expr: String,
    before: &'static str,
    after: &'static str,
    rank: String,
}

impl SearchSql {
    fn new(engine: crate::db::Engine, m: &Option<Match>) -> Option<Self> {
        let m = m.as_ref()?;
        let (before, after) = search::condition(engine);
        Some(Self {
            expr: search::expression(engine, m),
            before,
            after,
            rank: search::rank(engine, m),
        })
    }
}

/// More matches than this, and a search in date or view order walks the order's index,
/// probing the search index per article, instead of sorting every match.
const DENSE_MATCHES: i64 = 2000;

/// True when the search expression matches more than [`DENSE_MATCHES`] articles (a
/// capped count in the search index alone).
fn many_matches(conn: &mut AnyConnection, s: &SearchSql) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    // The text differs only by engine (`before` and `after` are its fixed fragments).
    let c: Count = crate::db::prepared::raw(format!(
        "SELECT COUNT(*) AS n FROM (SELECT rowid FROM article_search WHERE {}?{} LIMIT {}) AS subquery_matches",
        s.before,
        s.after,
        DENSE_MATCHES + 1
    ))
    .text(s.expr.clone())
    .get_result(conn)?;
    Ok(c.n > DENSE_MATCHES)
}

/// A search for a common word in date or view order: the order's index is walked and
/// each article probed in the search index (`rowid = ? AND MATCH`), so the first page
/// stops after a few dozen probes. The total still comes from the join (then cached).
fn dense_search(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: &ListQuery,
    s: &SearchSql,
    now: &str,
) -> Result<(Keys, Option<i64>), StoreError> {
    let total = match q.known_total {
        Some(t) => t,
        None => {
            let from = articles::table
                .inner_join(article_search::table.on(article_search::rowid.eq(articles::pk)));
            restricted!(from.into_boxed(), caller, q, now, Some(s))
                .count()
                .get_result(conn)?
        }
    };
    let mut plain = q.clone();
    plain.filter.search = None;
    let query = restricted!(
        after_cursor!(articles::table.into_boxed(), plain, NO_RANK),
        caller,
        plain,
        now,
        None::<&SearchSql>
    )
    .filter(
        sql::<Bool>(&format!(
            "EXISTS (SELECT 1 FROM article_search WHERE {}",
            s.before
        ))
        .bind::<Text, _>(s.expr.clone())
        .sql(&format!(
            "{} AND article_search.rowid = articles.pk)",
            s.after
        )),
    )
    .select((articles::pk, sql::<Double>(NO_RANK)));
    Ok((paged!(query, plain, NO_RANK).load(conn)?, Some(total)))
}

fn bad_cursor() -> StoreError {
    StoreError::BadCursor
}

/// Most totals kept; past it the cache starts afresh.
const MAX_COUNTS: usize = 10_000;

/// List totals by query shape, each valid while what it was counted at is current (see
/// [`list_counted`]): a count over 100,000 rows is the slow part of a list. Kept by the
/// pool ([`crate::db::DbPool::counts`]).
#[derive(Debug, Default)]
pub struct CountCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Option<String>, i64)>>,
}

impl CountCache {
    /// The total cached for `key`, if it was computed at the store change `changed`.
    pub fn get(&self, key: &str, changed: Option<&str>) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.as_deref() == changed)
            .map(|(_, n)| *n)
    }

    /// Remembers a total computed at the store change `changed`.
    pub fn put(&self, key: String, changed: Option<String>, total: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_COUNTS && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (changed, total));
    }
}

/// Runs a list query for `caller` at `now`, its total from `counts` when nothing it
/// counts changed since: for the public, without a search, while `lists` (a version of
/// the public lists that moves whenever an article appears, goes or moves in them, or a
/// tag or author is renamed; `None` when not known) is the one it was counted at, so an
/// edit of an article's text keeps every total; otherwise while the store's change time
/// is. Returns the page and the store's change time.
pub fn list_counted(
    conn: &mut AnyConnection,
    counts: &CountCache,
    caller: &Caller,
    q: &ListQuery,
    at: chrono::DateTime<chrono::Utc>,
    lists: Option<u64>,
) -> Result<(ListPage, Option<String>), StoreError> {
    let now = &crate::domain::time::format(at);
    let changed = crate::db::last_change_text(conn, now)?;
    let counted_at = match lists {
        Some(version) if !caller.sees_unpublished() && q.filter.search.is_none() => {
            Some(format!("lists {version}"))
        }
        _ => changed.clone(),
    };
    let key = format!("{}|{:?}|{:?}", caller.sees_unpublished(), q.shelf, q.filter);
    let mut q = q.clone();
    q.known_total = counts.get(&key, counted_at.as_deref());
    let page = list_text(conn, caller, &q, now)?;
    counts.put(key, counted_at, page.total);
    Ok((page, changed))
}

/// Runs a list query for `caller`.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: &ListQuery,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<ListPage, StoreError> {
    list_text(conn, caller, q, &crate::domain::time::format(at))
}

/// [`list`] with the time in the store's text form (inside the store).
pub(crate) fn list_text(
    conn: &mut AnyConnection,
    caller: &Caller,
    q: &ListQuery,
    now: &str,
) -> Result<ListPage, StoreError> {
    // Two phases: keys in order first (index-only where possible, no bodies in the
    // sorter), then the rows of the one page.
    let count = q.known_total.is_none();
    let search = SearchSql::new(conn.engine(), &q.filter.search);
    let dense = match (&search, q.sort) {
        (Some(s), sort) if sort != Sort::Relevance => many_matches(conn, s)?,
        _ => false,
    };
    let (keys, total): (Keys, Option<i64>) = if let Some(s) = search.as_ref().filter(|_| dense) {
        dense_search(conn, caller, q, s, now)?
    } else if let Some(s) = &search {
        let from = || {
            articles::table
                .inner_join(article_search::table.on(article_search::rowid.eq(articles::pk)))
        };
        let total = if count {
            Some(
                restricted!(from().into_boxed(), caller, q, now, Some(s))
                    .count()
                    .get_result(conn)?,
            )
        } else {
            None
        };
        let mut query = restricted!(
            after_cursor!(from().into_boxed(), q, &s.rank),
            caller,
            q,
            now,
            Some(s)
        )
        .select((articles::pk, sql::<Double>(&s.rank)));
        if q.sort == Sort::Relevance {
            // Ranking scores every match before LIMIT: rank only the newest matches.
            query = query.filter(
                sql::<Bool>(&format!(
                    "article_search.rowid >= COALESCE((SELECT rowid FROM article_search WHERE {}",
                    s.before
                ))
                .bind::<Text, _>(s.expr.clone())
                .sql(&format!(
                    "{} ORDER BY rowid DESC LIMIT 1 OFFSET {}), 0)",
                    s.after,
                    RANKED_MATCHES - 1
                )),
            );
        }
        (paged!(query, q, &s.rank).load(conn)?, total)
    } else {
        let total = if count {
            Some(
                restricted!(
                    articles::table.into_boxed(),
                    caller,
                    q,
                    now,
                    None::<&SearchSql>
                )
                .count()
                .get_result(conn)?,
            )
        } else {
            None
        };
        let query = restricted!(
            after_cursor!(articles::table.into_boxed(), q, NO_RANK),
            caller,
            q,
            now,
            None::<&SearchSql>
        )
        .select((articles::pk, sql::<Double>(NO_RANK)));
        (paged!(query, q, NO_RANK).load(conn)?, total)
    };
    let total = total.or(q.known_total).unwrap_or_default();
    let more = keys.len() as i64 > q.limit;
    let (pks, ranks): (Vec<i32>, Vec<f64>) = keys.into_iter().take(q.limit as usize).unzip();
    let rows = rows_by_pk(conn, &pks, q.bodies)?;
    let records = assemble(conn, caller, rows, now)?;
    let items = records.into_iter().zip(ranks).collect();
    Ok(ListPage { items, more, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_counts_only_at_its_change_time() {
        let c = CountCache::default();
        c.put("k".into(), Some("t1".into()), 5);
        assert_eq!(c.get("k", Some("t1")), Some(5));
        assert_eq!(c.get("k", Some("t2")), None);
        assert_eq!(c.get("other", Some("t1")), None);
    }
}
