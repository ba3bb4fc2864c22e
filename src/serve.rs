//! Running the server: workers, the view-count flusher, the background jobs (scheduled
//! publications, webhook deliveries), graceful shutdown.

use std::time::Duration;

use actix_web::{HttpServer, web};

use crate::app::{self, AppState};
use crate::config::Config;
use crate::db;

/// Opens the database, applies migrations and serves until SIGINT/SIGTERM; then flushes
/// the buffered view counts.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let pool = db::connect(&config.database_url, config.pool_size)?;
    let applied = db::migrate(&pool)?;
    tracing::info!(applied, database = %config.database_url, "migrations applied");
    let state = AppState::new(pool.clone(), config.clone())?;

    let flusher = {
        let (views, pool) = (state.views.clone(), pool.clone());
        let period = Duration::from_millis(config.view_flush_ms.max(10));
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(period);
            loop {
                tick.tick().await;
                let (views, pool) = (views.clone(), pool.clone());
                if let Ok(Err(e)) = web::block(move || views.flush(&pool)).await {
                    tracing::warn!(error = %e, "view counts not written yet; will retry");
                }
            }
        })
    };

    let publisher = actix_web::rt::spawn(crate::jobs::run_publisher(pool.clone(), config.clone()));
    let deliveries =
        actix_web::rt::spawn(crate::jobs::run_deliveries(pool.clone(), config.clone()));

    let factory_state = state.clone();
    let mut server = HttpServer::new(move || app::build(factory_state.clone()))
        .bind(&config.bind)?
        .shutdown_timeout(10);
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    tracing::info!(bind = %config.bind, docs = %format!("{}/docs/", config.public_url), "serving");
    server.run().await?;

    flusher.abort();
    publisher.abort();
    deliveries.abort();
    state.views.flush(&pool)?;
    tracing::info!("stopped; view counts flushed");
    Ok(())
}
