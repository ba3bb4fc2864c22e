//! The store: Diesel on SQLite. Everything that speaks SQL lives under this module.
//!
//! What handlers call: [`run`] (reads on a pooled connection, off the async workers),
//! [`write`] / [`DbPool::write_blocking`] (writes, through the one writer), and the
//! functions of the resource modules inside them (`articles`, `terms`, `keys`,
//! `webhooks`, `search`, `portability`, `secrets`). They return rows, domain types and
//! [`StoreError`]; never JSON or HTTP errors. [`DbPool::on_commit`] tells what each
//! commit changed.

pub mod articles;
pub mod error;
pub mod keys;
pub mod portability;
pub mod schema;
pub mod search;
pub mod secrets;
pub mod terms;
pub mod webhooks;
mod writer;

pub use error::{StoreError, StoreFailure};
pub use writer::CommitReport;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::domain::time::Clock;

/// The migrations in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The store's connections: a pool of readers (each set up by [`ConnectionSetup`]) and
/// one writer thread with a connection of its own ([`writer`]), started by
/// [`DbPool::start_writer`]; every write goes through it ([`write`],
/// [`DbPool::write_blocking`]). Dereferences to the reader pool.
#[derive(Clone, Debug)]
pub struct DbPool {
    readers: Pool<ConnectionManager<SqliteConnection>>,
    writer: Arc<writer::Writer>,
    clock: Clock,
    counts: Arc<articles::CountCache>,
}

impl std::ops::Deref for DbPool {
    type Target = Pool<ConnectionManager<SqliteConnection>>;
    fn deref(&self) -> &Self::Target {
        &self.readers
    }
}
impl DbPool {
    /// The clock the store goes by ([`now`] inside its work). Tests advance it.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// List totals kept until the store changes (see [`articles::list_counted`]).
    pub fn counts(&self) -> &articles::CountCache {
        &self.counts
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
        F: FnOnce(&mut SqliteConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write_bulk(work)
    }

    /// Whether the store's change time `changed` (from [`last_change`]) is one another
    /// process made: not the one this process's writer last committed.
    pub fn is_foreign_change(&self, changed: Option<&str>) -> bool {
        changed.is_some() && changed != self.writer.committed_change().as_deref()
    }

    /// Runs a write through the writer from a thread that may block (commands, jobs).
    pub fn write_blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write_blocking(work)
    }
}

/// One connection taken from the pool.
pub type Conn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// The SQL statements connections ran, when logging is on (tests and the statement
/// budget guard read it).
#[derive(Debug, Clone, Default)]
pub struct SqlLog(Arc<Mutex<Vec<String>>>);

impl SqlLog {
    /// Takes the statements logged so far, leaving the log empty.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Per-connection PRAGMAs: `busy_timeout` first, so the others wait instead of failing.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionSetup {
    log: Option<SqlLog>,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )
        .map_err(diesel::r2d2::Error::QueryError)?;
        if let Some(log) = self.log.clone() {
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = event {
                    let sql = query.to_string();
                    let sql = sql
                        .split(" -- binds:")
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    log.0.lock().unwrap_or_else(|p| p.into_inner()).push(sql);
                }
            });
        }
        Ok(())
    }
}

/// Opens (creating when absent) the database file and builds the pool.
pub fn connect(database_url: &str, pool_size: u32) -> anyhow::Result<DbPool> {
    build_pool(database_url, pool_size, None)
}

/// Like [`connect`], with every statement recorded in `log`.
pub fn connect_logged(database_url: &str, pool_size: u32, log: SqlLog) -> anyhow::Result<DbPool> {
    build_pool(database_url, pool_size, Some(log))
}

/// The SQLite file a `DATABASE_URL` names: a path or `sqlite://path`. Any other scheme
/// (`postgres://`, `mysql://` …) is refused here rather than taken for a file name.
pub fn sqlite_path(database_url: &str) -> anyhow::Result<&str> {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        return Ok(path);
    }
    if database_url.starts_with("file:") {
        // An SQLite URI (`file:data.db?mode=rwc`): SQLite reads it itself.
        return Ok(database_url);
    }
    if let Some((scheme, _)) = database_url.split_once("://") {
        anyhow::bail!(
            "DATABASE_URL '{scheme}://…' names a database this build cannot use: give a SQLite \
             file path or sqlite://path"
        );
    }
    Ok(database_url)
}

