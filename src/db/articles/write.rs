//! Writing articles: each change all or nothing (it runs as one write of the writer, in
//! its own savepoint), with its tags, authors, former slugs and translation links, its
//! change event and its revision.

use crate::db::AnyConnection;
use crate::db::engine::on_engine;
use crate::db::prepared::{any_of, raw};
use diesel::prelude::*;
use diesel::sql_types::Integer;

use super::ArticleRow;
use super::links::Links;
use super::read::{ArticleRecord, Written, row_by_pk};
use crate::db::articles::{changes, revisions};
use crate::db::error::StoreError;
use crate::db::schema::{article_authors, article_tags, articles, authors, former_slugs, tags};
use crate::db::search;
use crate::domain::access::Caller;
use crate::domain::article::ArticleDraft;
use crate::domain::article::StoredStatus;
use crate::domain::errors::FieldError;
use crate::domain::events::Change;
use crate::domain::input::TermRef;
use crate::domain::slug::Slug;
use crate::domain::time;

/// A check run inside the write transaction against the current row (`If-Match`).
pub type Precondition<'a> = &'a dyn Fn(&mut AnyConnection, &ArticleRow) -> Result<(), StoreError>;

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = articles)]
#[diesel(treat_none_as_null = true)]
struct ArticleFields<'a> {
    slug: &'a str,
    title: &'a str,
    subtitle: Option<&'a str>,
    excerpt: &'a str,
    excerpt_is_derived: bool,
    body_markdown: &'a str,
    body_html: &'a str,
    body_text: &'a str,
    status: &'a str,
    published_at: Option<String>,
    sort_at: String,
    language: &'a str,
    translation_group: String,
    feature_image_url: Option<&'a str>,
    feature_image_alt: Option<&'a str>,
    feature_image_caption: Option<&'a str>,
    canonical_url: Option<&'a str>,
    featured: bool,
    word_count: i32,
    reading_time_minutes: i32,
    updated_at: &'a str,
    feature_image_media: Option<String>,
}

fn fields<'a>(
    d: &'a ArticleDraft,
    slug: &'a str,
    published_at: Option<String>,
    group: String,
    now: &'a str,
    created_at: &str,
) -> ArticleFields<'a> {
    let img = d.feature_image.as_ref();
    ArticleFields {
        slug,
        title: &d.title,
        subtitle: d.subtitle.as_deref(),
        excerpt: &d.excerpt,
        excerpt_is_derived: d.excerpt_is_derived,
        body_markdown: &d.body_markdown,
        body_html: &d.rendered.html,
        body_text: &d.rendered.text,
        status: d.status.as_str(),
        sort_at: published_at
            .clone()
            .unwrap_or_else(|| created_at.to_string()),
        published_at,
        language: d.language.as_str(),
        translation_group: group,
        feature_image_url: img.map(|i| i.url.as_str()),
        feature_image_alt: img.and_then(|i| i.alt.as_deref()),
        feature_image_caption: img.and_then(|i| i.caption.as_deref()),
        canonical_url: d.canonical_url.as_deref(),
        featured: d.featured,
        word_count: d.rendered.word_count,
        reading_time_minutes: d.rendered.reading_time_minutes,
        updated_at: now,
        feature_image_media: d
            .feature_media
            .as_ref()
            .and_then(|m| serde_json::to_string(m).ok()),
    }
}

