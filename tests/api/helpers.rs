// Shared by the api and e2e test binaries; each uses a different part.
#![allow(dead_code)]
//! `spawn_app(backend)`: the real server on a random port with its own database.
use awc::Client;
use hallq::config::Settings;
use hallq::domain::clock::ManualClock;
use hallq::startup::Application;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

pub const ADMIN_PASSWORD: &str = "admin-pass-123";
pub const DEMO_PASSWORD: &str = "demo-pass-123";
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body against SQLite and against PostgreSQL, as `<name>::sqlite` and
/// `<name>::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_available().await {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// Whether PostgreSQL tests can run. Under `CI=true` an unreachable server fails the test;
/// elsewhere the test is skipped with a note.
pub async fn postgres_available() -> bool {
    match Database::connect(POSTGRES_ADMIN_URL).await {
        Ok(db) => {
            let _ = db.close().await;
            true
        }
        Err(err) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but PostgreSQL at 127.0.0.1:5432 is not reachable: {err}");
            }
            eprintln!("skipping: PostgreSQL at 127.0.0.1:5432 is not reachable ({err})");
            false
        }
    }
}

fn random_name() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("hallq_t_{n:016x}")
}

/// A database for one test: a SQLite file in a temp folder, or a PostgreSQL database created
/// now and dropped when this is dropped.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    name: String,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        let name = random_name();
        let url = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("hallq-tests");
                std::fs::create_dir_all(&dir).expect("temp dir");
                format!("sqlite://{}", dir.join(format!("{name}.db")).display())
            }
            Backend::Postgres => {
                let admin = Database::connect(POSTGRES_ADMIN_URL).await.expect("postgres reachable");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                let _ = admin.close().await;
                format!("postgres://postgres@127.0.0.1:5432/{name}")
            }
        };
        Self { backend, url, name }
    }
}

impl TestDatabase {
    /// A PostgreSQL database the test manages itself (on a server of its own); dropping this
    /// leaves it alone.
    pub fn postgres_at(url: &str) -> Self {
        Self { backend: Backend::Postgres, url: url.to_owned(), name: random_name() }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                let base = std::env::temp_dir().join("hallq-tests").join(format!("{}.db", self.name));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", base.display()));
                }
            }
            Backend::Postgres => {
                let name = self.name.clone();
                // Drop runs outside async; a short-lived runtime on its own thread drops the db.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(POSTGRES_ADMIN_URL).await {
                            let _ =
                                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("address"),
        database_url: database_url.to_owned(),
        admin_password: Some(ADMIN_PASSWORD.into()),
        demo_password: Some(DEMO_PASSWORD.into()),
        log: "warn".into(),
        // Tests issue many anonymous tickets from one address; the limit has its own tests.
        public_rate_limit: 0,
        ..Settings::default()
    }
}

pub struct TestApp {
    pub address: String,
    pub app_state: hallq::state::AppState,
    pub handle: actix_web::dev::ServerHandle,
    pub client: Client,
    /// The clock of a server started by `app_at`: it stands still until the test moves it.
    pub clock: Option<ManualClock>,
    // Dropped last: the database outlives the server that uses it.
    pub database: std::sync::Arc<TestDatabase>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let database = std::sync::Arc::new(TestDatabase::create(backend).await);
    spawn_on(database, |s| s).await
}

/// Starts a server on an existing test database, with settings adjusted by `tweak`.
pub async fn spawn_on(database: std::sync::Arc<TestDatabase>, tweak: impl FnOnce(Settings) -> Settings) -> TestApp {
    spawn_with_clock(database, tweak, None).await
}

