//! What an article shows besides its row: its tags and authors in order, and its
//! translations (the other members of its group that the caller may see). Read in one
//! statement: a `UNION ALL` of three selects ([`of_one`]) on SQLite, where a statement is
//! a function call; on PostgreSQL, where each is a round trip, folded into the row's own
//! query as a JSON aggregate ([`LinksKeyed`], [`LinksPublic`]), so a cold article read is
//! one statement there.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
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

/// The links of the article whose row came with them, from the JSON of [`LinksKeyed`]
/// or [`LinksPublic`].
pub(super) fn parse(json: &str) -> Result<Links, crate::db::StoreError> {
    let links: Vec<Link> = serde_json::from_str(json)
        .map_err(|e| crate::db::StoreError::Failed(format!("an article's links: {e}")))?;
    Ok(split(links))
}

/// The links of the `articles` row being selected, as a JSON array of [`Link`]s
/// (PostgreSQL). `public_at`: only translations the public sees at that time.
fn push_links<'b>(mut out: AstPass<'_, 'b, Pg>, public_at: Option<&'b String>) -> QueryResult<()> {
    out.push_sql(
        "(SELECT coalesce(json_agg(json_build_array(l.what, l.n, l.a, l.b, l.c))::text, '[]') \
         FROM (SELECT 0 AS what, t.position AS n, g.slug AS a, g.name AS b, '' AS c \
         FROM article_tags t JOIN tags g ON g.pk = t.tag_pk WHERE t.article_pk = articles.pk \
         UNION ALL SELECT 1, t.position, g.slug, g.name, '' \
         FROM article_authors t JOIN authors g ON g.pk = t.author_pk \
         WHERE t.article_pk = articles.pk \
         UNION ALL SELECT 2, 0, m.language, m.id, m.slug FROM articles m \
         WHERE m.translation_group = articles.translation_group AND m.pk <> articles.pk \
         AND m.deleted_at IS NULL",
    );
    if let Some(now) = public_at {
        out.push_sql(" AND m.status = 'published' AND m.sort_at <= ");
        out.push_bind_param::<Text, _>(now)?;
    }
    out.push_sql(") l)");
    Ok(())
}

/// The links a key holder sees of the selected article (drafts among its translations),
/// as JSON: a column to select beside the row on PostgreSQL. A type of its own, so its
/// statement is cached apart from [`LinksPublic`]'s.
#[derive(Debug, Clone, Copy, QueryId, diesel::expression::ValidGrouping)]
pub struct LinksKeyed;

/// The links the public sees at `now` of the selected article, as JSON (PostgreSQL).
#[derive(Debug, Clone, QueryId, diesel::expression::ValidGrouping)]
pub struct LinksPublic {
    /// The time visibility is judged at (store format).
    pub now: String,
}

impl Expression for LinksKeyed {
    type SqlType = Text;
}

impl Expression for LinksPublic {
    type SqlType = Text;
}

impl QueryFragment<Pg> for LinksKeyed {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        push_links(out, None)
    }
}

impl QueryFragment<Pg> for LinksPublic {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        push_links(out, Some(&self.now))
    }
}

impl AppearsOnTable<articles::table> for LinksKeyed {}
impl SelectableExpression<articles::table> for LinksKeyed {}
impl AppearsOnTable<articles::table> for LinksPublic {}
impl SelectableExpression<articles::table> for LinksPublic {}

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
