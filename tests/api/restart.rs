use crate::helpers::{spawn_app, spawn_on, Backend};
use crate::on_both_databases;
use migration::{Migrator, MigratorTrait};

on_both_databases!(a_restart_keeps_every_ticket_and_continues_the_numbering, migrations_run_down_and_up_again);

async fn a_restart_keeps_every_ticket_and_continues_the_numbering(backend: Backend) {
    let app = spawn_app(backend).await;
    let tokens: Vec<String> = {
        let mut tokens = Vec::new();
        for _ in 0..3 {
            tokens.push(app.issue("B").await["token"].as_str().expect("token").to_owned());
        }
        tokens
    };
    let staff = app.login("window4").await;
    app.window_op(4, "call-next", None, &staff).await;
    app.stop().await;
    app.app_state.db.close_by_ref().await.expect("close");

    let again = spawn_on(app.database.clone(), |s| s).await;
    for (i, token) in tokens.iter().enumerate() {
        let (status, ticket) = again.get(&format!("/api/v1/tickets/{token}")).await;
        assert_eq!(status, 200);
        assert_eq!(ticket["number"], format!("B{:03}", i + 1));
    }
    assert_eq!(again.get(&format!("/api/v1/tickets/{}", tokens[0])).await.1["status"], "called");
    assert_eq!(again.issue("B").await["number"], "B004");
    let (_, windows) = again.get("/api/v1/halls/demo/windows").await;
    assert_eq!(windows[3]["current_ticket"]["number"], "B001", "window 4 still holds its ticket");
    // The old session is still valid: sessions live in the database.
    assert_eq!(again.window_op(4, "start", None, &staff).await.0, 200);
    // Seeding happened once: still one demo hall.
    assert_eq!(again.get("/api/v1/halls").await.1.as_array().map(Vec::len), Some(1));
}

async fn migrations_run_down_and_up_again(backend: Backend) {
    let app = spawn_app(backend).await;
    app.stop().await;
    let db = &app.app_state.db;
    Migrator::down(db, None).await.expect("down");
    assert!(Migrator::get_applied_migrations(db).await.expect("status").is_empty());
    Migrator::up(db, None).await.expect("up again");
    assert_eq!(Migrator::get_applied_migrations(db).await.expect("status").len(), Migrator::migrations().len());
}

/// Instances started together on an empty PostgreSQL database: one migrates and seeds under the
/// advisory lock, the others wait and find the work done. Before the lock, one of two died in
/// its migrations ("pg_type_typname_nsp_index") nearly every time.
#[actix_web::test]
async fn three_instances_started_at_once_on_an_empty_postgresql_database_all_come_up() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    for _ in 0..3 {
        let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Postgres).await);
        let (a, b, c) = futures_util::join!(
            spawn_on(database.clone(), |s| s),
            spawn_on(database.clone(), |s| s),
            spawn_on(database.clone(), |s| s)
        );
        for app in [&a, &b, &c] {
            assert_eq!(app.get("/readyz").await.0, 200);
        }
        // Seeded once: one demo hall, its six services.
        let (_, services) = b.get("/api/v1/halls/demo/services").await;
        assert_eq!(services.as_array().map(Vec::len), Some(6), "{services}");
        let ticket = c.issue("A").await;
        assert_eq!(ticket["number"], "A001");
        for app in [&a, &b, &c] {
            app.stop().await;
        }
    }
}

