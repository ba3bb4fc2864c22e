//! Reading articles: one by id or slug, a page of them, with tags, authors and
//! translations loaded for the whole page at once.

use crate::db::AnyConnection;
use crate::db::engine::on_engine;
use crate::db::prepared::any_of;
use std::collections::HashMap;

use diesel::prelude::*;

use super::{ArticleRow, Bodies, visible_to};
use crate::db::error::StoreError;
use crate::db::schema::{articles, former_slugs};
use crate::domain::access::Caller;
use crate::domain::article::Status;
use crate::domain::input::{ArticleInput, FeatureImage, TermRef, Translation};
use crate::domain::time;

/// An article row with everything listed on it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ArticleRecord {
    /// The stored row.
    pub row: ArticleRow,
    /// Tags in order.
    pub tags: Vec<TermRef>,
    /// Authors in order.
    pub authors: Vec<TermRef>,
    /// Other-language versions the caller may see.
    pub translations: Vec<Translation>,
}

impl ArticleRecord {
    /// Its status as shown at `now` (a scheduled article whose time has come is
    /// published).
    pub fn shown_status(&self, now: &str) -> Status {
        Status::shown(self.row.status, self.row.published_at.as_deref(), now)
    }

    /// Its ETag as shown at `now` (what the API sends and `If-Match` compares).
    pub fn etag(&self, now: &str) -> String {
        let ts = |s: &str| time::parse(s).unwrap_or_default();
        crate::domain::version::article_validators(crate::domain::version::ArticleFacts {
            version: self.row.version,
            status: self.shown_status(now),
            published_at: self.row.published_at.as_deref().map(ts),
            updated_at: ts(&self.row.updated_at),
            tags: &self.tags,
            authors: &self.authors,
            translations: &self.translations,
        })
        .etag
    }

    /// The writable form of a stored article: the base a merge patch applies to.
    pub fn input(&self) -> ArticleInput {
        let (rec, r) = (self, &self.row);
        ArticleInput {
            title: r.title.clone(),
            subtitle: r.subtitle.clone(),
            slug: Some(r.slug.clone()),
            excerpt: (!r.excerpt_is_derived).then(|| r.excerpt.clone()),
            body_markdown: r.body_markdown.clone(),
            status: Some(Status::shown(r.status, None, "")),
            published_at: r.published_at.as_deref().and_then(time::parse),
            language: Some(r.language.clone()),
            translation_of: (r.translation_group != r.id).then(|| r.translation_group.clone()),
            tags: rec.tags.iter().map(|t| t.name.clone()).collect(),
            authors: rec.authors.iter().map(|a| a.slug.clone()).collect(),
            feature_image: r.feature_image_url.as_ref().map(|url| {
                FeatureImage::plain(
                    url.clone(),
                    r.feature_image_alt.clone(),
                    r.feature_image_caption.clone(),
                )
            }),
            canonical_url: r.canonical_url.clone(),
            featured: r.featured,
        }
    }
}

/// What an id or slug leads to: the article (its record, or what was asked of it), or
/// its current slug.
#[derive(Debug)]
pub enum Found<T = Box<ArticleRecord>> {
    /// The article itself.
    Article(T),
    /// A former slug: the article's current slug.
    Moved(String),
}

fn not_found(key: &str) -> StoreError {
    StoreError::not_found("article", key)
}

/// The untrashed rows `caller` may see whose id or current slug is `key`, as `select`:
/// two lookups of a unique key in one statement; [`by_key`] picks the answer.
macro_rules! id_or_slug {
    ($conn:expr, $caller:expr, $key:expr, $now:expr, $select:expr) => {
        on_engine!($conn, c => {
            let untrashed = articles::table.filter(articles::deleted_at.is_null());
            let by_id = untrashed.filter(articles::id.eq($key)).select($select);
            let by_slug = untrashed.filter(articles::slug.eq($key)).select($select);
            if $caller.sees_unpublished() {
                by_id.union_all(by_slug).load(c)
            } else {
                by_id
                    .filter(super::public_now($now))
                    .union_all(by_slug.filter(super::public_now($now)))
                    .load(c)
            }
        })
    };
}

