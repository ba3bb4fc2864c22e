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
    let publisher = actix_web::rt::spawn(crate::jobs::run_publisher(pool.clone(), config.clone()));
    let deliveries =
        actix_web::rt::spawn(crate::jobs::run_deliveries(pool.clone(), config.clone()));

    let listener = std::net::TcpListener::bind(&config.bind)?;
    tracing::info!(bind = %config.bind, docs = %format!("{}/docs/", config.public_url), "serving");
    server(state.clone(), listener)?.await?;

    flusher.abort();
    watcher.abort();
    publisher.abort();
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
    let mut server = HttpServer::new(move || app::build(state.clone()))
        .client_request_timeout(Duration::from_millis(config.client_timeout_ms))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(config.max_connections)
        .shutdown_timeout(10);
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    Ok(server.listen(listener)?.run())
}
