//! The search index: one row of stems per article, written in the same transaction as
//! the article itself. SQLite keeps it in FTS5, PostgreSQL in a `tsvector` with a GIN
//! index; both hold the stems made in Rust (`domain::search`), so both find the same
//! articles, and both rank title matches above subtitle and excerpt, tags and body.

use crate::db::{AnyConnection, Engine};
use diesel::prelude::*;

use super::schema::{article_search, article_tags, articles, tags};
use crate::domain::search::{Match, Term, index_text};

/// Rank expression, lower first: SQLite's bm25 with column weights (title above
/// subtitle, excerpt, tags and body); on PostgreSQL `ts_rank` with the weights of the
/// positions' classes (A title, B subtitle and excerpt, C tags, D body), negated.
pub fn rank(engine: Engine, m: &Match) -> String {
    match engine {
        Engine::Sqlite => "bm25(article_search, 10.0, 6.0, 5.0, 3.0, 1.0)".into(),
        Engine::Postgres => format!(
            "CAST(-ts_rank('{{0.1, 0.3, 0.6, 1.0}}', article_search.document, CAST({} AS tsquery)) AS DOUBLE PRECISION)",
            sql_string(&expression(engine, m))
        ),
    }
}

/// A SQL string literal (standard-conforming: only `'` is doubled).
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The condition "the `article_search` row matches", around a bound expression from
/// [`expression`]: what goes before the bind and what after.
pub fn condition(engine: Engine) -> (&'static str, &'static str) {
    match engine {
        Engine::Sqlite => ("article_search MATCH ", ""),
        Engine::Postgres => ("article_search.document @@ CAST(", " AS tsquery)"),
    }
}

