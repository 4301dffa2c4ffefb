use crate::helpers::{assert_error, assert_queue_counters_match, spawn_app, Backend};
use crate::on_both_databases;
use serde_json::json;

on_both_databases!(
    health_and_readiness_answer,
    the_demo_hall_lists_its_services_and_windows,
    a_ticket_goes_from_waiting_to_done_over_http,
    green_channel_tickets_are_called_first_and_counted_ahead,
    a_transferred_ticket_keeps_its_number_and_place,
    a_ticket_transferred_to_a_window_is_called_only_there,
    a_no_show_can_be_restored_within_the_grace_period,
    a_waiting_ticket_can_be_cancelled_by_its_holder,
    the_social_insurance_cash_windows_are_closed_until_opened,
    pages_and_the_openapi_document_are_served,
    a_hall_sets_its_own_recall_limit_and_no_show_grace,
    every_table_has_an_entity,
);

async fn every_table_has_an_entity(backend: Backend) {
    use sea_orm::{ConnectionTrait, EntityName};
    let app = spawn_app(backend).await;
    let db = &app.app_state.db;
    let sql = match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        Backend::Postgres => "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
    };
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.expect("tables");
    let mut tables: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("name"))
        .filter(|t| t != "seaql_migrations")
        .collect();
    tables.sort();
    let mut entities: Vec<&str> = vec![
        entity::app_secret::Entity.table_name(),
        entity::appointment::Entity.table_name(),
        entity::appointment_slot::Entity.table_name(),
        entity::audit_entry::Entity.table_name(),
        entity::auth_session::Entity.table_name(),
        entity::calendar_day::Entity.table_name(),
        entity::diversion::Entity.table_name(),
        entity::event::Entity.table_name(),
        entity::hall::Entity.table_name(),
        entity::help_request::Entity.table_name(),
        entity::kiosk::Entity.table_name(),
        entity::opening_hour::Entity.table_name(),
        entity::print_request::Entity.table_name(),
        entity::queue_alert::Entity.table_name(),
        entity::queue_counter::Entity.table_name(),
        entity::rating::Entity.table_name(),
        entity::service::Entity.table_name(),
        entity::throttle_state::Entity.table_name(),
        entity::ticket::Entity.table_name(),
        entity::ticket_counter::Entity.table_name(),
        entity::user::Entity.table_name(),
        entity::user_window::Entity.table_name(),
        entity::window::Entity.table_name(),
        entity::window_service::Entity.table_name(),
    ];
    // On SQLite only: what the server's kept staff reads are checked against.
    if backend == Backend::Sqlite {
        entities.push(entity::staff_version::Entity.table_name());
    }
    entities.sort_unstable();
    assert_eq!(tables, entities, "a table without an entity (or an entity without a table)");
}

async fn a_hall_sets_its_own_recall_limit_and_no_show_grace(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    assert_eq!(
        (settings["recall_limit"].clone(), settings["no_show_grace_minutes"].clone()),
        (json!(null), json!(null))
    );
    settings["recall_limit"] = json!(1);
    settings["no_show_grace_minutes"] = json!(0);
    let (status, saved) = app.put("/api/v1/halls/demo/settings", settings.clone(), &manager).await;
    assert_eq!(status, 200, "{saved}");
    app.issue("A").await;
    let staff = app.login("window1").await;
    app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(app.console(1, &staff).await["recall_limit"], 1);
    assert_eq!(app.window_op(1, "recall", None, &staff).await.0, 200);
    assert_error(&app.window_op(1, "recall", None, &staff).await, 409, "recall_limit");
    app.window_op(1, "no-show", None, &staff).await;
    // No grace at all: a no-show cannot be put back.
    assert_error(&app.window_op(1, "restore", Some(json!({"number": "A001"})), &staff).await, 409, "grace_expired");
    settings["recall_limit"] = json!(50);
    assert_error(&app.put("/api/v1/halls/demo/settings", settings, &manager).await, 400, "invalid_settings");
}

async fn health_and_readiness_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);
    app.app_state.db.close_by_ref().await.expect("close pool");
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "database_unavailable");
}

