//! The store: Diesel on SQLite or PostgreSQL, one [`AnyConnection`] over both
//! (`engine`). Everything that speaks SQL lives under this module.
//!
//! What handlers call: [`run`] (reads on a pooled connection, off the async workers),
//! [`write`] / [`DbPool::write_blocking`] (writes, through the one writer), and the
//! functions of the resource modules inside them (`articles`, `terms`, `keys`,
//! `webhooks`, `media`, `purges`, `search`, `portability`, `copy`, `secrets`). They
//! return rows, domain types and [`StoreError`]; never JSON or HTTP errors.
//! [`DbPool::on_commit`] tells what each commit changed.

pub mod articles;
mod connect;
pub mod copy;
pub(crate) mod engine;
pub mod error;
pub mod keys;
pub mod media;
pub mod portability;
pub(crate) mod prepared;
pub mod purges;
pub mod schema;
pub mod search;
pub mod secrets;
pub mod terms;
pub mod webhooks;
mod writer;

pub use error::{StoreError, StoreFailure};
pub use writer::{CommitReport, report_tags};

use std::sync::Arc;

pub use connect::{Manager, Options, SqlLog, Target, build_pool, sqlite_heap_bytes};
use diesel::r2d2::{Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
pub use engine::{AnyConnection, Engine, sql_query};

use crate::domain::time::Clock;

/// The SQLite store's migrations (`migrations/sqlite/`), compiled into the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL store's migrations (`migrations/postgres/`), compiled into the binary.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The migrations of an engine.
pub fn migrations(engine: Engine) -> EmbeddedMigrations {
    match engine {
        Engine::Sqlite => SQLITE_MIGRATIONS,
        Engine::Postgres => POSTGRES_MIGRATIONS,
    }
}

/// The store's connections: a pool of readers (each set up by [`ConnectionSetup`]) and
/// one writer thread with a connection of its own ([`writer`]), started by
/// [`DbPool::start_writer`]; every write goes through it ([`write`],
/// [`DbPool::write_blocking`]). Dereferences to the reader pool.
#[derive(Clone, Debug)]
pub struct DbPool {
    readers: Pool<Manager>,
    writer: Arc<writer::Writer>,
    clock: Clock,
    counts: Arc<articles::CountCache>,
    tag_newest: Arc<articles::TagNewest>,
    engine: Engine,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<Manager>;
    fn deref(&self) -> &Self::Target {
        &self.readers
    }
}
impl DbPool {
    /// The engine this store runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The clock the store goes by ([`now`] inside its work). Tests advance it.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// List totals kept until the store changes (see [`articles::list_counted`]).
    pub fn counts(&self) -> &articles::CountCache {
        &self.counts
    }

    /// Each tag's newest public articles, kept for `related` at a version of the public
    /// lists the caller names ([`articles::Lists`]).
    pub fn tag_newest(&self) -> &articles::TagNewest {
        &self.tag_newest
    }

    /// Starts the writer thread (a second call does nothing). `serve`, every command
    /// that writes, and each test app call it once, before their first write.
    pub fn start_writer(&self) -> Result<(), StoreError> {
        self.writer.start()
    }

    /// Calls `f` with what each committed batch of writes changed (see
    /// [`CommitReport`]), before the batch's writes are answered.
    pub fn on_commit(&self, f: impl Fn(&CommitReport) + Send + Sync + 'static) {
        self.writer.subscribe(f);
    }

    /// Runs a long write of many statements through the writer (import, seed,
    /// backfills): without a savepoint of its own, all or nothing with its batch.
    pub fn write_bulk<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write_bulk(work)
    }

    /// Whether row `seq` of the store's record of touched cache tags
    /// ([`purges`]) is one this process's writer committed (asking forgets it).
    pub fn is_own_purge(&self, seq: i64) -> bool {
        self.writer.take_own_purge(seq)
    }

    /// Runs a write through the writer from a thread that may block (commands, jobs).
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write_blocking(work)
    }
}

/// One connection taken from the pool.
pub type Conn = PooledConnection<Manager>;

/// Opens (creating when absent) the store a `DATABASE_URL` names and builds its pool
/// with `pool_size` readers and default options.
pub fn connect(database_url: &str, pool_size: u32) -> anyhow::Result<DbPool> {
    build_pool(database_url, Options::new(pool_size))
}