/// `hallq backup` while tickets are being taken: the copy is the database at one instant (every
/// ticket with its event, the event log without gaps), and restored it serves those tickets and
/// numbers on from them.
#[actix_web::test]
async fn a_backup_under_load_restores_to_the_same_tickets_and_events() {
    use sea_orm::{ConnectionTrait, Database};
    let app = spawn_app(Backend::Sqlite).await;
    let restored = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let file = hallq::backup::sqlite_path(&restored.url).expect("a file");
    let copy = file.with_extension("backup");
    let _ = std::fs::remove_file(&copy);
    // Eight takers, 40 tickets each, and the backup while they run.
    let takers = (0..8).map(|i| {
        let app = &app;
        async move {
            let mut tokens = Vec::new();
            for _ in 0..40 {
                let ticket = app.issue(["A", "B"][i % 2]).await;
                tokens.push(ticket["token"].as_str().expect("token").to_owned());
            }
            tokens
        }
    });
    let backup = async {
        // Once the first tickets are in, whatever the machine's speed.
        loop {
            let taken = app
                .app_state
                .db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "SELECT COUNT(*) FROM tickets",
                ))
                .await
                .expect("count")
                .expect("row")
                .try_get_by_index::<i64>(0)
                .expect("count");
            if taken >= 20 {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        hallq::backup::backup(&app.app_state.db, &copy).await.expect("backup")
    };
    let (tokens, bytes) = futures_util::join!(futures_util::future::join_all(takers), backup);
    assert!(bytes > 0);
    let tokens: Vec<String> = tokens.into_iter().flatten().collect();
    assert_eq!(tokens.len(), 320);
    assert!(hallq::backup::backup(&app.app_state.db, &copy).await.is_err(), "never overwrites");

    // The copy is consistent: as many tickets as ticket_issued events, the log without gaps.
    let count = |db: sea_orm::DatabaseConnection, sql: &'static str| async move {
        let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await;
        row.expect("query").expect("row").try_get_by_index::<i64>(0).expect("count")
    };
    let snapshot = Database::connect(format!("sqlite://{}?mode=ro", copy.display())).await.expect("open the copy");
    let in_copy = count(snapshot.clone(), "SELECT COUNT(*) FROM tickets").await;
    let a_in_copy = count(snapshot.clone(), "SELECT COUNT(*) FROM tickets WHERE number LIKE 'A%'").await;
    assert_eq!(in_copy, count(snapshot.clone(), "SELECT COUNT(*) FROM events WHERE kind = 'ticket_issued'").await);
    assert_eq!(
        count(snapshot.clone(), "SELECT COUNT(*) FROM events").await,
        count(snapshot.clone(), "SELECT COALESCE(MAX(seq), 0) FROM events").await,
        "no gap in the event log"
    );
    let _ = snapshot.close().await;
    assert!(in_copy >= 20, "the backup ran once tickets were being taken");
    eprintln!("the backup holds {in_copy} of the 320 tickets");

    // Restored under another name and served: the copy's tickets are there, the next continues.
    hallq::backup::restore(&copy, &restored.url, false).await.expect("restore into a new file");
    assert!(hallq::backup::restore(&copy, &restored.url, false).await.is_err(), "refuses without --force");
    let server = spawn_on(restored.clone(), |s| s).await;
    let known = tokens.iter().filter(|t| !t.is_empty());
    let mut found = 0;
    for token in known {
        let (status, _) = server.get(&format!("/api/v1/tickets/{token}")).await;
        found += i64::from(status == 200);
    }
    assert_eq!(found, in_copy, "every ticket in the copy, none other");
    let next = server.issue("A").await;
    assert_eq!(next["number"], format!("A{:03}", a_in_copy + 1), "numbering goes on from the copy");
    // While the server holds it open, a forced restore is refused too.
    let refused = hallq::backup::restore(&copy, &restored.url, true).await.expect_err("in use");
    assert!(refused.contains("in use"), "{refused}");
    server.stop().await;
    let _ = std::fs::remove_file(&copy);
}