async fn the_demo_hall_lists_its_services_and_windows(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, halls) = app.get("/api/v1/halls").await;
    assert_eq!(status, 200);
    assert_eq!(halls[0]["code"], "demo");
    assert_eq!(halls[0]["name"], "示例县税务局办税服务厅");

    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    let codes: Vec<_> = services.as_array().expect("array").iter().map(|s| s["code"].as_str().expect("code")).collect();
    assert_eq!(codes, ["A", "B", "C", "D", "E", "F"]);
    assert_eq!(services[2]["name"], "社保缴费");
    assert!(services[2]["name_en"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(services[0]["open_windows"], 8, "windows 1-8 all serve A");
    assert_eq!(services[2]["open_windows"], 1, "only window 8 serves C while 9-10 are closed");

    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    let windows = windows.as_array().expect("array");
    assert_eq!(windows.len(), 10);
    assert_eq!(windows[0]["services"], json!(["A", "F"]));
    assert_eq!(windows[5]["services"], json!(["D", "A", "B"]));
    assert_eq!(windows[0]["kind"], "general");
    assert_eq!(windows[0]["state"], "open");
    assert_eq!(windows[8]["kind"], "si_cash");
    assert_eq!(windows[8]["state"], "closed");
    assert_eq!(windows[8]["services"], json!(["C"]));
    assert!(windows[0]["current_ticket"].is_null());
    assert_error(&app.get("/api/v1/halls/nowhere/services").await, 404, "hall_not_found");
}

async fn a_ticket_goes_from_waiting_to_done_over_http(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.issue("A").await;
    assert_eq!(first["number"], "A001");
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["ahead"], 0);
    let second = app.issue("A").await;
    assert_eq!(second["number"], "A002");
    assert_eq!(second["ahead"], 1);
    assert!(second["estimated_wait_minutes"].as_u64().expect("minutes") >= 1);
    let token = second["token"].as_str().expect("token");
    assert_eq!(token.len(), 64);

    let staff = app.login("window1").await;
    let (status, called) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    assert_eq!(called["ticket"]["number"], "A001");
    assert_eq!(called["ticket"]["status"], "called");
    assert_eq!(called["ticket"]["window"]["number"], 1);

    let (_, tracked) = app.get(&format!("/api/v1/tickets/{token}")).await;
    assert_eq!(tracked["ahead"], 0, "A001 is at the window now");

    assert_eq!(app.window_op(1, "recall", None, &staff).await.1["ticket"]["recall_count"], 1);
    assert_eq!(app.window_op(1, "start", None, &staff).await.1["ticket"]["status"], "serving");
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    assert_eq!(windows[0]["current_ticket"]["number"], "A001");
    assert_eq!(app.window_op(1, "finish", None, &staff).await.1["ticket"]["status"], "done");

    let (_, next) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(next["ticket"]["number"], "A002");
    let (_, tracked) = app.get(&format!("/api/v1/tickets/{token}")).await;
    assert_eq!(tracked["status"], "called");
    assert_eq!(tracked["window"]["number"], 1);
    assert_eq!(tracked["window_number"], 1);
    app.window_op(1, "start", None, &staff).await;
    app.window_op(1, "finish", None, &staff).await;

    let (status, empty) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    assert!(empty["ticket"].is_null(), "{empty}");
}

async fn green_channel_tickets_are_called_first_and_counted_ahead(backend: Backend) {
    let app = spawn_app(backend).await;
    app.issue("A").await;
    app.issue("A").await;
    let (status, green) =
        app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A", "priority": "green"})), None).await;
    assert_eq!(status, 201);
    assert_eq!(green["number"], "A003");
    assert_eq!(green["ahead"], 0, "green goes before normal tickets");
    let (_, later) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
    assert_eq!(later["ahead"], 3);
    let staff = app.login("window2").await;
    assert_eq!(app.window_op(2, "call-next", None, &staff).await.1["ticket"]["number"], "A003");
    assert_queue_counters_match(&app).await;
}

async fn a_transferred_ticket_keeps_its_number_and_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let moved = app.issue("A").await;
    app.issue("B").await;
    app.issue("B").await;
    let w1 = app.login("window1").await;
    app.window_op(1, "call-next", None, &w1).await;
    let (status, transferred) =
        app.window_op(1, "transfer", Some(json!({"service": "B", "note": "需要代开发票"})), &w1).await;
    assert_eq!(status, 200, "{transferred}");
    assert_eq!(transferred["ticket"]["status"], "transferred");
    assert_eq!(transferred["ticket"]["number"], "A001");
    assert_eq!(transferred["ticket"]["service"], "B");
    assert_eq!(transferred["ticket"]["transfer_note"], "需要代开发票");
    assert_eq!(transferred["ticket"]["issued_at"], moved["issued_at"]);
    assert!(app.get("/api/v1/halls/demo/windows").await.1[0]["current_ticket"].is_null());
    // Window 4 serves B first: A001 was issued before B001 and B002, so it goes first.
    let w4 = app.login("window4").await;
    assert_eq!(app.window_op(4, "call-next", None, &w4).await.1["ticket"]["number"], "A001");
    assert_queue_counters_match(&app).await;
}

async fn a_ticket_transferred_to_a_window_is_called_only_there(backend: Backend) {
    let app = spawn_app(backend).await;
    app.issue("A").await;
    app.issue("A").await;
    let w1 = app.login("window1").await;
    app.window_op(1, "call-next", None, &w1).await;
    assert_error(&app.window_op(1, "transfer", Some(json!({"window": 1})), &w1).await, 400, "same_window");
    assert_error(&app.window_op(1, "transfer", Some(json!({"window": 99})), &w1).await, 400, "unknown_window");
    assert_error(&app.window_op(1, "transfer", Some(json!({})), &w1).await, 400, "invalid_transfer");
    let (status, _) = app.window_op(1, "transfer", Some(json!({"window": 7})), &w1).await;
    assert_eq!(status, 200);
    // Window 2 serves A too, but A001 now waits for window 7 only.
    let w2 = app.login("window2").await;
    assert_eq!(app.window_op(2, "call-next", None, &w2).await.1["ticket"]["number"], "A002");
    let w7 = app.login("window7").await;
    assert_eq!(app.window_op(7, "call-next", None, &w7).await.1["ticket"]["number"], "A001");
    assert_queue_counters_match(&app).await;
}

