//! Builds the application: database, migrations, demo seed, state, routes, listener.
use crate::config::Settings;
use crate::domain::clock::{Clock, ShiftedClock, SystemClock};
use crate::persistence::seed;
use crate::realtime::connections::{raise_open_file_limit, Connections};
use crate::realtime::hub::Hub;
use crate::services::auth::{generate_password, hash_password, LoginThrottle};
use crate::services::hall_write::WriteParts;
use crate::services::halls::HallCache;
use crate::services::issuer::Issuer;
use crate::state::{AppState, Core};
use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database {url}: {cause}")]
    Database { url: String, cause: String },
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("seeding the demo hall failed: {0}")]
    Seed(String),
    #[error("cannot listen on {addr}: {cause}")]
    Bind { addr: String, cause: String },
    #[error("cannot load the page templates: {0}")]
    Templates(String),
}

/// Passwords generated at first start; shown once, never stored in clear.
#[derive(Debug, Default, Clone)]
pub struct GeneratedSecrets {
    pub admin_password: Option<String>,
    pub demo_password: Option<String>,
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    pub generated: GeneratedSecrets,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let clock: Arc<dyn Clock> = match settings.clock_start {
            Some(at) => {
                tracing::warn!(%at, "HALLQ_CLOCK_START is set: the clock is shifted (demos and tests only)");
                Arc::new(ShiftedClock::starting_at(at))
            }
            None => Arc::new(SystemClock),
        };
        Self::build_with_clock(settings, clock).await
    }

    /// `build` with a clock of the caller's: tests pass one that stands still until told to
    /// move, so nothing they assert depends on how fast the machine starts the server.
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        let open_files = match raise_open_file_limit() {
            Some((before, after)) => {
                tracing::info!(before, after, "open-file limit raised to the hard limit");
                after
            }
            None => 1024,
        };
        let ws_cap = match settings.ws_max_connections {
            0 => Connections::default_total(open_files),
            set => set,
        };
        tracing::info!(ws_cap, per_address = settings.ws_max_per_address, "websocket caps");
        let connections = Connections::new(ws_cap, settings.ws_max_per_address);
        let db = connect(&settings).await?;
        let generated = migrate_and_seed(&db, &settings, clock.as_ref()).await?;
        let cookie_key =
            crate::persistence::secrets::get_or_create(&db, "phone_cookie_key", &crate::services::tickets::new_token())
                .await
                .map_err(|e| StartupError::Migration(e.to_string()))?;
        let id_key = match &settings.id_hash_key {
            Some(key) => key.clone(),
            None => {
                crate::persistence::secrets::get_or_create(&db, "id_number_key", &crate::services::tickets::new_token())
                    .await
                    .map_err(|e| StartupError::Migration(e.to_string()))?
            }
        };
        // Other instances may write to the same PostgreSQL database: their events are announced
        // by notifications (started below), and the log is also read now and then in case one is lost.
        let poll = (!settings.is_sqlite()).then(|| Duration::from_millis(u64::from(settings.event_poll_ms)));
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let hub = Hub::start(db.clone(), poll, metrics.clone());
        // On SQLite every hall write goes through one connection of its own, taken in turn: its
        // page cache stays warm between batches (a pooled connection's is dropped whenever another
        // connection has committed), and SQLite has one writer at a time anyway.
        // The same file is opened directly too, for the writers' batches and the reads every
        // staff request starts with (`persistence::direct`); not a database in memory, which
        // another connection would not see.
        let direct_file = crate::backup::sqlite_path(&settings.database_url).filter(|_| settings.is_sqlite());
        let write_gate = if settings.is_sqlite() {
            let unsettled = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let db = connect_with(&settings, 1, Some(unsettled.clone())).await?;
            let direct = match &direct_file {
                Some(path) => Some(crate::persistence::direct::DirectWriter::open(path).map_err(|e| {
                    StartupError::Database { url: settings.database_url.clone(), cause: e.to_string() }
                })?),
                None => None,
            };
            Some(Arc::new(tokio::sync::Mutex::new(crate::state::WriterConnection { db, unsettled, direct })))
        } else {
            None
        };
        let direct_reads = direct_file.map(|path| Arc::new(crate::persistence::hot::DirectReads::new(&path)));
        let parts = WriteParts { db: db.clone(), clock: clock.clone(), gate: write_gate.clone(), hub: hub.clone() };
        let issuer = Issuer::new(parts.clone());
        let window_ops = crate::services::group_write::GroupWriter::new(parts);
        let halls = Arc::new(HallCache::new(db.clone()));
        let estimates: Arc<crate::services::views::EstimateCache> = Arc::default();
        if !settings.is_sqlite() {
            crate::realtime::listener::start(
                settings.database_url.clone(),
                crate::realtime::listener::Listeners {
                    hub: hub.clone(),
                    halls: halls.clone(),
                    estimates: estimates.clone(),
                    metrics: metrics.clone(),
                },
            );
        }
        let core = Core {
            hub,
            issuer: Arc::new(issuer),
            window_ops: Arc::new(window_ops),
            halls,
            metrics,
            write_gate,
            direct_reads,
            login_throttle: Arc::new(LoginThrottle::new(
                settings.login_max_failures,
                settings.password_hash_concurrency,
                (!settings.is_sqlite()).then(|| db.clone()),
            )),
            estimates,
            snapshots: Arc::default(),
            id_numbers: crate::services::keyed_hash::KeyedHash::new(&id_key),
            clock,
            db,
            settings: Arc::new(settings),
        };
        // Instances sharing a PostgreSQL database share their limits too.
        let public_limiter = match core.settings.is_sqlite() {
            true => crate::services::limits::PublicLimiter::local(),
            false => crate::services::limits::PublicLimiter::shared(core.db.clone()),
        };
        let state = AppState {
            core,
            templates: Arc::new(load_templates()?),
            public_limiter: Arc::new(public_limiter),
            phone_ids: crate::services::devices::PhoneIds::new(&cookie_key),
            connections,
        };
        let listener = TcpListener::bind(state.settings.bind)
            .map_err(|e| StartupError::Bind { addr: state.settings.bind.to_string(), cause: e.to_string() })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError::Bind { addr: state.settings.bind.to_string(), cause: e.to_string() })?
            .port();
        let server = serve(state.clone(), listener, open_files)?;
        crate::jobs::housekeeping::start(state.core.clone());
        crate::jobs::floor_watch::start(state.core.clone());
        Ok(Self { port, server, state, generated })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT (or a stop through the handle). On a signal every
    /// websocket is closed with "going away" first, so no client holds the shutdown open.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let connections = self.state.connections.clone();
        let signals = actix_web::rt::spawn(async move {
            stop_signal().await;
            tracing::info!("stopping: closing websockets, finishing requests");
            connections.go_away();
            handle.stop(true).await;
        });
        let result = self.server.await;
        signals.abort();
        result
    }

    /// Stops as a signal would: websockets close with "going away", requests in flight finish.
    pub async fn stop(state: &AppState, handle: &actix_web::dev::ServerHandle) {
        state.connections.go_away();
        handle.stop(true).await;
    }

    /// A handle that can stop the server (tests restart it on the same database).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

