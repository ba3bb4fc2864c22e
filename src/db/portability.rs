//! Backup, export and import. `backup` copies a live database consistently
//! (`VACUUM INTO`, while writers go on). `export` writes NDJSON — authors, tags, then
//! every article with its tag and author links, former slugs, revisions and daily
//! views — and `import` reads it back into a database, one line at a time: a bad line is
//! reported with its number and nothing of it is kept.

use crate::db::AnyConnection;
use std::io::{BufRead, Write};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{
    article_authors, article_revisions, article_tags, article_views_daily, articles, authors,
    former_slugs, tags,
};
use crate::db::StoreError;
use crate::db::articles::{StoredArticle, changes};
use crate::db::search::{Indexed, Stems};

/// A tag or an author.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredTerm {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One revision of an exported article.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRevision {
    pub n: i32,
    pub change: String,
    pub key_name: Option<String>,
    pub created_at: String,
    pub snapshot: serde_json::Value,
}

/// Views of one UTC day.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayViews {
    pub day: String,
    pub views: i64,
}

/// An article with everything attached to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleLine {
    pub article: StoredArticle,
    /// Tag slugs in order.
    pub tags: Vec<String>,
    /// Author slugs in order.
    pub authors: Vec<String>,
    pub former_slugs: Vec<String>,
    pub revisions: Vec<StoredRevision>,
    pub views_daily: Vec<DayViews>,
    /// Ids of the media items it uses (their lines come first).
    #[serde(default)]
    pub media: Vec<String>,
}

/// One line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Line {
    Author(StoredTerm),
    Tag(StoredTerm),
    Media(Box<MediaLine>),
    Article(Box<ArticleLine>),
}

/// A media item: its record and the bytes of its copies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MediaLine {
    #[serde(flatten)]
    pub item: crate::db::media::MediaRow,
    /// Each copy's bytes (base64) by name; absent in an export made without them (the
    /// new home reads the same media store).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub copies: std::collections::BTreeMap<String, String>,
}

/// Reads a media copy's bytes by name (`None`: not in the media store).
pub type FetchCopy<'a> = &'a dyn Fn(&str) -> anyhow::Result<Option<Vec<u8>>>;
/// Stores a media copy's bytes by name.
pub type PutCopy<'a> = &'a dyn Fn(&str, Vec<u8>) -> anyhow::Result<()>;

/// Copies the live database to `path` (which must not exist) in one consistent read.
pub fn backup(conn: &mut AnyConnection, path: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !std::path::Path::new(path).exists(),
        "{path} exists; a backup never overwrites"
    );
    anyhow::ensure!(
        !conn.is_postgres(),
        "newsdesk backup copies an SQLite store; back up PostgreSQL with its own tool: \
         pg_dump --format=custom --file=newsdesk.dump \"$DATABASE_URL\" (restore with \
         pg_restore), or export with `newsdesk export`"
    );
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(path)
        .execute(conn)?;
    Ok(())
}

type TermRow = (String, String, Option<String>, String, String);

macro_rules! terms_of {
    ($conn:expr, $table:ident) => {
        $table::table
            .order($table::pk)
            .select((
                $table::slug,
                $table::name,
                $table::description,
                $table::created_at,
                $table::updated_at,
            ))
            .load::<TermRow>($conn)?
            .into_iter()
            .map(
                |(slug, name, description, created_at, updated_at)| StoredTerm {
                    slug,
                    name,
                    description,
                    created_at,
                    updated_at,
                },
            )
    };
}

