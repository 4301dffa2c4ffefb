//! The taxpayer's side: cut-off near closing, diversions, ratings, the per-client limit, kiosk
//! devices, remote tickets by phone and the hall settings behind them.
use crate::helpers::{app_at, assert_error, set_cookie, set_county_hours, spawn_app, spawn_on, Backend, TestApp};
use crate::on_both_databases;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

on_both_databases!(
    tickets_stop_before_closing_and_before_lunch,
    diversions_are_recorded_without_tickets,
    a_finished_ticket_is_rated_once_and_changed_briefly,
    phones_take_one_ticket_per_service_within_the_halls_rules,
    managers_register_kiosks_and_change_settings,
);

async fn issue_raw(app: &TestApp, body: Value, token: Option<&str>) -> (u16, Value) {
    app.post("/api/v1/halls/demo/tickets", Some(body), token).await
}

async fn tickets_stop_before_closing_and_before_lunch(backend: Backend) {
    let setup = spawn_app(backend).await;
    set_county_hours(&setup).await;
    setup.stop().await;

    // Wednesday 11:50. A (8 min, windows 1–8) still fits before lunch; E (12 min, window 7
    // only) would end after 12:00.
    let app = app_at(&setup, "2026-11-25T11:50:00+08:00").await;
    assert_eq!(issue_raw(&app, json!({"service": "A"}), None).await.0, 201);
    let refused = issue_raw(&app, json!({"service": "E"}), None).await;
    assert_error(&refused, 409, "cutoff");
    assert_eq!(refused.1["next_opening"], "2026-11-25T13:30:00+08:00", "{}", refused.1);
    assert_eq!(refused.1["service"], "E");
    assert_eq!(refused.1["closes_at"], "2026-11-25T12:00:00+08:00");
    assert!(refused.1["message"].as_str().expect("message").contains("13:30"));
    // Appointments keep their booked time.
    let staff = app.login("window7").await;
    assert_eq!(issue_raw(&app, json!({"service": "E", "priority": "appointment"}), Some(&staff)).await.0, 201);
    app.stop().await;

    // Thursday 17:14:30: the first E fits (17:26:30), the second waits 12 min more and would not.
    let app = app_at(&setup, "2026-11-26T17:14:30+08:00").await;
    let (status, first) = issue_raw(&app, json!({"service": "E"}), None).await;
    assert_eq!(status, 201, "{first}");
    let late = issue_raw(&app, json!({"service": "E"}), None).await;
    assert_error(&late, 409, "cutoff");
    assert_eq!(late.1["next_opening"], "2026-11-27T08:30:00+08:00");
    // Tickets already issued are still served.
    let staff = app.login("window7").await;
    let (_, called) = app.window_op(7, "call-next", None, &staff).await;
    assert!(called["ticket"]["service"] == "E", "{called}");

    // A hall may stop every service a fixed time before closing.
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["stop_issuing_minutes_before_close"] = json!(30);
    let (status, saved) = app.put("/api/v1/halls/demo/settings", settings.clone(), &manager).await;
    assert_eq!(status, 200, "{saved}");
    assert_error(&issue_raw(&app, json!({"service": "A"}), None).await, 409, "cutoff");
    settings["stop_issuing_minutes_before_close"] = Value::Null;
    settings["cutoff_margin_minutes"] = json!(10);
    app.put("/api/v1/halls/demo/settings", settings, &manager).await;
    // The margin moves the limit to 17:20: A (8 min) would end at 17:22:30.
    assert_error(&issue_raw(&app, json!({"service": "A"}), None).await, 409, "cutoff");
    assert_eq!(issue_raw(&app, json!({"service": "F"}), None).await.0, 201, "F takes 5 min: 17:20 fits");
    app.stop().await;
}

async fn diversions_are_recorded_without_tickets(backend: Backend) {
    let app = spawn_app(backend).await;
    for (service, channel) in [("C", "kiosk"), ("C", "mobile"), ("A", "kiosk")] {
        let (status, body) = app
            .post("/api/v1/halls/demo/diversions", Some(json!({"service": service, "channel": channel})), None)
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["target"], "online");
    }
    let volunteer = app.login("volunteer1").await;
    let body = json!({"service": "B", "channel": "volunteer", "target": "self_service"});
    assert_eq!(app.post("/api/v1/halls/demo/diversions", Some(body), Some(&volunteer)).await.0, 201);
    assert_error(
        &app.post("/api/v1/halls/demo/diversions", Some(json!({"service": "Z"})), None).await,
        400,
        "unknown_service",
    );
    assert_error(
        &app.post("/api/v1/halls/demo/diversions", Some(json!({"service": "A", "target": "moon"})), None).await,
        400,
        "invalid_target",
    );
    assert_error(
        &app.post("/api/v1/halls/demo/diversions", Some(json!({"service": "A", "channel": "counter"})), None).await,
        400,
        "invalid_channel",
    );

    let manager = app.login("manager1").await;
    let (status, summary) = app.get_as("/api/v1/halls/demo/diversions", &manager).await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["total"], 4);
    let c_kiosk = summary["by_service"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["service"] == "C" && c["channel"] == "kiosk")
        .cloned();
    assert_eq!(c_kiosk.expect("C at the kiosk")["count"], 1);
    assert_error(&app.get_as("/api/v1/halls/demo/diversions", &volunteer).await, 403, "forbidden");
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert!(services.as_array().expect("services").iter().all(|s| s["waiting"] == 0), "no ticket was issued");
}

