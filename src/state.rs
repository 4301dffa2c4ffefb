//! Application state, built once at start and cloned cheaply into handlers.
use crate::config::Settings;
use crate::domain::clock::Clock;
use crate::realtime::hub::Hub;
use crate::services::auth::LoginThrottle;
use crate::services::halls::HallCache;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// The SQLite hall writers' own connection, taken in turn.
pub type WriteGate = Arc<tokio::sync::Mutex<WriterConnection>>;

/// The connection hall writes use on SQLite (a pool of one), and whether its last transaction
/// is unsettled: begun and not yet confirmed committed or rolled back. Only then does the pool
/// check the connection on its way back (`startup::sqlite_connection_is_clean`), which would
/// otherwise cost every batch two more trips to SQLite's thread (issue 19).
pub struct WriterConnection {
    pub db: DatabaseConnection,
    pub unsettled: Arc<std::sync::atomic::AtomicBool>,
    /// The same file opened directly, for the batches of issuing and of the windows'
    /// operations (`persistence::direct`); `None` for a database in memory, which another
    /// connection could not see.
    pub direct: Option<crate::persistence::direct::DirectWriter>,
}

/// What the services work with: the database, the clock, the hall cache, the event hub and the
/// writers. No templates, no web limiters, no websocket bookkeeping: those belong to `http/`.
#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Arc<dyn Clock>,
    pub hub: Hub,
    pub halls: Arc<HallCache>,
    /// SQLite has one writer at a time. Queuing writers here, in order, is much faster and
    /// fairer than letting them spin in SQLite's busy handler; the gate holds the connection
    /// hall writes use, whose page cache then stays warm. `None` on PostgreSQL, where the hall
    /// row lock taken by each write does this job across processes.
    pub write_gate: Option<WriteGate>,
    /// On SQLite, the direct connections for each request's first reads, and what they read (`reads`).
    pub direct_reads: Option<Arc<crate::persistence::hot::DirectReads>>,
    pub login_throttle: Arc<LoginThrottle>,
    pub estimates: Arc<crate::services::views::EstimateCache>,
    /// Snapshots shared by the websocket clients that connect at about the same time.
    pub snapshots: Arc<crate::services::snapshot::SnapshotCache>,
    /// Writes tickets in batches (group commit); see `services::issuer`.
    pub issuer: Arc<crate::services::issuer::Issuer>,
    /// Writes the windows' ticket operations and bookings in batches (group commit); see
    /// `services::group_write`.
    pub window_ops: Arc<crate::services::group_write::GroupWriter>,
    /// Hashes ID numbers given at booking (`HALLQ_ID_HASH_KEY`, else a key kept in the database).
    pub id_numbers: crate::services::keyed_hash::KeyedHash,
    /// This instance's own figures for `GET /metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl Core {
    /// Where a request's first reads (its session, the window it acts on) run.
    pub fn reads(&self) -> crate::persistence::hot::Reads<'_> {
        match &self.direct_reads {
            Some(direct) => crate::persistence::hot::Reads::Direct(direct),
            None => crate::persistence::hot::Reads::Orm(&self.db),
        }
    }
}

/// The application's state as the web layer holds it: the services' `Core` (reached through
/// `Deref`, so `state.db` reads as before) and what only the web layer uses.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub templates: Arc<tera::Tera>,
    /// Anonymous issuing per client (`HALLQ_PUBLIC_RATE_LIMIT`).
    pub public_limiter: Arc<crate::services::limits::PublicLimiter>,
    /// Websocket sessions held open, their caps, and the going-away signal.
    pub connections: Arc<crate::realtime::connections::Connections>,
    /// Signs the phone cookie.
    pub phone_ids: crate::services::devices::PhoneIds,
}

impl std::ops::Deref for AppState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}