/// Writes every author, tag and article as NDJSON; returns the number of lines.
pub fn export(
    conn: &mut AnyConnection,
    out: &mut impl Write,
    fetch: Option<FetchCopy<'_>>,
) -> anyhow::Result<usize> {
    let mut lines = 0;
    // One read transaction: a consistent picture even while the server writes (on
    // PostgreSQL a snapshot for the whole transaction, not each statement).
    conn.transaction(|conn| {
        crate::db::snapshot(conn)?;
        for t in terms_of!(conn, authors) {
            writeln!(out, "{}", serde_json::to_string(&Line::Author(t))?)?;
            lines += 1;
        }
        for t in terms_of!(conn, tags) {
            writeln!(out, "{}", serde_json::to_string(&Line::Tag(t))?)?;
            lines += 1;
        }
        for item in crate::db::media::all(conn)? {
            let mut copies = std::collections::BTreeMap::new();
            if let Some(fetch) = fetch {
                use base64::Engine;
                for f in item.file_list() {
                    match fetch(&f.name)? {
                        Some(bytes) => {
                            copies.insert(
                                f.name,
                                base64::engine::general_purpose::STANDARD.encode(bytes),
                            );
                        }
                        None => tracing::warn!(name = %f.name, media = %item.id, "a media copy is missing from the media store"),
                    }
                }
            }
            let line = Line::Media(Box::new(MediaLine { item, copies }));
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            lines += 1;
        }
        let pks: Vec<i32> = articles::table
            .order(articles::pk)
            .select(articles::pk)
            .load(conn)?;
        for chunk in pks.chunks(500) {
            for line in article_lines(conn, chunk)? {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&Line::Article(Box::new(line)))?
                )?;
                lines += 1;
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(lines)
}

fn article_lines(conn: &mut AnyConnection, pks: &[i32]) -> anyhow::Result<Vec<ArticleLine>> {
    use std::collections::HashMap;
    let rows: Vec<(i32, StoredArticle)> = articles::table
        .filter(articles::pk.eq_any(pks))
        .order(articles::pk)
        .select((articles::pk, StoredArticle::as_select()))
        .load(conn)?;
    let mut tag_links: HashMap<i32, Vec<String>> = HashMap::new();
    for (pk, slug) in article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_pk.eq_any(pks))
        .order((article_tags::article_pk, article_tags::position))
        .select((article_tags::article_pk, tags::slug))
        .load::<(i32, String)>(conn)?
    {
        tag_links.entry(pk).or_default().push(slug);
    }
    let mut author_links: HashMap<i32, Vec<String>> = HashMap::new();
    for (pk, slug) in article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_pk.eq_any(pks))
        .order((article_authors::article_pk, article_authors::position))
        .select((article_authors::article_pk, authors::slug))
        .load::<(i32, String)>(conn)?
    {
        author_links.entry(pk).or_default().push(slug);
    }
    let mut former: HashMap<i32, Vec<String>> = HashMap::new();
    for (pk, slug) in former_slugs::table
        .filter(former_slugs::article_pk.eq_any(pks))
        .order((former_slugs::article_pk, former_slugs::slug))
        .select((former_slugs::article_pk, former_slugs::slug))
        .load::<(i32, String)>(conn)?
    {
        former.entry(pk).or_default().push(slug);
    }
    let mut revisions: HashMap<i32, Vec<StoredRevision>> = HashMap::new();
    type RevisionRow = (i32, i32, String, Option<String>, String, String);
    for (pk, n, change, key_name, created_at, snapshot) in article_revisions::table
        .filter(article_revisions::article_pk.eq_any(pks))
        .order((article_revisions::article_pk, article_revisions::n))
        .select((
            article_revisions::article_pk,
            article_revisions::n,
            article_revisions::change,
            article_revisions::key_name,
            article_revisions::created_at,
            article_revisions::snapshot,
        ))
        .load::<RevisionRow>(conn)?
    {
        revisions.entry(pk).or_default().push(StoredRevision {
            n,
            change,
            key_name,
            created_at,
            snapshot: serde_json::from_str(&snapshot)?,
        });
    }
    let mut views: HashMap<i32, Vec<DayViews>> = HashMap::new();
    for (pk, day, n) in article_views_daily::table
        .filter(article_views_daily::article_pk.eq_any(pks))
        .order((article_views_daily::article_pk, article_views_daily::day))
        .select((
            article_views_daily::article_pk,
            article_views_daily::day,
            article_views_daily::views,
        ))
        .load::<(i32, String, i64)>(conn)?
    {
        views
            .entry(pk)
            .or_default()
            .push(DayViews { day, views: n });
    }
    let mut media: HashMap<i32, Vec<String>> = HashMap::new();
    for (pk, id) in crate::db::media::used_by(conn, pks)? {
        media.entry(pk).or_default().push(id);
    }
    Ok(rows
        .into_iter()
        .map(|(pk, article)| ArticleLine {
            article,
            tags: tag_links.remove(&pk).unwrap_or_default(),
            authors: author_links.remove(&pk).unwrap_or_default(),
            former_slugs: former.remove(&pk).unwrap_or_default(),
            revisions: revisions.remove(&pk).unwrap_or_default(),
            views_daily: views.remove(&pk).unwrap_or_default(),
            media: media.remove(&pk).unwrap_or_default(),
        })
        .collect())
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Lines stored.
    pub imported: usize,
    /// Lines refused, with their numbers (from 1) and why.
    pub errors: Vec<(usize, String)>,
}

