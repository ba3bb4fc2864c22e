//! The store's one writer: a thread with its own connection through which every write
//! goes — API requests, the view-count flush, scheduled publication, webhook
//! bookkeeping, migration backfills, import and seed — several at a time in one
//! transaction (group commit).
//!
//! SQLite lets one connection write at a time. Handing each write to whichever pooled
//! connection is free costs twice: the connection's page cache is stale after another
//! connection wrote (the pages are read again), and every write pays a commit of its
//! own (WAL frames for the same index pages, again and again). Here writes queue for
//! one thread, started with [`Writer::start`]; it takes every write waiting (up to
//! [`MAX_BATCH`]), runs each in a savepoint of its own inside one `BEGIN IMMEDIATE`
//! transaction, commits once, tells the subscribers what the batch changed (a
//! [`CommitReport`]), and only then answers the writes. A write refused (not found,
//! conflict, invalid, stale) rolls back its own savepoint and nothing else. A write
//! under which the store failed (unavailable, failed), a panic, or a failed commit
//! abandons the whole batch — none of it happened, every caller gets the failure — and
//! the writer reconnects.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::AnyConnection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::CustomizeConnection;

use super::{StoreError, StoreFailure, search};

/// Most writes committed together.
pub const MAX_BATCH: usize = 128;

/// What one committed batch changed. The writer hands it to every subscriber after the
/// commit and before any write of the batch is answered, so a client that reads right
/// after its write never meets a copy from before it. It is the one signal that drives
/// forgetting kept responses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReport {
    /// Something a page or list can show changed (articles, tags, authors): a write
    /// that calls [`super::touch`].
    pub content: bool,
    /// View counts were added.
    pub views: bool,
    /// The cache tags the batch touched (see [`crate::domain::cache_tags`]): the kept
    /// public responses carrying any of them are wrong now.
    pub tags: BTreeSet<String>,
    /// The number of the batch's row in the store's record of touched tags (which
    /// other instances read), when it touched any.
    pub purge: Option<i64>,
}

impl CommitReport {
    /// True when the batch changed nothing a kept copy could show.
    pub fn is_empty(&self) -> bool {
        !self.content && !self.views && self.tags.is_empty()
    }
}

thread_local! {
    /// Set on the writer thread while a batch's transaction is open.
    static IN_BATCH: Cell<bool> = const { Cell::new(false) };
    /// What the open batch has changed so far.
    static REPORT: RefCell<CommitReport> = RefCell::new(CommitReport::default());
    /// Set on the writer thread itself: a write queued from there would wait for itself.
    static ON_WRITER: Cell<bool> = const { Cell::new(false) };
    /// Changes at each batch's start and each write rolled back: what a batch read may
    /// be kept for (see [`epoch`]).
    static EPOCH: Cell<u64> = const { Cell::new(0) };
}

/// While a batch runs, a number that stays the same until the batch ends or one of its
/// writes is rolled back; `None` outside a batch. What a write reads may be kept for the
/// rest of the batch under this number (the writers of every instance commit one after
/// another, so only the batch's own writes can change the store meanwhile; a write that
/// changes what was kept forgets it, and a rolled-back write changes the number).
pub(super) fn epoch() -> Option<u64> {
    in_batch().then(|| EPOCH.with(Cell::get))
}

fn next_epoch() {
    EPOCH.with(|e| e.set(e.get().wrapping_add(1)));
}

/// Whether the current thread is running a write inside a batch.
pub(super) fn in_batch() -> bool {
    IN_BATCH.with(Cell::get)
}

/// Notes in the open batch's report that content changed.
pub(super) fn report_content() {
    REPORT.with(|r| r.borrow_mut().content = true);
}

/// Notes in the open batch's report that what the cache `tags` name changed (outside a
/// batch, nothing: such writes are not committed by the writer).
pub fn report_tags<I, T>(tags: I)
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    REPORT.with(|r| r.borrow_mut().tags.extend(tags.into_iter().map(Into::into)));
}

/// Notes in the open batch's report that view counts changed.
pub(super) fn report_views() {
    REPORT.with(|r| r.borrow_mut().views = true);
}

