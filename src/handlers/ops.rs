//! Operations endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, get, web};
use prometheus::Encoder;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Health of the process or its database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when answered with 200.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok".into(),
        })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "The database is reachable.", body = Health),
        (status = 503, description = "The database is not reachable.")
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    db::run(&state.pool, db::ping)
        .await
        .map_err(|_| ApiError::Unavailable("The database is not reachable.".into()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok".into(),
        }))
}

/// Prometheus metrics: requests by route and status, latency histogram.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format.", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (entries, bytes) = state.responses.size();
    state
        .metrics
        .cache_entries
        .set(i64::try_from(entries).unwrap_or(i64::MAX));
    state
        .metrics
        .cache_bytes
        .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    state
        .metrics
        .sqlite_heap
        .set(crate::db::sqlite_heap_bytes());
    let mut buf = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&state.metrics.registry.gather(), &mut buf)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(buf))
}
