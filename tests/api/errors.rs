use crate::helpers::{assert_error, spawn_app, Backend};
use crate::on_both_databases;
use serde_json::json;

on_both_databases!(
    malformed_and_wrong_input_gets_400_json,
    huge_and_non_json_bodies_get_413_and_415_json,
    unknown_things_get_404_json,
    window_operations_need_the_right_account,
    impossible_transitions_get_409_with_a_code,
    repeated_wrong_passwords_are_throttled_with_429,
);

async fn malformed_and_wrong_input_gets_400_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let raw = |body: &'static str| {
        let request =
            app.client.post(app.url("/api/v1/halls/demo/tickets")).insert_header(("content-type", "application/json"));
        async move {
            let mut response = request.send_body(body).await.expect("sent");
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    assert_error(&raw("{\"service\":").await, 400, "invalid_json");
    assert_error(&raw("not json at all").await, 400, "invalid_json");
    assert_error(&raw("{\"service\": 5}").await, 400, "invalid_field");
    assert_error(&raw("{}").await, 400, "invalid_field");
    assert_error(&raw("[1,2,3]").await, 400, "invalid_field");
    let post = |body| app.post("/api/v1/halls/demo/tickets", Some(body), None);
    assert_error(&post(json!({"service": "Z"})).await, 400, "unknown_service");
    let vip = post(json!({"service": "A", "priority": "vip"})).await;
    assert_error(&vip, 400, "invalid_priority");
    assert_eq!(vip.1["message"], "priority 'vip' is not one of normal, green, appointment", "{}", vip.1);
    assert_error(&post(json!({"service": "A", "channel": "fax"})).await, 400, "invalid_channel");
    assert_error(&post(json!({"service": ["A"]})).await, 400, "invalid_field");
    assert_error(&app.post("/api/v1/windows/abc/call-next", None, None).await, 400, "invalid_path");
    let staff = app.login("window1").await;
    assert_error(&app.window_op(1, "call", Some(json!({"number": 7})), &staff).await, 400, "invalid_field");
    assert_error(
        &app.window_op(1, "transfer", Some(json!({"service": "B", "note": "x".repeat(201)})), &staff).await,
        400,
        "note_too_long",
    );
    // Nothing was issued by any of that.
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[0]["waiting"], 0);
}

async fn huge_and_non_json_bodies_get_413_and_415_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let huge = format!("{{\"service\":\"A\",\"padding\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let mut response = app
        .client
        .post(app.url("/api/v1/halls/demo/tickets"))
        .insert_header(("content-type", "application/json"))
        .send_body(huge)
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_error(&(status, body), 413, "payload_too_large");
    let mut response = app
        .client
        .post(app.url("/api/v1/halls/demo/tickets"))
        .insert_header(("content-type", "text/plain"))
        .send_body("service=A")
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_error(&(status, body), 415, "unsupported_media_type");
}

async fn unknown_things_get_404_json(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_error(&app.get("/api/v1/no-such-thing").await, 404, "not_found");
    assert_error(
        &app.post("/api/v1/halls/nowhere/tickets", Some(json!({"service": "A"})), None).await,
        404,
        "hall_not_found",
    );
    assert_error(&app.get(&format!("/api/v1/tickets/{}", "0".repeat(64))).await, 404, "ticket_not_found");
    assert_error(&app.get("/api/v1/tickets/short").await, 404, "ticket_not_found");
    let staff = app.login("admin").await;
    assert_error(&app.post("/api/v1/windows/9999/call-next", None, Some(&staff)).await, 404, "window_not_found");
    assert_error(&app.window_op(1, "call", Some(json!({"number": "A999"})), &staff).await, 404, "ticket_not_found");
    assert_error(&app.get("/ws/halls/nowhere").await, 404, "hall_not_found");
    let page = app.client.get(app.url("/no/such/page")).send().await.expect("sent");
    assert_eq!(page.status().as_u16(), 404);
}

