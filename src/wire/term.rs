//! Wire types of tags and authors.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::article::PageMeta;
use crate::db::terms::TermRecord;
use crate::domain::time;

/// A tag or an author: a named resource articles link to.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "slug": "standwithukraine",
    "name": "#StandWithUkraine",
    "description": "Solidarity with Ukraine",
    "article_count": 42,
    "created_at": "2026-01-21T17:30:00Z",
    "updated_at": "2026-01-21T17:30:00Z"
}))]
pub struct Term {
    /// URL-safe identifier.
    pub slug: String,
    /// Display name; case and `#` kept.
    pub name: String,
    /// What it is about.
    pub description: Option<String>,
    /// Published articles carrying it, as the public sees them.
    pub article_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<TermRecord> for Term {
    fn from(r: TermRecord) -> Self {
        Self {
            created_at: time::parse(&r.created_at).unwrap_or_default(),
            updated_at: time::parse(&r.updated_at).unwrap_or_default(),
            slug: r.slug,
            name: r.name,
            description: r.description,
            article_count: r.article_count,
        }
    }
}

/// A page of tags or authors, by slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermPage {
    /// The items of this page.
    pub data: Vec<Term>,
    /// Paging facts.
    pub meta: PageMeta,
}

/// The body of `POST /v1/tags` and `POST /v1/authors`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ukrainian World Congress", "description": "The international umbrella of Ukrainian communities"}))]
pub struct TermInput {
    /// Display name, 1–100 characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// Slug; derived from the name when absent.
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub slug: Option<String>,
    /// What it is about.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    pub description: Option<String>,
}

/// The body of PATCH on a tag or author (JSON Merge Patch): any subset of the fields.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Updated description"}))]
pub struct TermPatch {
    /// New display name.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(min_length = 1, max_length = 100, value_type = String, pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$")]
    pub name: Option<Option<String>>,
    /// New slug; the old one stops answering.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120, value_type = String)]
    pub slug: Option<Option<String>>,
    /// New description; `null` clears it.
    #[serde(default, deserialize_with = "super::present")]
    #[schema(max_length = 2000, value_type = Option<String>, pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
    pub description: Option<Option<String>>,
}