async fn a_finished_ticket_is_rated_once_and_changed_briefly(backend: Backend) {
    let app = spawn_app(backend).await;
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token");
    let path = format!("/api/v1/tickets/{token}/rating");
    assert_error(&app.post(&path, Some(json!({"score": 5})), None).await, 409, "not_finished");

    let staff = app.login("window1").await;
    app.window_op(1, "call-next", None, &staff).await;
    app.window_op(1, "start", None, &staff).await;
    app.window_op(1, "finish", None, &staff).await;

    assert_error(&app.post(&path, Some(json!({"score": 0})), None).await, 400, "invalid_score");
    assert_error(&app.post(&path, Some(json!({"score": 6})), None).await, 400, "invalid_score");
    assert_error(&app.post(&path, Some(json!({"score": 4, "tags": ["很好"]})), None).await, 400, "invalid_tag");
    assert_error(
        &app.post(&path, Some(json!({"score": 4, "comment": "字".repeat(501)})), None).await,
        400,
        "comment_too_long",
    );
    assert_error(&app.get(&path).await, 404, "rating_not_found");

    let (status, rated) =
        app.post(&path, Some(json!({"score": 4, "tags": ["办理高效"], "comment": " 很快 "})), None).await;
    assert_eq!(status, 201, "{rated}");
    assert_eq!(rated["label"], "满意");
    assert_eq!(rated["comment"], "很快");
    assert_error(&app.post(&path, Some(json!({"score": 1})), None).await, 409, "already_rated");

    // Changed within the window.
    let mut response = app
        .client
        .put(app.url(&path))
        .send_json(&json!({"score": 5, "tags": ["服务热情", "办理高效"]}))
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let changed: Value = response.json().await.expect("json");
    assert_eq!(changed["score"], 5);
    assert_eq!(app.get(&path).await.1["label"], "非常满意");

    // Stored with the window and the staff member who served it.
    let db = &app.app_state.db;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT w.number, u.username FROM ratings r JOIN windows w ON w.id = r.window_id JOIN users u ON u.id = r.staff_id",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.try_get_by_index::<i32>(0).expect("window"), 1);
    assert_eq!(row.try_get_by_index::<String>(1).expect("staff"), "window1");

    // Ten minutes on, it is locked.
    let earlier = (app.app_state.clock.now() - chrono::Duration::minutes(11)).to_rfc3339();
    db.execute_unprepared(&format!("UPDATE ratings SET created_at = '{earlier}'")).await.expect("age the rating");
    let mut response = app.client.put(app.url(&path)).send_json(&json!({"score": 1})).await.expect("sent");
    assert_eq!(response.status().as_u16(), 409);
    let locked: Value = response.json().await.expect("json");
    assert_eq!(locked["error"], "rating_locked");
    assert_error(
        &app.post("/api/v1/tickets/nope/rating", Some(json!({"score": 5})), None).await,
        404,
        "ticket_not_found",
    );
}

/// The phone cookie the phone page hands out.
async fn phone_cookie(app: &TestApp) -> String {
    let response = app.client.get(app.url("/m/demo")).send().await.expect("phone page");
    assert_eq!(response.status().as_u16(), 200);
    set_cookie(response.headers(), "hallq_phone")
}