async fn window_operations_need_the_right_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.issue("A").await;
    let id = app.window_id(1).await;
    assert_error(&app.post(&format!("/api/v1/windows/{id}/call-next"), None, None).await, 401, "unauthorized");
    assert_error(
        &app.post(&format!("/api/v1/windows/{id}/call-next"), None, Some("not-a-token")).await,
        401,
        "unauthorized",
    );
    let other_staff = app.login("window2").await;
    assert_error(&app.window_op(1, "call-next", None, &other_staff).await, 403, "forbidden");
    let volunteer = app.login("volunteer1").await;
    assert_error(&app.window_op(1, "call-next", None, &volunteer).await, 403, "forbidden");
    assert_error(
        &app.post("/api/v1/auth/login", Some(json!({"username": "window1", "password": "wrong-password"})), None).await,
        401,
        "invalid_credentials",
    );
    assert_error(
        &app.post("/api/v1/auth/login", Some(json!({"username": "nobody", "password": "wrong-password"})), None).await,
        401,
        "invalid_credentials",
    );
    // Appointments come from bookings, not from the public.
    assert_error(
        &app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A", "priority": "appointment"})), None).await,
        401,
        "unauthorized",
    );
    assert_error(
        &app.post(
            "/api/v1/halls/demo/tickets",
            Some(json!({"service": "A", "priority": "appointment"})),
            Some(&volunteer),
        )
        .await,
        403,
        "forbidden",
    );
    let manager = app.login("manager1").await;
    let (status, ticket) = app
        .post(
            "/api/v1/halls/demo/tickets",
            Some(json!({"service": "A", "priority": "appointment", "channel": "counter"})),
            Some(&manager),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(ticket["priority"], "appointment");
    assert_eq!(app.window_op(1, "call-next", None, &manager).await.0, 200, "managers operate any window");
    // Logging out ends the session.
    let (status, _) = app.post("/api/v1/auth/logout", None, Some(&other_staff)).await;
    assert_eq!(status, 204);
    assert_error(&app.window_op(2, "call-next", None, &other_staff).await, 401, "unauthorized");
}

async fn impossible_transitions_get_409_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.login("window1").await;
    assert_error(&app.window_op(1, "start", None, &staff).await, 409, "no_ticket");
    app.issue("A").await;
    app.issue("A").await;
    app.window_op(1, "call-next", None, &staff).await;
    assert_error(&app.window_op(1, "finish", None, &staff).await, 409, "invalid_transition");
    assert_error(&app.window_op(1, "call-next", None, &staff).await, 409, "window_busy");
    assert_error(&app.window_op(1, "call", Some(json!({"number": "A002"})), &staff).await, 409, "window_busy");
    assert_error(&app.window_op(1, "open", None, &staff).await, 409, "invalid_window_state");
    app.window_op(1, "start", None, &staff).await;
    assert_error(&app.window_op(1, "start", None, &staff).await, 409, "invalid_transition");
    assert_error(&app.window_op(1, "recall", None, &staff).await, 409, "invalid_transition");
    assert_error(&app.window_op(1, "no-show", None, &staff).await, 409, "invalid_transition");
    app.window_op(1, "finish", None, &staff).await;
    let w4 = app.login("window4").await;
    app.issue("D").await;
    assert_error(&app.window_op(4, "call", Some(json!({"number": "D001"})), &w4).await, 409, "not_served_here");
    let (status, called) = app.window_op(1, "call", Some(json!({"number": "A002"})), &staff).await;
    assert_eq!(status, 200);
    assert_eq!(called["ticket"]["number"], "A002");
}

async fn repeated_wrong_passwords_are_throttled_with_429(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..10 {
        let response =
            app.post("/api/v1/auth/login", Some(json!({"username": "window1", "password": "guess-guess"})), None).await;
        assert_error(&response, 401, "invalid_credentials");
    }
    let response =
        app.post("/api/v1/auth/login", Some(json!({"username": "window1", "password": "guess-guess"})), None).await;
    assert_error(&response, 429, "rate_limited");
    let mut raw = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .send_json(&json!({"username": "window1", "password": crate::helpers::DEMO_PASSWORD}))
        .await
        .expect("sent");
    assert_eq!(raw.status().as_u16(), 429, "even the right password waits");
    assert!(raw.headers().contains_key("retry-after"));
    let _ = raw.body().await;
}

#[test]
fn every_error_code_the_api_can_return_has_a_chinese_and_an_english_message() {
    use hallq::error::ErrorCode;
    use hallq::http::i18n::{texts, Lang};
    // Codes are an enum (`domain::codes`): a code without a message fails here, not on a page.
    let (zh, en) = (texts(Lang::Zh), texts(Lang::En));
    let is_chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let missing: Vec<&str> = ErrorCode::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| {
            let key = format!("err_{code}");
            let chinese = zh[&key].as_str().unwrap_or_default();
            let english = en[&key].as_str().unwrap_or_default();
            !chinese.chars().any(is_chinese) || english.trim().is_empty() || english.chars().any(is_chinese)
        })
        .collect();
    assert!(missing.is_empty(), "error codes without a Chinese and an English message in i18n.rs: {missing:?}");
    assert!(ErrorCode::ALL.len() >= 70);
}
