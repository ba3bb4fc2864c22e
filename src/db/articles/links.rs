//! What an article shows besides its row: its tags and authors in order, and its
//! translations (the other members of its group that the caller may see), read in one
//! statement: a `UNION ALL` of three selects ([`of_one`]).
//!
//! Tried and measured slower: on PostgreSQL, folding them into the row's own query as a
//! JSON aggregate (one statement per cold read instead of two) served 12–17 % fewer cold
//! reads (W8, three alternating rounds: 1,868–1,980 against 2,189–2,256 req/s).

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use super::ArticleRow;
use crate::db::AnyConnection;
use crate::db::engine::on_engine;
use crate::db::schema::{article_authors, article_tags, articles, authors, tags};
use crate::domain::access::Caller;
use crate::domain::input::{TermRef, Translation};

const TAG: i32 = 0;
const AUTHOR: i32 = 1;
const TRANSLATION: i32 = 2;

/// One link: (what, position, then slug and name of a term, or language, id and slug
/// of a translation).
type Link = (i32, i32, String, String, String);

/// An article's tags, authors and translations.
pub(super) type Links = (Vec<TermRef>, Vec<TermRef>, Vec<Translation>);

/// Tags and authors by position, translations by language.
fn split(mut links: Vec<Link>) -> Links {
    links.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let (mut tag_refs, mut author_refs, mut translations) = (Vec::new(), Vec::new(), Vec::new());
    for (what, _, a, b, c) in links {
        match what {
            TAG => tag_refs.push(TermRef { slug: a, name: b }),
            AUTHOR => author_refs.push(TermRef { slug: a, name: b }),
            _ => translations.push(Translation {
                language: a,
                id: b,
                slug: c,
            }),
        }
    }
    (tag_refs, author_refs, translations)
}

/// The tags, authors and translations (those `caller` may see) of one article in one
/// statement: a `UNION ALL` of three selects, so a cold article read is two round trips
/// (its row, then this), not four. Statements with `=`, not `IN (…)`: SQLite's prepared
/// statements are cached only for a fixed SQL text, and preparing them again was an
/// eighth of an article miss.
pub(super) fn of_one(
    conn: &mut AnyConnection,
    caller: &Caller,
    row: &ArticleRow,
    now: &str,
) -> QueryResult<Links> {
    let pk = row.pk;
    let tags = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_pk.eq(pk))
        .select((
            TAG.into_sql::<Integer>(),
            article_tags::position,
            tags::slug,
            tags::name,
            "".into_sql::<Text>(),
        ));
    let authors = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_pk.eq(pk))
        .select((
            AUTHOR.into_sql::<Integer>(),
            article_authors::position,
            authors::slug,
            authors::name,
            "".into_sql::<Text>(),
        ));
    let members = articles::table
        .filter(articles::translation_group.eq(&row.translation_group))
        .filter(articles::deleted_at.is_null())
        .filter(articles::pk.ne(pk))
        .select((
            TRANSLATION.into_sql::<Integer>(),
            0.into_sql::<Integer>(),
            articles::language,
            articles::id,
            articles::slug,
        ));
    let links: Vec<Link> = on_engine!(conn, c => {
        if caller.sees_unpublished() {
            tags.union_all(authors).union_all(members).load(c)
        } else {
            tags.union_all(authors)
                .union_all(members.filter(super::public_now(now)))
                .load(c)
        }
    })?;
    Ok(split(links))
}
