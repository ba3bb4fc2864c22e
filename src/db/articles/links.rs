//! What an article shows besides its row: its tags and authors in order, and the other
//! untrashed members of its translation group with what decides who sees them, read in
//! one statement: a `UNION ALL` of three selects ([`of_one`]; for a page of articles,
//! [`of_many`]).
//!
//! Tried and measured slower: on PostgreSQL, folding them into the row's own query as a
//! JSON aggregate (one statement per cold read instead of two) served 12–17 % fewer cold
//! reads (W8, three alternating rounds: 1,868–1,980 against 2,189–2,256 req/s).

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use super::ArticleRow;
use super::read::Terms;
use crate::db::AnyConnection;
use crate::db::engine::on_engine;
use crate::db::prepared::any_of;
use crate::db::schema::{article_authors, article_tags, articles, authors, tags};
use crate::domain::access::Caller;
use crate::domain::article::StoredStatus;
use crate::domain::input::{TermRef, Translation};
use std::collections::HashMap;

const TAG: i32 = 0;
const AUTHOR: i32 = 1;
const MEMBER: i32 = 2;

/// One link: (what, position, then slug and name of a term, or language, id, slug,
/// status and `sort_at` of a member).
type Link = (i32, i32, String, String, String, String, String);

/// Another member of an article's translation group.
pub(super) struct Member {
    /// How the article links to it.
    pub translation: Translation,
    status: Option<StoredStatus>,
    sort_at: String,
}

impl Member {
    /// Whether the public sees it at `now` (store format): the rule of
    /// [`super::public_now`], judged on the member's own row.
    pub fn public_at(&self, now: &str) -> bool {
        self.status
            .is_some_and(|status| shown_at(status, &self.sort_at, now))
    }
}

/// Whether a row with this status and `sort_at` is public at `now`.
pub(super) fn shown_at(status: StoredStatus, sort_at: &str, now: &str) -> bool {
    status == StoredStatus::Published && sort_at <= now
}

/// An article's tags and authors by position, and its group's other members by language.
pub(super) struct Links {
    pub tags: Vec<TermRef>,
    pub authors: Vec<TermRef>,
    pub members: Vec<Member>,
}

/// The links of the article in `row`, in one statement. Statements with `=`, not
/// `IN (…)`: SQLite's prepared statements are cached only for a fixed SQL text, and
/// preparing them again was an eighth of an article miss.
pub(super) fn of_one(conn: &mut AnyConnection, row: &ArticleRow) -> QueryResult<Links> {
    let pk = row.pk;
    let none = || "".into_sql::<Text>();
    let tags = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_pk.eq(pk))
        .select((
            TAG.into_sql::<Integer>(),
            article_tags::position,
            tags::slug,
            tags::name,
            none(),
            none(),
            none(),
        ));
    let authors = article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_pk.eq(pk))
        .select((
            AUTHOR.into_sql::<Integer>(),
            article_authors::position,
            authors::slug,
            authors::name,
            none(),
            none(),
            none(),
        ));
    let members = articles::table
        .filter(articles::translation_group.eq(&row.translation_group))
        .filter(articles::deleted_at.is_null())
        .filter(articles::pk.ne(pk))
        .select((
            MEMBER.into_sql::<Integer>(),
            0.into_sql::<Integer>(),
            articles::language,
            articles::id,
            articles::slug,
            articles::status,
            articles::sort_at,
        ));
    let mut links: Vec<Link> = on_engine!(conn, c => tags
        .union_all(authors)
        .union_all(members)
        .load(c))?;
    links.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let mut out = Links {
        tags: Vec::new(),
        authors: Vec::new(),
        members: Vec::new(),
    };
    for (what, _, a, b, c, status, sort_at) in links {
        match what {
            TAG => out.tags.push(TermRef { slug: a, name: b }),
            AUTHOR => out.authors.push(TermRef { slug: a, name: b }),
            _ => out.members.push(Member {
                translation: Translation {
                    language: a,
                    id: b,
                    slug: c,
                },
                status: StoredStatus::parse(&status),
                sort_at,
            }),
        }
    }
    Ok(out)
}

/// A member of a translation group: (group, pk, translation).
pub(super) type GroupMember = (String, i32, Translation);

/// The tags and authors of the articles `pks` by article, and the untrashed members of
/// the translation `groups` that `caller` may see, as (group, pk, translation), by
/// language: one statement for a page of articles.
pub(super) fn of_many(
    conn: &mut AnyConnection,
    caller: &Caller,
    pks: &[i32],
    groups: &[String],
    now: &str,
) -> QueryResult<(Terms, Vec<GroupMember>)> {
    // (what, article or member, position, then slug and name of a term, or group,
    // language, id and slug of a member)
    let tags = article_tags::table
        .inner_join(tags::table)
        .filter(any_of(article_tags::article_pk, pks))
        .select((
            TAG.into_sql::<Integer>(),
            article_tags::article_pk,
            article_tags::position,
            tags::slug,
            tags::name,
            "".into_sql::<Text>(),
            "".into_sql::<Text>(),
        ));
    let authors = article_authors::table
        .inner_join(authors::table)
        .filter(any_of(article_authors::article_pk, pks))
        .select((
            AUTHOR.into_sql::<Integer>(),
            article_authors::article_pk,
            article_authors::position,
            authors::slug,
            authors::name,
            "".into_sql::<Text>(),
            "".into_sql::<Text>(),
        ));
    let members = articles::table
        .filter(any_of(articles::translation_group, groups))
        .filter(articles::deleted_at.is_null())
        .select((
            MEMBER.into_sql::<Integer>(),
            articles::pk,
            0.into_sql::<Integer>(),
            articles::translation_group,
            articles::language,
            articles::id,
            articles::slug,
        ));
    type Link = (i32, i32, i32, String, String, String, String);
    let mut links: Vec<Link> = on_engine!(conn, c => {
        if caller.sees_unpublished() {
            tags.union_all(authors).union_all(members).load(c)
        } else {
            tags.union_all(authors)
                .union_all(members.filter(super::public_now(now)))
                .load(c)
        }
    })?;
    // Terms by position; members by language.
    links.sort_by(|a, b| (a.0, a.1, a.2, &a.4).cmp(&(b.0, b.1, b.2, &b.4)));
    let mut terms: Terms = HashMap::new();
    let mut members: Vec<GroupMember> = Vec::new();
    for (what, pk, _, a, b, c, d) in links {
        match what {
            TAG => terms
                .entry(pk)
                .or_default()
                .0
                .push(TermRef { slug: a, name: b }),
            AUTHOR => terms
                .entry(pk)
                .or_default()
                .1
                .push(TermRef { slug: a, name: b }),
            _ => members.push((
                a,
                pk,
                Translation {
                    language: b,
                    id: c,
                    slug: d,
                },
            )),
        }
    }
    members.sort_by(|a, b| a.2.language.cmp(&b.2.language));
    Ok((terms, members))
}