/// Finds an untrashed article by id, current slug or former slug, as `caller` may see it.
pub fn find(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Found, StoreError> {
    let now = &crate::domain::time::format(at);
    let rows: Vec<ArticleRow> = id_or_slug!(conn, caller, key, now, ArticleRow::as_select())?;
    if let Some(row) = by_key(rows, key, |r| &r.id) {
        return Ok(Found::Article(Box::new(load(conn, caller, row, now)?)));
    }
    Ok(Found::Moved(moved(conn, caller, key, now)?))
}

/// What names an article: for a view beacon, and for "related" (its title's words).
#[derive(Debug, Clone, Queryable)]
pub struct Head {
    /// The internal key.
    pub pk: i32,
    /// The stable id.
    pub id: String,
    /// The headline.
    pub title: String,
}

/// The untrashed article `caller` may see by this id, current slug or former slug, as
/// its [`Head`]: [`find`] without the article's bodies or links (one indexed statement).
pub fn find_head(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Found<Head>, StoreError> {
    let now = &crate::domain::time::format(at);
    let heads: Vec<Head> = id_or_slug!(
        conn,
        caller,
        key,
        now,
        (articles::pk, articles::id, articles::title)
    )?;
    match by_key(heads, key, |h| &h.id) {
        Some(head) => Ok(Found::Article(head)),
        None => Ok(Found::Moved(moved(conn, caller, key, now)?)),
    }
}

/// The current slug of the article `caller` may see that once had the slug `key`; 404
/// when there is none.
fn moved(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &str,
    now: &str,
) -> Result<String, StoreError> {
    let moved: Option<String> = former_slugs::table
        .inner_join(articles::table)
        .filter(former_slugs::slug.eq(key))
        .filter(visible_to(caller, now))
        .filter(articles::deleted_at.is_null())
        .select(articles::slug)
        .first(conn)
        .optional()?;
    moved.ok_or_else(|| not_found(key))
}

/// The primary key of the article with this id or current slug, whatever its state
/// (for the write path, whose callers hold keys).
pub fn pk_of(conn: &mut AnyConnection, key: &str) -> Result<i32, StoreError> {
    let found: Vec<(i32, String)> = on_engine!(conn, c => articles::table
        .filter(articles::id.eq(key))
        .select((articles::pk, articles::id))
        .union_all(
            articles::table
                .filter(articles::slug.eq(key))
                .select((articles::pk, articles::id)),
        )
        .load(c))?;
    by_key(found, key, |(_, id)| id)
        .map(|(pk, _)| pk)
        .ok_or_else(|| not_found(key))
}

/// Of the rows an id-or-slug lookup found (the one with that id and the one with that
/// slug: two lookups of a unique key in one statement, where `id = ? OR slug = ?` left
/// PostgreSQL a bitmap scan, or a sequential scan in a plan cached while the table was
/// small), the one to answer: an id wins over a slug that happens to equal it.
fn by_key<T>(rows: Vec<T>, key: &str, id: impl Fn(&T) -> &String) -> Option<T> {
    let mut rows = rows.into_iter();
    let first = rows.next()?;
    if id(&first) == key {
        return Some(first);
    }
    Some(rows.find(|r| id(r) == key).unwrap_or(first))
}

/// The primary key of the article with this id (never a slug), whatever its state.
pub fn pk_of_id(conn: &mut AnyConnection, id: &str) -> Result<i32, StoreError> {
    articles::table
        .filter(articles::id.eq(id))
        .select(articles::pk)
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(id))
}

/// Loads several articles by primary key, in the order given, with their tags, authors
/// and translations in two statements.
pub fn load_many(
    conn: &mut AnyConnection,
    caller: &Caller,
    pks: &[i32],
    bodies: Bodies,
    now: &str,
) -> Result<Vec<ArticleRecord>, StoreError> {
    let rows = rows_by_pk(conn, pks, bodies)?;
    assemble(conn, caller, rows, now)
}

/// The rows of these articles, in the order given (a missing one left out).
pub(super) fn rows_by_pk(
    conn: &mut AnyConnection,
    pks: &[i32],
    bodies: Bodies,
) -> Result<Vec<ArticleRow>, StoreError> {
    if pks.is_empty() {
        return Ok(Vec::new());
    }
    let query = articles::table.filter(any_of(articles::pk, pks));
    let mut rows: Vec<ArticleRow> = match bodies {
        Bodies::Loaded => on_engine!(conn, c => query.select(ArticleRow::as_select()).load(c))?,
        Bodies::Skipped => {
            on_engine!(conn, c => query.select(super::row_without_bodies!()).load(c))?
        }
    };
    rows.sort_by_key(|r| pks.iter().position(|p| *p == r.pk));
    Ok(rows)
}

/// Rows with their tags, authors and translations, in one statement: a `UNION ALL` of
/// the three (see [`super::links::of_one`]).
pub(super) fn assemble(
    conn: &mut AnyConnection,
    caller: &Caller,
    rows: Vec<ArticleRow>,
    now: &str,
) -> Result<Vec<ArticleRecord>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let pks: Vec<i32> = rows.iter().map(|r| r.pk).collect();
    let groups: Vec<String> = rows.iter().map(|r| r.translation_group.clone()).collect();
    let (mut terms, members) = super::links::of_many(conn, caller, &pks, &groups, now)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (tags, authors) = terms.remove(&row.pk).unwrap_or_default();
            let translations = members
                .iter()
                .filter(|(group, pk, _)| *group == row.translation_group && *pk != row.pk)
                .map(|(_, _, t)| t.clone())
                .collect();
            ArticleRecord {
                row,
                tags,
                authors,
                translations,
            }
        })
        .collect())
}