async fn spawn_with_clock(
    database: std::sync::Arc<TestDatabase>,
    tweak: impl FnOnce(Settings) -> Settings,
    clock: Option<ManualClock>,
) -> TestApp {
    let settings = tweak(test_settings(&database.url));
    let app = match clock.clone() {
        Some(clock) => Application::build_with_clock(settings, std::sync::Arc::new(clock)).await,
        None => Application::build(settings).await,
    }
    .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.server_handle();
    let app_state = app.state.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = Client::builder().timeout(std::time::Duration::from_secs(60)).finish();
    TestApp { address, app_state, handle, client, clock, database }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.address.replacen("http", "ws", 1))
    }

    /// Moves the clock of a server started by `app_at`.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.as_ref().expect("a server started by app_at").advance(by);
    }

    pub async fn stop(&self) {
        Application::stop(&self.app_state, &self.handle).await;
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self.client.get(self.url(path)).send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().limit(16 * 1024 * 1024).await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client.post(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        let mut response = sent.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().limit(16 * 1024 * 1024).await.unwrap_or(Value::Null))
    }

    pub async fn get_as(&self, path: &str, token: &str) -> (u16, Value) {
        let mut response = self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().limit(16 * 1024 * 1024).await.unwrap_or(Value::Null))
    }

    pub async fn put(&self, path: &str, body: Value, token: &str) -> (u16, Value) {
        let mut response =
            self.client.put(self.url(path)).bearer_auth(token).send_json(&body).await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().limit(16 * 1024 * 1024).await.unwrap_or(Value::Null))
    }

    /// The console view of a demo window, as `token` sees it.
    pub async fn console(&self, number: i64, token: &str) -> Value {
        let id = self.window_id(number).await;
        let (status, body) = self.get_as(&format!("/api/v1/windows/{id}/console"), token).await;
        assert_eq!(status, 200, "console of window {number}: {body}");
        body
    }

    /// A login attempt, whatever its answer.
    pub async fn try_login(&self, username: &str, password: &str) -> (u16, Value) {
        self.post("/api/v1/auth/login", Some(json!({"username": username, "password": password})), None).await
    }

    pub async fn login(&self, username: &str) -> String {
        let password = if username == "admin" { ADMIN_PASSWORD } else { DEMO_PASSWORD };
        let (status, body) = self.try_login(username, password).await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn issue(&self, service: &str) -> Value {
        let (status, body) = self.post("/api/v1/halls/demo/tickets", Some(json!({"service": service})), None).await;
        assert_eq!(status, 201, "issue {service}: {body}");
        body
    }

    /// The demo window id of a window number.
    pub async fn window_id(&self, number: i64) -> i64 {
        let (_, windows) = self.get("/api/v1/halls/demo/windows").await;
        windows.as_array().expect("windows").iter().find(|w| w["number"] == number).expect("window")["id"]
            .as_i64()
            .expect("id")
    }

    pub async fn window_op(&self, number: i64, op: &str, body: Option<Value>, token: &str) -> (u16, Value) {
        let id = self.window_id(number).await;
        self.post(&format!("/api/v1/windows/{id}/{op}"), body, Some(token)).await
    }
}

/// Asserts an error response: status, JSON code and a non-empty message.
#[track_caller]
pub fn assert_error(response: &(u16, Value), status: u16, code: &str) {
    let (got, body) = response;
    assert_eq!(*got, status, "status for {code}: {body}");
    assert_eq!(body["error"], code, "error code: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "message: {body}");
}

/// The queue counters always equal the queued tickets they summarise.
pub async fn assert_queue_counters_match(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let rows = |sql: &'static str| async move {
        let mut found: Vec<(i32, i32, String, String, i64)> = db
            .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .iter()
            .map(|r| {
                let day: chrono::NaiveDate = r.try_get_by_index(2).expect("day");
                (
                    r.try_get_by_index(0).expect("hall"),
                    r.try_get_by_index(1).expect("service"),
                    day.to_string(),
                    r.try_get_by_index(3).expect("priority"),
                    r.try_get_by_index::<i64>(4).expect("count"),
                )
            })
            .collect();
        found.sort();
        found
    };
    let counters = rows(
        "SELECT hall_id, service_id, business_date, priority, CAST(queued AS BIGINT) FROM queue_counters WHERE queued <> 0",
    )
    .await;
    let actual = rows(
        "SELECT hall_id, service_id, business_date, priority, COUNT(*) FROM tickets \
         WHERE status IN ('waiting', 'transferred') GROUP BY hall_id, service_id, business_date, priority",
    )
    .await;
    assert_eq!(counters, actual, "queue counters match the queued tickets");
}

/// A server on `setup`'s database whose clock stands at `when` (RFC 3339) until the test moves
/// it with `advance`: what a test reads never depends on how slowly the machine runs.
pub async fn app_at(setup: &TestApp, when: &str) -> TestApp {
    let start = chrono::DateTime::parse_from_rfc3339(when).expect("time").with_timezone(&chrono::Utc);
    spawn_with_clock(setup.database.clone(), |settings| settings, Some(ManualClock::new(start))).await
}

/// Gives the demo hall a real county hall's hours: Monday to Friday 08:30–12:00 and
/// 13:30–17:30.
pub async fn set_county_hours(app: &TestApp) {
    let db = &app.app_state.db;
    db.execute_unprepared("DELETE FROM opening_hours").await.expect("clear hours");
    for weekday in 1..=5 {
        db.execute_unprepared(&format!(
            "INSERT INTO opening_hours (hall_id, weekday, opens_minute, closes_minute) VALUES (1, {weekday}, 510, 720), (1, {weekday}, 810, 1050)"
        ))
        .await
        .expect("insert hours");
    }
}

/// `name=value` of a cookie the response sets.
pub fn set_cookie(headers: &actix_web::http::header::HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}