/// Clears the batch flag and what was deferred when the batch ends, however it ends.
struct BatchFlag;

impl Drop for BatchFlag {
    fn drop(&mut self) {
        IN_BATCH.with(|b| b.set(false));
        search::stop_deferring();
    }
}

/// Any number, the same for every newsdesk: the PostgreSQL advisory lock a batch holds
/// until it commits.
const WRITE_LOCK: i64 = 0x6e65_7773_6465_736b; // "newsdesk"

/// Opens a batch's transaction. SQLite: `BEGIN IMMEDIATE`, which takes the database's
/// write lock at once (a deferred transaction upgrading later can fail with BUSY).
/// PostgreSQL: a transaction that first takes [`WRITE_LOCK`], so the writers of every
/// instance on one database commit one after another as SQLite's do. That is what keeps
/// the change feed gap-free (an event numbered 10 can never commit after 11 is
/// visible: whoever holds 10 holds the lock until it commits) and makes a version
/// check and the update after it one step for every instance.
fn begin(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?;
            c.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
        }
    }
}

/// Runs `work` in a transaction opened by [`begin`]: committed when it succeeds,
/// rolled back when it fails.
fn transaction<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = <AnyConnection as diesel::Connection>::TransactionManager;
    if let Err(e) = begin(conn) {
        // BEGIN ran but the lock did not come (its wait ran past the statement
        // timeout): close the transaction again.
        let _ = Manager::rollback_transaction(conn);
        return Err(E::from(e));
    }
    match work(conn) {
        Ok(out) => {
            if let Err(e) = Manager::commit_transaction(conn) {
                let _ = Manager::rollback_transaction(conn);
                return Err(E::from(e));
            }
            Ok(out)
        }
        Err(e) => {
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs `work` as one batch: one transaction (see [`begin`]). Search-index changes
/// wait for the end of the batch (see `search::defer`): one FTS5 segment per batch
/// instead of one per write. Returns what the batch changed.
fn batch<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<(T, CommitReport), E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    IN_BATCH.with(|b| b.set(true));
    next_epoch();
    REPORT.with(|r| *r.borrow_mut() = CommitReport::default());
    search::defer();
    let _flag = BatchFlag;
    let out = transaction::<_, E, _>(conn, |conn| {
        let out = work(conn)?;
        search::flush_deferred(conn)?;
        if REPORT.with(|r| r.borrow().content) {
            super::stamp_change(conn)?;
        }
        let tags = REPORT.with(|r| std::mem::take(&mut r.borrow_mut().tags));
        if !tags.is_empty() {
            let seq = super::purges::record(conn, &tags)?;
            REPORT.with(|r| {
                let mut r = r.borrow_mut();
                r.tags = tags;
                r.purge = Some(seq);
            });
        }
        Ok(out)
    })?;
    Ok((out, REPORT.with(|r| r.borrow().clone())))
}

/// What is left to do once a write's batch has committed (or failed to).
type Answer = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A write that has run: how to answer it, and whether the store failed under it.
struct Ran {
    answer: Answer,
    failed: bool,
}

/// A queued write.
type Job = Box<dyn FnOnce(&mut AnyConnection) -> Ran + Send>;

/// Called with each committed batch's report.
type Subscriber = Box<dyn Fn(&CommitReport) + Send + Sync>;

/// Wraps `work` as a job: it runs in a savepoint of its own (rolled back, with what it
/// queued for the search index and noted in the report, when it fails), and `reply`
/// receives its result once the batch has committed.
/// A bulk job (`savepoint` false) runs without one: see [`bulk`].
fn job<T, E, F>(work: F, reply: impl FnOnce(Result<T, E>) + Send + 'static, savepoint: bool) -> Job
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + StoreFailure + Send + 'static,
{
    Box::new(move |conn| {
        if !savepoint {
            return bulk(conn, work, reply);
        }
        let mark = search::deferred_mark();
        let noted = REPORT.with(|r| r.borrow().clone());
        let (result, ended) = self::savepoint(conn, work);
        let (result, failed) = match (result, ended) {
            (Ok(out), Ok(())) => (Ok(out), false),
            // A statement PostgreSQL refused (a bad value, a timeout) is undone with its
            // savepoint and the batch goes on: the other writes in it are not this
            // one's fault. SQLite may end the whole transaction itself on a failure of
            // the store (disk full, I/O), so there any such failure abandons the batch.
            (Err(e), Ok(())) => {
                let failed = e.store_failed() && !conn.is_postgres();
                (Err(e), failed)
            }
            // The savepoint could not be opened, released or rolled back: the batch is
            // unsafe.
            (Ok(_), Err(e)) => (Err(E::from(StoreError::from(e))), true),
            (Err(e), Err(_)) => (Err(e), true),
        };
        if result.is_err() {
            next_epoch();
            search::forget_deferred_after(mark);
            REPORT.with(|r| *r.borrow_mut() = noted);
        }
        let answer: Answer = Box::new(move |committed: Result<(), StoreError>| {
            reply(committed.map_err(E::from).and(result));
        });
        Ran { answer, failed }
    })
}

/// Runs `work` in an SQLite savepoint that is closed however it ends: released when
/// `work` succeeds, rolled back *and released* when it fails. (Diesel's nested
/// transactions roll back with `ROLLBACK TO` alone, which leaves the savepoint open; with
/// one open, SQLite walks its whole in-memory sub-journal after every later statement of
/// the batch.) Returns `work`'s result and whether the savepoint's own statements ran.
pub(crate) fn savepoint<T, E>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> (Result<T, E>, diesel::QueryResult<()>)
where
    E: From<StoreError>,
{
    if let Err(e) = conn.batch_execute("SAVEPOINT newsdesk_write") {
        return (
            Err(E::from(StoreError::from(e))),
            Err(diesel::result::Error::NotInTransaction),
        );
    }
    let out = work(conn);
    let end = if out.is_ok() {
        "RELEASE SAVEPOINT newsdesk_write"
    } else {
        "ROLLBACK TO SAVEPOINT newsdesk_write; RELEASE SAVEPOINT newsdesk_write"
    };
    let ended = conn.batch_execute(end);
    (out, ended)
}

/// A bulk job: no savepoint of its own, so a long job of many statements does not pay
/// for one (with an open savepoint, SQLite walks the whole in-memory sub-journal at the
/// end of every statement: quadratic over a job of a thousand articles). It keeps its
/// own savepoints where it needs them (import: one per line). Any failure abandons the
/// whole batch.
fn bulk<T, E, F>(
    conn: &mut AnyConnection,
    work: F,
    reply: impl FnOnce(Result<T, E>) + Send + 'static,
) -> Ran
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + StoreFailure + Send + 'static,
{
    let result = work(conn);
    let failed = result.is_err();
    if let Err(e) = &result
        && e.store_failed()
    {
        tracing::error!("a bulk write failed; its batch is rolled back");
    }
    let answer: Answer = Box::new(move |committed: Result<(), StoreError>| {
        // The job's own error, when it failed, says more than the batch's rollback.
        reply(match result {
            Err(e) => Err(e),
            Ok(out) => committed.map(|()| out).map_err(E::from),
        });
    });
    Ran { answer, failed }
}

/// The queue to the writer thread.
pub struct Writer {
    manager: super::Manager,
    setup: super::connect::ConnectionSetup,
    queue: OnceLock<Mutex<Sender<Job>>>,
    subscribers: Arc<RwLock<Vec<Subscriber>>>,
    /// The numbers of this writer's recent rows in the store's record of touched cache
    /// tags (its own commits, already forgotten here).
    own_purges: Arc<Mutex<BTreeSet<i64>>>,
    /// The store's clock, which the writer thread's writes go by.
    clock: crate::domain::time::Clock,
    /// Longest an API write waits for the writer to start it.
    queue_wait: std::time::Duration,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("manager", &self.manager)
            .finish()
    }
}

impl Writer {
    pub(super) fn new(
        manager: super::Manager,
        setup: super::connect::ConnectionSetup,
        clock: crate::domain::time::Clock,
        queue_wait: std::time::Duration,
    ) -> Self {
        Self {
            clock,
            queue_wait,
            manager,
            setup,
            queue: OnceLock::new(),
            subscribers: Arc::default(),
            own_purges: Arc::default(),
        }
    }

    fn open(
        manager: &super::Manager,
        setup: &super::connect::ConnectionSetup,
    ) -> Result<AnyConnection, StoreError> {
        let mut conn = manager
            .open()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        setup.on_acquire(&mut conn).map_err(StoreError::failed)?;
        Ok(conn)
    }

    /// Opens the writer's connection and starts its thread; a second call does
    /// nothing. Writes queued before it fail with [`StoreError::Unavailable`].
    pub fn start(&self) -> Result<(), StoreError> {
        if self.queue.get().is_some() {
            return Ok(());
        }
        let conn = Self::open(&self.manager, &self.setup)?;
        let (tx, rx) = channel::<Job>();
        let reopen = {
            let (manager, setup) = (self.manager.clone(), self.setup.clone());
            move || Self::open(&manager, &setup)
        };
        let seen = Seen {
            subscribers: self.subscribers.clone(),
            own_purges: self.own_purges.clone(),
        };
        let clock = self.clock.clone();
        let mut started = Ok(());
        self.queue.get_or_init(|| {
            if let Err(e) = std::thread::Builder::new()
                .name("newsdesk-writer".into())
                .spawn(move || {
                    ON_WRITER.with(|w| w.set(true));
                    let _clock = super::with_clock(&clock);
                    run(conn, rx, reopen, seen)
                })
            {
                started = Err(StoreError::failed(e));
            }
            Mutex::new(tx)
        });
        started
    }

    /// Whether row `seq` of the store's record of touched cache tags is this
    /// writer's own (forgotten here at its commit); asking forgets the answer.
    pub fn take_own_purge(&self, seq: i64) -> bool {
        let mut own = self.own_purges.lock().unwrap_or_else(|p| p.into_inner());
        // Older rows of its own that were never asked about are past too.
        while own.first().is_some_and(|first| *first < seq) {
            own.pop_first();
        }
        own.remove(&seq)
    }

    /// Calls `f` with the report of every batch committed from now on.
    pub fn subscribe(&self, f: impl Fn(&CommitReport) + Send + Sync + 'static) {
        self.subscribers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        if ON_WRITER.with(Cell::get) {
            return Err(StoreError::failed("a write was queued from inside a write"));
        }
        let queue = self
            .queue
            .get()
            .ok_or_else(|| StoreError::failed("the writer has not been started"))?;
        queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))
    }

    /// Queues `work` and waits until its batch has committed; answers what `work` did.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + StoreFailure + Send + 'static,
    {
        use std::sync::atomic::{AtomicU8, Ordering};
        const WAITING: u8 = 0;
        const STARTED: u8 = 1;
        const GIVEN_UP: u8 = 2;
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let inner = job(
            work,
            move |out| {
                let _ = tx.send(out);
            },
            true,
        );
        // A write the writer has not started within `queue_wait` (the store is
        // unreachable and the writer reconnecting) is given up: the caller hears
        // "unavailable" and the writer, when it comes to it, skips it. One that started
        // is waited for: its answer says whether it committed.
        let state = Arc::new(AtomicU8::new(WAITING));
        let claim = state.clone();
        self.send(Box::new(move |conn| {
            if claim
                .compare_exchange(WAITING, STARTED, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                return Ran {
                    answer: Box::new(|_| {}),
                    failed: false,
                };
            }
            inner(conn)
        }))?;
        let not_run = || E::from(StoreError::Unavailable("the write was not run".into()));
        match tokio::time::timeout(self.queue_wait, &mut rx).await {
            Ok(answer) => answer.map_err(|_| not_run())?,
            Err(_) => {
                if state
                    .compare_exchange(WAITING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return Err(not_run());
                }
                // Dropped unrun (its batch could not start or was abandoned): nothing
                // happened.
                rx.await.map_err(|_| not_run())?
            }
        }
    }

    /// [`Self::write_blocking`] for a long job of many writes (import, seed, backfills):
    /// without a savepoint of its own (see [`bulk`]); it is all or nothing with its batch.
    pub fn write_bulk<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + StoreFailure + Send + 'static,
    {
        self.wait_for(work, false)
    }

    /// [`Self::write`] for threads that may block (command-line tools, background jobs).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + StoreFailure + Send + 'static,
    {
        self.wait_for(work, true)
    }

    /// Queues `work` (in a savepoint of its own, or as a bulk job) and blocks until its
    /// batch has committed.
    fn wait_for<T, E, F>(&self, work: F, savepoint: bool) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + StoreFailure + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let reply = move |out| {
            let _ = tx.send(out);
        };
        self.send(job(work, reply, savepoint))?;
        rx.recv()
            .map_err(|_| E::from(StoreError::Unavailable("the write was not run".into())))?
    }
}

