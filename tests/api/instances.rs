//! Two server instances on one PostgreSQL database (issue 18): events made on one reach the
//! other's websocket clients through notifications, in order and without gaps, also after the
//! listening connection is lost; configuration changes reach the other's cache at once; the
//! login throttle and the anonymous limits hold across instances. The fallback poll is set to
//! ten minutes in these tests, so nothing here can pass by polling.
use crate::helpers::{assert_error, postgres_available, spawn_on, Backend, TestApp, TestDatabase, DEMO_PASSWORD};
use crate::websocket::{connect, make_suite_events, next_message, SUITE_EVENTS};
use hallq::config::Settings;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NO_POLL_MS: u32 = 600_000;

fn no_poll(settings: Settings) -> Settings {
    Settings { event_poll_ms: NO_POLL_MS, ..settings }
}

async fn two_instances(tweak: fn(Settings) -> Settings) -> (TestApp, TestApp) {
    let database = Arc::new(TestDatabase::create(Backend::Postgres).await);
    let first = spawn_on(database.clone(), move |s| tweak(no_poll(s))).await;
    let second = spawn_on(database, move |s| tweak(no_poll(s))).await;
    (first, second)
}

/// The p-th percentile of some durations, in milliseconds.
fn percentile_ms(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1;
    times[i].as_secs_f64() * 1000.0
}