/// A match in the engine's query syntax: an FTS5 expression, or a `tsquery` in its
/// input form. Every term is quoted, so nothing a reader typed is syntax. A match of
/// no terms matches nothing.
pub fn expression(engine: Engine, m: &Match) -> String {
    match engine {
        Engine::Sqlite => {
            let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            match m {
                Match::All(terms) if terms.is_empty() => "\"\"".into(),
                Match::All(terms) => terms
                    .iter()
                    .map(|t| match t {
                        Term::Word(w) => quote(w),
                        Term::Prefix(p) => format!("{}*", quote(p)),
                        Term::Phrase(ws) => quote(&ws.join(" ")),
                    })
                    .collect::<Vec<_>>()
                    .join(" AND "),
                Match::Any(stems) => stems
                    .iter()
                    .map(|w| quote(w))
                    .collect::<Vec<_>>()
                    .join(" OR "),
            }
        }
        Engine::Postgres => {
            let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
            match m {
                // A lexeme no index holds (stems have no spaces).
                Match::All(terms) if terms.is_empty() => "' '".into(),
                Match::All(terms) => terms
                    .iter()
                    .map(|t| match t {
                        Term::Word(w) => quote(w),
                        Term::Prefix(p) => format!("{}:*", quote(p)),
                        Term::Phrase(ws) => format!(
                            "({})",
                            ws.iter()
                                .map(|w| quote(w))
                                .collect::<Vec<_>>()
                                .join(" <-> ")
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(" & "),
                Match::Any(stems) => stems
                    .iter()
                    .map(|w| quote(w))
                    .collect::<Vec<_>>()
                    .join(" | "),
            }
        }
    }
}

/// An index row as a `tsvector` in its input form: every stem with its positions and
/// its column's weight (title A, subtitle and excerpt B, tags C, body D). Columns are a
/// position apart, so a phrase never matches across two of them.
fn tsvector(row: &Stems) -> String {
    use std::collections::BTreeMap;
    // PostgreSQL keeps positions up to 16383 and 255 of them per lexeme.
    const MAX_POSITION: usize = 16_383;
    let mut lexemes: BTreeMap<&str, Vec<(usize, char)>> = BTreeMap::new();
    let mut at = 0usize;
    for (text, weight) in [
        (&row.title, 'A'),
        (&row.subtitle, 'B'),
        (&row.excerpt, 'B'),
        (&row.tags, 'C'),
        (&row.body, 'D'),
    ] {
        for word in text.split(' ').filter(|w| !w.is_empty() && w.len() < 2046) {
            at = (at + 1).min(MAX_POSITION);
            let positions = lexemes.entry(word).or_default();
            if positions.len() < 255 && positions.last().is_none_or(|(p, _)| *p != at) {
                positions.push((at, weight));
            }
        }
        at = (at + 1).min(MAX_POSITION);
    }
    let mut out = String::new();
    for (word, positions) in lexemes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('\'');
        out.push_str(&word.replace('\\', "\\\\").replace('\'', "''"));
        out.push_str("':");
        let list: Vec<String> = positions.iter().map(|(p, w)| format!("{p}{w}")).collect();
        out.push_str(&list.join(","));
    }
    out
}

/// (Re)writes the index row of one article, reading what it indexes from the store.
pub fn index_article(conn: &mut AnyConnection, pk: i32) -> QueryResult<()> {
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
    conn: &mut AnyConnection,
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
pub(crate) fn flush_deferred(conn: &mut AnyConnection) -> QueryResult<()> {
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
    conn: &mut AnyConnection,
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

fn insert_row(conn: &mut AnyConnection, pk: i32, row: &Stems) -> QueryResult<()> {
    if conn.is_postgres() {
        super::prepared::raw(
            "INSERT INTO article_search (rowid, document) VALUES (?, CAST(? AS tsvector))",
        )
        .integer(pk)
        .text(tsvector(row))
        .execute(conn)?;
        return Ok(());
    }
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
pub fn remove(conn: &mut AnyConnection, pk: i32) -> QueryResult<()> {
    if queued(pk, None, true) {
        return Ok(());
    }
    delete_row(conn, pk)
}

fn delete_row(conn: &mut AnyConnection, pk: i32) -> QueryResult<()> {
    diesel::delete(article_search::table.filter(article_search::rowid.eq(pk))).execute(conn)?;
    Ok(())
}

/// Indexes every article that has no index row (after a migration or an import);
/// returns how many were indexed.
pub fn index_missing(conn: &mut AnyConnection) -> QueryResult<usize> {
    let missing: Vec<i32> = articles::table
        // NOT EXISTS, not NOT IN: PostgreSQL runs `NOT IN (subquery)` as a nested loop
        // (quadratic) once the index outgrows its hash memory.
        .filter(diesel::dsl::not(diesel::dsl::exists(
            article_search::table
                .filter(article_search::rowid.eq(articles::pk))
                .select(article_search::rowid),
        )))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::{parse_query, stem};

    #[test]
    fn hostile_queries_become_quoted_terms_on_both_engines() {
        for q in [
            "\"",
            "AND OR NOT (",
            "NEAR(",
            "col:x",
            "\"unbalanced",
            "a\"b\"c",
            "it's & | !",
        ] {
            let m = Match::All(parse_query(q));
            let fts = expression(Engine::Sqlite, &m);
            assert!(fts.starts_with('"'), "{q} → {fts}");
            let ts = expression(Engine::Postgres, &m);
            assert!(ts.starts_with('\'') || ts.starts_with("('"), "{q} → {ts}");
        }
        assert_eq!(expression(Engine::Sqlite, &Match::All(vec![])), "\"\"");
        assert_eq!(expression(Engine::Postgres, &Match::All(vec![])), "' '");
    }

    #[test]
    fn phrases_and_prefixes_are_rendered() {
        let m = Match::All(parse_query("\"Stand with\" Ukr* київ"));
        let (st, wi, ky) = (stem("stand"), stem("with"), stem("київ"));
        assert_eq!(
            expression(Engine::Sqlite, &m),
            format!("\"{st} {wi}\" AND \"ukr\"* AND \"{ky}\"")
        );
        assert_eq!(
            expression(Engine::Postgres, &m),
            format!("('{st}' <-> '{wi}') & 'ukr':* & '{ky}'")
        );
    }

    #[test]
    fn a_tsvector_carries_positions_and_weights_per_column() {
        let row = Stems {
            title: "київ мир".into(),
            subtitle: String::new(),
            excerpt: "мир".into(),
            tags: "o'brien".into(),
            body: "київ".into(),
        };
        assert_eq!(tsvector(&row), "'o''brien':7C 'київ':1A,9D 'мир':2A,5B");
    }
}
