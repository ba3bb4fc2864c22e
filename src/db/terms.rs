//! Tags and authors: both are (slug, name, description) resources linked to articles, so
//! one set of queries serves both, instantiated per table by `term_store!`.

use crate::db::AnyConnection;
use diesel::prelude::*;

/// Which kind of term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A hashtag-like topic.
    Tag,
    /// A person or organisation credited on articles.
    Author,
}

impl TermKind {
    /// The singular noun, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Tag => "tag",
            Self::Author => "author",
        }
    }

    /// The cache tag of the term `slug` (see [`crate::domain::cache_tags`]).
    pub fn cache_tag(self, slug: &str) -> String {
        match self {
            Self::Tag => crate::domain::cache_tags::tag(slug),
            Self::Author => crate::domain::cache_tags::author(slug),
        }
    }

    /// The cache tag of the list of terms of this kind (which also carries their counts
    /// of public articles).
    pub fn list_tag(self) -> &'static str {
        match self {
            Self::Tag => crate::domain::cache_tags::TAGS,
            Self::Author => crate::domain::cache_tags::AUTHORS,
        }
    }

    /// Notes in the open write's report that the term `slug` and the list of its kind
    /// changed.
    fn touched(self, slug: &str) {
        crate::db::report_tags([self.cache_tag(slug), self.list_tag().to_string()]);
    }
}

/// A term with its count of public articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRecord {
    /// URL-safe identifier.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Public articles carrying it.
    pub article_count: i64,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// A change to a term; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TermChange {
    /// New slug.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
}

