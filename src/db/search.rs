//! The search index: one FTS5 row of stems per article, written in the same transaction
//! as the article itself.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use super::schema::{article_search, article_tags, articles, tags};
use crate::domain::search::index_text;

/// Rank expression: bm25 with column weights — title above excerpt above tags above body.
pub const RANK: &str = "bm25(article_search, 10.0, 6.0, 5.0, 3.0, 1.0)";

/// (Re)writes the index row of one article.
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
    remove(conn, pk)?;
    diesel::sql_query(
        "INSERT INTO article_search (rowid, title, subtitle, excerpt, tags, body) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind::<Integer, _>(pk)
    .bind::<Text, _>(index_text(&title))
    .bind::<Text, _>(index_text(subtitle.as_deref().unwrap_or("")))
    .bind::<Text, _>(index_text(&excerpt))
    .bind::<Text, _>(index_text(&tag_names.join(" ")))
    .bind::<Text, _>(index_text(&body))
    .execute(conn)?;
    Ok(())
}

/// Removes the index row of one article.
pub fn remove(conn: &mut SqliteConnection, pk: i32) -> QueryResult<()> {
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