/// Lines per transaction.
const BATCH: usize = 1000;

/// Reads NDJSON (as `export` writes it) into the database. Each line is stored whole
/// or not at all, indexed for search in its own transaction; afterwards the change feed
/// is brought up to date for what was imported.
///
/// Two stages overlap: while one thread stores a batch of lines, the next batch is
/// parsed, checked, rendered from Markdown and stemmed for the index on every core
/// (rayon) — the work that needs no connection.
pub fn import(
    pool: &crate::db::DbPool,
    input: impl BufRead,
    put: Option<PutCopy<'_>>,
) -> anyhow::Result<ImportReport> {
    use rayon::prelude::*;
    type Batch = Vec<(usize, Result<Prepared, LineError>)>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
    pool.start_writer()?;
    // Imports write all over the indexes of a growing file: a 256 MiB page cache keeps
    // them instead of reading pages back (the server's writer keeps the default).
    pool.write_blocking(|conn| crate::db::bulk_page_cache(conn).map_err(StoreError::from))?;
    let report = std::thread::scope(|scope| {
        let storer = scope.spawn(move || -> anyhow::Result<ImportReport> {
            let mut report = ImportReport::default();
            for batch in rx {
                // One bulk write per batch of lines, a savepoint per line inside it.
                let (imported, errors) = pool.write_bulk(move |conn| {
                    let (mut imported, mut errors) = (0, Vec::new());
                    let mut index = Vec::with_capacity(batch.len());
                    for (number, prepared) in batch {
                        // A savepoint per line: a failing line leaves nothing behind (and
                        // closes its savepoint: see `writer::savepoint`).
                        let stored = prepared.and_then(|p| {
                            let (out, ended) = crate::db::writer::savepoint(conn, |c| store(c, p));
                            ended?;
                            out
                        });
                        match stored {
                            Ok(row) => {
                                imported += 1;
                                index.extend(row);
                            }
                            Err(e) => errors.push((number, e.to_string())),
                        }
                    }
                    // The batch's search rows after its savepoints: FTS5 writes its
                    // pending rows out as a new segment at every savepoint, so rows
                    // written per line cost a segment (and merges) each.
                    for (pk, stems) in &index {
                        crate::db::search::write_stems(conn, *pk, stems, false)?;
                    }
                    crate::db::touch(conn)?;
                    crate::db::report_tags([crate::domain::cache_tags::EVERYTHING]);
                    Ok((imported, errors))
                })?;
                report.imported += imported;
                report.errors.extend(errors);
            }
            Ok(report)
        });
        let read = (move || -> anyhow::Result<()> {
            let mut raw: Vec<(usize, String)> = Vec::with_capacity(BATCH);
            let send = |raw: &mut Vec<(usize, String)>| {
                let mut batch: Batch = raw
                    .par_drain(..)
                    .map(|(number, text)| (number, prepare(&text)))
                    .collect();
                // A media item's bytes go to the media store before its row is written.
                for (_, prepared) in batch.iter_mut() {
                    if let Ok(Prepared::Media(m)) = prepared
                        && let Err(e) = put_copies(m, put)
                    {
                        *prepared = Err(LineError::Rule(e.to_string()));
                    }
                }
                // A closed queue means the storer stopped on an error: it reports it.
                tx.send(batch).is_ok()
            };
            for (i, line) in input.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                raw.push((i + 1, line));
                if raw.len() == BATCH && !send(&mut raw) {
                    return Ok(());
                }
            }
            if !raw.is_empty() {
                send(&mut raw);
            }
            Ok(())
        })();
        let stored = storer
            .join()
            .map_err(|_| anyhow::anyhow!("the import's store thread panicked"))?;
        read?;
        stored
    })?;
    pool.write_bulk(|conn| {
        crate::db::search::index_missing(conn)?;
        changes::backfill(conn, &crate::db::now())
    })?;
    Ok(report)
}

/// A line parsed, checked and derived, ready to store.
enum Prepared {
    Author(StoredTerm),
    Tag(StoredTerm),
    Media(Box<MediaLine>),
    Article(Box<ArticleLine>, Vec<String>, Stems),
}

