//! The two engines behind one connection type: embedded SQLite (the default) and
//! PostgreSQL (for several instances on one database). Store code is written once
//! against [`AnyConnection`] with Diesel's query builder; the few statements whose SQL
//! differs between the engines ask [`AnyConnection::engine`] and choose here or in
//! their own module, never above the store.

use diesel::query_builder::SqlQuery;

/// A connection to either engine. Built by [`crate::db::connect`] from the URL's scheme,
/// never by trying one engine after the other.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// A PostgreSQL server (`postgres://…`).
    Postgresql(diesel::PgConnection),
    /// An embedded SQLite file.
    Sqlite(diesel::SqliteConnection),
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl AnyConnection {
    /// The engine this connection talks to.
    pub fn engine(&self) -> Engine {
        match self {
            Self::Postgresql(_) => Engine::Postgres,
            Self::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// True on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.engine() == Engine::Postgres
    }
}

/// A raw statement written with `?` placeholders, numbered (`$1`, `$2` …) for
/// PostgreSQL. The statements passed here are the store's own constants: no `?`
/// appears in them other than as a placeholder.
pub fn sql_query(conn: &AnyConnection, sql: &str) -> SqlQuery {
    diesel::sql_query(placeholders(conn.engine(), sql))
}

/// `sql` with its `?` placeholders in the engine's form.
pub fn placeholders(engine: Engine, sql: &str) -> String {
    match engine {
        Engine::Sqlite => sql.to_string(),
        Engine::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '?' {
                    out.push(c);
                    continue;
                }
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    // `?N`: the Nth bind, as written.
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    n += 1;
                    out.push_str(&n.to_string());
                }
            }
            out
        }
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of the store's engine: the
/// same Diesel query, type-checked once per backend, without `MultiConnection`'s
/// rendering of the SQL text again at every execution (a fifth of an article miss's CPU
/// in perf). For the hottest reads only; the rest go through [`AnyConnection`].
macro_rules! on_engine {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_engine;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "SELECT a FROM t WHERE b = ? AND c > ?";
        assert_eq!(placeholders(Engine::Sqlite, sql), sql);
        assert_eq!(
            placeholders(Engine::Postgres, sql),
            "SELECT a FROM t WHERE b = $1 AND c > $2"
        );
        assert_eq!(
            placeholders(Engine::Postgres, "x = ?1 OR y = ?1"),
            "x = $1 OR y = $1"
        );
    }
}
