//! What sitemaps list: every public article (oldest first, in files of 50,000), and the
//! ones published in the last two days, each with its public translations.

use crate::db::AnyConnection;
use diesel::prelude::*;

use super::read::translations_of;
use super::visible_to;
use crate::db::error::StoreError;
use crate::db::schema::articles;
use crate::domain::access::Caller;
use crate::domain::input::Translation;

/// An article as a sitemap lists it.
#[derive(Debug, Clone)]
pub struct SiteEntry {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub language: String,
    pub published_at: String,
    pub updated_at: String,
    /// Public other-language versions.
    pub translations: Vec<Translation>,
    /// The feature image's URL (a media item's served copy, or the URL given).
    pub image: Option<String>,
}

/// The columns a sitemap reads of an article.
#[derive(Queryable, Selectable)]
#[diesel(table_name = articles)]
struct Columns {
    id: String,
    slug: String,
    title: String,
    language: String,
    sort_at: String,
    updated_at: String,
    translation_group: String,
    feature_image_url: Option<String>,
    feature_image_media: Option<String>,
}

/// Public articles now.
pub fn public_count(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<i64> {
    let now = &crate::domain::time::format(at);
    articles::table
        .filter(visible_to(&Caller::Public, now))
        .count()
        .get_result(conn)
}

/// Public articles, oldest first, `limit` from `offset` (new articles land on the
/// last file, so earlier files stay as they are).
pub fn public_page(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
    offset: i64,
    limit: i64,
) -> Result<Vec<SiteEntry>, StoreError> {
    let now = &crate::domain::time::format(at);
    let rows: Vec<Columns> = articles::table
        .filter(visible_to(&Caller::Public, now))
        .order((articles::sort_at.asc(), articles::pk.asc()))
        .offset(offset)
        .limit(limit)
        .select(Columns::as_select())
        .load(conn)?;
    with_translations(conn, rows, now)
}

/// Public articles published at or after `since`, newest first, at most `limit`.
pub fn published_since(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
    since: chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> Result<Vec<SiteEntry>, StoreError> {
    let now = &crate::domain::time::format(at);
    let rows: Vec<Columns> = articles::table
        .filter(visible_to(&Caller::Public, now))
        .filter(articles::sort_at.ge(crate::domain::time::format(since)))
        .order((articles::sort_at.desc(), articles::pk.desc()))
        .limit(limit)
        .select(Columns::as_select())
        .load(conn)?;
    with_translations(conn, rows, now)
}

fn with_translations(
    conn: &mut AnyConnection,
    rows: Vec<Columns>,
    now: &str,
) -> Result<Vec<SiteEntry>, StoreError> {
    let mut groups: Vec<String> = rows.iter().map(|r| r.translation_group.clone()).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut members = Vec::new();
    // SQLite binds at most 32,766 values per statement.
    for chunk in groups.chunks(10_000) {
        members.extend(translations_of(conn, &Caller::Public, chunk, now)?);
    }
    let mut by_group: std::collections::HashMap<String, Vec<Translation>> = Default::default();
    for (group, _, t) in members {
        by_group.entry(group).or_default().push(t);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let image =
                match r.feature_image_media.as_deref().and_then(|m| {
                    serde_json::from_str::<crate::domain::media::ResolvedImage>(m).ok()
                }) {
                    Some(m) => Some(m.url),
                    None => r
                        .feature_image_url
                        .filter(|u| crate::domain::article::is_web_url(u)),
                };
            let translations = by_group
                .get(&r.translation_group)
                .map(|ts| ts.iter().filter(|t| t.id != r.id).cloned().collect())
                .unwrap_or_default();
            SiteEntry {
                id: r.id,
                slug: r.slug,
                title: r.title,
                language: r.language,
                published_at: r.sort_at,
                updated_at: r.updated_at,
                translations,
                image,
            }
        })
        .collect())
}
