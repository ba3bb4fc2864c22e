//! What a store operation fails with: a small vocabulary the HTTP layer maps to
//! problem documents once (`error.rs`). No status codes and no database text here; a
//! failure's cause is kept for the log only.

use crate::domain::errors::FieldError;

/// A store operation's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Nothing of kind `what` (`"article"`, `"tag"` …) has the id, slug or number `key`.
    #[error("no {what} '{key}'")]
    NotFound {
        /// The kind of thing looked for.
        what: &'static str,
        /// The id, slug or number asked for.
        key: String,
    },
    /// The change clashes with what is stored: a taken `field` (slug, language …) or
    /// a state that does not allow it (`field` is `None`); `reason` says which.
    #[error("conflict: {reason}")]
    Conflict {
        /// The field whose value is taken, when there is one.
        field: Option<&'static str>,
        /// What clashes, for a person.
        reason: String,
    },
    /// The stored version is not the one the change was based on; `current` is the
    /// version (ETag) that is.
    #[error("stale version; current is {current}")]
    Stale {
        /// The current version's validator.
        current: String,
    },
    /// Fields that only the store can judge (an author that does not exist, a
    /// translation of a missing article), one entry each.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// A paging position this store did not issue.
    #[error("unknown cursor")]
    BadCursor,
    /// The store is busy or unreachable: retry shortly.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store failed (I/O, a broken invariant); the cause is for the log.
    #[error("store failure: {0}")]
    Failed(String),
}

impl StoreError {
    /// Nothing of kind `what` has `key`.
    pub fn not_found(what: &'static str, key: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// `field`'s value is taken.
    pub fn taken(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field),
            reason: reason.into(),
        }
    }

    /// The stored state does not allow the change.
    pub fn conflict(reason: impl Into<String>) -> Self {
        Self::Conflict {
            field: None,
            reason: reason.into(),
        }
    }

    /// One field only the store can judge.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// A failure with its cause.
    pub fn failed(cause: impl std::fmt::Display) -> Self {
        Self::Failed(cause.to_string())
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            // SQLITE_BUSY / a lost server connection: retry, not a fault.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                Self::Unavailable(e.to_string())
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                Self::Unavailable(e.to_string())
            }
            _ => Self::Failed(e.to_string()),
        }
    }
}

/// Messages of failures that pass: SQLite busy; a PostgreSQL server restarting, shut
/// down, unreachable or cancelling a statement past its timeout.
fn is_transient(message: &str) -> bool {
    const TRANSIENT: &[&str] = &[
        "database is locked",
        "server closed the connection",
        "no connection to the server",
        "terminating connection",
        "the database system is",
        "could not connect",
        "Connection refused",
        "connection to server",
        "canceling statement due to",
        "could not send data to server",
        "could not receive data from server",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

/// Whether an error means the store itself failed under a write, so the writer must
/// abandon the batch (as opposed to a refusal: not found, conflict, invalid, stale).
pub trait StoreFailure {
    /// True for failures of the store, false for refusals.
    fn store_failed(&self) -> bool;
}

impl StoreFailure for StoreError {
    fn store_failed(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Failed(_))
    }
}
