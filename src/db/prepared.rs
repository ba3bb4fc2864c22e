//! Statements the connection prepares once and keeps: Diesel caches a prepared statement
//! only when it can tell its SQL text never varies for the same shape, and two common
//! shapes fail that test. A raw statement (`sql_query`) is never cached, and `IN (…)`
//! with a list (`eq_any`) is not on SQLite, whose text grows with the list: each was
//! prepared afresh on every execution, which was 30 % of a "related" miss and a large
//! share of every list miss. Here:
//! - [`Raw`]: a raw statement of the store's own fixed text, with typed binds;
//! - [`any_of`]: `expr IN (…)` with the whole list as one bound value, so the text is
//!   the same whatever the list (`IN (SELECT value FROM json_each(?))` on SQLite,
//!   `= ANY(?)` on PostgreSQL).

use std::borrow::Cow;

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, HasSqlType, Integer, SingleValue, Text, Untyped};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// One bound value of a [`Raw`] statement.
#[derive(Debug, Clone)]
enum Bind {
    Integer(i32),
    BigInt(i64),
    Text(String),
}

/// A raw statement with `?` placeholders, bound in order; each engine writes its own
/// placeholders. Its text must come from a fixed set (the store's constants, or a
/// choice among them per engine): the connection keeps one prepared statement per
/// distinct text. No `?` may appear in it other than as a placeholder.
#[derive(Debug, Clone)]
#[must_use = "a statement does nothing until it is run"]
pub struct Raw {
    sql: Cow<'static, str>,
    binds: Vec<Bind>,
}

/// A [`Raw`] statement of this text.
pub fn raw(sql: impl Into<Cow<'static, str>>) -> Raw {
    Raw {
        sql: sql.into(),
        binds: Vec::new(),
    }
}

impl Raw {
    /// Binds the next placeholder to an `INTEGER`.
    pub fn integer(mut self, value: i32) -> Self {
        self.binds.push(Bind::Integer(value));
        self
    }

    /// Binds the next placeholder to a `BIGINT`.
    pub fn bigint(mut self, value: i64) -> Self {
        self.binds.push(Bind::BigInt(value));
        self
    }

    /// Binds the next placeholder to `TEXT`.
    pub fn text(mut self, value: impl Into<String>) -> Self {
        self.binds.push(Bind::Text(value.into()));
        self
    }
}

impl QueryId for Raw {
    type QueryId = ();
    // Keyed by its text instead (and kept: nothing here marks it unsafe to cache).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Raw {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Raw {}

impl<DB> QueryFragment<DB> for Raw
where
    DB: Backend + HasSqlType<Integer> + HasSqlType<BigInt> + HasSqlType<Text>,
    i32: ToSql<Integer, DB>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut binds = self.binds.iter();
        for (i, part) in self.sql.split('?').enumerate() {
            if i > 0 {
                match binds.next() {
                    Some(Bind::Integer(v)) => out.push_bind_param::<Integer, _>(v)?,
                    Some(Bind::BigInt(v)) => out.push_bind_param::<BigInt, _>(v)?,
                    Some(Bind::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                    None => {
                        return Err(diesel::result::Error::QueryBuilderError(
                            "a placeholder without a bound value".into(),
                        ));
                    }
                }
            }
            out.push_sql(part);
        }
        if binds.next().is_some() {
            return Err(diesel::result::Error::QueryBuilderError(
                "more bound values than placeholders".into(),
            ));
        }
        Ok(())
    }
}

/// `expr IN (values)` with the list bound as one value (see the module's doc).
#[derive(Debug, Clone)]
pub struct AnyOf<E, T> {
    expr: E,
    values: Vec<T>,
    json: String,
}

/// `expr` is one of `values`; none when `values` is empty.
pub fn any_of<E, T>(expr: E, values: &[T]) -> AnyOf<E, T>
where
    T: Clone + serde::Serialize,
{
    AnyOf {
        expr,
        values: values.to_vec(),
        // Numbers and strings always serialize.
        json: serde_json::to_string(values).unwrap_or_else(|_| "[]".into()),
    }
}

impl<E: Expression, T> Expression for AnyOf<E, T> {
    type SqlType = Bool;
}

