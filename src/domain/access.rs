//! Who is calling and what they may do. The one rule of visibility lives here; the
//! store turns it into SQL (its `articles::visible_to`), this module knows nothing of it.

use std::fmt;
use std::str::FromStr;

/// A key's scope; each includes the ones before it: read < write < admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Sees drafts, scheduled, archived and trashed articles.
    Read,
    /// Also creates, changes and trashes.
    Write,
    /// Also deletes permanently.
    Admin,
}

impl Scope {
    /// The scope's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown scope '{other}' (read, write or admin)")),
        }
    }
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No key: sees only published articles whose publication time has passed.
    Public,
    /// A valid key.
    Key {
        /// The key's name (never the key itself).
        name: String,
        /// What it may do.
        scope: Scope,
    },
}

impl Caller {
    /// True when the caller holds at least `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        matches!(self, Self::Key { scope: s, .. } if *s >= scope)
    }

    /// True when the caller may see unpublished and trashed articles.
    pub fn sees_unpublished(&self) -> bool {
        self.has(Scope::Read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ordered() {
        let w = Caller::Key {
            name: "k".into(),
            scope: Scope::Write,
        };
        assert!(w.has(Scope::Read) && w.has(Scope::Write) && !w.has(Scope::Admin));
        assert!(!Caller::Public.sees_unpublished());
        assert_eq!("admin".parse::<Scope>(), Ok(Scope::Admin));
        assert!("root".parse::<Scope>().is_err());
    }
}