macro_rules! term_store {
    ($module:ident, $table:ident, $links:ident, $fk:ident, $kind:expr) => {
        /// Queries of one term table.
        pub mod $module {
            use super::*;
            use crate::db::articles::visible_to;
            use crate::db::error::StoreError;
            use crate::db::schema::{articles, $links, $table};
            use crate::domain::access::Caller;

            type Row = (i32, String, String, Option<String>, String, String);
            /// pk, slug, name, description, created_at, updated_at: a [`Row`].
            const COLUMNS: <$table::table as diesel::Table>::AllColumns = $table::all_columns;

            fn not_found(slug: &str) -> StoreError {
                StoreError::not_found($kind.noun(), slug)
            }

            fn with_counts(
                conn: &mut AnyConnection,
                rows: Vec<Row>,
            ) -> QueryResult<Vec<TermRecord>> {
                let pks: Vec<i32> = rows.iter().map(|r| r.0).collect();
                let now = crate::db::now();
                let counts: Vec<(i32, i64)> = $links::table
                    .inner_join(articles::table)
                    .filter(visible_to(&Caller::Public, &now))
                    .filter($links::$fk.eq_any(&pks))
                    .group_by($links::$fk)
                    .select(($links::$fk, diesel::dsl::count_star()))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(
                        |(pk, slug, name, description, created_at, updated_at)| TermRecord {
                            article_count: counts.iter().find(|c| c.0 == pk).map_or(0, |c| c.1),
                            slug,
                            name,
                            description,
                            created_at,
                            updated_at,
                        },
                    )
                    .collect())
            }

            /// A page ordered by slug after `after`; returns it, whether more follow, the total.
            pub fn list(
                conn: &mut AnyConnection,
                caller: &Caller,
                limit: i64,
                after: Option<&str>,
            ) -> QueryResult<(Vec<TermRecord>, bool, i64)> {
                let now = crate::db::now();
                let total: i64 = $table::table
                    .filter(shown(caller, &now))
                    .count()
                    .get_result(conn)?;
                let mut query = $table::table
                    .filter(shown(caller, &now))
                    .order($table::slug)
                    .limit(limit + 1)
                    .select(COLUMNS)
                    .into_boxed();
                if let Some(after) = after {
                    query = query.filter($table::slug.gt(after.to_string()));
                }
                let mut rows: Vec<Row> = query.load(conn)?;
                let more = rows.len() as i64 > limit;
                rows.truncate(limit as usize);
                Ok((with_counts(conn, rows)?, more, total))
            }

            /// Terms a caller may see: a key sees all; the public does not see a term all
            /// of whose articles are unpublished (a draft's new tag would leak its name).
            /// A term on no article at all was made on purpose and is shown.
            fn shown(
                caller: &Caller,
                now: &str,
            ) -> Box<
                dyn BoxableExpression<
                        $table::table,
                        crate::db::engine::MultiBackend,
                        SqlType = diesel::sql_types::Bool,
                    >,
            > {
                if caller.sees_unpublished() {
                    return Box::new($table::pk.is_not_null());
                }
                // EXISTS, not IN: PostgreSQL runs `NOT IN (subquery)` as a nested loop
                // once the links outgrow its hash memory.
                Box::new(
                    diesel::dsl::not(diesel::dsl::exists(
                        $links::table.filter($links::$fk.eq($table::pk)),
                    ))
                    .or(diesel::dsl::exists(
                        $links::table
                            .inner_join(articles::table)
                            .filter($links::$fk.eq($table::pk))
                            .filter(crate::db::articles::public_now(now)),
                    )),
                )
            }

            /// One term by slug, as `caller` may see it.
            pub fn find(
                conn: &mut AnyConnection,
                caller: &Caller,
                slug: &str,
            ) -> Result<TermRecord, StoreError> {
                one(conn, Some(caller), slug)
            }

            /// One term by slug, whoever asks (the write path).
            pub fn get(conn: &mut AnyConnection, slug: &str) -> Result<TermRecord, StoreError> {
                one(conn, None, slug)
            }

            fn one(
                conn: &mut AnyConnection,
                caller: Option<&Caller>,
                slug: &str,
            ) -> Result<TermRecord, StoreError> {
                let now = crate::db::now();
                let row: Row = $table::table
                    .filter(match caller {
                        Some(caller) => shown(caller, &now),
                        None => Box::new($table::pk.is_not_null()),
                    })
                    .filter($table::slug.eq(slug))
                    .select(COLUMNS)
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| not_found(slug))?;
                Ok(with_counts(conn, vec![row])?.remove(0))
            }

            fn ensure_free(conn: &mut AnyConnection, slug: &str) -> Result<(), StoreError> {
                let taken: i64 = $table::table
                    .filter($table::slug.eq(slug))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(StoreError::taken(
                        "slug",
                        format!("The {} slug '{slug}' is already taken.", $kind.noun()),
                    ));
                }
                Ok(())
            }

            /// Stores a new term.
            pub fn create(
                conn: &mut AnyConnection,
                slug: &str,
                name: &str,
                description: Option<&str>,
            ) -> Result<TermRecord, StoreError> {
                crate::db::write_transaction(conn, |conn| {
                    crate::db::touch(conn)?;
                    ensure_free(conn, slug)?;
                    $kind.touched(slug);
                    let now = crate::db::now();
                    diesel::insert_into($table::table)
                        .values((
                            $table::slug.eq(slug),
                            $table::name.eq(name),
                            $table::description.eq(description),
                            $table::created_at.eq(&now),
                            $table::updated_at.eq(&now),
                        ))
                        .execute(conn)?;
                    get(conn, slug)
                })
            }

            /// Changes a term after `check` passed on its current state.
            pub fn update(
                conn: &mut AnyConnection,
                slug: &str,
                change: &TermChange,
                check: UpdateCheck,
            ) -> Result<TermRecord, StoreError> {
                crate::db::write_transaction(conn, |conn| {
                    crate::db::touch(conn)?;
                    let current = get(conn, slug)?;
                    check(&current)?;
                    let new_slug = change.slug.clone().unwrap_or_else(|| current.slug.clone());
                    if new_slug != current.slug {
                        ensure_free(conn, &new_slug)?;
                    }
                    $kind.touched(&current.slug);
                    $kind.touched(&new_slug);
                    let description = change
                        .description
                        .clone()
                        .unwrap_or(current.description.clone());
                    diesel::update($table::table.filter($table::slug.eq(slug)))
                        .set((
                            $table::slug.eq(&new_slug),
                            $table::name.eq(change.name.as_ref().unwrap_or(&current.name)),
                            $table::description.eq(description),
                            $table::updated_at.eq(crate::db::now()),
                        ))
                        .execute(conn)?;
                    reindex_linked(conn, &new_slug, None)?;
                    get(conn, &new_slug)
                })
            }

            /// Rewrites the search rows of the articles linked to the term (or of `pks`),
            /// since tag names are part of what search matches.
            fn reindex_linked(
                conn: &mut AnyConnection,
                slug: &str,
                pks: Option<Vec<i32>>,
            ) -> Result<(), StoreError> {
                let pks = match pks {
                    Some(pks) => pks,
                    None => $links::table
                        .inner_join($table::table)
                        .filter($table::slug.eq(slug))
                        .select($links::article_pk)
                        .load(conn)?,
                };
                pks.iter()
                    .try_for_each(|pk| crate::db::search::index_article(conn, *pk))?;
                // What these articles show changed: the change feed hears of it.
                crate::db::articles::changes::refresh(conn, &pks, &crate::db::now())
            }

            /// Number of articles of any state linked to the term.
            pub fn links(conn: &mut AnyConnection, slug: &str) -> QueryResult<i64> {
                $links::table
                    .inner_join($table::table)
                    .filter($table::slug.eq(slug))
                    .count()
                    .get_result(conn)
            }

            /// Removes a term after `check` passed; its article links go with it.
            pub fn delete(
                conn: &mut AnyConnection,
                slug: &str,
                check: DeleteCheck,
            ) -> Result<(), StoreError> {
                crate::db::write_transaction(conn, |conn| {
                    crate::db::touch(conn)?;
                    let current = get(conn, slug)?;
                    check(conn, &current)?;
                    $kind.touched(slug);
                    let pk: i32 = $table::table
                        .filter($table::slug.eq(slug))
                        .select($table::pk)
                        .first(conn)?;
                    let linked: Vec<i32> = $links::table
                        .filter($links::$fk.eq(pk))
                        .select($links::article_pk)
                        .load(conn)?;
                    diesel::delete($links::table.filter($links::$fk.eq(pk))).execute(conn)?;
                    diesel::delete($table::table.find(pk)).execute(conn)?;
                    reindex_linked(conn, slug, Some(linked))?;
                    Ok(())
                })
            }
        }
    };
}

