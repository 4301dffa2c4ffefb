use crate::helpers::{app_at, assert_error, set_county_hours, spawn_app, Backend};
use crate::on_both_databases;
use sea_orm::ConnectionTrait;

on_both_databases!(
    tickets_are_refused_outside_opening_hours_with_the_next_opening,
    numbers_restart_at_midnight_in_the_hall_timezone
);

async fn tickets_are_refused_outside_opening_hours_with_the_next_opening(backend: Backend) {
    let setup = spawn_app(backend).await;
    // Give the demo hall real hours: Monday to Friday 08:30–12:00 and 13:30–17:30; Monday
    // 2026-11-30 is a holiday and Sunday 2026-11-29 a make-up working day (调休).
    set_county_hours(&setup).await;
    let db = &setup.app_state.db;
    db.execute_unprepared("INSERT INTO calendar_days (hall_id, day, kind, note) VALUES (1, '2026-11-30', 'holiday', 'test'), (1, '2026-11-29', 'workday', '调休')")
        .await
        .expect("calendar");
    setup.stop().await;

    let cases = [
        ("2026-11-25T09:00:00+08:00", None),
        ("2026-11-25T12:10:00+08:00", Some("2026-11-25T13:30:00+08:00")),
        ("2026-11-25T18:00:00+08:00", Some("2026-11-26T08:30:00+08:00")),
        ("2026-11-28T10:00:00+08:00", Some("2026-11-29T08:30:00+08:00")),
        ("2026-11-29T10:00:00+08:00", None),
        ("2026-11-29T18:00:00+08:00", Some("2026-12-01T08:30:00+08:00")),
    ];
    for (now, next_opening) in cases {
        let app = app_at(&setup, now).await;
        let response = app.post("/api/v1/halls/demo/tickets", Some(serde_json::json!({"service": "A"})), None).await;
        match next_opening {
            None => assert_eq!(response.0, 201, "open at {now}: {}", response.1),
            Some(next) => {
                assert_error(&response, 409, "hall_closed");
                assert_eq!(response.1["next_opening"], next, "at {now}");
            }
        }
        app.stop().await;
    }
}

async fn numbers_restart_at_midnight_in_the_hall_timezone(backend: Backend) {
    // 23:59:59.2 in Shanghai is 15:59:59.2 UTC: the UTC date does not change, the hall's does.
    let setup = spawn_app(backend).await;
    setup.stop().await;
    let app = app_at(&setup, "2026-11-25T23:59:59.200+08:00").await;
    assert_eq!(app.issue("A").await["number"], "A001");
    assert_eq!(app.issue("A").await["number"], "A002");
    app.advance(chrono::Duration::seconds(1));
    let next_day = app.issue("A").await;
    assert_eq!(next_day["number"], "A001", "a new business day starts at Shanghai midnight");
    assert_eq!(next_day["ahead"], 0, "yesterday's queue is not today's");
    let staff = app.login("window1").await;
    let (_, called) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(called["ticket"]["id"], next_day["id"], "only today's tickets are called");
}

on_both_databases!(tickets_left_from_yesterday_are_cancelled_by_housekeeping);

async fn tickets_left_from_yesterday_are_cancelled_by_housekeeping(backend: Backend) {
    let setup = spawn_app(backend).await;
    setup.stop().await;
    let app = app_at(&setup, "2026-11-25T23:59:59.300+08:00").await;
    let yesterday = app.issue("A").await;
    let token = yesterday["token"].as_str().expect("token").to_owned();
    app.advance(chrono::Duration::seconds(1));
    let today = app.issue("A").await;
    let expired = hallq::jobs::housekeeping::run_once(&app.app_state).await.expect("housekeeping runs");
    assert_eq!(expired, 1, "only yesterday's ticket");
    assert_eq!(app.get(&format!("/api/v1/tickets/{token}")).await.1["status"], "cancelled");
    let today_token = today["token"].as_str().expect("token");
    assert_eq!(app.get(&format!("/api/v1/tickets/{today_token}")).await.1["status"], "waiting");
    assert_eq!(hallq::jobs::housekeeping::run_once(&app.app_state).await.expect("again"), 0, "idempotent");
    crate::helpers::assert_queue_counters_match(&app).await;
}
