//! Change events: what happened to an article, named the way the change feed and
//! webhooks name it, and decided from what happened and whether the public could see
//! the article before and after.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The type of a change event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// A new article that is not public (a draft, or scheduled).
    #[serde(rename = "article.created")]
    Created,
    /// A change that left the article as public (or as hidden) as it was.
    #[serde(rename = "article.updated")]
    Updated,
    /// The article became public: published now, or a scheduled time came.
    #[serde(rename = "article.published")]
    Published,
    /// The article stopped being public (back to draft, archived, rescheduled).
    #[serde(rename = "article.unpublished")]
    Unpublished,
    /// Moved to the trash.
    #[serde(rename = "article.trashed")]
    Trashed,
    /// Brought back from the trash.
    #[serde(rename = "article.restored")]
    Restored,
    /// Deleted for good (a tombstone).
    #[serde(rename = "article.deleted")]
    Deleted,
}

impl EventType {
    /// Every type, in the order the docs list them.
    pub const ALL: [Self; 7] = [
        Self::Created,
        Self::Updated,
        Self::Published,
        Self::Unpublished,
        Self::Trashed,
        Self::Restored,
        Self::Deleted,
    ];

    /// The wire name, e.g. `article.published`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "article.created",
            Self::Updated => "article.updated",
            Self::Published => "article.published",
            Self::Unpublished => "article.unpublished",
            Self::Trashed => "article.trashed",
            Self::Restored => "article.restored",
            Self::Deleted => "article.deleted",
        }
    }

    /// The type with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What the store did to an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Created it.
    Created,
    /// Replaced or patched it.
    Updated,
    /// Moved it to the trash.
    Trashed,
    /// Brought it back.
    Restored,
    /// Deleted it for good.
    Deleted,
    /// Something it shows changed elsewhere (a translation, a tag's name): an event only
    /// when its representation differs from the last one recorded.
    Refreshed,
    /// Its scheduled publication time came.
    WentLive,
}

/// The event type of a change, given whether the public could see the article before
/// and after it.
pub fn classify(change: Change, public_before: bool, public_after: bool) -> EventType {
    match change {
        Change::Deleted => EventType::Deleted,
        Change::Trashed => EventType::Trashed,
        Change::Restored => EventType::Restored,
        _ if !public_before && public_after => EventType::Published,
        _ if public_before && !public_after => EventType::Unpublished,
        Change::Created => EventType::Created,
        _ => EventType::Updated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
        assert_eq!(EventType::parse("article.exploded"), None);
    }

    #[test]
    fn publicness_decides_the_type() {
        use Change::*;
        assert_eq!(classify(Created, false, true), EventType::Published);
        assert_eq!(classify(Created, false, false), EventType::Created);
        assert_eq!(classify(Updated, true, true), EventType::Updated);
        assert_eq!(classify(Updated, true, false), EventType::Unpublished);
        assert_eq!(classify(WentLive, false, true), EventType::Published);
        assert_eq!(classify(Trashed, true, false), EventType::Trashed);
        assert_eq!(classify(Restored, false, true), EventType::Restored);
        assert_eq!(classify(Deleted, false, false), EventType::Deleted);
    }
}
