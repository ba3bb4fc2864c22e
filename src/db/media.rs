//! Media items: their rows (the bytes live in the media store), and which articles use
//! them.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::error::StoreError;
use crate::db::schema::{article_media, articles, media};
use crate::domain::media::{StoredFile, StoredMedia};

/// One stored media item.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = media)]
pub struct MediaRow {
    #[serde(skip)]
    pub pk: i32,
    pub id: String,
    pub sha256: String,
    pub format: String,
    pub width: i32,
    pub height: i32,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub files: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i32,
}

impl MediaRow {
    /// Its stored copies.
    pub fn file_list(&self) -> Vec<StoredFile> {
        serde_json::from_str(&self.files).unwrap_or_default()
    }

    /// The item as the domain sees it.
    pub fn stored(&self) -> StoredMedia {
        StoredMedia {
            id: self.id.clone(),
            format: self.format.clone(),
            width: u32::try_from(self.width).unwrap_or_default(),
            height: u32::try_from(self.height).unwrap_or_default(),
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            files: self.file_list(),
        }
    }
}

/// A media item to store: the item (with the id to give it) and the SHA-256 of the
/// upload's bytes.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub sha256: String,
    pub item: StoredMedia,
}

/// Stores `new`, or finds the item with the same bytes; answers it and whether it is new.
pub fn insert(conn: &mut AnyConnection, new: &NewMedia) -> Result<(MediaRow, bool), StoreError> {
    if let Some(row) = by_sha256(conn, &new.sha256)? {
        return Ok((row, false));
    }
    let now = crate::db::now();
    let item = &new.item;
    let id = &item.id;
    let files = serde_json::to_string(&item.files).map_err(StoreError::failed)?;
    diesel::insert_into(media::table)
        .values((
            media::id.eq(id),
            media::sha256.eq(&new.sha256),
            media::format.eq(&item.format),
            media::width.eq(i32::try_from(item.width).unwrap_or(i32::MAX)),
            media::height.eq(i32::try_from(item.height).unwrap_or(i32::MAX)),
            media::alt.eq(&item.alt),
            media::caption.eq(&item.caption),
            media::credit.eq(&item.credit),
            media::files.eq(&files),
            media::created_at.eq(&now),
            media::updated_at.eq(&now),
        ))
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::taken("id", "a media item with this id exists"),
            e => e.into(),
        })?;
    Ok((find(conn, id)?, true))
}

/// The item whose upload had these bytes (SHA-256, hex), if any.
pub fn by_sha256(conn: &mut AnyConnection, sha256: &str) -> Result<Option<MediaRow>, StoreError> {
    Ok(media::table
        .filter(media::sha256.eq(sha256))
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?)
}

/// The item `id`.
pub fn find(conn: &mut AnyConnection, id: &str) -> Result<MediaRow, StoreError> {
    media::table
        .filter(media::id.eq(id))
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("media item", id))
}

/// Whether some item keeps a copy named `name` (its bytes may be served).
pub fn has_file(conn: &mut AnyConnection, name: &str) -> Result<bool, StoreError> {
    // Names are content addresses: `{sha256}.{ext}`, unique to their bytes.
    let pattern = format!("%\"{}\"%", name.replace(['%', '_', '\\'], ""));
    Ok(diesel::select(diesel::dsl::exists(
        media::table.filter(media::files.like(pattern)),
    ))
    .get_result(conn)?)
}

/// A page of items, newest first, before `before` (a pk).
pub fn list(
    conn: &mut AnyConnection,
    before: Option<i32>,
    limit: i64,
) -> Result<(Vec<MediaRow>, bool), StoreError> {
    let mut q = media::table
        .select(MediaRow::as_select())
        .order(media::pk.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(media::pk.lt(before));
    }
    let mut rows: Vec<MediaRow> = q.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((rows, more))
}

/// Every item (for an export), oldest first.
pub fn all(conn: &mut AnyConnection) -> Result<Vec<MediaRow>, StoreError> {
    Ok(media::table
        .select(MediaRow::as_select())
        .order(media::pk)
        .load(conn)?)
}

/// The items with these ids (those that exist).
pub fn catalog(
    conn: &mut AnyConnection,
    ids: &BTreeSet<String>,
) -> Result<Vec<StoredMedia>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<MediaRow> = media::table
        .filter(media::id.eq_any(ids))
        .select(MediaRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(MediaRow::stored).collect())
}