/// The stored row of article `pk`, whatever its state; 404 when it is gone.
pub(super) fn row_by_pk(conn: &mut AnyConnection, pk: i32) -> Result<ArticleRow, StoreError> {
    articles::table
        .find(pk)
        .select(ArticleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("article", ""))
}

/// Loads one article by primary key, whatever its state (for the write path and the
/// trash, whose callers hold keys).
pub fn load_by_pk(
    conn: &mut AnyConnection,
    caller: &Caller,
    pk: i32,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<ArticleRecord, StoreError> {
    load_by_pk_text(conn, caller, pk, &crate::domain::time::format(at))
}

/// [`load_by_pk`] with the time in the store's text form (inside the store).
pub(crate) fn load_by_pk_text(
    conn: &mut AnyConnection,
    caller: &Caller,
    pk: i32,
    now: &str,
) -> Result<ArticleRecord, StoreError> {
    let row = row_by_pk(conn, pk)?;
    load(conn, caller, row, now)
}

pub(super) fn load(
    conn: &mut AnyConnection,
    caller: &Caller,
    row: ArticleRow,
    now: &str,
) -> Result<ArticleRecord, StoreError> {
    let links = super::links::of_one(conn, &row)?;
    let translations = links
        .members
        .into_iter()
        .filter(|m| caller.sees_unpublished() || m.public_at(now))
        .map(|m| m.translation)
        .collect();
    Ok(ArticleRecord {
        row,
        tags: links.tags,
        authors: links.authors,
        translations,
    })
}

/// An article as any key sees it and, when the public may see it, as the public does.
pub struct Views {
    /// The keyed view (drafts among its translations).
    pub keyed: ArticleRecord,
    /// The public view, when the article is public (public translations only).
    pub public: Option<ArticleRecord>,
}

/// What a write stored, as it has it: the row (from `RETURNING`), and its links when the
/// write made all of them (a new article in a new group), saving their reads.
pub struct Written {
    /// The stored row.
    pub row: ArticleRow,
    /// Its tags, authors and translations, when the write knows every one.
    pub(super) links: Option<super::links::Links>,
}

/// Both views of untrashed article `pk` in two statements (`None` when it is trashed or
/// gone): the row (unless the caller has it: `written`), then its tags, its authors and
/// its group with each member's visibility, so the public view needs no second load.
/// Every statement is a cached prepared one.
pub fn load_views(
    conn: &mut AnyConnection,
    pk: i32,
    written: Option<Written>,
    now: &str,
) -> Result<Option<Views>, StoreError> {
    let (row, known) = match written {
        Some(Written { row, links }) => (Some(row), links),
        None => (
            articles::table
                .find(pk)
                .select(ArticleRow::as_select())
                .first(conn)
                .optional()?,
            None,
        ),
    };
    let Some(row) = row.filter(|r| r.deleted_at.is_none()) else {
        return Ok(None);
    };
    let links = match known {
        Some(links) => links,
        None => super::links::of_one(conn, &row)?,
    };
    let is_public = super::links::shown_at(row.status, &row.sort_at, now);
    let public: Vec<Translation> = links
        .members
        .iter()
        .filter(|m| is_public && m.public_at(now))
        .map(|m| m.translation.clone())
        .collect();
    let keyed = ArticleRecord {
        row,
        tags: links.tags,
        authors: links.authors,
        translations: links.members.into_iter().map(|m| m.translation).collect(),
    };
    let public = is_public.then(|| ArticleRecord {
        translations: public,
        ..keyed.clone()
    });
    Ok(Some(Views { keyed, public }))
}

pub(super) type Terms = HashMap<i32, (Vec<TermRef>, Vec<TermRef>)>;

/// Untrashed members of these translation groups that `caller` may see, as
/// (group, pk, translation).
pub(super) fn translations_of(
    conn: &mut AnyConnection,
    caller: &Caller,
    groups: &[String],
    now: &str,
) -> QueryResult<Vec<(String, i32, Translation)>> {
    let members: Vec<(String, i32, String, String, String)> = on_engine!(conn, c => {
        let query = articles::table
            .filter(any_of(articles::translation_group, groups))
            .filter(articles::deleted_at.is_null())
            .order(articles::language)
            .select((
                articles::translation_group,
                articles::pk,
                articles::language,
                articles::id,
                articles::slug,
            ));
        if caller.sees_unpublished() {
            query.load(c)
        } else {
            query.filter(super::public_now(now)).load(c)
        }
    })?;
    Ok(members
        .into_iter()
        .map(|(group, pk, language, id, slug)| (group, pk, Translation { language, id, slug }))
        .collect())
}