fn serve(state: AppState, listener: TcpListener, open_files: u64) -> Result<Server, StartupError> {
    let max_body = state.settings.max_body_bytes;
    // Past this many connections a worker stops accepting (they wait in the backlog) instead
    // of failing accept() with "too many open files" in a loop.
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let per_worker = usize::try_from(open_files.saturating_sub(128).max(64)).unwrap_or(usize::MAX) / workers;
    let data = web::Data::new(state);
    let static_dir = resource_dir("static");
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(crate::http::security::guard))
            .wrap(actix_web::middleware::from_fn(crate::http::metrics::count))
            .app_data(data.clone())
            .service(actix_files::Files::new("/static", static_dir.clone()))
            .configure(|cfg| crate::http::routes(cfg, max_body))
    })
    .workers(workers)
    .max_connections(per_worker.max(16))
    // Signals are handled in `run_until_stopped`, which first closes the websockets.
    .disable_signals()
    .listen(listener)
    .map_err(|e| StartupError::Bind { addr: "listener".into(), cause: e.to_string() })?
    .shutdown_timeout(5)
    .run();
    Ok(server)
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// `templates/` and `static/` next to the working directory, else next to the source tree.
fn resource_dir(name: &str) -> PathBuf {
    let local = PathBuf::from(name);
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn load_templates() -> Result<tera::Tera, StartupError> {
    let glob = resource_dir("templates").join("**").join("*.html");
    tera::Tera::new(&glob.to_string_lossy()).map_err(|e| StartupError::Templates(format!("{e:?}")))
}

/// The database ready for use outside the server (`hallq generate-history`): connected,
/// migrated, the demo hall seeded when it is empty and the demo is on.
pub async fn prepare_database(settings: &Settings, clock: &dyn Clock) -> Result<DatabaseConnection, StartupError> {
    let db = connect(settings).await?;
    migrate_and_seed(&db, settings, clock).await?;
    Ok(db)
}

/// Brings the schema up to date and seeds an empty database.
async fn migrate_and_seed(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &dyn Clock,
) -> Result<GeneratedSecrets, StartupError> {
    // Several instances may start at once on one PostgreSQL database: one migrates and seeds
    // while the others wait for its lock, then find nothing left to do. (Without it, two
    // instances creating the same tables at once fail on PostgreSQL's catalogue.) SQLite has
    // one instance per file, and its own write lock.
    let lock = if settings.is_sqlite() { None } else { Some(migration_lock(settings).await?) };
    let prepared = async {
        Migrator::up(db, None).await.map_err(|e| StartupError::Migration(e.to_string()))?;
        seed_if_empty(db, settings, clock).await
    }
    .await;
    if let Some((conn, txn)) = lock {
        // Ending the transaction releases the lock.
        let _ = txn.commit().await;
        let _ = conn.close().await;
    }
    prepared
}

/// Key of the PostgreSQL advisory lock held while migrating and seeding ("hallq" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x68_61_6c_6c_71;

/// Takes the migration lock on a connection of its own, inside a transaction: the lock is
/// released when the transaction ends, or when the connection drops if this instance dies.
async fn migration_lock(
    settings: &Settings,
) -> Result<(DatabaseConnection, sea_orm::DatabaseTransaction), StartupError> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let fail = |cause: String| StartupError::Database { url: settings.database_url.clone(), cause };
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options.max_connections(1).min_connections(1).connect_timeout(Duration::from_secs(10)).sqlx_logging(false);
    let conn = Database::connect(options).await.map_err(|e| fail(e.to_string()))?;
    let txn = conn.begin().await.map_err(|e| fail(e.to_string()))?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"))
        .await
        .map_err(|e| fail(format!("cannot take the migration lock: {e}")))?;
    Ok((conn, txn))
}