/// Stores a new article; returns its primary key.
pub fn create(
    conn: &mut AnyConnection,
    draft: &ArticleDraft,
    caller: &Caller,
) -> Result<ArticleRecord, StoreError> {
    crate::db::write_transaction(conn, |conn| {
        crate::db::touch(conn)?;
        let now = crate::db::now();
        let id = uuid::Uuid::now_v7().to_string();
        let slug = match &draft.slug {
            Some(s) => {
                ensure_slug_free(conn, s.as_str(), None)?;
                s.to_string()
            }
            None => free_slug(conn, &draft.generated_slug)?,
        };
        let group = match &draft.translation_of {
            Some(target) => translation_group(conn, target, &id, draft.language.as_str())?,
            None => id.clone(),
        };
        let published_at = publication_time(draft, None, &now);
        let values = (
            fields(draft, &slug, published_at, group.clone(), &now, &now),
            articles::id.eq(&id),
            articles::created_at.eq(&now),
        );
        // The stored row comes back (`RETURNING`), for the change event to use.
        let written: ArticleRow = on_engine!(conn, c => diesel::insert_into(articles::table)
            .values(values)
            .returning(ArticleRow::as_returning())
            .get_result(c))
        .map_err(on_unique)?;
        let pk = written.pk;
        let linked = set_terms(conn, pk, draft, &now, true)?;
        // A new article has no media links to replace.
        if !draft.media_ids.is_empty() {
            crate::db::media::link(conn, pk, &draft.media_ids)?;
        }
        search::write_row(conn, pk, &indexed(draft, &linked.tag_names()), false)?;
        // A new group has no other members to refresh, and the article's links are the
        // ones just written.
        let alone = group == id;
        let groups: &[&str] = if alone { &[] } else { &[&group] };
        let written = Written {
            row: written,
            links: alone.then(|| Links {
                tags: linked.tags,
                authors: linked.authors,
                members: Vec::new(),
            }),
        };
        let after =
            changes::after_write(conn, pk, &id, Change::Created, Some(written), groups, &now)?;
        finish(conn, pk, after, "created", caller, &now)
    })
}

/// Replaces an article with the draft `build` makes from its current row, all in one
/// transaction (so a merge patch never applies to a stale base). `build` also checks
/// `If-Match`. `change` names the change in the revision history.
pub fn update<F>(
    conn: &mut AnyConnection,
    pk: i32,
    caller: &Caller,
    change: &str,
    build: F,
) -> Result<ArticleRecord, StoreError>
where
    F: FnOnce(&mut AnyConnection, &ArticleRow) -> Result<ArticleDraft, StoreError>,
{
    crate::db::write_transaction(conn, |conn| {
        crate::db::touch(conn)?;
        let row = current(conn, pk, &|_, _| Ok(()))?;
        let draft = &build(conn, &row)?;
        if row.deleted_at.is_some() {
            return Err(in_trash());
        }
        let now = crate::db::now();
        let slug = draft
            .slug
            .as_ref()
            .map_or_else(|| row.slug.clone(), Slug::to_string);
        if slug != row.slug {
            ensure_slug_free(conn, &slug, Some(pk))?;
            diesel::delete(former_slugs::table.filter(former_slugs::slug.eq(&slug)))
                .execute(conn)?;
            diesel::insert_into(former_slugs::table)
                .values((
                    former_slugs::slug.eq(&row.slug),
                    former_slugs::article_pk.eq(pk),
                ))
                .execute(conn)?;
        }
        let group = match &draft.translation_of {
            // Already in this group (its first article may since be trashed): stay.
            Some(target) if *target == row.translation_group => row.translation_group.clone(),
            Some(target) => translation_group(conn, target, &row.id, draft.language.as_str())?,
            // Without translation_of an article stands alone, or heads its own group.
            None => row.id.clone(),
        };
        if group == row.translation_group {
            ensure_language_free(conn, &group, draft.language.as_str(), &row.id)?;
        }
        let published_at = publication_time(draft, row.published_at.as_deref(), &now);
        if moves_in_lists(conn, &row, draft, published_at.as_deref())? {
            use crate::domain::cache_tags as tags;
            // Which lists show it (or where) may change: every list is forgotten. An
            // edit that leaves these alone forgets only the lists showing it.
            crate::db::report_tags([tags::ARTICLES, tags::TAGS, tags::AUTHORS]);
        }
        diesel::update(articles::table.find(pk))
            .set((
                fields(
                    draft,
                    &slug,
                    published_at,
                    group.clone(),
                    &now,
                    &row.created_at,
                ),
                articles::version.eq(row.version + 1),
            ))
            .execute(conn)
            .map_err(on_unique)?;
        let tag_names = set_terms(conn, pk, draft, &now, false)?.tag_names();
        crate::db::media::link(conn, pk, &draft.media_ids)?;
        search::write_row(conn, pk, &indexed(draft, &tag_names), true)?;
        let groups = [group.as_str(), row.translation_group.as_str()];
        let after = changes::after_write(conn, pk, &row.id, Change::Updated, None, &groups, &now)?;
        finish(conn, pk, after, change, caller, &now)
    })
}