impl<E, T> QueryId for AnyOf<E, T> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<E, T, QS> AppearsOnTable<QS> for AnyOf<E, T>
where
    E: AppearsOnTable<QS>,
    Self: Expression,
{
}

impl<E, T, QS> SelectableExpression<QS> for AnyOf<E, T>
where
    E: SelectableExpression<QS>,
    Self: AppearsOnTable<QS>,
{
}

impl<E, T, GB> ValidGrouping<GB> for AnyOf<E, T>
where
    E: ValidGrouping<GB>,
{
    type IsAggregate = E::IsAggregate;
}

impl<E, T> QueryFragment<Sqlite> for AnyOf<E, T>
where
    E: QueryFragment<Sqlite>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.expr.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<E, T> QueryFragment<Pg> for AnyOf<E, T>
where
    E: Expression + QueryFragment<Pg>,
    E::SqlType: SingleValue,
    Pg: HasSqlType<E::SqlType>,
    Vec<T>: ToSql<Array<E::SqlType>, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.expr.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<E::SqlType>, _>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    diesel::table! {
        items (pk) {
            pk -> Integer,
            name -> Text,
        }
    }

    fn store() -> SqliteConnection {
        let mut conn = SqliteConnection::establish(":memory:").expect("in memory");
        diesel::sql_query("CREATE TABLE items (pk INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .execute(&mut conn)
            .expect("table");
        diesel::sql_query("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')")
            .execute(&mut conn)
            .expect("rows");
        conn
    }

    fn cacheable<Q: QueryFragment<Sqlite>>(q: &Q) -> bool {
        QueryFragment::<Sqlite>::is_safe_to_cache_prepared(q, &Sqlite).unwrap()
    }

    fn sql<Q: QueryFragment<Sqlite>>(q: &Q) -> String {
        diesel::debug_query::<Sqlite, _>(q)
            .to_string()
            .split(" -- binds:")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn any_of_binds_the_list_as_one_value_and_may_be_cached() {
        let mut conn = store();
        let q = |pks: &[i32]| {
            items::table
                .filter(any_of(items::pk, pks))
                .order(items::pk)
                .select(items::name)
        };
        assert_eq!(sql(&q(&[1])), sql(&q(&[1, 2, 3, 4, 5])));
        assert!(cacheable(&q(&[1, 3])));
        // diesel's own `IN (…)`, for contrast: a text per length, never cached.
        let in_list = items::table.filter(items::pk.eq_any([1, 3]));
        assert!(!cacheable(&in_list));

        let names: Vec<String> = q(&[3, 1]).load(&mut conn).unwrap();
        assert_eq!(names, ["a", "c"]);
        let none: Vec<String> = q(&[]).load(&mut conn).unwrap();
        assert!(none.is_empty());
        let by_name: Vec<i32> = items::table
            .filter(any_of(items::name, &["b".to_string(), "x".to_string()]))
            .select(items::pk)
            .load(&mut conn)
            .unwrap();
        assert_eq!(by_name, [2]);
    }

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = Integer)]
        pk: i32,
        #[diesel(sql_type = Text)]
        name: String,
    }

    #[test]
    fn a_raw_statement_binds_in_order_and_may_be_cached() {
        let mut conn = store();
        let q = |pk: i32, name: &str| {
            raw("SELECT pk, name FROM items WHERE pk >= ? AND name <> ? ORDER BY pk LIMIT ?")
                .integer(pk)
                .text(name)
                .bigint(5)
        };
        assert_eq!(sql(&q(1, "a")), sql(&q(2, "zzz")));
        assert!(cacheable(&q(1, "a")));
        let rows: Vec<Row> = q(2, "c").load(&mut conn).unwrap();
        assert_eq!(
            rows,
            [Row {
                pk: 2,
                name: "b".into()
            }]
        );
        // A placeholder without a value, or a value without a placeholder, is refused.
        let short = raw("SELECT pk, name FROM items WHERE pk = ?").load::<Row>(&mut conn);
        assert!(short.is_err());
        let long = raw("SELECT pk, name FROM items")
            .integer(1)
            .load::<Row>(&mut conn);
        assert!(long.is_err());
    }
}
