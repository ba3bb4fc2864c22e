//! The server's one writer: a thread with its own connection that runs every write the
//! HTTP API makes, several at a time in one transaction (group commit).
//!
//! SQLite lets one connection write at a time. Handing each write to whichever pooled
//! connection is free costs twice: the connection's page cache is stale after another
//! connection wrote (the pages are read again), and every write pays a commit of its
//! own (WAL frames for the same index pages, again and again). Here writes queue for
//! one thread; it takes every write waiting (up to [`MAX_BATCH`]), runs each in a
//! savepoint of one `BEGIN IMMEDIATE` transaction, commits once, and only then answers
//! them. A write refused (404, 409, 412, 422 …) rolls back its own savepoint and nothing
//! else. A write under which the store failed (an internal error: disk full, I/O),
//! a panic, or a failed commit abandons the whole batch — none of it happened, every
//! caller gets a 503 (or 500 for the panic) — and the writer reconnects.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};

use diesel::r2d2::ConnectionManager;
use diesel::r2d2::{CustomizeConnection, ManageConnection};
use diesel::sqlite::SqliteConnection;

use super::{StoreError, StoreFailure};

/// Most writes committed together.
pub const MAX_BATCH: usize = 128;

/// What a write leaves to do once its batch has committed (or failed to).
type Answer = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A queued write: runs on the writer's connection, returns how to answer it and
/// whether the store failed under it (not a refusal such as 404, 409 or 422).
type Job = Box<dyn FnOnce(&mut SqliteConnection) -> (Answer, bool) + Send>;

thread_local! {
    /// Set on the writer thread while a batch's transaction is open: writes then take
    /// a savepoint instead of a transaction of their own.
    static IN_BATCH: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is running a write inside a batch.
pub(super) fn in_batch() -> bool {
    IN_BATCH.with(Cell::get)
}

/// Clears [`IN_BATCH`] when the batch ends, however it ends.
struct BatchFlag;

impl Drop for BatchFlag {
    fn drop(&mut self) {
        IN_BATCH.with(|b| b.set(false));
        super::search::stop_deferring();
    }
}

/// Runs `work` as one batch: one `BEGIN IMMEDIATE` transaction (one writer at a time in
/// this process) in which every write function takes a savepoint instead of a
/// transaction of its own. For the writer thread and for bulk work (`seed-demo`).
/// Search-index changes wait for the end of the batch (see `search::defer`): one
/// FTS5 segment per batch instead of one per write.
pub fn batch<T, E, F>(conn: &mut SqliteConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _one = super::WRITER.lock().unwrap_or_else(|p| p.into_inner());
    IN_BATCH.with(|b| b.set(true));
    super::search::defer();
    let _flag = BatchFlag;
    conn.immediate_transaction(|conn| {
        let out = work(conn)?;
        super::search::flush_deferred(conn)?;
        Ok(out)
    })
}

/// The queue to the writer thread, started on the first write.
pub struct Writer {
    path: String,
    setup: super::ConnectionSetup,
    queue: OnceLock<Mutex<Sender<Job>>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("path", &self.path).finish()
    }
}

impl Writer {
    pub(super) fn new(path: String, setup: super::ConnectionSetup) -> Self {
        Self {
            path,
            setup,
            queue: OnceLock::new(),
        }
    }

    fn open(&self) -> Result<SqliteConnection, StoreError> {
        let manager = ConnectionManager::<SqliteConnection>::new(&self.path);
        let mut conn = manager.connect().map_err(StoreError::failed)?;
        self.setup
            .on_acquire(&mut conn)
            .map_err(StoreError::failed)?;
        Ok(conn)
    }

    fn sender(&self) -> Result<Sender<Job>, StoreError> {
        if let Some(q) = self.queue.get() {
            return Ok(q.lock().unwrap_or_else(|p| p.into_inner()).clone());
        }
        let conn = self.open()?;
        let (tx, rx) = channel::<Job>();
        let reopen = {
            let (path, setup) = (self.path.clone(), self.setup.clone());
            move || Writer::new(path.clone(), setup.clone()).open()
        };
        let q = self.queue.get_or_init(|| {
            std::thread::Builder::new()
                .name("newsdesk-writer".into())
                .spawn(move || run(conn, rx, reopen))
                .map(|_| ())
                .unwrap_or_else(|e| tracing::error!(error = %e, "writer thread not started"));
            Mutex::new(tx)
        });
        Ok(q.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Queues `work` and waits until its batch has committed; answers what `work` did.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + StoreFailure + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = work(conn);
            let failed = result.as_ref().is_err_and(StoreFailure::store_failed);
            let answer: Answer = Box::new(move |committed: Result<(), StoreError>| {
                let _ = tx.send(committed.map_err(E::from).and(result));
            });
            (answer, failed)
        });
        self.sender()?
            .send(job)
            .map_err(|_| StoreError::Unavailable("the writer has stopped".into()))?;
        // Dropped unrun (its batch could not start or was abandoned): nothing happened.
        rx.await
            .map_err(|_| E::from(StoreError::Unavailable("the write was not run".into())))?
    }
}

/// The writer thread: batches until every sender is gone.
fn run(
    mut conn: SqliteConnection,
    queue: Receiver<Job>,
    reopen: impl Fn() -> Result<SqliteConnection, StoreError>,
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
            self::batch(&mut conn, |conn| {
                for job in jobs {
                    let (answer, failed) = job(conn);
                    answers.push(answer);
                    if failed {
                        // The store failed under a write (disk full, I/O): SQLite
                        // may have ended the transaction itself, and what follows
                        // would run outside it. Nothing of this batch stays; the
                        // writes not yet run are dropped (their callers: 503).
                        return Err(diesel::result::Error::RollbackTransaction);
                    }
                }
                Ok::<_, diesel::result::Error>(())
            })
        }));
        let ok = matches!(outcome, Ok(Ok(())));
        match outcome {
            Ok(Ok(())) => answers.into_iter().for_each(|a| a(Ok(()))),
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
fn reconnect(reopen: &impl Fn() -> Result<SqliteConnection, StoreError>) -> SqliteConnection {
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