async fn a_no_show_can_be_restored_within_the_grace_period(backend: Backend) {
    let app = spawn_app(backend).await;
    app.issue("F").await;
    let w1 = app.login("window1").await;
    app.window_op(1, "call-next", None, &w1).await;
    app.window_op(1, "recall", None, &w1).await;
    app.window_op(1, "recall", None, &w1).await;
    assert_error(&app.window_op(1, "recall", None, &w1).await, 409, "recall_limit");
    let (_, gone) = app.window_op(1, "no-show", None, &w1).await;
    assert_eq!(gone["ticket"]["status"], "no_show");
    assert_error(&app.window_op(1, "no-show", None, &w1).await, 409, "no_ticket");
    let (status, restored) = app.window_op(1, "restore", Some(json!({"number": "F001"})), &w1).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["ticket"]["status"], "waiting");
    assert_error(&app.window_op(1, "restore", Some(json!({"number": "F001"})), &w1).await, 409, "invalid_transition");
    assert_eq!(app.window_op(1, "call-next", None, &w1).await.1["ticket"]["number"], "F001");
    app.window_op(1, "no-show", None, &w1).await;
    // A server whose grace period is zero refuses the same restore.
    let strict = crate::helpers::spawn_on(app.database.clone(), |mut s| {
        s.no_show_grace_minutes = 0;
        s
    })
    .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    let w1 = strict.login("window1").await;
    assert_error(&strict.window_op(1, "restore", Some(json!({"number": "F001"})), &w1).await, 409, "grace_expired");
    assert_queue_counters_match(&app).await;
}

async fn a_waiting_ticket_can_be_cancelled_by_its_holder(backend: Backend) {
    let app = spawn_app(backend).await;
    let ticket = app.issue("D").await;
    let token = ticket["token"].as_str().expect("token");
    let (status, cancelled) = app.post(&format!("/api/v1/tickets/{token}/cancel"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_error(&app.post(&format!("/api/v1/tickets/{token}/cancel"), None, None).await, 409, "invalid_transition");
    let w6 = app.login("window6").await;
    assert!(app.window_op(6, "call-next", None, &w6).await.1["ticket"].is_null());
    assert_queue_counters_match(&app).await;
}

async fn the_social_insurance_cash_windows_are_closed_until_opened(backend: Backend) {
    let app = spawn_app(backend).await;
    app.issue("C").await;
    let w9 = app.login("window9").await;
    assert_error(&app.window_op(9, "call-next", None, &w9).await, 409, "window_not_open");
    let manager = app.login("manager1").await;
    let (status, opened) = app.window_op(9, "open", None, &manager).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["state"], "open");
    assert_eq!(app.window_op(9, "call-next", None, &w9).await.1["ticket"]["number"], "C001");
    assert_error(&app.window_op(9, "close", None, &manager).await, 409, "window_busy");
    assert_error(&app.window_op(9, "pause", Some(json!({"reason": "午休"})), &w9).await, 409, "window_busy");
    app.window_op(9, "start", None, &w9).await;
    app.window_op(9, "finish", None, &w9).await;
    let (_, paused) = app.window_op(9, "pause", Some(json!({"reason": "午休"})), &w9).await;
    assert_eq!(paused["state"], "paused");
    assert_eq!(paused["pause_reason"], "午休");
    assert_error(&app.window_op(9, "call-next", None, &w9).await, 409, "window_not_open");
    assert_error(&app.window_op(9, "pause", None, &w9).await, 409, "invalid_window_state");
    assert_eq!(app.window_op(9, "resume", None, &w9).await.1["state"], "open");
    assert_eq!(app.window_op(9, "close", None, &manager).await.1["state"], "closed");
}

async fn pages_and_the_openapi_document_are_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut page = app.client.get(app.url("/")).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(page.body().await.expect("body").to_vec()).expect("utf-8");
    assert!(html.contains("示例县税务局办税服务厅"), "hall name on the page");
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(html.contains("lang=\"zh-CN\""));
    let mut english = app.client.get(app.url("/?lang=en")).send().await.expect("page");
    let html = String::from_utf8(english.body().await.expect("body").to_vec()).expect("utf-8");
    assert!(html.contains("Demo County Tax Service Hall"));
    assert!(html.contains("lang=\"en\""));
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/v1/halls/{hall}/tickets"]["post"].is_object(), "issuing is documented");
    assert!(doc["paths"]["/api/v1/windows/{id}/call-next"]["post"].is_object());
    // The document lists every error code, from the one enum.
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("codes")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(codes.len(), hallq::error::ErrorCode::ALL.len(), "{codes:?}");
    assert!(codes.contains(&"hall_closed") && codes.contains(&"window_busy"), "{codes:?}");
    let css = app.client.get(app.url("/static/css/hallq.css")).send().await.expect("css");
    assert_eq!(css.status().as_u16(), 200);
}
