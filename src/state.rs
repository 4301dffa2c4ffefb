//! Application state, built once at start and cloned cheaply into handlers.
use crate::config::Settings;
use crate::domain::clock::Clock;
use crate::realtime::hub::Hub;
use crate::services::auth::LoginThrottle;
use crate::services::halls::HallCache;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub hub: Hub,
    pub halls: Arc<HallCache>,
    /// SQLite has one writer at a time. Queuing writers here, in order, is much faster and
    /// fairer than letting them spin in SQLite's busy handler. `None` on PostgreSQL, where the
    /// hall row lock taken by each write does this job across processes.
    pub write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    pub templates: Arc<tera::Tera>,
    pub login_throttle: Arc<LoginThrottle>,
    pub estimates: Arc<crate::services::views::EstimateCache>,
    /// Writes tickets in batches (group commit); see `services::issuer`.
    pub issuer: Arc<crate::services::issuer::Issuer>,
    /// Anonymous issuing per client (`HALLQ_PUBLIC_RATE_LIMIT`).
    pub public_limiter: Arc<crate::services::limits::PublicLimiter>,
    /// Websocket sessions held open, their caps, and the going-away signal.
    pub connections: Arc<crate::realtime::connections::Connections>,
    /// Signs the phone cookie.
    pub phone_ids: crate::services::devices::PhoneIds,
}