#[actix_web::test]
async fn a_client_of_one_instance_sees_the_other_instances_events_at_once_in_order() {
    if !postgres_available().await {
        return;
    }
    let (first, second) = two_instances(|s| s).await;
    let mut socket = connect(&first, "").await;
    let snapshot = next_message(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot");
    let mut last = snapshot["seq"].as_i64().expect("seq");

    // The websocket suite's sequence, made on the other instance.
    let staff = second.login("window2").await;
    make_suite_events(&second, &staff).await;
    for kind in SUITE_EVENTS {
        let event = next_message(&mut socket).await;
        assert_eq!((event["type"].as_str(), event["seq"].as_i64()), (Some(kind), Some(last + 1)), "{event}");
        last += 1;
    }

    // Events made on both instances at once arrive gap-free, each timed from the answer to the
    // request that made it to its arrival at the client (a call on the other instance).
    let mut delays = Vec::new();
    for round in 0..40 {
        let (maker, service) = if round % 2 == 0 { (&second, "A") } else { (&first, "B") };
        let sent = Instant::now();
        let (status, ticket) = maker.post("/api/v1/halls/demo/tickets", Some(json!({"service": service})), None).await;
        assert_eq!(status, 201, "{ticket}");
        let answered = sent.elapsed();
        let event = next_message(&mut socket).await;
        assert_eq!((event["type"].as_str(), event["seq"].as_i64()), (Some("ticket_issued"), Some(last + 1)));
        assert_eq!(event["ticket"]["number"], ticket["number"]);
        last += 1;
        if maker.address == second.address {
            delays.push(sent.elapsed().saturating_sub(answered));
        }
    }
    eprintln!(
        "other instance → client, after the answer: p50 {:.1} ms, max {:.1} ms (poll every {NO_POLL_MS} ms)",
        percentile_ms(&mut delays, 0.5),
        percentile_ms(&mut delays, 1.0)
    );
    let metrics = &first.app_state.metrics;
    assert!(metrics.notifications.load(std::sync::atomic::Ordering::Relaxed) >= 20, "events came by notification");
}

#[actix_web::test]
async fn a_lost_listening_connection_comes_back_and_the_events_made_meanwhile_still_arrive_in_order() {
    if !postgres_available().await {
        return;
    }
    let (first, second) = two_instances(|s| s).await;
    let mut socket = connect(&first, "").await;
    let mut last = next_message(&mut socket).await["seq"].as_i64().expect("seq");
    second.issue("A").await;
    assert_eq!(next_message(&mut socket).await["seq"], last + 1);
    last += 1;

    let connects = || first.app_state.metrics.listener_connects.load(std::sync::atomic::Ordering::Relaxed);
    let before = connects();
    // Both instances' listeners end; events are made while they come back.
    let db = &second.app_state.db;
    let killed = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .expect("terminate the listeners");
    assert_eq!(killed.len(), 2, "one listening connection per instance");
    for _ in 0..5 {
        second.issue("A").await;
    }
    for _ in 0..5 {
        let event = next_message(&mut socket).await;
        assert_eq!((event["type"].as_str(), event["seq"].as_i64()), (Some("ticket_issued"), Some(last + 1)));
        last += 1;
    }
    // Listening again, and notifications flow as before.
    let deadline = Instant::now() + Duration::from_secs(20);
    while connects() == before {
        assert!(Instant::now() < deadline, "the listener did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.issue("C").await;
    let event = next_message(&mut socket).await;
    assert_eq!((event["type"].as_str(), event["seq"].as_i64()), (Some("ticket_issued"), Some(last + 1)));
}

#[actix_web::test]
async fn a_configuration_change_on_one_instance_reaches_the_others_cache_at_once() {
    if !postgres_available().await {
        return;
    }
    let (first, second) = two_instances(|s| s).await;
    let cached_at = Instant::now();
    let before = name_of_a(&first).await;
    let manager = second.login("manager1").await;
    let (status, body) = second.put("/api/v1/halls/demo/services/A", json!({"name": "综合申报（新）"}), &manager).await;
    assert_eq!(status, 200, "{body}");
    // The hall cache keeps a copy 10 s; the change must show well before that.
    loop {
        let now = name_of_a(&first).await;
        if now == "综合申报（新）" {
            break;
        }
        assert_eq!(now, before);
        assert!(cached_at.elapsed() < Duration::from_secs(9), "the first instance still serves its cached copy");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn name_of_a(app: &TestApp) -> serde_json::Value {
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    services.as_array().expect("services").iter().find(|s| s["code"] == "A").expect("A")["name"].clone()
}

#[actix_web::test]
async fn the_login_throttle_and_the_anonymous_limit_hold_across_instances() {
    if !postgres_available().await {
        return;
    }
    let (first, second) = two_instances(|s| Settings { login_max_failures: 3, public_rate_limit: 4, ..s }).await;

    // Three wrong passwords, spread over both instances, lock the account on both.
    for app in [&first, &second, &first] {
        assert_error(&app.try_login("window3", "wrong-password").await, 401, "invalid_credentials");
    }
    for app in [&first, &second] {
        let refused = app.try_login("window3", DEMO_PASSWORD).await;
        assert_error(&refused, 429, "rate_limited");
        assert!(refused.1["retry_after_seconds"].as_u64().is_some_and(|s| s >= 1), "{}", refused.1);
    }
    // Another account is not held up.
    first.login("window4").await;
    // The counts are rows of the database; housekeeping drops them once they no longer matter.
    let db = &first.app_state.db;
    let stored = |key: &'static str| async move {
        db.query_one_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM throttle_state WHERE key = $1",
            [key.into()],
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get_by_index::<i64>(0)
        .expect("count")
    };
    assert_eq!(stored("login:account:window3").await, 1);
    hallq::persistence::throttles::delete_expired(db, chrono::Utc::now()).await.expect("delete");
    assert_eq!(stored("login:account:window3").await, 1, "still locked, still kept");
    hallq::persistence::throttles::delete_expired(db, chrono::Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("delete");
    assert_eq!(stored("login:account:window3").await, 0);
    second.login("window3").await;

    // Twenty anonymous tickets at once from one address, ten per instance: four are taken.
    let attempts = (0..20).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        async move { app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let taken = answers.iter().filter(|(status, _)| *status == 201).count();
    let refused: Vec<_> = answers.iter().filter(|(status, _)| *status != 201).collect();
    assert_eq!(taken, 4, "{answers:?}");
    for answer in refused {
        assert_error(answer, 429, "rate_limited");
    }
    // Kiosk staff are never limited.
    let staff = second.login("staff1").await;
    let (status, body) = second.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), Some(&staff)).await;
    assert_eq!(status, 201, "{body}");
}
