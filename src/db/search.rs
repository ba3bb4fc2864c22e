//! The search index: one FTS5 row of stems per article, written in the same transaction
//! as the article itself.

use diesel::prelude::*;

use super::schema::{article_search, article_tags, articles, tags};
use crate::domain::search::index_text;

/// Rank expression: bm25 with column weights — title above excerpt above tags above body.
pub const RANK: &str = "bm25(article_search, 10.0, 6.0, 5.0, 3.0, 1.0)";

/// (Re)writes the index row of one article, reading what it indexes from the store.
pub fn index_article(conn: &mut SqliteConnection, pk: i32) -> QueryResult<()> {
    let (title, subtitle, excerpt, body): (String, Option<String>, String, String) =
        articles::table
            .find(pk)
            .select((
                articles::title,
                articles::subtitle,
                articles::excerpt,
                articles::body_text,
            ))
            .first(conn)?;
    let tag_names: Vec<String> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_pk.eq(pk))
        .select(tags::name)
        .load(conn)?;
    let doc = Indexed {
        title: &title,
        subtitle: subtitle.as_deref(),
        excerpt: &excerpt,
        tags: &tag_names,
        body_text: &body,
    };
    write_row(conn, pk, &doc, true)
}

/// What an article's index row is made of.
pub struct Indexed<'a> {
    /// Headline.
    pub title: &'a str,
    /// Secondary headline.
    pub subtitle: Option<&'a str>,
    /// Summary.
    pub excerpt: &'a str,
    /// Tag names, as stored.
    pub tags: &'a [String],
    /// The body as plain text.
    pub body_text: &'a str,
}

/// An index row: each column's text reduced to stems ([`index_text`]).
#[derive(Debug, Clone)]
pub struct Stems {
    title: String,
    subtitle: String,
    excerpt: String,
    tags: String,
    body: String,
}

impl Stems {
    /// Stems every column of `doc` (the costly part of indexing; needs no connection).
    pub fn of(doc: &Indexed) -> Self {
        Self {
            title: index_text(doc.title),
            subtitle: index_text(doc.subtitle.unwrap_or("")),
            excerpt: index_text(doc.excerpt),
            tags: index_text(&doc.tags.join(" ")),
            body: index_text(doc.body_text),
        }
    }

    /// The same row with other tag names.
    pub fn with_tags(self, tags: &[String]) -> Self {
        Self {
            tags: index_text(&tags.join(" ")),
            ..self
        }
    }
}

/// Writes the index row of article `pk` from `doc`, replacing any row it had when
/// `replace` (a new article has none). Cached prepared statements only.
pub fn write_row(
    conn: &mut SqliteConnection,
    pk: i32,
    doc: &Indexed,
    replace: bool,
) -> QueryResult<()> {
    write_stems(conn, pk, &Stems::of(doc), replace)
}

/// Index changes held back until the end of a batch of writes: (article, row to write
/// or `None` to remove, whether to remove a row first). FTS5 writes out everything
/// pending as a new segment at every savepoint, so rows written by each write of a
/// batch (each in its savepoint) would cost a segment, and merges, apiece.
type Deferred = Vec<(i32, Option<Stems>, bool)>;

thread_local! {
    static DEFERRED: std::cell::RefCell<Option<Deferred>> = const { std::cell::RefCell::new(None) };
}

/// From now on this thread's index changes wait for [`flush_deferred`].
pub(crate) fn defer() {
    DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
}

/// How many index changes wait (a savepoint's mark).
pub(crate) fn deferred_mark() -> usize {
    DEFERRED.with(|d| d.borrow().as_ref().map_or(0, Vec::len))
}

/// Drops the changes queued after `mark` (their savepoint rolled back).
pub(crate) fn forget_deferred_after(mark: usize) {
    DEFERRED.with(|d| {
        if let Some(v) = d.borrow_mut().as_mut() {
            v.truncate(mark);
        }
    });
}

/// Stops deferring, dropping whatever waits (the batch is over or failed).
pub(crate) fn stop_deferring() {
    DEFERRED.with(|d| *d.borrow_mut() = None);
}

/// Applies the waiting index changes, in order; deferring goes on.
pub(crate) fn flush_deferred(conn: &mut SqliteConnection) -> QueryResult<()> {
    let waiting = DEFERRED.with(|d| d.borrow_mut().as_mut().map(std::mem::take));
    for (pk, row, replace) in waiting.unwrap_or_default() {
        if replace {
            delete_row(conn, pk)?;
        }
        if let Some(row) = row {
            insert_row(conn, pk, &row)?;
        }
    }
    Ok(())
}

/// Queues a change when deferring; gives it back otherwise.
fn queued(pk: i32, row: Option<&Stems>, replace: bool) -> bool {
    DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(v) => {
            v.push((pk, row.cloned(), replace));
            true
        }
        None => false,
    })
}

/// Writes an index row already stemmed.
pub fn write_stems(
    conn: &mut SqliteConnection,
    pk: i32,
    row: &Stems,
    replace: bool,
) -> QueryResult<()> {
    if queued(pk, Some(row), replace) {
        return Ok(());
    }
    if replace {
        delete_row(conn, pk)?;
    }
    insert_row(conn, pk, row)
}

fn insert_row(conn: &mut SqliteConnection, pk: i32, row: &Stems) -> QueryResult<()> {
    diesel::insert_into(article_search::table)
        .values((
            article_search::rowid.eq(pk),
            article_search::title.eq(&row.title),
            article_search::subtitle.eq(&row.subtitle),
            article_search::excerpt.eq(&row.excerpt),
            article_search::tags.eq(&row.tags),
            article_search::body.eq(&row.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes the index row of one article.
pub fn remove(conn: &mut SqliteConnection, pk: i32) -> QueryResult<()> {
    if queued(pk, None, true) {
        return Ok(());
    }
    delete_row(conn, pk)
}

fn delete_row(conn: &mut SqliteConnection, pk: i32) -> QueryResult<()> {
    diesel::delete(article_search::table.filter(article_search::rowid.eq(pk))).execute(conn)?;
    Ok(())
}

/// Indexes every article that has no index row (after a migration or an import);
/// returns how many were indexed.
pub fn index_missing(conn: &mut SqliteConnection) -> QueryResult<usize> {
    let missing: Vec<i32> = articles::table
        .filter(articles::pk.ne_all(article_search::table.select(article_search::rowid)))
        .select(articles::pk)
        .load(conn)?;
    let n = missing.len();
    for chunk in missing.chunks(500) {
        crate::db::write_transaction(conn, |conn| {
            chunk.iter().try_for_each(|pk| index_article(conn, *pk))
        })?;
    }
    Ok(n)
}