/// Everything about a line that needs no database: parsing, the API's checks, the
/// Markdown rendered again, revision snapshots as text, and the search stems.
fn prepare(text: &str) -> Result<Prepared, LineError> {
    Ok(match serde_json::from_str::<Line>(text)? {
        Line::Author(t) => {
            check_term(&t)?;
            Prepared::Author(t)
        }
        Line::Tag(t) => {
            check_term(&t)?;
            Prepared::Tag(t)
        }
        Line::Media(m) => {
            if !crate::domain::media::is_media_id(&m.item.id) {
                return Err(LineError::Rule(format!(
                    "'{}' is not a media id",
                    m.item.id
                )));
            }
            Prepared::Media(m)
        }
        Line::Article(mut a) => {
            check_article(&mut a)?;
            let stems = Stems::of(&Indexed {
                title: &a.article.title,
                subtitle: a.article.subtitle.as_deref(),
                excerpt: &a.article.excerpt,
                tags: &[],
                body_text: &a.article.body_text,
            });
            let snapshots = a.revisions.iter().map(|r| r.snapshot.to_string()).collect();
            Prepared::Article(a, snapshots, stems)
        }
    })
}

/// Stores a prepared line; an article's search row is returned to be written with
/// its batch.
fn store(conn: &mut AnyConnection, p: Prepared) -> Result<Option<(i32, Stems)>, LineError> {
    match p {
        Prepared::Author(t) => insert_term!(conn, authors, t).map(|()| None),
        Prepared::Tag(t) => insert_term!(conn, tags, t).map(|()| None),
        Prepared::Media(m) => crate::db::media::import(conn, &m.item)
            .map(|()| None)
            .map_err(|e| LineError::Rule(e.to_string())),
        Prepared::Article(a, snapshots, stems) => {
            import_article(conn, *a, &snapshots, stems).map(Some)
        }
    }
}

/// Why a line failed, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error("not a valid export line: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Rule(String),
    #[error("{0}")]
    Store(String),
}

impl From<StoreError> for LineError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.to_string())
    }
}

impl From<diesel::result::Error> for LineError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Rule(format!(
                "already in the database (unique: {})",
                info.message()
                    .trim_start_matches("UNIQUE constraint failed: ")
            )),
            other => Self::Store(other.to_string()),
        }
    }
}

fn rule(message: impl Into<String>) -> LineError {
    LineError::Rule(message.into())
}

/// A timestamp in the store's one fixed-width form (so text order stays time order).
fn check_time(field: &str, t: &str) -> Result<(), LineError> {
    use crate::domain::time;
    match time::parse(t).map(time::format) {
        Some(canonical) if canonical == t => Ok(()),
        _ => Err(rule(format!(
            "{field} '{t}' is not a stored timestamp (2026-01-22T09:00:00.000000Z)"
        ))),
    }
}

fn check_term(t: &StoredTerm) -> Result<(), LineError> {
    if !crate::domain::slug::is_valid_slug(&t.slug) {
        return Err(rule(format!("'{}' is not a valid slug", t.slug)));
    }
    if t.name.trim().is_empty() {
        return Err(rule("the name is empty"));
    }
    check_time("created_at", &t.created_at)?;
    check_time("updated_at", &t.updated_at)
}

/// Checks what the API would have checked, and derives again what the API derives
/// (sanitized HTML, plain text, counts) from the Markdown: an import file is input, and
/// a crafted `body_html` must not reach readers.
fn check_article(line: &mut ArticleLine) -> Result<(), LineError> {
    let a = &mut line.article;
    if uuid::Uuid::parse_str(&a.id).is_err() {
        return Err(rule(format!("'{}' is not an article id", a.id)));
    }
    for slug in std::iter::once(&a.slug).chain(&line.former_slugs) {
        if !crate::domain::slug::is_valid_slug(slug) {
            return Err(rule(format!("'{slug}' is not a valid slug")));
        }
    }
    if !crate::domain::article::is_language_tag(&a.language) {
        return Err(rule(format!("'{}' is not a language tag", a.language)));
    }
    if a.title.trim().is_empty() || a.version < 1 || a.view_count < 0 {
        return Err(rule("an empty title, a version below 1 or negative views"));
    }
    for (field, t) in [
        ("sort_at", Some(&a.sort_at)),
        ("created_at", Some(&a.created_at)),
        ("updated_at", Some(&a.updated_at)),
        ("published_at", a.published_at.as_ref()),
        ("deleted_at", a.deleted_at.as_ref()),
    ] {
        if let Some(t) = t {
            check_time(field, t)?;
        }
    }
    for r in &line.revisions {
        <crate::domain::input::ArticleInput as Deserialize>::deserialize(&r.snapshot)
            .map_err(|e| rule(format!("revision {} is not an article body: {e}", r.n)))?;
        check_time("revision created_at", &r.created_at)?;
    }
    let rendered = crate::domain::markdown::render(&a.body_markdown);
    // Embedded media are resolved against the store's items when written: that HTML is
    // kept (sanitized again), since rendering here has no catalog.
    a.body_html = if crate::domain::media::references_in(&a.body_markdown).is_empty() {
        rendered.html
    } else {
        crate::domain::markdown::sanitize(&a.body_html)
    };
    a.body_text = rendered.text;
    a.word_count = rendered.word_count;
    a.reading_time_minutes = rendered.reading_time_minutes;
    Ok(())
}