term_store!(tags, tags, article_tags, tag_pk, TermKind::Tag);
term_store!(
    authors,
    authors,
    article_authors,
    author_pk,
    TermKind::Author
);

type PageResult = QueryResult<(Vec<TermRecord>, bool, i64)>;
type One = Result<TermRecord, crate::db::error::StoreError>;
/// A check on the current term, run inside the update transaction.
pub type UpdateCheck<'a> = &'a dyn Fn(&TermRecord) -> Result<(), crate::db::error::StoreError>;
/// A check on the current term, run inside the delete transaction.
pub type DeleteCheck<'a> =
    &'a dyn Fn(&mut AnyConnection, &TermRecord) -> Result<(), crate::db::error::StoreError>;

/// The queries of one kind of term, for code that serves both kinds.
pub struct TermOps {
    /// See `tags::list`.
    pub list:
        fn(&mut AnyConnection, &crate::domain::access::Caller, i64, Option<&str>) -> PageResult,
    /// See `tags::find`.
    pub find: fn(&mut AnyConnection, &crate::domain::access::Caller, &str) -> One,
    /// See `tags::get`.
    pub get: fn(&mut AnyConnection, &str) -> One,
    /// See `tags::create`.
    pub create: fn(&mut AnyConnection, &str, &str, Option<&str>) -> One,
    /// See `tags::update`.
    pub update: fn(&mut AnyConnection, &str, &TermChange, UpdateCheck) -> One,
    /// See `tags::links`.
    pub links: fn(&mut AnyConnection, &str) -> QueryResult<i64>,
    /// See `tags::delete`.
    pub delete:
        fn(&mut AnyConnection, &str, DeleteCheck) -> Result<(), crate::db::error::StoreError>,
}

impl TermKind {
    /// The queries of this kind.
    pub fn ops(self) -> TermOps {
        match self {
            Self::Tag => TermOps {
                list: tags::list,
                find: tags::find,
                get: tags::get,
                create: tags::create,
                update: tags::update,
                links: tags::links,
                delete: tags::delete,
            },
            Self::Author => TermOps {
                list: authors::list,
                find: authors::find,
                get: authors::get,
                create: authors::create,
                update: authors::update,
                links: authors::links,
                delete: authors::delete,
            },
        }
    }
}