async fn issue_as_phone(app: &TestApp, cookie: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = app.client.post(app.url("/api/v1/halls/demo/tickets"));
    if let Some(cookie) = cookie {
        // As the phone page's own script sends it.
        request = request.insert_header(("cookie", cookie.to_owned())).insert_header(("origin", app.address.clone()));
    }
    let mut response = request.send_json(&body).await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn phones_take_one_ticket_per_service_within_the_halls_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone_cookie(&app).await;
    let (status, first) = issue_as_phone(&app, Some(&phone), json!({"service": "A", "channel": "mobile"})).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["channel"], "mobile");
    // One active ticket per service per phone: the phone is told which one it has.
    let again = issue_as_phone(&app, Some(&phone), json!({"service": "A", "channel": "mobile"})).await;
    assert_error(&again, 409, "already_has_ticket");
    assert_eq!(again.1["token"], first["token"]);
    assert_eq!(issue_as_phone(&app, Some(&phone), json!({"service": "B", "channel": "mobile"})).await.0, 201);
    // A forged cookie is no phone id at all.
    let last = if phone.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &phone[..phone.len() - 1]);
    assert_eq!(issue_as_phone(&app, Some(&forged), json!({"service": "A", "channel": "mobile"})).await.0, 201);
    // This phone's tickets of today.
    let mut response = app
        .client
        .get(app.url("/api/v1/halls/demo/my-tickets"))
        .insert_header(("cookie", phone.clone()))
        .send()
        .await
        .expect("sent");
    let mine: Value = response.json().await.expect("json");
    assert_eq!(mine.as_array().expect("list").len(), 2);
    assert!(mine[0]["token"].is_string());

    // The hall requires a number: checked, kept masked, one per service per number.
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["require_phone"] = json!(true);
    settings["remote_cap"] = json!(4);
    assert_eq!(app.put("/api/v1/halls/demo/settings", settings.clone(), &manager).await.0, 200);
    let other = phone_cookie(&app).await;
    assert_error(
        &issue_as_phone(&app, Some(&other), json!({"service": "C", "channel": "mobile"})).await,
        400,
        "phone_required",
    );
    assert_error(
        &issue_as_phone(&app, Some(&other), json!({"service": "C", "channel": "mobile", "phone": "1234"})).await,
        400,
        "invalid_phone",
    );
    let (status, with_phone) =
        issue_as_phone(&app, Some(&other), json!({"service": "C", "channel": "mobile", "phone": "138 1234 5678"}))
            .await;
    assert_eq!(status, 201, "{with_phone}");
    assert!(with_phone.get("phone_masked").is_none(), "public shapes carry no phone, even masked: {with_phone}");
    // The window sees the number masked once it calls the ticket.
    let general = app.login("window8").await;
    let (status, called) = app.window_op(8, "call", Some(json!({"number": "C001"})), &general).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(app.console(8, &general).await["ticket"]["phone_masked"], "138****5678");
    let third = phone_cookie(&app).await;
    let same_number =
        issue_as_phone(&app, Some(&third), json!({"service": "C", "channel": "mobile", "phone": "13812345678"})).await;
    assert_error(&same_number, 409, "already_has_ticket");
    assert!(same_number.1.get("token").is_none(), "a typed-in number does not reveal the ticket");
    assert!(same_number.1.get("number").is_none(), "nor its number: {}", same_number.1);
    assert!(!same_number.1["message"].as_str().expect("message").contains("C001"));
    let db = &app.app_state.db;
    let leaked = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM events WHERE payload LIKE '%13812345678%'",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(leaked.try_get_by_index::<i64>(0).expect("count"), 0);

    // The cap on remote tickets queued in the hall: 4 (A, B, A without an id; C was called).
    let fourth = phone_cookie(&app).await;
    assert_eq!(
        issue_as_phone(&app, Some(&fourth), json!({"service": "D", "channel": "mobile", "phone": "13900000001"}))
            .await
            .0,
        201
    );
    assert_error(
        &issue_as_phone(&app, Some(&fourth), json!({"service": "E", "channel": "mobile", "phone": "13900000001"}))
            .await,
        409,
        "remote_cap_reached",
    );
    // Kiosk tickets are not remote tickets.
    assert_eq!(app.issue("E").await["channel"], "kiosk");

    // Remote issuing can be switched off.
    settings["remote_issue"] = json!(false);
    app.put("/api/v1/halls/demo/settings", settings, &manager).await;
    assert_error(
        &issue_as_phone(&app, Some(&fourth), json!({"service": "F", "channel": "mobile", "phone": "13900000001"}))
            .await,
        409,
        "remote_issue_disabled",
    );

    // Phone numbers are forgotten once their day is over.
    db.execute_unprepared("UPDATE tickets SET business_date = '2026-01-01' WHERE phone IS NOT NULL")
        .await
        .expect("age");
    hallq::jobs::housekeeping::run_once(&app.app_state).await.expect("housekeeping");
    let left = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM tickets WHERE phone IS NOT NULL",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(left.try_get_by_index::<i64>(0).expect("count"), 0);
}

