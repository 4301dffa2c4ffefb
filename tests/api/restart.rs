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
