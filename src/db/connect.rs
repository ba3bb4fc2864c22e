//! Opening a store: which engine a `DATABASE_URL` names, the checks before any pool
//! exists, the pool of readers and each connection's setup.
//!
//! `postgres://…` or `postgresql://…` is a PostgreSQL server; a file path, `sqlite://…`
//! or an SQLite `file:` URI is the embedded store; any other scheme is refused at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use diesel::Connection;
use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, R2D2Connection};

use super::{AnyConnection, DbPool, Engine, writer};
use crate::domain::time::Clock;

/// What a `DATABASE_URL` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite file (or `file:` URI), as SQLite opens it.
    Sqlite(String),
    /// A PostgreSQL connection URL, as libpq takes it.
    Postgres(String),
}

impl Target {
    /// Reads a `DATABASE_URL`. Schemes other than `postgres`, `postgresql` and
    /// `sqlite` are refused rather than taken for a file name.
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            return Ok(Self::Postgres(database_url.to_string()));
        }
        if let Some(path) = database_url.strip_prefix("sqlite://") {
            return Ok(Self::Sqlite(path.to_string()));
        }
        if database_url.starts_with("file:") {
            // An SQLite URI (`file:data.db?mode=rwc`): SQLite reads it itself.
            return Ok(Self::Sqlite(database_url.to_string()));
        }
        if let Some((scheme, _)) = database_url.split_once("://") {
            anyhow::bail!(
                "DATABASE_URL '{scheme}://…' names a database newsdesk cannot use: give \
                 postgres://… (PostgreSQL), a SQLite file path or sqlite://path"
            );
        }
        Ok(Self::Sqlite(database_url.to_string()))
    }

    /// The engine it names.
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    /// Where it is, for logs: a PostgreSQL URL without its password.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(path) => path.clone(),
            Self::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

/// How a store's connections behave (from the configuration).
#[derive(Debug, Clone)]
pub struct Options {
    /// Reader connections in the pool (the writer has one more of its own).
    pub pool_size: u32,
    /// PostgreSQL: longest a statement may run before the server cancels it, ms.
    pub statement_timeout_ms: u64,
    /// PostgreSQL: longest a connection attempt may take, seconds; also how long a
    /// request waits for a pooled connection before answering 503.
    pub connect_timeout_secs: u64,
    /// Every statement run is recorded here (tests).
    pub log: Option<SqlLog>,
}

impl Options {
    /// Defaults with `pool_size` readers.
    pub fn new(pool_size: u32) -> Self {
        Self {
            pool_size,
            statement_timeout_ms: 10_000,
            connect_timeout_secs: 5,
            log: None,
        }
    }
}

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

/// Makes connections of the engine a [`Target`] names, and only that engine (Diesel's
/// own `establish` would try each engine in turn: a PostgreSQL server that is down
/// would end with an SQLite file named after its URL).
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
    connect_timeout_secs: u64,
}

impl Manager {
    fn postgres_url(&self, url: &str) -> String {
        if url.contains("connect_timeout=") {
            return url.to_string();
        }
        let sep = if url.contains('?') { '&' } else { '?' };
        format!(
            "{url}{sep}connect_timeout={}",
            self.connect_timeout_secs.max(1)
        )
    }

    /// Opens one connection.
    pub fn open(&self) -> diesel::ConnectionResult<AnyConnection> {
        match &self.target {
            Target::Sqlite(path) => {
                diesel::SqliteConnection::establish(path).map(AnyConnection::Sqlite)
            }
            Target::Postgres(url) => diesel::PgConnection::establish(&self.postgres_url(url))
                .map(AnyConnection::Postgresql),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        self.open().map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// Per-connection setup. SQLite: PRAGMAs, `busy_timeout` first so the others wait
/// instead of failing. PostgreSQL: the statement timeout.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionSetup {
    log: Option<SqlLog>,
    statement_timeout_ms: u64,
}

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        let setup = match conn {
            AnyConnection::Sqlite(_) => "PRAGMA busy_timeout = 5000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA temp_store = MEMORY;"
                .to_string(),
            AnyConnection::Postgresql(_) => format!(
                // standard_conforming_strings: the store's own literals (the rank's
                // query) double quotes and nothing else.
                "SET statement_timeout = {}; SET lock_timeout = {}; \
                 SET standard_conforming_strings = on;",
                self.statement_timeout_ms, self.statement_timeout_ms
            ),
        };
        conn.batch_execute(&setup)
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

/// Checks, before any pool exists, that `path` can hold an SQLite store: its folder
/// exists or can be made, and an existing file is a SQLite database. Reads only; the
/// file is never modified. Each failure is one line naming the path and the cause.
fn preflight_sqlite(path: &str) -> anyhow::Result<()> {
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
            let mut conn = diesel::SqliteConnection::establish(path)
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

/// Checks that the PostgreSQL server answers and is new enough (15 or later).
fn preflight_postgres(manager: &Manager) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    let shown = manager.target.display();
    let mut conn = manager
        .open()
        .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let Version { v } = diesel::sql_query("SELECT current_setting('server_version_num') AS v")
        .get_result(&mut conn)
        .with_context(|| format!("cannot query PostgreSQL at {shown}"))?;
    let num: u32 = v.trim().parse().unwrap_or(0);
    anyhow::ensure!(
        num >= 150_000,
        "PostgreSQL at {shown} is version {v}; newsdesk needs 15 or newer"
    );
    Ok(())
}

/// Opens the store a `DATABASE_URL` names and builds its pool (the writer starts
/// later, with [`DbPool::start_writer`]).
pub fn build_pool(database_url: &str, options: Options) -> anyhow::Result<DbPool> {
    let target = Target::parse(database_url)?;
    let manager = Manager {
        target: target.clone(),
        connect_timeout_secs: options.connect_timeout_secs,
    };
    let postgres = target.engine() == Engine::Postgres;
    match &target {
        Target::Sqlite(path) => preflight_sqlite(path)?,
        Target::Postgres(_) => preflight_postgres(&manager)?,
    }
    let setup = ConnectionSetup {
        log: options.log.clone(),
        statement_timeout_ms: options.statement_timeout_ms,
    };
    let wait = if postgres {
        Duration::from_secs(options.connect_timeout_secs.max(1))
    } else {
        Duration::from_secs(10)
    };
    let pool = Pool::builder()
        .max_size(options.pool_size.max(1))
        .connection_timeout(wait)
        // No `SELECT 1` before every use (a round trip per read on PostgreSQL): a failed
        // statement reports itself, and `db::run` marks a PostgreSQL connection under
        // which the store failed as broken, so the pool drops it (`has_broken`).
        .test_on_check_out(false)
        .connection_customizer(Box::new(setup.clone()))
        .build(manager.clone())?;
    let clock = Clock::system();
    Ok(DbPool {
        readers: pool,
        // An API write waits for the writer at most as long as a reader waits for a
        // connection, and a moment more.
        writer: Arc::new(writer::Writer::new(
            manager,
            setup,
            clock.clone(),
            wait + Duration::from_secs(1),
        )),
        clock,
        counts: Arc::default(),
        tag_newest: Arc::default(),
        engine: target.engine(),
    })
}

/// Bytes SQLite holds on this process's heap: its page caches and prepared statements,
/// over every connection (0 on PostgreSQL, whose memory is the server's).
pub fn sqlite_heap_bytes() -> i64 {
    // SAFETY: reads SQLite's own memory counter; callable at any time from any thread.
    unsafe { libsqlite3_sys::sqlite3_memory_used() }
}