macro_rules! insert_term {
    ($conn:expr, $table:ident, $t:expr) => {{
        diesel::insert_into($table::table)
            .values((
                $table::slug.eq(&$t.slug),
                $table::name.eq(&$t.name),
                $table::description.eq(&$t.description),
                $table::created_at.eq(&$t.created_at),
                $table::updated_at.eq(&$t.updated_at),
            ))
            .execute($conn)?;
        Ok(())
    }};
}
use insert_term;

fn import_article(
    conn: &mut AnyConnection,
    a: ArticleLine,
    snapshots: &[String],
    stems: Stems,
) -> Result<(i32, Stems), LineError> {
    let pk: i32 = diesel::insert_into(articles::table)
        .values(a.article.clone())
        .returning(articles::pk)
        .get_result(conn)?;
    crate::db::media::link(conn, pk, &a.media.iter().cloned().collect())
        .map_err(|e| LineError::Rule(format!("media: {e}")))?;
    let mut tag_names = Vec::with_capacity(a.tags.len());
    for (position, slug) in a.tags.iter().enumerate() {
        let (tag_pk, name): (i32, String) = tags::table
            .filter(tags::slug.eq(slug))
            .select((tags::pk, tags::name))
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                LineError::Rule(format!(
                    "tag '{slug}' is not in the database (its line must come first)"
                ))
            })?;
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_pk.eq(pk),
                article_tags::tag_pk.eq(tag_pk),
                article_tags::position.eq(position as i32),
            ))
            .execute(conn)?;
        tag_names.push(name);
    }
    for (position, slug) in a.authors.iter().enumerate() {
        let author_pk: i32 = authors::table
            .filter(authors::slug.eq(slug))
            .select(authors::pk)
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                LineError::Rule(format!(
                    "author '{slug}' is not in the database (its line must come first)"
                ))
            })?;
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_pk.eq(pk),
                article_authors::author_pk.eq(author_pk),
                article_authors::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    for slug in &a.former_slugs {
        diesel::insert_into(former_slugs::table)
            .values((former_slugs::slug.eq(slug), former_slugs::article_pk.eq(pk)))
            .execute(conn)?;
    }
    for (r, snapshot) in a.revisions.iter().zip(snapshots) {
        diesel::insert_into(article_revisions::table)
            .values((
                article_revisions::article_pk.eq(pk),
                article_revisions::n.eq(r.n),
                article_revisions::change.eq(&r.change),
                article_revisions::key_name.eq(&r.key_name),
                article_revisions::created_at.eq(&r.created_at),
                article_revisions::snapshot.eq(snapshot),
            ))
            .execute(conn)?;
    }
    for v in &a.views_daily {
        diesel::insert_into(article_views_daily::table)
            .values((
                article_views_daily::article_pk.eq(pk),
                article_views_daily::day.eq(&v.day),
                article_views_daily::views.eq(v.views),
            ))
            .execute(conn)?;
    }
    Ok((pk, stems.with_tags(&tag_names)))
}

/// Checks each copy's bytes against its name (a content address) and stores them; the
/// line keeps no bytes after.
fn put_copies(m: &mut MediaLine, put: Option<PutCopy<'_>>) -> anyhow::Result<()> {
    use base64::Engine;
    use sha2::Digest;
    let names: std::collections::BTreeSet<String> =
        m.item.file_list().into_iter().map(|f| f.name).collect();
    for (name, data) in std::mem::take(&mut m.copies) {
        anyhow::ensure!(
            names.contains(&name),
            "copy {name} is not one of the item's"
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|e| anyhow::anyhow!("copy {name} is not base64: {e}"))?;
        let digest = hex::encode(&sha2::Sha256::digest(&bytes)[..16]);
        anyhow::ensure!(
            name.split('.').next() == Some(digest.as_str()),
            "copy {name}: its bytes do not match its name"
        );
        if let Some(put) = put {
            put(&name, bytes)?;
        }
    }
    Ok(())
}
