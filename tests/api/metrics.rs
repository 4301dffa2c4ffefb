//! `GET /metrics`: off without a token, refused without the right one, and with it the
//! Prometheus text format with requests by route, the hall's queues, websocket clients, the
//! database pool and job runs.
use crate::helpers::{assert_error, spawn_on, Backend, TestDatabase};
use crate::on_both_databases;
use crate::websocket::{connect, keep_alive, next_message};
use hallq::config::Settings;
use std::sync::Arc;

on_both_databases!(metrics_report_requests_queues_clients_and_the_pool_to_holders_of_the_token);

const TOKEN: &str = "scrape-token-0123456789";

async fn metrics_report_requests_queues_clients_and_the_pool_to_holders_of_the_token(backend: Backend) {
    let database = Arc::new(TestDatabase::create(backend).await);
    let off = spawn_on(database.clone(), |s| s).await;
    assert_error(&off.get("/metrics").await, 404, "not_found");

    let app = spawn_on(database, |s| Settings { metrics_token: Some(TOKEN.into()), ..s }).await;
    assert_error(&app.get("/metrics").await, 401, "unauthorized");
    assert_error(&app.get_as("/metrics", "wrong-token-0123456789").await, 401, "unauthorized");

    let mut socket = connect(&app, "").await;
    next_message(&mut socket).await;
    app.issue("A").await;
    app.issue("A").await;
    app.issue("B").await;
    let staff = app.login("window1").await;
    app.window_op(1, "call-next", None, &staff).await;
    let (status, _) = app.get("/api/v1/halls/nowhere/services").await;
    assert_eq!(status, 404);
    // The hub publishes after the answer has gone, and on PostgreSQL the other instance may be
    // running housekeeping just then (its turn, not this one's): ask again until both show,
    // for up to 30 s, so a slow machine does not fail the test. (Failed once, on PostgreSQL, with
    // the websocket client count 0: the wait had outlasted the server's client timeout.)
    let mut text = String::new();
    for _ in 0..150 {
        hallq::jobs::take_turn(
            &app.app_state,
            hallq::jobs::Job::Housekeeping,
            hallq::jobs::housekeeping::run_once(&app.app_state),
        )
        .await;
        let mut response =
            app.client.get(app.url("/metrics")).bearer_auth(TOKEN).send().await.expect("metrics answered");
        assert_eq!(response.status().as_u16(), 200);
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        text = String::from_utf8(response.body().await.expect("body").to_vec()).expect("utf-8");
        let published = text
            .lines()
            .find_map(|line| line.strip_prefix("hallq_hub_delay_seconds_count "))
            .and_then(|n| n.parse::<f64>().ok())
            .is_some_and(|n| n >= 4.0);
        if published && text.contains(r#"hallq_job_runs_total{job="housekeeping",outcome="ran"}"#) {
            break;
        }
        // The socket counted below must outlive the wait: the server drops a client that has
        // not answered its pings for 10 s.
        keep_alive(&mut socket).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .parse()
            .expect("a number")
    };
    let tickets = r#"route="/api/v1/halls/{hall}/tickets",method="POST""#;
    assert_eq!(value(&format!("hallq_http_requests_total{{{tickets},status=\"201\"}}")), 3.0);
    assert_eq!(value(&format!("hallq_http_request_duration_seconds_count{{{tickets}}}")), 3.0);
    assert_eq!(value(&format!("hallq_http_request_duration_seconds_bucket{{{tickets},le=\"+Inf\"}}")), 3.0);
    assert_eq!(
        value(r#"hallq_http_requests_total{route="/api/v1/halls/{hall}/services",method="GET",status="404"}"#),
        1.0
    );
    assert_eq!(value(r#"hallq_tickets_issued_today{hall="demo",service="A"}"#), 2.0);
    assert_eq!(value(r#"hallq_tickets_called_today{hall="demo",service="A"}"#), 1.0);
    assert_eq!(value(r#"hallq_waiting{hall="demo",service="A"}"#), 1.0);
    assert_eq!(value(r#"hallq_waiting{hall="demo",service="B"}"#), 1.0);
    assert_eq!(value("hallq_websocket_clients"), 1.0);
    assert!(value(r#"hallq_db_pool_connections{state="idle"}"#) >= 1.0);
    assert!(value(r#"hallq_job_runs_total{job="housekeeping",outcome="ran"}"#) >= 1.0);
    assert!(value("hallq_hub_delay_seconds_count") >= 4.0, "every event went through the hub");
    // Every series belongs to a metric with HELP and TYPE.
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let name = line.split(['{', ' ']).next().unwrap_or_default();
        let family = ["_bucket", "_sum", "_count"].iter().fold(name, |n, suffix| n.strip_suffix(suffix).unwrap_or(n));
        assert!(text.contains(&format!("# TYPE {family} ")), "no TYPE for {line}");
    }
}