/// Records that article `article_pk` uses exactly the items `ids`.
pub fn link(
    conn: &mut AnyConnection,
    article_pk: i32,
    ids: &BTreeSet<String>,
) -> Result<(), StoreError> {
    diesel::delete(article_media::table.filter(article_media::article_pk.eq(article_pk)))
        .execute(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let pks: Vec<i32> = media::table
        .filter(media::id.eq_any(ids))
        .select(media::pk)
        .load(conn)?;
    if pks.len() != ids.len() {
        // Deleted between the write's check and now.
        return Err(StoreError::invalid_field(
            "body_markdown",
            "names a media item (as feature_image.url or in ![alt](media:ID)) that was just deleted",
        ));
    }
    for m in pks {
        diesel::insert_into(article_media::table)
            .values((
                article_media::article_pk.eq(article_pk),
                article_media::media_pk.eq(m),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The articles (pk, id) using item `media_pk`, in the trash or not.
pub fn users(conn: &mut AnyConnection, media_pk: i32) -> Result<Vec<(i32, String)>, StoreError> {
    Ok(article_media::table
        .inner_join(articles::table)
        .filter(article_media::media_pk.eq(media_pk))
        .order(articles::pk)
        .select((articles::pk, articles::id))
        .load(conn)?)
}

/// The articles (pk, id) using item `media_pk` that are not in the trash.
pub fn live_users(
    conn: &mut AnyConnection,
    media_pk: i32,
) -> Result<Vec<(i32, String)>, StoreError> {
    Ok(article_media::table
        .inner_join(articles::table)
        .filter(article_media::media_pk.eq(media_pk))
        .filter(articles::deleted_at.is_null())
        .order(articles::pk)
        .select((articles::pk, articles::id))
        .load(conn)?)
}

/// Sets alt, caption and credit of item `id` (each `Some` replaces; `Some(None)`
/// clears); answers the new row.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    alt: Option<Option<String>>,
    caption: Option<Option<String>>,
    credit: Option<Option<String>>,
) -> Result<MediaRow, StoreError> {
    let row = find(conn, id)?;
    let now = crate::db::now();
    diesel::update(media::table.find(row.pk))
        .set((
            media::alt.eq(alt.unwrap_or(row.alt.clone())),
            media::caption.eq(caption.unwrap_or(row.caption.clone())),
            media::credit.eq(credit.unwrap_or(row.credit.clone())),
            media::updated_at.eq(&now),
            media::version.eq(row.version + 1),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// Deletes item `id` unless an article uses it (409 naming them); answers the row.
pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<MediaRow, StoreError> {
    let row = find(conn, id)?;
    let users = users(conn, row.pk)?;
    if !users.is_empty() {
        let ids: Vec<String> = users.into_iter().map(|(_, id)| id).collect();
        return Err(StoreError::conflict(format!(
            "The media item is used by {} article(s): {}. Remove it from them first (articles in the trash count until deleted for good).",
            ids.len(),
            ids.join(", ")
        )));
    }
    diesel::delete(media::table.find(row.pk)).execute(conn)?;
    Ok(row)
}

/// Stores an exported item as it was (id, bytes' hash, copies, text, times); one with
/// the same bytes already here is kept instead.
pub fn import(conn: &mut AnyConnection, m: &MediaRow) -> Result<(), StoreError> {
    let same: Option<(String, String)> = media::table
        .filter(media::sha256.eq(&m.sha256).or(media::id.eq(&m.id)))
        .select((media::id, media::sha256))
        .first(conn)
        .optional()?;
    match same {
        Some((id, sha)) if id == m.id && sha == m.sha256 => return Ok(()),
        Some((id, _)) if id == m.id => {
            return Err(StoreError::conflict(format!(
                "media item {id} exists here with other bytes"
            )));
        }
        Some((id, _)) => {
            return Err(StoreError::conflict(format!(
                "these bytes are media item {id} here, not {}",
                m.id
            )));
        }
        None => {}
    }
    diesel::insert_into(media::table)
        .values((
            media::id.eq(&m.id),
            media::sha256.eq(&m.sha256),
            media::format.eq(&m.format),
            media::width.eq(m.width),
            media::height.eq(m.height),
            media::alt.eq(&m.alt),
            media::caption.eq(&m.caption),
            media::credit.eq(&m.credit),
            media::files.eq(&m.files),
            media::created_at.eq(&m.created_at),
            media::updated_at.eq(&m.updated_at),
            media::version.eq(m.version),
        ))
        .execute(conn)?;
    Ok(())
}

/// The ids of the media items each of these articles uses.
pub fn used_by(
    conn: &mut AnyConnection,
    article_pks: &[i32],
) -> Result<Vec<(i32, String)>, StoreError> {
    Ok(article_media::table
        .inner_join(media::table)
        .filter(article_media::article_pk.eq_any(article_pks))
        .order((article_media::article_pk, media::id))
        .select((article_media::article_pk, media::id))
        .load(conn)?)
}

/// Every article (pk) that uses a media item and is not in the trash.
pub fn live_articles_using_media(conn: &mut AnyConnection) -> Result<Vec<i32>, StoreError> {
    Ok(article_media::table
        .inner_join(articles::table)
        .filter(articles::deleted_at.is_null())
        .select(article_media::article_pk)
        .distinct()
        .order(article_media::article_pk)
        .load(conn)?)
}
