//! Wire types of the revision history.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::articles::revisions::RevisionRow;
use crate::domain::time;
use crate::wire::article::ArticleInput;

/// One revision, without its snapshot.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"n": 3, "change": "updated", "key": "editor-desk", "created_at": "2026-01-22T09:00:00Z"}))]
pub struct RevisionSummary {
    /// Number within the article, from 1.
    pub n: i32,
    /// What happened: `created`, `updated`, `trashed`, `restored`, `reverted to N`,
    /// `baseline` (the state when history began), `imported`.
    pub change: String,
    /// Name of the key that made the change (never the key itself).
    pub key: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One revision with the article's writable state after it: the body a PUT of this
/// version would send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    /// The revision.
    #[serde(flatten)]
    pub summary: RevisionSummary,
    /// The article as it was.
    pub article: ArticleInput,
}

/// An article's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    /// Every revision.
    pub data: Vec<RevisionSummary>,
}

impl From<&RevisionRow> for RevisionSummary {
    fn from(r: &RevisionRow) -> Self {
        Self {
            n: r.n,
            change: r.change.clone(),
            key: r.key_name.clone(),
            created_at: time::parse(&r.created_at).unwrap_or_default(),
        }
    }
}
