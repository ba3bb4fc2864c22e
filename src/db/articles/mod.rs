//! Articles in the store. Every read goes through [`visible_to`]: the one place that
//! decides what a caller may see, so no query can forget it.

pub mod changes;
mod links;
mod list;
mod rankings;
mod read;
pub mod revisions;
pub mod sitemap;
mod write;

pub use list::{CountCache, Filter, ListPage, ListQuery, Position, Shelf, list, list_counted};
pub use rankings::{Lists, TagNewest, popular, related};
pub use read::{ArticleRecord, Found, Head, find, find_head, load_by_pk, pk_of, pk_of_id};
pub use write::{add_views, create, purge, restore, trash, update};

use crate::db::engine::MultiBackend as Sqlite;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::articles;
use crate::domain::access::Caller;
use crate::domain::article::StoredStatus;

/// Every stored column of an article but its internal key: what an export holds.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = articles)]
#[serde(deny_unknown_fields)]
pub struct StoredArticle {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub excerpt_is_derived: bool,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: StoredStatus,
    pub published_at: Option<String>,
    pub sort_at: String,
    pub language: String,
    pub translation_group: String,
    pub feature_image_url: Option<String>,
    pub feature_image_alt: Option<String>,
    pub feature_image_caption: Option<String>,
    pub canonical_url: Option<String>,
    pub featured: bool,
    pub view_count: i64,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
    pub version: i32,
    pub body_markdown: String,
    pub body_html: String,
    pub body_text: String,
    /// The media item the feature image names, as resolved when written.
    #[serde(default)]
    pub feature_image_media: Option<String>,
}

/// One row of `articles`, as stored: its internal key and every other column (reached
/// through `Deref`, so `row.slug` reads as before).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = articles)]
#[diesel(check_for_backend(Sqlite))]
pub struct ArticleRow {
    pub pk: i32,
    #[diesel(embed)]
    #[serde(flatten)]
    pub stored: StoredArticle,
}

impl std::ops::Deref for ArticleRow {
    type Target = StoredArticle;

    fn deref(&self) -> &StoredArticle {
        &self.stored
    }
}

impl std::ops::DerefMut for ArticleRow {
    fn deref_mut(&mut self) -> &mut StoredArticle {
        &mut self.stored
    }
}

/// A boolean SQL condition usable in any query whose FROM clause includes `articles`.
pub type Condition<QS> = Box<dyn BoxableExpression<QS, Sqlite, SqlType = Bool>>;

/// The visibility rule: the public sees only published, untrashed articles whose
/// `published_at` has passed (`now`, in the store's format); any key sees everything.
pub fn visible_to<QS>(caller: &Caller, now: &str) -> Condition<QS>
where
    QS: 'static,
    articles::pk: SelectableExpression<QS>,
    articles::status: SelectableExpression<QS>,
    articles::deleted_at: SelectableExpression<QS>,
    articles::sort_at: SelectableExpression<QS>,
{
    if caller.sees_unpublished() {
        Box::new(articles::pk.is_not_null())
    } else {
        Box::new(public_now(now))
    }
}

/// [`visible_to`]'s rule for the public, unboxed (a boxed condition cannot sit in a
/// subquery on two engines): published, untrashed, `published_at` passed.
pub fn public_now(now: &str) -> PublicNow {
    StatusPublished
        .and(articles::deleted_at.is_null())
        // A published article's sort_at is its published_at (always set).
        .and(articles::sort_at.le(now.to_string()))
}

/// `articles.status = 'published'` as a literal, not a bound value: SQLite can then use
/// the partial indexes whose WHERE says so (`articles_public_order`, …). Not diesel's
/// `sql()`, whose literals make every query holding them prepared afresh each time
/// (they are never put in the statement cache): that was 15 % of an article miss.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping)]
pub struct StatusPublished;

impl diesel::Expression for StatusPublished {
    type SqlType = Bool;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for StatusPublished {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("articles.status = 'published'");
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for StatusPublished where articles::status: AppearsOnTable<QS> {}

impl<QS> diesel::SelectableExpression<QS> for StatusPublished where
    articles::status: SelectableExpression<QS>
{
}

/// Whether a read of article rows loads the three bodies (an article, a feed, a list that
/// shows them or searches them for a snippet) or leaves them empty: a list that shows no
/// body spares reading and copying ~10 KB of overflow pages per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// `body_markdown`, `body_html` and `body_text` as stored.
    Loaded,
    /// The three bodies as empty strings.
    Skipped,
}

/// `''` as a column: a body left out of a row (see [`Bodies::Skipped`]). A literal with
/// a static query id, so the statement holding it stays in the prepared-statement cache.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping)]
pub struct NoBody;

impl diesel::Expression for NoBody {
    type SqlType = diesel::sql_types::Text;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for NoBody {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("''");
        Ok(())
    }
}

impl<QS> diesel::AppearsOnTable<QS> for NoBody {}

impl<QS> diesel::SelectableExpression<QS> for NoBody {}

/// An [`ArticleRow`]'s columns in its fields' order, with [`NoBody`] for the bodies.
macro_rules! row_without_bodies {
    () => {{
        use $crate::db::schema::articles as a;
        (
            a::pk,
            (
                a::id,
                a::slug,
                a::title,
                a::subtitle,
                a::excerpt,
                a::excerpt_is_derived,
                a::status,
                a::published_at,
                a::sort_at,
                a::language,
                a::translation_group,
                a::feature_image_url,
                a::feature_image_alt,
                a::feature_image_caption,
                a::canonical_url,
                a::featured,
                a::view_count,
                a::word_count,
                a::reading_time_minutes,
                a::created_at,
                a::updated_at,
                a::deleted_at,
                a::version,
                $crate::db::articles::NoBody,
                $crate::db::articles::NoBody,
                $crate::db::articles::NoBody,
                a::feature_image_media,
            ),
        )
    }};
}
pub(crate) use row_without_bodies;

/// The type of [`public_now`].
pub type PublicNow = diesel::dsl::And<
    diesel::dsl::And<StatusPublished, diesel::dsl::IsNull<articles::deleted_at>>,
    diesel::dsl::LtEq<articles::sort_at, String>,
>;