/// Two instances on one PostgreSQL database: while one runs a job, the other skips it (another
/// job is not held up); when the one running it dies mid-run (its connection killed), the other
/// takes the next turn. (The instances' own scheduled runs take the same locks for a moment now
/// and then, so a turn that must run is tried until it does.)
#[actix_web::test]
async fn a_job_runs_on_one_instance_at_a_time_and_moves_on_when_that_instance_dies() {
    use hallq::jobs::{once_across_instances, Job, Turn};
    use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
    if !crate::helpers::postgres_available().await {
        return;
    }
    /// Runs `job` on `db` once it gets the turn: tells `started`, then holds the turn until
    /// `release` says so (for ever if it never does).
    async fn hold(
        db: DatabaseConnection,
        job: Job,
        started: tokio::sync::mpsc::Sender<()>,
        release: tokio::sync::watch::Receiver<bool>,
    ) -> i32 {
        loop {
            let started = started.clone();
            let mut release = release.clone();
            let work = async move {
                let _ = started.send(()).await;
                let _ = release.wait_for(|go| *go).await;
                Ok::<_, DbErr>(1)
            };
            if let Ok(Turn::Ran(n)) = once_across_instances(&db, job, work).await {
                return n;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    /// Tries `job` on `db` until it gets the turn (at most 10 s).
    async fn run_soon(db: &DatabaseConnection, job: Job, n: i32) -> bool {
        for _ in 0..500 {
            if let Ok(Turn::Ran(got)) = once_across_instances(db, job, async move { Ok::<_, DbErr>(n) }).await {
                return got == n;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    }
    let one = spawn_app(Backend::Postgres).await;
    let two = spawn_on(one.database.clone(), |s| s).await;
    let (started, mut is_started) = tokio::sync::mpsc::channel::<()>(4);
    let (release, released) = tokio::sync::watch::channel(false);
    let holder = actix_web::rt::spawn(hold(one.app_state.db.clone(), Job::Housekeeping, started, released));
    is_started.recv().await.expect("the first instance runs the job");
    for _ in 0..10 {
        let turn = once_across_instances(&two.app_state.db, Job::Housekeeping, async { Ok::<_, DbErr>(2) }).await;
        assert!(matches!(turn, Ok(Turn::Skipped)), "{turn:?}");
    }
    assert!(run_soon(&two.app_state.db, Job::FloorWatch, 3).await, "another job is not held up");
    let _ = release.send(true);
    assert_eq!(holder.await.expect("joined"), 1);
    assert!(run_soon(&two.app_state.db, Job::Housekeeping, 2).await, "free again once the first is done");

    // The first instance takes it again and dies holding it: PostgreSQL ends its connection.
    let (started, mut is_started) = tokio::sync::mpsc::channel::<()>(4);
    let (_never, not_released) = tokio::sync::watch::channel(false);
    let _dying = actix_web::rt::spawn(hold(one.app_state.db.clone(), Job::Housekeeping, started, not_released));
    is_started.recv().await.expect("the first instance runs the job again");
    let skipped = once_across_instances(&two.app_state.db, Job::Housekeeping, async { Ok::<_, DbErr>(2) }).await;
    assert!(matches!(skipped, Ok(Turn::Skipped)));
    two.app_state
        .db
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = {}",
            Job::Housekeeping as i64
        ))
        .await
        .expect("terminate the holder's connection");
    assert!(run_soon(&two.app_state.db, Job::Housekeeping, 4).await, "the surviving instance takes the job over");
}

/// A PostgreSQL server of the test's own (initdb and pg_ctl on a temporary data directory, a
/// free port), stopped when dropped.
struct OwnPostgres {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
    as_root: bool,
}

impl OwnPostgres {
    fn run(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(tool);
        let mut command = if self.as_root {
            // initdb and the server refuse to run as root.
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            std::process::Command::new(&program)
        };
        command.args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"))
    }

    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries under /usr/lib/postgresql")
            .flatten()
            .map(|v| v.path().join("bin"))
            .find(|b| b.join("pg_ctl").exists())
            .expect("pg_ctl");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let data = std::env::temp_dir().join(format!("hallq-own-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data).expect("data dir");
        let as_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
        if as_root {
            let status = std::process::Command::new("chown").args(["postgres:postgres"]).arg(&data).status();
            assert!(status.is_ok_and(|s| s.success()), "chown the data directory to postgres");
        }
        let server = Self { bin, data, port, as_root };
        let data_dir = server.data.to_str().expect("path").to_owned();
        let init = server.run("initdb", &["-D", &data_dir, "-U", "postgres", "--auth=trust"]);
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        server.pg_ctl("start");
        server
    }

    fn pg_ctl(&self, action: &str) {
        let data_dir = self.data.to_str().expect("path").to_owned();
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, data_dir);
        let log = format!("{data_dir}/server.log");
        let out = match action {
            "start" => self.run("pg_ctl", &["-D", &data_dir, "-o", &options, "-l", &log, "-w", "-t", "60", "start"]),
            _ => self.run("pg_ctl", &["-D", &data_dir, "-m", "fast", "-w", "-t", "60", "stop"]),
        };
        assert!(out.status.success(), "pg_ctl {action}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data_dir = self.data.to_str().unwrap_or_default().to_owned();
        let _ = self.run("pg_ctl", &["-D", &data_dir, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// `/readyz` with the database stopped answers 503 within about a second, and 200 again once
/// the database is back, without a restart of hallq.
#[actix_web::test]
async fn readyz_says_503_while_postgresql_is_down_and_recovers_without_a_restart() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    use sea_orm::{ConnectionTrait, Database};
    let postgres = OwnPostgres::start();
    let admin = Database::connect(postgres.url("postgres")).await.expect("own PostgreSQL answers");
    admin.execute_unprepared("CREATE DATABASE hallq_ready").await.expect("create");
    let _ = admin.close().await;
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::postgres_at(&postgres.url("hallq_ready")));
    let app = spawn_on(database, |s| s).await;
    assert_eq!(app.get("/readyz").await.0, 200);
    let ticket = app.issue("A").await;

    postgres.pg_ctl("stop");
    let asked = std::time::Instant::now();
    let (status, body) = app.get("/readyz").await;
    let took = asked.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "database_unavailable", "{body}");
    assert!(took < std::time::Duration::from_secs(3), "answered within about a second: {took:?}");
    eprintln!("/readyz with PostgreSQL stopped answered 503 in {took:?}");

    postgres.pg_ctl("start");
    let mut ready = false;
    for _ in 0..120 {
        if app.get("/readyz").await.0 == 200 {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ready, "ready again once PostgreSQL is back");
    let (status, again) = app.get(&format!("/api/v1/tickets/{}", ticket["token"].as_str().expect("token"))).await;
    assert_eq!((status, &again["number"]), (200, &ticket["number"]));
    app.stop().await;
}
