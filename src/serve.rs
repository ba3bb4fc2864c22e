//! Running the server: workers, the view-count flusher, the background jobs (scheduled
//! publications, webhook deliveries), graceful shutdown.

use std::time::Duration;

use actix_web::HttpServer;

use crate::app;
use crate::config::Config;
use crate::db;
use crate::state::AppState;

/// Opens the database, applies migrations and serves until SIGINT/SIGTERM; then flushes
/// the buffered view counts.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let pool = db::open(&config, config.pool_size)?;
    pool.start_writer()?;
    let applied = db::migrate(&pool)?;
    let database = db::Target::parse(&config.database_url)
        .map(|t| t.display())
        .unwrap_or_default();
    tracing::info!(applied, %database, "migrations applied");
    let state = AppState::new(pool.clone(), config.clone())?;

    let flusher = {
        let (views, pool) = (state.views.clone(), pool.clone());
        let period = Duration::from_millis(config.view_flush_ms.max(10));
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(period);
            loop {
                tick.tick().await;
                if let Err(e) = views.flush(&pool).await {
                    tracing::warn!(error = %e, "view counts not written yet; will retry");
                }
            }
        })
    };

    // Another process (an import, a second server) may change the database: read the
    // store's record of touched cache tags and forget what other processes' commits
    // touched (this process's own commits forget them through the writer's report).
    let watcher = {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
            let mut seen: Option<i64> = None;
            loop {
                tick.tick().await;
                state.forget_changes_elsewhere(&mut seen).await;
            }
        })
    };
    let trimmer = actix_web::rt::spawn(return_freed_memory());
    let publisher = actix_web::rt::spawn(crate::jobs::run_publisher(pool.clone(), config.clone()));
    let deliveries =
        actix_web::rt::spawn(crate::jobs::run_deliveries(pool.clone(), config.clone()));

    let listener = std::net::TcpListener::bind(&config.bind)?;
    tracing::info!(bind = %config.bind, docs = %format!("{}/docs/", config.public_url), "serving");
    server(state.clone(), listener)?.await?;

    flusher.abort();
    watcher.abort();
    publisher.abort();
    trimmer.abort();
    deliveries.abort();
    state.views.flush(&pool).await?;
    tracing::info!("stopped; view counts flushed");
    Ok(())
}

/// The HTTP server over `listener`, with the limits against slow and greedy clients: the
/// request head must arrive within `NEWSDESK_CLIENT_TIMEOUT_MS` (else 408), a worker keeps
/// at most `NEWSDESK_MAX_CONNECTIONS` connections; heads are capped by actix (431 past
/// its limits), bodies by `NEWSDESK_BODY_LIMIT` (413).
pub fn server(
    state: AppState,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let config = state.config.clone();
    /// Blocking threads per worker beyond the pool's connections (writes waiting on the
    /// writer, media work).
    const BLOCKING_SPARE: usize = 4;
    let mut server = HttpServer::new(move || app::build(state.clone()))
        .client_request_timeout(Duration::from_millis(config.client_timeout_ms))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(config.max_connections)
        .shutdown_timeout(10)
        // Store work runs on the blocking pool and needs a pooled connection: more
        // threads than connections only wait for one (64 connections made ~70 threads).
        .worker_max_blocking_threads(config.pool_size as usize + BLOCKING_SPARE);
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    Ok(server.listen(listener)?.run())
}

/// Every 5 s, hands the pages malloc holds free back to the system (glibc's
/// `malloc_trim`, on a blocking thread; it took 0.1–8 ms a pass). Kept responses come
/// and go by the thousand, and glibc keeps what they freed inside its heaps: the
/// benchmark's sequence (R3, R2, creates) peaked at 147–153 MB without it and 140–141 MB
/// with it, at the same speed within the machine's noise (BENCHMARKS.md).
async fn return_freed_memory() {
    let mut tick = actix_web::rt::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free memory; it takes malloc's own locks.
        let _ = actix_web::web::block(|| unsafe { libc::malloc_trim(0) }).await;
    }
}