/// Opens the store the configuration names with `pool_size` readers and the
/// configured timeouts.
pub fn open(config: &crate::config::Config, pool_size: u32) -> anyhow::Result<DbPool> {
    build_pool(
        &config.database_url,
        Options {
            statement_timeout_ms: config.db_statement_timeout_ms,
            connect_timeout_secs: config.db_connect_timeout_secs,
            ..Options::new(pool_size)
        },
    )
}

/// Like [`connect`], with every statement recorded in `log`.
pub fn connect_logged(database_url: &str, pool_size: u32, log: SqlLog) -> anyhow::Result<DbPool> {
    build_pool(
        database_url,
        Options {
            log: Some(log),
            ..Options::new(pool_size)
        },
    )
}

/// The PostgreSQL advisory lock `migrate` holds while it migrates.
const MIGRATION_LOCK: i64 = 0x6e64_6d69_6772_6174; // "ndmigrat"

/// Makes the rest of the current transaction read one snapshot (PostgreSQL; SQLite's
/// read transactions already do).
pub fn snapshot(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if conn.is_postgres() {
        conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    }
    Ok(())
}

/// A large page cache for the writer's connection during a bulk job (import, seed) on
/// SQLite, which then keeps the indexes it writes all over instead of reading pages
/// back; PostgreSQL's shared buffers are the server's.
pub fn bulk_page_cache(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if conn.is_postgres() {
        return Ok(());
    }
    conn.batch_execute("PRAGMA cache_size = -262144;")
}

/// Applies every pending migration (on a connection of its own, before anything is
/// served), then brings derived data up to date through the writer: search rows,
/// first revisions, the change feed. Starts the writer. Returns how many migrations ran.
pub fn migrate(pool: &DbPool) -> anyhow::Result<usize> {
    let applied = {
        use diesel::connection::SimpleConnection;
        let mut conn = pool.get()?;
        // Instances started together on one PostgreSQL database migrate one at a time
        // (a session lock, released below and with the connection).
        let lock = conn.is_postgres();
        if lock {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
        }
        let ran = conn
            .run_pending_migrations(migrations(pool.engine))
            .map(|v| v.len())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        if lock {
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
        }
        ran?
    };
    pool.start_writer()?;
    let (indexed, revised, recorded) = pool.write_bulk(|conn| {
        let indexed = search::index_missing(conn)?;
        let revised = articles::revisions::backfill(conn, &now())?;
        let recorded = articles::changes::backfill(conn, &now())?;
        Ok((indexed, revised, recorded))
    })?;
    if indexed > 0 {
        tracing::info!(indexed, "articles added to the search index");
    }
    if revised > 0 {
        tracing::info!(revised, "first revisions recorded");
    }
    if recorded > 0 {
        tracing::info!(recorded, "articles added to the change feed");
    }
    Ok(applied)
}

/// Whether the store answers a statement (readiness); unavailable when it does not.
pub fn ping(conn: &mut Conn) -> Result<(), StoreError> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1")
        .execute(conn)
        .map(drop)
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// Runs blocking Diesel work on the runtime's blocking thread pool, off the async workers.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let _clock = with_clock(&pool.clock);
        // An exhausted pool is an overload, not a fault: retry shortly.
        let mut conn = pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let out = work(&mut conn);
        if let Err(e) = &out
            && e.store_failed()
            && conn.is_postgres()
        {
            // The server may have dropped this connection (a restart, a network cut):
            // the pool replaces it instead of handing it out again. (No `SELECT 1`
            // before every checkout: that was a round trip on every read.)
            use diesel::connection::{Connection, TransactionManager};
            <AnyConnection as Connection>::TransactionManager::transaction_manager_status_mut(
                &mut conn,
            )
            .set_in_error();
        }
        out
    })
    .await
    .map_err(StoreError::failed)?
}

/// Runs a write on the store's writer thread, in a savepoint of a transaction it may
/// share with other writes waiting at the same moment (group commit); returns once
/// that transaction has committed. A failure of the store (unavailable, failed)
/// abandons the whole batch; a refusal (not found, conflict, invalid, stale) rolls
/// back this write only.
pub async fn write<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    pool.writer.write(work).await
}