/// Moves an article to the trash.
pub fn trash(
    conn: &mut AnyConnection,
    pk: i32,
    caller: &Caller,
    check: Precondition,
) -> Result<(), StoreError> {
    crate::db::write_transaction(conn, |conn| {
        crate::db::touch(conn)?;
        let row = current(conn, pk, check)?;
        if row.deleted_at.is_some() {
            return Err(in_trash());
        }
        let now = crate::db::now();
        diesel::update(articles::table.find(pk))
            .set((
                articles::deleted_at.eq(&now),
                articles::updated_at.eq(&now),
                articles::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        let groups = [row.translation_group.as_str()];
        changes::after_write(conn, pk, &row.id, Change::Trashed, None, &groups, &now)?;
        revisions::record(conn, pk, "trashed", caller, &now)?;
        Ok(())
    })
}

/// Brings an article back from the trash.
pub fn restore(
    conn: &mut AnyConnection,
    pk: i32,
    caller: &Caller,
    check: Precondition,
) -> Result<ArticleRecord, StoreError> {
    crate::db::write_transaction(conn, |conn| {
        crate::db::touch(conn)?;
        let row = current(conn, pk, check)?;
        if row.deleted_at.is_none() {
            return Err(StoreError::conflict("The article is not in the trash."));
        }
        let now = crate::db::now();
        diesel::update(articles::table.find(pk))
            .set((
                articles::deleted_at.eq(None::<String>),
                articles::updated_at.eq(&now),
                articles::version.eq(row.version + 1),
            ))
            .execute(conn)?;
        let groups = [row.translation_group.as_str()];
        let after = changes::after_write(conn, pk, &row.id, Change::Restored, None, &groups, &now)?;
        finish(conn, pk, after, "restored", caller, &now)
    })
}

/// Deletes an article for good, with its links and former slugs.
pub fn purge(conn: &mut AnyConnection, pk: i32, check: Precondition) -> Result<(), StoreError> {
    crate::db::write_transaction(conn, |conn| {
        crate::db::touch(conn)?;
        let row = current(conn, pk, check)?;
        search::remove(conn, pk)?;
        diesel::delete(articles::table.find(pk)).execute(conn)?;
        // The group was named after this article: rename it after one still there.
        let heir: Option<String> = articles::table
            .filter(articles::translation_group.eq(&row.id))
            .order(articles::pk)
            .select(articles::id)
            .first(conn)
            .optional()?;
        let group = match heir {
            Some(heir) => {
                diesel::update(articles::table.filter(articles::translation_group.eq(&row.id)))
                    .set(articles::translation_group.eq(&heir))
                    .execute(conn)?;
                heir
            }
            None => row.translation_group.clone(),
        };
        let now = crate::db::now();
        changes::after_write(conn, pk, &row.id, Change::Deleted, None, &[&group], &now)?;
        Ok(())
    })
}

/// Adds buffered view counts, all in one transaction; unknown ids are skipped.
/// Each count also goes to today's row of `article_views_daily` (for "most read").
pub fn add_views(conn: &mut AnyConnection, counts: &[(String, i64)]) -> QueryResult<()> {
    let today = crate::db::now()[..10].to_string();
    crate::db::writer::report_views();
    crate::db::report_tags([crate::domain::cache_tags::POPULAR]);
    crate::db::write_transaction(conn, |conn| {
        for (id, n) in counts {
            diesel::update(articles::table.filter(articles::id.eq(id)))
                .set(articles::view_count.eq(articles::view_count + n))
                .execute(conn)?;
            raw("INSERT INTO article_views_daily (article_pk, day, views) \
                 SELECT pk, ?, ? FROM articles WHERE id = ? \
                 ON CONFLICT (day, article_pk) \
                 DO UPDATE SET views = article_views_daily.views + excluded.views")
            .text(today.as_str())
            .bigint(*n)
            .text(id.as_str())
            .execute(conn)?;
        }
        Ok(())
    })
}

/// What the index holds for a draft just stored (with its tags' stored names).
fn indexed<'a>(d: &'a ArticleDraft, tag_names: &'a [String]) -> search::Indexed<'a> {
    search::Indexed {
        title: &d.title,
        subtitle: d.subtitle.as_deref(),
        excerpt: &d.excerpt,
        tags: tag_names,
        body_text: &d.rendered.text,
    }
}

/// Ends a write that leaves the article untrashed: its revision, from the record the
/// change event already loaded (`after`), which is also the answer (what any key sees).
fn finish(
    conn: &mut AnyConnection,
    pk: i32,
    after: Option<ArticleRecord>,
    change: &str,
    caller: &Caller,
    now: &str,
) -> Result<ArticleRecord, StoreError> {
    let rec = match after {
        Some(rec) if caller.sees_unpublished() => rec,
        _ => super::read::load_by_pk_text(conn, caller, pk, now)?,
    };
    revisions::record_of(conn, &rec, change, caller, now)?;
    Ok(rec)
}

fn current(
    conn: &mut AnyConnection,
    pk: i32,
    check: Precondition,
) -> Result<ArticleRow, StoreError> {
    let row = row_by_pk(conn, pk)?;
    check(conn, &row)?;
    Ok(row)
}

fn in_trash() -> StoreError {
    StoreError::conflict("The article is in the trash; restore it first.")
}

/// The stored publication time: the given one, else the current one, else now when
/// publishing; drafts keep a planned date when given.
fn publication_time(d: &ArticleDraft, current: Option<&str>, now: &str) -> Option<String> {
    match (d.published_at, current) {
        (Some(t), _) => Some(time::format(t)),
        (None, Some(c)) if d.status != StoredStatus::Draft => Some(c.to_string()),
        (None, _) if d.status == StoredStatus::Published => Some(now.to_string()),
        _ => None,
    }
}

fn slug_taken(conn: &mut AnyConnection, slug: &str, except_pk: Option<i32>) -> QueryResult<bool> {
    if RESERVED_SLUGS.contains(&slug) {
        return Ok(true);
    }
    // An id counts too: ids and slugs share the `/v1/articles/{id}` address space. The
    // current and the former slugs in one statement, three lookups of a unique key: not
    // `slug = ? OR id = ?`, whose plan PostgreSQL caches for a prepared statement; made
    // while the table was small, that plan was a sequential scan (2 ms a create at
    // 3,000 articles, and growing).
    let holders: Vec<i32> = on_engine!(conn, c => articles::table
        .filter(articles::slug.eq(slug))
        .select(articles::pk)
        .union_all(articles::table.filter(articles::id.eq(slug)).select(articles::pk))
        .union_all(
            former_slugs::table
                .filter(former_slugs::slug.eq(slug))
                .select(former_slugs::article_pk),
        )
        .load(c))?;
    Ok(holders.into_iter().any(|pk| Some(pk) != except_pk))
}

/// Slugs that name routes under `/v1/articles/`.
const RESERVED_SLUGS: [&str; 1] = ["popular"];

fn ensure_slug_free(
    conn: &mut AnyConnection,
    slug: &str,
    except_pk: Option<i32>,
) -> Result<(), StoreError> {
    if slug_taken(conn, slug, except_pk)? {
        return Err(StoreError::taken(
            "slug",
            format!("The slug '{slug}' is taken by another article or reserved."),
        ));
    }
    Ok(())
}

/// `base`, or `base-2`, `base-3`, … whichever no article holds or held.
fn free_slug(conn: &mut AnyConnection, base: &str) -> Result<String, StoreError> {
    let base: String = base
        .chars()
        .take(crate::domain::slug::MAX_SLUG_LEN - 8)
        .collect();
    let base = base.trim_end_matches('-').to_string();
    for n in 1..10_000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if !slug_taken(conn, &candidate, None)? {
            return Ok(candidate);
        }
    }
    Err(StoreError::taken(
        "slug",
        "No free slug could be derived from the title; give one.",
    ))
}

/// The translation group to join when translating `target`.
fn translation_group(
    conn: &mut AnyConnection,
    target: &str,
    own_id: &str,
    language: &str,
) -> Result<String, StoreError> {
    if target == own_id {
        return Err(StoreError::invalid_field(
            "translation_of",
            "an article cannot translate itself",
        ));
    }
    let group: String = articles::table
        .filter(articles::id.eq(target))
        .filter(articles::deleted_at.is_null())
        .select(articles::translation_group)
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::invalid_field("translation_of", "no article has this id"))?;
    ensure_language_free(conn, &group, language, own_id)?;
    Ok(group)
}