async fn connect(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    connect_with(settings, settings.db_pool_size, None).await
}

/// `unsettled`: for the hall writers' connection, whether its last transaction may have been
/// left open (see `WriterConnection`); without it every connection is checked on release.
async fn connect_with(
    settings: &Settings,
    pool_size: u32,
    unsettled: Option<Arc<std::sync::atomic::AtomicBool>>,
) -> Result<DatabaseConnection, StartupError> {
    let url = settings.database_url.clone();
    let fail = |cause: String| StartupError::Database { url: url.clone(), cause };
    if settings.is_sqlite() {
        let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or_default();
        if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        }
        private_file(path).map_err(|e| fail(format!("cannot create {path} readable by its owner only: {e}")))?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(pool_size)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_millis(u64::from(settings.db_acquire_timeout_ms)))
        .sqlx_logging(false)
        // WAL + synchronous=FULL: a write is on disk (WAL fsynced) before its commit returns, so
        // an acknowledged ticket survives a crash or power loss. See BENCHMARKS.md.
        .map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Statement journals in memory: a batch's multi-row insert otherwise spills its
                // journal to a temporary file it writes, and deletes, at every commit.
                .pragma("temp_store", "memory")
        })
        .map_sqlx_sqlite_pool_opts(move |pool| {
            // A SQLite connection is a file on this machine: it cannot go stale the way a network
            // connection can, so the ping before each acquire (a trip to its thread) is left out.
            let unsettled = unsettled.clone();
            pool.test_before_acquire(false).after_release(move |conn, _| {
                let settled = unsettled.as_ref().is_some_and(|u| !u.load(std::sync::atomic::Ordering::Relaxed));
                Box::pin(async move {
                    if settled {
                        Ok(true)
                    } else {
                        sqlite_connection_is_clean(conn).await
                    }
                })
            })
        });
    Database::connect(options).await.map_err(|e| fail(e.to_string()))
}

