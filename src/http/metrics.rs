//! `GET /metrics` in the Prometheus text format, for holders of `HALLQ_METRICS_TOKEN` (off when
//! it is unset), and the middleware that counts and times every request by route.
use crate::error::{AppError, AppResult, ErrorCode, ErrorKind};
use crate::metrics::header;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use std::fmt::Write;
use std::time::Instant;

/// Runs each request in a tracing span (method, path, then status), and counts and times it
/// under its route pattern (`/api/v1/halls/{hall}/tickets`), so the number of series stays
/// fixed whatever paths clients ask for. Its own, not tracing-actix-web's logger, which drew a
/// random UUID per request from the kernel: a tenth of the server's time issuing tickets
/// (issue 19).
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    use tracing::Instrument;
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", method = %method, path = %req.path(), status = tracing::field::Empty);
    let response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    span.record("status", status);
    if status >= 500 {
        tracing::warn!(parent: &span, status, "request failed");
    }
    if let Some(state) = state {
        let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.request(&route, method.as_str(), status, started.elapsed());
    }
    Ok(response)
}

pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(AppError::not_found(
            ErrorCode::NotFound,
            "metrics are off; set HALLQ_METRICS_TOKEN to turn them on",
        ));
    };
    let given =
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|given| crate::services::auth::same_secret(given.trim(), token)) {
        return Err(AppError::new(
            ErrorKind::Unauthorized,
            ErrorCode::Unauthorized,
            "send the metrics token as Authorization: Bearer TOKEN",
        ));
    }
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.write(&mut out);
    header(&mut out, "hallq_websocket_clients", "gauge", "websocket sessions open on this instance");
    let _ = writeln!(out, "hallq_websocket_clients {}", state.connections.open_now());
    let (size, idle) = pool_use(&state.db);
    header(&mut out, "hallq_db_pool_connections", "gauge", "database connections of this instance, by state");
    let _ = writeln!(out, "hallq_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "hallq_db_pool_connections{{state=\"busy\"}} {}", size.saturating_sub(idle));
    header(&mut out, "hallq_db_pool_max_connections", "gauge", "the pool's limit (HALLQ_DB_POOL_SIZE)");
    let _ = writeln!(out, "hallq_db_pool_max_connections {}", state.settings.db_pool_size);
    crate::services::metrics::write_hall_figures(&state, &mut out).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(out))
}

/// Connections open in the pool, and how many of them are idle.
fn pool_use(db: &sea_orm::DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX))
        }
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX))
        }
        _ => (0, 0),
    }
}