/// Who hears of commits: the subscribers, and the record of this writer's own rows of
/// touched cache tags.
struct Seen {
    subscribers: Arc<RwLock<Vec<Subscriber>>>,
    own_purges: Arc<Mutex<BTreeSet<i64>>>,
}

/// Own rows remembered at most (without a watcher asking, the oldest go).
const MAX_OWN_PURGES: usize = 4096;

/// The writer thread: batches until every sender is gone.
fn run(
    mut conn: AnyConnection,
    queue: Receiver<Job>,
    reopen: impl Fn() -> Result<AnyConnection, StoreError>,
    seen: Seen,
) {
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut answers: Vec<Answer> = Vec::with_capacity(jobs.len());
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            batch(&mut conn, |conn| {
                for job in jobs {
                    let ran = job(conn);
                    answers.push(ran.answer);
                    if ran.failed {
                        // The store failed under a write (disk full, I/O): SQLite
                        // may have ended the transaction itself, and what follows
                        // would run outside it. Nothing of this batch stays; the
                        // writes not yet run are dropped (their callers: unavailable).
                        return Err(diesel::result::Error::RollbackTransaction);
                    }
                }
                Ok::<_, diesel::result::Error>(())
            })
        }));
        let ok = matches!(outcome, Ok(Ok(_)));
        match outcome {
            Ok(Ok(((), report))) => {
                if let Some(seq) = report.purge {
                    let mut own = seen.own_purges.lock().unwrap_or_else(|p| p.into_inner());
                    own.insert(seq);
                    if own.len() > MAX_OWN_PURGES {
                        own.pop_first();
                    }
                }
                if !report.is_empty() {
                    let subscribers = seen.subscribers.read().unwrap_or_else(|p| p.into_inner());
                    for notify in subscribers.iter() {
                        // The batch is committed: a subscriber that panics must not
                        // take the answers (or the writer) with it.
                        if catch_unwind(AssertUnwindSafe(|| notify(&report))).is_err() {
                            tracing::error!("a commit subscriber panicked");
                        }
                    }
                }
                answers.into_iter().for_each(|a| a(Ok(())));
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a batch of writes did not commit");
                answers.into_iter().for_each(|a| {
                    a(Err(StoreError::Unavailable(
                        "the batch did not commit".into(),
                    )))
                });
            }
            Err(_) => {
                tracing::error!("a write panicked; its batch was rolled back");
                answers
                    .into_iter()
                    .for_each(|a| a(Err(StoreError::failed("a write panicked"))));
            }
        }
        if !ok {
            // A fresh connection after any failed batch: dropping this one rolls back
            // whatever SQLite or Diesel may still hold open.
            conn = reconnect(&reopen);
        }
    }
}

/// Opens the writer's connection again, retrying each second until it opens.
fn reconnect(reopen: &impl Fn() -> Result<AnyConnection, StoreError>) -> AnyConnection {
    loop {
        match reopen() {
            Ok(fresh) => return fresh,
            Err(e) => {
                tracing::error!(error = ?e, "the writer could not reconnect; retrying");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}