fn ensure_language_free(
    conn: &mut AnyConnection,
    group: &str,
    language: &str,
    own_id: &str,
) -> Result<(), StoreError> {
    let clash: Option<String> = articles::table
        .filter(articles::translation_group.eq(group))
        .filter(articles::language.eq(language))
        .filter(articles::id.ne(own_id))
        .select(articles::id)
        .first(conn)
        .optional()?;
    match clash {
        Some(other) => Err(StoreError::taken(
            "language",
            format!("The story already has a '{language}' version ({other})."),
        )),
        None => Ok(()),
    }
}

/// Replaces the article's tags (creating new ones) and authors (which must exist);
/// returns the tags' stored names. A `fresh` article has no links to remove.
/// Whether saving `draft` over `row` changes what decides which lists show the article
/// and where: its publication time, language, featured flag, tags or authors. (Whether
/// the public sees it at all is the change record's to tell.)
fn moves_in_lists(
    conn: &mut AnyConnection,
    row: &ArticleRow,
    draft: &ArticleDraft,
    published_at: Option<&str>,
) -> Result<bool, StoreError> {
    if row.published_at.as_deref() != published_at
        || row.language != draft.language.as_str()
        || row.featured != draft.featured
    {
        return Ok(true);
    }
    let mut old_tags: Vec<String> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_pk.eq(row.pk))
        .select(tags::slug)
        .load(conn)?;
    let mut new_tags: Vec<&str> = draft.tags.iter().map(|(slug, _)| slug.as_str()).collect();
    old_tags.sort_unstable();
    new_tags.sort_unstable();
    if old_tags != new_tags {
        return Ok(true);
    }
    let mut old_authors: Vec<String> = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_pk.eq(row.pk))
        .select(authors::slug)
        .load(conn)?;
    let mut new_authors: Vec<&str> = draft.authors.iter().map(Slug::as_str).collect();
    old_authors.sort_unstable();
    new_authors.sort_unstable();
    Ok(old_authors != new_authors)
}