/// Checks, before any pool exists, that `path` can hold the store: its folder exists or
/// can be made, and an existing file is a SQLite database. Reads only; the file is never
/// modified. Each failure is one line naming the path and the cause.
fn preflight(path: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    if path.starts_with("file:") {
        return Ok(());
    }
    let file = std::path::Path::new(path);
    if let Some(dir) = file.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot make the database folder '{}'", dir.display()))?;
    }
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_dir() => {
            anyhow::bail!("the database path '{path}' is a folder, not a file")
        }
        Ok(_) => {
            // One read of the schema: a file that is not a database (or is corrupt)
            // fails here, untouched (a read writes nothing).
            let mut conn = SqliteConnection::establish(path)
                .with_context(|| format!("cannot open the database '{path}'"))?;
            conn.batch_execute("PRAGMA busy_timeout = 5000; SELECT count(*) FROM sqlite_schema;")
                .with_context(|| format!("'{path}' is not a usable SQLite database"))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the database path '{path}'"));
        }
    }
    Ok(())
}

fn build_pool(database_url: &str, pool_size: u32, log: Option<SqlLog>) -> anyhow::Result<DbPool> {
    let path = sqlite_path(database_url)?;
    preflight(path)?;
    let manager = ConnectionManager::<SqliteConnection>::new(path);
    let pool = Pool::builder()
        .max_size(pool_size.max(1))
        .connection_timeout(Duration::from_secs(10))
        // No `SELECT 1` before every use: a file database does not drop connections,
        // and a failed statement reports itself (one statement fewer per read).
        .test_on_check_out(false)
        .connection_customizer(Box::new(ConnectionSetup { log: log.clone() }))
        .build(manager)?;
    let clock = Clock::system();
    Ok(DbPool {
        readers: pool,
        writer: Arc::new(writer::Writer::new(
            path.to_string(),
            ConnectionSetup { log },
            clock.clone(),
        )),
        clock,
        counts: Arc::default(),
    })
}

/// Applies every pending migration (on a connection of its own, before anything is
/// served), then brings derived data up to date through the writer: search rows,
/// first revisions, the change feed. Starts the writer. Returns how many migrations ran.
pub fn migrate(pool: &DbPool) -> anyhow::Result<usize> {
    let applied = {
        let mut conn = pool.get()?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
            .len()
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

/// Runs blocking Diesel work on actix's blocking thread pool, off the async workers.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let _clock = with_clock(&pool.clock);
        // An exhausted pool is an overload, not a fault: retry shortly.
        let mut conn = pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        work(&mut conn)
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
    F: FnOnce(&mut SqliteConnection) -> Result<T, StoreError> + Send + 'static,
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

/// Notes that the store's content changed now (for other processes, which poll the
/// change time, and in the batch's [`CommitReport`]); called inside every write that
/// changes something a page or list can show.
pub fn touch(conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
    use diesel::prelude::*;
    use schema::store_changes;
    let at = now();
    writer::report_content(&at);
    diesel::update(store_changes::table.find(1))
        .set(store_changes::changed_at.eq(&at))
        .execute(conn)?;
    Ok(())
}

/// The store's change time: the last content write of any process (what [`touch`]
/// records). One row.
pub fn changed_at(conn: &mut SqliteConnection) -> diesel::QueryResult<Option<String>> {
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
    conn: &mut SqliteConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<Option<String>> {
    last_change_text(conn, &crate::domain::time::format(at))
}

/// [`last_change`] with the time in the store's text form (inside the store).
pub(crate) fn last_change_text(
    conn: &mut SqliteConnection,
    now: &str,
) -> diesel::QueryResult<Option<String>> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Nullable, Text};
    #[derive(diesel::QueryableByName)]
    struct Latest {
        #[diesel(sql_type = Nullable<Text>)]
        latest: Option<String>,
    }
    let row: Latest = diesel::sql_query(
        "SELECT MAX(t) AS latest FROM ( \
           SELECT changed_at AS t FROM store_changes WHERE id = 1 \
           UNION ALL SELECT MAX(sort_at) FROM articles WHERE sort_at <= ?)",
    )
    .bind::<Text, _>(now)
    .get_result(conn)?;
    Ok(row.latest)
}

/// The time of the next scheduled publication after `now`, if any (one index seek).
pub fn next_publication(
    conn: &mut SqliteConnection,
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
    let row: Next = diesel::sql_query(
        "SELECT MIN(sort_at) AS next FROM articles \
         WHERE status = 'published' AND deleted_at IS NULL AND sort_at > ?",
    )
    .bind::<Text, _>(now)
    .get_result(conn)?;
    Ok(row.next)
}

/// Runs `work` as part of the current write: on the writer thread it simply runs (a
/// write has a savepoint of its own, all or nothing; a bulk write is all or nothing with
/// its batch, so bulk code must not carry on after an error from here without a
/// savepoint of its own, see `writer::savepoint`). Anywhere else it fails with
/// `NotInTransaction`: every write goes through the writer.
pub fn write_transaction<T, E, F>(conn: &mut SqliteConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if writer::in_batch() {
        work(conn)
    } else {
        Err(E::from(diesel::result::Error::NotInTransaction))
    }
}