/// A SQLite connection goes back to the pool only outside any transaction. A write that failed
/// (the disk full, say) can leave SQLite and the driver disagreeing about an open transaction;
/// such a connection would hold the write lock ("database is locked" for everyone) or turn the
/// next BEGIN into a SAVEPOINT whose "commit" stores nothing. It is closed instead, which rolls
/// back whatever it held, and the pool opens a fresh one.
async fn sqlite_connection_is_clean(conn: &mut sea_orm::sqlx::SqliteConnection) -> Result<bool, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Executor;
    use sqlx_core::transaction::TransactionManager;
    type Manager = <sea_orm::sqlx::Sqlite as sea_orm::sqlx::Database>::TransactionManager;
    if Manager::get_transaction_depth(conn) != 0 {
        tracing::warn!("closing a SQLite connection the driver still counts inside a transaction");
        return Ok(false);
    }
    // BEGIN fails if SQLite itself is still inside a transaction.
    if conn.execute("BEGIN").await.is_err() {
        tracing::warn!("closing a SQLite connection left inside a transaction");
        return Ok(false);
    }
    Ok(conn.execute("ROLLBACK").await.is_ok())
}

/// The database file is readable by its owner only (0600); SQLite gives the WAL and shared-memory
/// files the mode of the database file.
fn private_file(path: &str) -> std::io::Result<()> {
    if path.is_empty() || path.starts_with(':') {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{path}{suffix}");
            if std::path::Path::new(&file).exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

async fn seed_if_empty(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &dyn Clock,
) -> Result<GeneratedSecrets, StartupError> {
    let mut generated = GeneratedSecrets::default();
    let seed_err = |e: String| StartupError::Seed(e);
    let now = clock.now();
    if crate::persistence::users::count(db).await.map_err(|e| seed_err(e.to_string()))? == 0 {
        let password = settings.admin_password.clone().unwrap_or_else(|| {
            let password = generate_password();
            generated.admin_password = Some(password.clone());
            password
        });
        let hash = hash_password(&password).map_err(|e| seed_err(e.message))?;
        seed::ensure_admin(db, &hash, now).await.map_err(|e| seed_err(e.to_string()))?;
    }
    if settings.demo && seed::is_empty(db).await.map_err(|e| seed_err(e.to_string()))? {
        let password = settings.demo_password.clone().unwrap_or_else(|| {
            let password = generate_password();
            generated.demo_password = Some(password.clone());
            password
        });
        let hash = hash_password(&password).map_err(|e| seed_err(e.message))?;
        seed::demo_hall(db, settings.timezone, settings.demo_hours, &hash, now)
            .await
            .map_err(|e| seed_err(e.to_string()))?;
    }
    Ok(generated)
}