/// Links article `$pk` to the terms `$term_pks` in their order: one insert into `$t`
/// (`article_tags` by `tag_pk`, `article_authors` by `author_pk`), none for no terms.
macro_rules! insert_links {
    ($conn:expr, $t:ident, $term:ident, $pk:expr, $term_pks:expr) => {{
        let rows: Vec<_> = ($term_pks.iter().enumerate())
            .map(|(position, term_pk)| {
                (
                    $t::article_pk.eq($pk),
                    $t::$term.eq(*term_pk),
                    $t::position.eq(position as i32),
                )
            })
            .collect();
        if !rows.is_empty() {
            on_engine!($conn, c => diesel::insert_into($t::table).values(&rows).execute(c))?;
        }
    }};
}

fn term(slug: &str, name: &str) -> TermRef {
    TermRef {
        slug: slug.to_string(),
        name: name.to_string(),
    }
}

/// The terms a write linked to an article, in order, as stored.
struct Linked {
    tags: Vec<TermRef>,
    authors: Vec<TermRef>,
}

impl Linked {
    fn tag_names(&self) -> Vec<String> {
        self.tags.iter().map(|t| t.name.clone()).collect()
    }
}

/// Links the draft's tags (creating the new ones) and authors (each must exist) to
/// article `pk`, replacing its links unless it is `fresh`. Statements whatever the
/// number of terms: one read of the tags and authors that exist, an insert for each new
/// tag (leaving a tag made meanwhile as it is) and one read of those, one insert of
/// each kind of link.
fn set_terms(
    conn: &mut AnyConnection,
    pk: i32,
    d: &ArticleDraft,
    now: &str,
    fresh: bool,
) -> Result<Linked, StoreError> {
    if !fresh {
        diesel::delete(article_tags::table.filter(article_tags::article_pk.eq(pk)))
            .execute(conn)?;
        diesel::delete(article_authors::table.filter(article_authors::article_pk.eq(pk)))
            .execute(conn)?;
    }
    const TAG: i32 = 0;
    const AUTHOR: i32 = 1;
    let tag_slugs: Vec<&str> = d.tags.iter().map(|(slug, _)| slug.as_str()).collect();
    let author_slugs: Vec<&str> = d.authors.iter().map(Slug::as_str).collect();
    // (what, slug, pk, name)
    let found: Vec<(i32, String, i32, String)> = if tag_slugs.is_empty() && author_slugs.is_empty()
    {
        Vec::new()
    } else {
        on_engine!(conn, c => tags::table
            .filter(any_of(tags::slug, &tag_slugs))
            .select((TAG.into_sql::<Integer>(), tags::slug, tags::pk, tags::name))
            .union_all(
                authors::table
                    .filter(any_of(authors::slug, &author_slugs))
                    .select((AUTHOR.into_sql::<Integer>(), authors::slug, authors::pk, authors::name)),
            )
            .load(c))?
    };
    let (mut stored, authors_found): (Vec<_>, Vec<_>) =
        found.into_iter().partition(|(what, ..)| *what == TAG);
    let new: Vec<&(String, String)> = d
        .tags
        .iter()
        .filter(|(slug, _)| !stored.iter().any(|(_, s, _, _)| s == slug.as_str()))
        .collect();
    if !new.is_empty() {
        for (slug, name) in &new {
            raw(
                "INSERT INTO tags (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (slug) DO NOTHING",
            )
            .text(slug.as_str())
            .text(name.as_str())
            .text(now)
            .text(now)
            .execute(conn)?;
        }
        let new_slugs: Vec<&str> = new.iter().map(|(slug, _)| slug.as_str()).collect();
        let made: Vec<(i32, String, i32, String)> = on_engine!(conn, c => tags::table
            .filter(any_of(tags::slug, &new_slugs))
            .select((TAG.into_sql::<Integer>(), tags::slug, tags::pk, tags::name))
            .load(c))?;
        stored.extend(made);
    }
    let mut linked = Linked {
        tags: Vec::with_capacity(d.tags.len()),
        authors: Vec::with_capacity(d.authors.len()),
    };
    let mut tag_pks = Vec::with_capacity(d.tags.len());
    for (slug, _) in &d.tags {
        let Some((_, slug, tag_pk, name)) = stored.iter().find(|(_, s, _, _)| s == slug.as_str())
        else {
            return Err(StoreError::Failed(format!(
                "tag '{slug}' vanished while linking"
            )));
        };
        tag_pks.push(*tag_pk);
        linked.tags.push(term(slug, name));
    }
    insert_links!(conn, article_tags, tag_pk, pk, tag_pks);
    let mut unknown = Vec::new();
    let mut author_pks = Vec::with_capacity(d.authors.len());
    for (position, slug) in d.authors.iter().enumerate() {
        match authors_found.iter().find(|(_, s, _, _)| s == slug.as_str()) {
            Some((_, slug, author_pk, name)) => {
                author_pks.push(*author_pk);
                linked.authors.push(term(slug, name));
            }
            None => unknown.push(FieldError::new(
                format!("authors[{position}]"),
                format!("no author has the slug '{slug}'"),
            )),
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::Invalid(unknown));
    }
    insert_links!(conn, article_authors, author_pk, pk, author_pks);
    Ok(linked)
}

/// Turns a unique-constraint violation that slipped past the checks into a 409.
fn on_unique(e: diesel::result::Error) -> StoreError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let field = if info.message().contains("language") {
                "language"
            } else {
                "slug"
            };
            StoreError::taken(field, format!("Another article already has this {field}."))
        }
        _ => StoreError::from(e),
    }
}