async fn managers_register_kiosks_and_change_settings(backend: Backend) {
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(backend).await);
    let app = spawn_on(database, |mut settings| {
        settings.public_rate_limit = 3;
        settings
    })
    .await;
    // Anonymous issuing: three, then 429 with Retry-After.
    for _ in 0..3 {
        assert_eq!(issue_raw(&app, json!({"service": "A"}), None).await.0, 201);
    }
    let response =
        app.client.post(app.url("/api/v1/halls/demo/tickets")).send_json(&json!({"service": "A"})).await.expect("sent");
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 =
        response.headers().get("retry-after").expect("Retry-After").to_str().expect("text").parse().expect("seconds");
    assert!((1..=600).contains(&retry), "{retry}");
    // Diversions from the same client are counted separately.
    assert_eq!(app.post("/api/v1/halls/demo/diversions", Some(json!({"service": "C"})), None).await.0, 201);
    // Staff are never limited.
    let staff = app.login("window1").await;
    assert_eq!(issue_raw(&app, json!({"service": "A", "channel": "counter"}), Some(&staff)).await.0, 201);

    // A registered kiosk is never limited either.
    let manager = app.login("manager1").await;
    assert_error(
        &app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": "入口"})), Some(&staff)).await,
        403,
        "forbidden",
    );
    assert_error(
        &app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": " "})), Some(&manager)).await,
        400,
        "invalid_name",
    );
    let (status, kiosk) =
        app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": "大厅入口取号机"})), Some(&manager)).await;
    assert_eq!(status, 201, "{kiosk}");
    let token = kiosk["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64);
    assert_eq!(kiosk["setup_url"], format!("/kiosk/demo?device={token}"));
    for _ in 0..10 {
        let response = app
            .client
            .post(app.url("/api/v1/halls/demo/tickets"))
            .insert_header(("x-kiosk-token", token.clone()))
            .send_json(&json!({"service": "B"}))
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 201);
    }
    // The setup address stores the token in a cookie, which issues just the same.
    let no_redirects = awc::Client::builder().disable_redirects().finish();
    let setup = no_redirects.get(app.url(&format!("/kiosk/demo?device={token}"))).send().await.expect("setup");
    assert_eq!(setup.status().as_u16(), 303);
    let cookie = set_cookie(setup.headers(), "hallq_kiosk");
    let with_cookie = app
        .client
        .post(app.url("/api/v1/halls/demo/tickets"))
        .insert_header(("cookie", cookie))
        .insert_header(("origin", app.address.clone()))
        .send_json(&json!({"service": "B"}))
        .await
        .expect("sent");
    assert_eq!(with_cookie.status().as_u16(), 201);
    let (_, list) = app.get_as("/api/v1/halls/demo/kiosks", &manager).await;
    assert_eq!(list[0]["name"], "大厅入口取号机");
    assert!(list[0].get("token").is_none() && !list.to_string().contains(&token), "tokens are shown once");
    assert!(list[0]["last_seen_at"].is_string());
    // Revoked: back to the anonymous limit.
    let id = list[0]["id"].as_i64().expect("id");
    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/halls/demo/kiosks/{id}")))
        .bearer_auth(&manager)
        .send()
        .await
        .expect("sent");
    assert_eq!(revoked.status().as_u16(), 204);
    let refused = app
        .client
        .post(app.url("/api/v1/halls/demo/tickets"))
        .insert_header(("x-kiosk-token", token.clone()))
        .send_json(&json!({"service": "B"}))
        .await
        .expect("sent");
    assert_eq!(refused.status().as_u16(), 429);

    // Settings: public to read, managers to change, checked.
    let (status, settings) = app.get("/api/v1/halls/demo/settings").await;
    assert_eq!(status, 200);
    assert!(settings["online"]["C"]["zh"].as_str().expect("C guide").contains("微信"));
    assert_error(&app.put("/api/v1/halls/demo/settings", settings.clone(), &staff).await, 403, "forbidden");
    let mut bad = settings.clone();
    bad["online"]["Z"] = json!({"zh": "x", "en": "x"});
    assert_error(&app.put("/api/v1/halls/demo/settings", bad, &manager).await, 400, "invalid_settings");
    let mut unknown = settings.clone();
    unknown["colour"] = json!("red");
    assert_error(&app.put("/api/v1/halls/demo/settings", unknown, &manager).await, 400, "invalid_field");
    let mut shorter = settings;
    shorter["kiosk_return_seconds"] = json!(30);
    let (status, saved) = app.put("/api/v1/halls/demo/settings", shorter, &manager).await;
    assert_eq!((status, saved["kiosk_return_seconds"].clone()), (200, json!(30)));
    assert_eq!(app.get("/api/v1/halls/demo/settings").await.1["kiosk_return_seconds"], 30);
}