thread_local! {
    /// The clock of the store whose work this thread is running.
    static CLOCK: std::cell::RefCell<Option<Clock>> = const { std::cell::RefCell::new(None) };
}

/// Puts back the thread's previous clock when dropped.
pub(crate) struct ClockGuard(Option<Clock>);

impl Drop for ClockGuard {
    fn drop(&mut self) {
        CLOCK.with(|c| *c.borrow_mut() = self.0.take());
    }
}

/// Makes `clock` the one [`now`] reads on this thread until the guard is dropped.
pub(crate) fn with_clock(clock: &Clock) -> ClockGuard {
    ClockGuard(CLOCK.with(|c| c.borrow_mut().replace(clock.clone())))
}

/// Now, in the store's one timestamp format, by the clock of the store whose work this
/// thread runs (its writer, or a reader in [`run`]); the system's elsewhere.
pub fn now() -> String {
    crate::domain::time::format(now_utc())
}

/// [`now`] as a time.
pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    CLOCK
        .with(|c| c.borrow().as_ref().map(Clock::now))
        .unwrap_or_else(chrono::Utc::now)
}

/// Notes that the store's content changed (in the batch's [`CommitReport`], and in the
/// store's change time, which other processes poll); called inside every write that
/// changes something a page or list can show. In a batch the writer records the time
/// once, as the batch commits (one statement per batch, not per write).
pub fn touch(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    writer::report_content();
    if writer::in_batch() {
        return Ok(());
    }
    stamp_change(conn)
}

/// Records now as the store's change time (see [`touch`]).
pub(crate) fn stamp_change(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use schema::store_changes;
    diesel::update(store_changes::table.find(1))
        .set(store_changes::changed_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

/// The store's change time: the last content write of any process (what [`touch`]
/// records). One row.
pub fn changed_at(conn: &mut AnyConnection) -> diesel::QueryResult<Option<String>> {
    use diesel::prelude::*;
    use schema::store_changes;
    store_changes::table
        .find(1)
        .select(store_changes::changed_at)
        .first::<String>(conn)
        .optional()
}

/// The time of the latest change any list or page could show: the last write (deletes
/// included), or a scheduled article whose time has come (at `now`). One statement.
pub fn last_change(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<Option<String>> {
    last_change_text(conn, &crate::domain::time::format(at))
}

/// [`last_change`] with the time in the store's text form (inside the store).
pub(crate) fn last_change_text(
    conn: &mut AnyConnection,
    now: &str,
) -> diesel::QueryResult<Option<String>> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Nullable, Text};
    #[derive(diesel::QueryableByName)]
    struct Latest {
        #[diesel(sql_type = Nullable<Text>)]
        latest: Option<String>,
    }
    let row: Latest = prepared::raw(
        "SELECT MAX(t) AS latest FROM ( \
           SELECT changed_at AS t FROM store_changes WHERE id = 1 \
           UNION ALL SELECT MAX(sort_at) FROM articles WHERE sort_at <= ?) AS subquery_changes",
    )
    .text(now)
    .get_result(conn)?;
    Ok(row.latest)
}

/// The time of the next scheduled publication after `now`, if any (one index seek).
pub fn next_publication(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<Option<String>> {
    let now = &crate::domain::time::format(at);
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Nullable, Text};
    #[derive(diesel::QueryableByName)]
    struct Next {
        #[diesel(sql_type = Nullable<Text>)]
        next: Option<String>,
    }
    let row: Next = prepared::raw(
        "SELECT MIN(sort_at) AS next FROM articles \
         WHERE status = 'published' AND deleted_at IS NULL AND sort_at > ?",
    )
    .text(now)
    .get_result(conn)?;
    Ok(row.next)
}

/// Runs `work` as part of the current write: on the writer thread it simply runs (a
/// write has a savepoint of its own, all or nothing; a bulk write is all or nothing with
/// its batch, so bulk code must not carry on after an error from here without a
/// savepoint of its own, see `writer::savepoint`). Anywhere else it fails with
/// `NotInTransaction`: every write goes through the writer.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if writer::in_batch() {
        work(conn)
    } else {
        Err(E::from(diesel::result::Error::NotInTransaction))
    }
}
