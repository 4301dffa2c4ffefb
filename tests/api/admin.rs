//! Administration: a hall set up from nothing, each form's validation and live effect, the
//! audit log, and who may change what.
use crate::helpers::{app_at, assert_error, spawn_app, spawn_on, Backend, TestApp, TestDatabase, ADMIN_PASSWORD};
use crate::on_both_databases;
use crate::websocket::{connect, next_message};
use serde_json::{json, Value};

on_both_databases!(
    a_hall_is_set_up_from_an_empty_install_to_a_first_call,
    a_windows_services_changed_in_admin_change_dispatch_at_once,
    a_screen_that_hears_of_a_change_reads_the_new_configuration,
    a_deactivated_service_leaves_the_kiosk_but_its_queue_is_still_served,
    a_disabled_accounts_sessions_are_refused_at_once,
);

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let mut response = app.client.delete(app.url(path)).bearer_auth(token).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn weekdays(periods: Value) -> Value {
    json!({ "weekdays": (1..=7).map(|d| json!({"weekday": d, "periods": periods})).collect::<Vec<_>>() })
}

async fn admin(app: &TestApp) -> String {
    let (status, body) = app.try_login("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

async fn a_hall_is_set_up_from_an_empty_install_to_a_first_call(backend: Backend) {
    let database = std::sync::Arc::new(TestDatabase::create(backend).await);
    let app = spawn_on(database, |mut s| {
        s.demo = false;
        s
    })
    .await;
    let (_, halls) = app.get("/api/v1/halls").await;
    assert_eq!(halls, json!([]), "no demo hall");
    let page = app.client.get(app.url("/")).send().await.expect("sent").body().await.expect("body");
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("尚未配置办税服务厅") && page.contains("href=\"/admin\""),
        "the start page leads to setting up"
    );

    let token = admin(&app).await;
    let (status, hall) = app
        .post(
            "/api/v1/halls",
            Some(json!({"code": "county", "name": "城关办税服务厅", "address": "人民路 1 号"})),
            Some(&token),
        )
        .await;
    assert_eq!(status, 201, "{hall}");
    assert_eq!(hall["timezone"], "Asia/Shanghai");
    assert_eq!(hall["name_en"], "城关办税服务厅", "the English name defaults to the Chinese one");

    let (_, setup) = app.get_as("/api/v1/halls/county/setup", &token).await;
    assert_eq!(setup["ready_to_issue"], false);
    let missing: Vec<&str> = setup["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .filter(|c| c["done"] == false)
        .map(|c| c["item"].as_str().expect("item"))
        .collect();
    assert_eq!(missing, ["hours", "services", "windows", "staff", "window_open"]);
    // Nothing to issue yet: a clear refusal, not a crash.
    let (status, body) = app.post("/api/v1/halls/county/tickets", Some(json!({"service": "A"})), None).await;
    assert!(status == 400 || status == 409, "{status} {body}");
    assert!(body["error"].is_string() && body["message"].is_string(), "{body}");

    let (status, body) =
        app.put("/api/v1/halls/county/hours", weekdays(json!([{"opens": "00:00", "closes": "24:00"}])), &token).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/halls/county/services",
            Some(json!({"code": "A", "name": "综合业务", "target_wait_minutes": 20, "typical_handling_minutes": 8})),
            Some(&token),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["position"], 1);
    let (status, window) =
        app.post("/api/v1/halls/county/windows", Some(json!({"number": 1, "services": ["A"]})), Some(&token)).await;
    assert_eq!(status, 201, "{window}");
    assert_eq!(window["name"], "1号窗口");
    assert_eq!(window["state"], "closed");
    let (status, account) = app
        .post(
            "/api/v1/users",
            Some(json!({"username": "li.ming", "display_name": "李明", "role": "staff", "hall": "county", "windows": [1]})),
            Some(&token),
        )
        .await;
    assert_eq!(status, 201, "{account}");
    let password = account["password"].as_str().expect("a generated password, shown once").to_owned();
    assert_eq!(account["windows"], json!([1]));
    let (_, accounts) = app.get_as("/api/v1/users?hall=county", &token).await;
    assert!(accounts.as_array().expect("list").iter().all(|a| a.get("password").is_none()), "never shown again");

    let (_, setup) = app.get_as("/api/v1/halls/county/setup", &token).await;
    assert_eq!(setup["ready_to_issue"], true, "{setup}");

    // The staff member signs in, opens the window and calls the first ticket.
    let (status, ticket) = app.post("/api/v1/halls/county/tickets", Some(json!({"service": "A"})), None).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["number"], "A001");
    let (status, login) = app.try_login("li.ming", &password).await;
    assert_eq!(status, 200, "{login}");
    let staff = login["token"].as_str().expect("token").to_owned();
    let id = window["id"].as_i64().expect("id");
    for op in ["sign-in", "open"] {
        let (status, body) = app.post(&format!("/api/v1/windows/{id}/{op}"), None, Some(&staff)).await;
        assert_eq!(status, 200, "{op}: {body}");
    }
    let (status, called) = app.post(&format!("/api/v1/windows/{id}/call-next"), None, Some(&staff)).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["number"], "A001");
    let (_, setup) = app.get_as("/api/v1/halls/county/setup", &token).await;
    assert!(setup["checklist"].as_array().expect("list").iter().all(|c| c["done"] == true), "{setup}");
}

async fn a_windows_services_changed_in_admin_change_dispatch_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let window1 = app.login("window1").await;
    app.window_op(1, "sign-in", None, &window1).await;
    app.issue("A").await;
    let b = app.issue("B").await;
    let mut socket = connect(&app, "").await;
    assert_eq!(next_message(&mut socket).await["type"], "snapshot");
    let id = app.window_id(1).await;
    let (status, body) = app.put(&format!("/api/v1/windows/{id}"), json!({"services": ["B"]}), &manager).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["services"], json!(["B"]));
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        kinds.push(next_message(&mut socket).await["type"].as_str().expect("type").to_owned());
    }
    assert_eq!(kinds, ["window_updated", "hall_configured"], "screens hear of it at once");
    let (status, called) = app.window_op(1, "call-next", None, &window1).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["number"], b["number"], "window 1 now serves B only");
}

/// A screen reads the hall's configuration again when it hears `hall_configured`: by then the
/// cached configuration must be gone, or the screen would show the old one for the cache's
/// 10 s. The read is made the moment the event arrives, while the change's own request may
/// still be finishing.
async fn a_screen_that_hears_of_a_change_reads_the_new_configuration(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let mut socket = connect(&app, "").await;
    assert_eq!(next_message(&mut socket).await["type"], "snapshot");
    for cap in [7, 8, 9] {
        // The cache holds the hall as it is now.
        let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
        settings["remote_cap"] = json!(cap);
        // A refused change fails here, at once, rather than as a wait for an event that never
        // comes.
        let change = async {
            let (status, saved) = app.put("/api/v1/halls/demo/settings", settings, &manager).await;
            assert_eq!(status, 200, "{saved}");
            (status, saved)
        };
        let hear_and_read = async {
            loop {
                if next_message(&mut socket).await["type"] == "hall_configured" {
                    return app.get("/api/v1/halls/demo/settings").await;
                }
            }
        };
        let (_, (_, read)) = futures_util::join!(change, hear_and_read);
        assert_eq!(read["remote_cap"], cap, "read on hearing of the change");
    }
}

async fn a_deactivated_service_leaves_the_kiosk_but_its_queue_is_still_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let queued = app.issue("D").await;
    let (status, body) = app.put("/api/v1/halls/demo/services/D", json!({"active": false}), &manager).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], false);
    let (status, refused) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "D"})), None).await;
    assert_error(&(status, refused.clone()), 409, "service_inactive");
    assert!(refused["message"].as_str().expect("message").contains("no longer offered"));
    let kiosk = app.client.get(app.url("/kiosk/demo")).send().await.expect("sent").body().await.expect("body");
    let kiosk = String::from_utf8_lossy(&kiosk);
    assert!(!kiosk.contains("\"code\":\"D\""), "the kiosk has no D tile");
    // While its ticket waits, the queue still shows (displays, floor) and a window calls it.
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert!(services.as_array().expect("list").iter().any(|s| s["code"] == "D" && s["waiting"] == 1));
    let window = app.login("window6").await;
    app.window_op(6, "sign-in", None, &window).await;
    let (status, called) = app.window_op(6, "call", Some(json!({"number": queued["number"]})), &window).await;
    assert_eq!(status, 200, "{called}");
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert!(services.as_array().expect("list").iter().all(|s| s["code"] != "D"), "gone once its queue is empty");
    // It is kept, not deleted, and can come back.
    let (_, all) = app.get_as("/api/v1/halls/demo/services/all", &manager).await;
    assert!(all.as_array().expect("list").iter().any(|s| s["code"] == "D" && s["active"] == false));
    let (status, _) = app.put("/api/v1/halls/demo/services/D", json!({"active": true}), &manager).await;
    assert_eq!(status, 200);
    let (status, _) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "D"})), None).await;
    assert_eq!(status, 201);
}

async fn a_disabled_accounts_sessions_are_refused_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let staff = app.login("window2").await;
    let (status, _) = app.get_as("/api/v1/auth/me", &staff).await;
    assert_eq!(status, 200);
    let (status, body) = app.put("/api/v1/users/window2", json!({"disabled": true}), &manager).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], true);
    let (status, _) = app.get_as("/api/v1/auth/me", &staff).await;
    assert_eq!(status, 401, "the open session ends at once");
    let (status, _) = app.try_login("window2", crate::helpers::DEMO_PASSWORD).await;
    assert_eq!(status, 401, "and no new one starts");
    // A reset password is shown once and ends the sessions too.
    let (_, _) = app.put("/api/v1/users/window2", json!({"disabled": false}), &manager).await;
    let old = app.login("window2").await;
    let (status, reset) = app.put("/api/v1/users/window2", json!({"reset_password": true}), &manager).await;
    assert_eq!(status, 200, "{reset}");
    let password = reset["password"].as_str().expect("the new password").to_owned();
    assert_eq!(app.get_as("/api/v1/auth/me", &old).await.0, 401);
    assert_eq!(app.try_login("window2", &password).await.0, 200);
}

#[actix_web::test]
async fn today_made_a_holiday_stops_issuing_with_the_next_opening() {
    let setup = spawn_app(Backend::Sqlite).await;
    crate::helpers::set_county_hours(&setup).await;
    // Thursday 26 November 2026, 10:00 in Shanghai: open.
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;
    let manager = app.login("manager1").await;
    assert_eq!(app.issue("A").await["number"], "A001");
    let (status, body) =
        app.post("/api/v1/halls/demo/calendar", Some(json!({"text": "2026-11-26,休,临时闭厅"})), Some(&manager)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["saved"], 1);
    let (status, closed) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
    assert_error(&(status, closed.clone()), 409, "hall_closed");
    assert_eq!(closed["next_opening"], "2026-11-27T08:30:00+08:00", "{closed}");
    // Taken back off the calendar, the hall is open again.
    let (status, _) = delete(&app, "/api/v1/halls/demo/calendar/2026-11-26", &manager).await;
    assert_eq!(status, 200);
    assert_eq!(app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await.0, 201);
    let (status, body) = delete(&app, "/api/v1/halls/demo/calendar/2026-11-26", &manager).await;
    assert_error(&(status, body), 404, "calendar_day_not_found");
    // A 调休 Saturday opens with weekday hours.
    let (_, body) = app
        .post(
            "/api/v1/halls/demo/calendar",
            Some(json!({"days": [{"date": "2026-11-28", "kind": "workday"}]})),
            Some(&manager),
        )
        .await;
    assert_eq!(body["days"].as_array().expect("days").len(), 1, "{body}");
    app.advance(chrono::Duration::days(2));
    assert_eq!(app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await.0, 201);
}

#[actix_web::test]
async fn every_form_refuses_bad_input_with_a_clear_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    let admin = admin(&app).await;
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        ("post", "/api/v1/halls", json!({"code": "Demo Hall", "name": "x"}), 400, "invalid_code"),
        ("post", "/api/v1/halls", json!({"code": "demo", "name": "x"}), 409, "hall_exists"),
        (
            "post",
            "/api/v1/halls",
            json!({"code": "east", "name": "x", "timezone": "Mars/Olympus"}),
            400,
            "invalid_timezone",
        ),
        ("post", "/api/v1/halls", json!({"code": "east", "name": "  "}), 400, "invalid_name"),
        ("put", "/api/v1/halls/demo", json!({"notice": "长".repeat(501)}), 400, "notice_too_long"),
        (
            "put",
            "/api/v1/halls/demo/hours",
            json!({"weekdays": [{"weekday": 1, "periods": [{"opens": "08:30", "closes": "12:00"}, {"opens": "11:00", "closes": "17:00"}]}]}),
            400,
            "invalid_hours",
        ),
        (
            "put",
            "/api/v1/halls/demo/hours",
            json!({"weekdays": [{"weekday": 1, "periods": [{"opens": "8h", "closes": "12:00"}]}]}),
            400,
            "invalid_hours",
        ),
        ("put", "/api/v1/halls/demo/hours", json!({"weekdays": [{"weekday": 9, "periods": []}]}), 400, "invalid_hours"),
        ("post", "/api/v1/halls/demo/calendar", json!({"text": "2026-10-01\n2026-02-30"}), 400, "invalid_calendar"),
        ("post", "/api/v1/halls/demo/calendar", json!({"text": ""}), 400, "invalid_calendar"),
        (
            "post",
            "/api/v1/halls/demo/services",
            json!({"code": "a1", "name": "x", "target_wait_minutes": 5, "typical_handling_minutes": 5}),
            400,
            "invalid_code",
        ),
        (
            "post",
            "/api/v1/halls/demo/services",
            json!({"code": "A", "name": "x", "target_wait_minutes": 5, "typical_handling_minutes": 5}),
            409,
            "service_exists",
        ),
        ("post", "/api/v1/halls/demo/services", json!({"code": "Q", "name": "x"}), 400, "invalid_field"),
        (
            "post",
            "/api/v1/halls/demo/services",
            json!({"code": "Q", "name": "x", "target_wait_minutes": 0, "typical_handling_minutes": 5}),
            400,
            "invalid_field",
        ),
        ("put", "/api/v1/halls/demo/services/Q", json!({"name": "x"}), 404, "service_not_found"),
        ("put", "/api/v1/halls/demo/services/A", json!({"code": "Z"}), 400, "invalid_code"),
        ("put", "/api/v1/halls/demo/services/A", json!({"online": {"zh": "", "en": ""}}), 400, "invalid_settings"),
        ("post", "/api/v1/halls/demo/windows", json!({"number": 1, "services": ["A"]}), 409, "window_exists"),
        ("post", "/api/v1/halls/demo/windows", json!({"number": 0, "services": ["A"]}), 400, "invalid_field"),
        ("post", "/api/v1/halls/demo/windows", json!({"number": 30, "services": []}), 400, "no_services"),
        ("post", "/api/v1/halls/demo/windows", json!({"number": 30, "services": ["A", "A"]}), 400, "duplicate_service"),
        (
            "post",
            "/api/v1/halls/demo/windows",
            json!({"number": 30, "services": ["A"], "kind": "vip"}),
            400,
            "invalid_field",
        ),
        (
            "post",
            "/api/v1/users",
            json!({"username": "Li Ming", "role": "staff", "hall": "demo"}),
            400,
            "invalid_username",
        ),
        ("post", "/api/v1/users", json!({"username": "liming", "role": "boss", "hall": "demo"}), 400, "invalid_role"),
        (
            "post",
            "/api/v1/users",
            json!({"username": "liming", "role": "staff", "hall": "demo", "password": "short"}),
            400,
            "weak_password",
        ),
        (
            "post",
            "/api/v1/users",
            json!({"username": "liming", "role": "staff", "hall": "demo", "password": "liming2026"}),
            400,
            "password_like_username",
        ),
        (
            "post",
            "/api/v1/users",
            json!({"username": "window1", "role": "staff", "hall": "demo"}),
            409,
            "account_exists",
        ),
        (
            "post",
            "/api/v1/users",
            json!({"username": "liming", "role": "staff", "hall": "demo", "windows": [77]}),
            400,
            "unknown_window",
        ),
        ("post", "/api/v1/users", json!({"username": "liming", "role": "staff", "hall": ""}), 400, "invalid_field"),
        ("put", "/api/v1/users/nobody", json!({"disabled": true}), 404, "user_not_found"),
        ("put", "/api/v1/users/window1", json!({}), 400, "invalid_field"),
        ("put", "/api/v1/users/admin", json!({"role": "manager", "hall": "demo"}), 409, "cannot_change_own_role"),
        ("put", "/api/v1/users/admin", json!({"disabled": true}), 409, "cannot_disable_self"),
        ("put", "/api/v1/halls/demo/settings", json!({"appointments": {"slot_minutes": 5}}), 400, "invalid_settings"),
        (
            "put",
            "/api/v1/halls/demo/settings",
            json!({"appointments": {"walk_in_share_percent": 95}}),
            400,
            "invalid_settings",
        ),
    ];
    for (method, path, body, status, code) in cases {
        // Halls and admin accounts are the admin's; the rest a manager can do.
        let token = if path == "/api/v1/halls" || path.ends_with("/admin") { &admin } else { &manager };
        let response = match method {
            "post" => app.post(path, Some(body.clone()), Some(token)).await,
            _ => app.put(path, body.clone(), token).await,
        };
        assert_eq!(
            (response.0, response.1["error"].as_str().unwrap_or("")),
            (status, code),
            "{method} {path} {body}: {}",
            response.1
        );
        assert!(!response.1["message"].as_str().unwrap_or("").is_empty());
    }
    // A window in use cannot be taken out of service.
    let staff = app.login("window1").await;
    app.window_op(1, "sign-in", None, &staff).await;
    let id = app.window_id(1).await;
    let response = app.put(&format!("/api/v1/windows/{id}"), json!({"active": false}), &manager).await;
    assert_error(&response, 409, "window_in_use");
    app.window_op(1, "close", None, &staff).await;
    app.window_op(1, "sign-out", None, &staff).await;
    let (status, body) = app.put(&format!("/api/v1/windows/{id}"), json!({"active": false}), &manager).await;
    assert_eq!(status, 200, "{body}");
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    assert!(windows.as_array().expect("list").iter().all(|w| w["number"] != 1), "out of service: off the public list");
    let response = app.post(&format!("/api/v1/windows/{id}/sign-in"), None, Some(&staff)).await;
    assert_error(&response, 409, "window_inactive");
}

#[actix_web::test]
async fn a_manager_runs_only_their_own_hall_and_creates_no_managers() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = admin(&app).await;
    let (status, _) =
        app.post("/api/v1/halls", Some(json!({"code": "east", "name": "东城办税服务厅"})), Some(&admin)).await;
    assert_eq!(status, 201);
    let manager = app.login("manager1").await;
    let forbidden = |response: (u16, Value)| assert_error(&response, 403, "forbidden");
    forbidden(app.post("/api/v1/halls", Some(json!({"code": "west", "name": "西城"})), Some(&manager)).await);
    forbidden(app.put("/api/v1/halls/east", json!({"name": "改名"}), &manager).await);
    forbidden(app.put("/api/v1/halls/east/hours", weekdays(json!([])), &manager).await);
    forbidden(
        app.post(
            "/api/v1/halls/east/services",
            Some(json!({"code": "A", "name": "x", "target_wait_minutes": 5, "typical_handling_minutes": 5})),
            Some(&manager),
        )
        .await,
    );
    forbidden(app.get_as("/api/v1/users?hall=east", &manager).await);
    forbidden(app.get_as("/api/v1/audit?hall=east", &manager).await);
    for role in ["manager", "admin"] {
        let body =
            json!({"username": format!("new.{role}"), "role": role, "hall": "demo", "password": "harbour-lamp-42"});
        forbidden(app.post("/api/v1/users", Some(body), Some(&manager)).await);
    }
    forbidden(
        app.post(
            "/api/v1/users",
            Some(json!({"username": "east.staff", "role": "staff", "hall": "east"})),
            Some(&manager),
        )
        .await,
    );
    forbidden(app.put("/api/v1/users/admin", json!({"display_name": "x"}), &manager).await);
    forbidden(app.put("/api/v1/users/volunteer1", json!({"role": "manager"}), &manager).await);
    // What a manager may: staff and volunteers of their own hall (their hall by default).
    let (status, created) =
        app.post("/api/v1/users", Some(json!({"username": "wang.fang", "role": "volunteer"})), Some(&manager)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["hall_code"], "demo");
    let (_, mine) = app.get_as("/api/v1/users", &manager).await;
    assert!(mine.as_array().expect("list").iter().all(|a| a["hall_code"] == "demo"), "{mine}");
    // The admin may create a manager of the new hall.
    let (status, body) = app
        .post("/api/v1/users", Some(json!({"username": "east.boss", "role": "manager", "hall": "east"})), Some(&admin))
        .await;
    assert_eq!(status, 201, "{body}");
}

#[actix_web::test]
async fn the_audit_log_records_who_changed_what_from_where() {
    let app = spawn_app(Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    let (status, _) = app
        .put("/api/v1/halls/demo/services/A", json!({"target_wait_minutes": 25, "hint": "发票、申报"}), &manager)
        .await;
    assert_eq!(status, 200);
    app.post("/api/v1/halls/demo/notice", Some(json!({"text": "今日社保缴费高峰"})), Some(&manager)).await;
    let id = app.window_id(9).await;
    app.post(&format!("/api/v1/windows/{id}/open"), None, Some(&manager)).await;
    app.put("/api/v1/users/volunteer1", json!({"disabled": true}), &manager).await;

    let (status, log) = app.get_as("/api/v1/audit?hall=demo", &manager).await;
    assert_eq!(status, 200, "{log}");
    let entries = log["entries"].as_array().expect("entries");
    let kinds: Vec<&str> = entries.iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["user.disabled", "window.opened", "notice.set", "service.updated"], "newest first");
    let service = &entries[3];
    assert_eq!(service["actor"], "manager1");
    assert_eq!(service["hall"], "demo");
    assert_eq!(service["target"], "service:A");
    assert_eq!(service["address"], "127.0.0.1");
    assert_eq!(service["before"]["target_wait_minutes"], 20);
    assert_eq!(service["after"]["target_wait_minutes"], 25);
    assert_eq!(service["after"]["hint"], "发票、申报");
    assert_eq!(entries[0]["before"]["disabled"], false);
    assert_eq!(entries[0]["after"]["disabled"], true);

    // Filters: kind family, person, dates.
    let (_, only) = app.get_as("/api/v1/audit?kind=service.", &manager).await;
    assert_eq!(only["entries"].as_array().expect("entries").len(), 1);
    let (_, by) = app.get_as("/api/v1/audit?actor=admin", &manager).await;
    assert_eq!(by["entries"], json!([]));
    let (_, before) = app.get_as("/api/v1/audit?to=2000-01-01", &manager).await;
    assert_eq!(before["entries"], json!([]));
    // Read-only: there is no way to change or delete an entry.
    let mut response = app.client.delete(app.url("/api/v1/audit")).bearer_auth(&manager).send().await.expect("sent");
    assert!(matches!(response.status().as_u16(), 404 | 405), "{}", response.status());
    let _ = response.body().await;
    // Staff may not read it.
    let staff = app.login("window1").await;
    assert_error(&app.get_as("/api/v1/audit", &staff).await, 403, "forbidden");
}

#[actix_web::test]
async fn services_move_on_the_kiosk_and_carry_their_online_guide() {
    let app = spawn_app(Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    let (status, body) = app.put("/api/v1/halls/demo/services/F", json!({"position": 1}), &manager).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["position"], 1);
    let (_, all) = app.get_as("/api/v1/halls/demo/services/all", &manager).await;
    let order: Vec<&str> = all.as_array().expect("list").iter().map(|s| s["code"].as_str().expect("code")).collect();
    assert_eq!(order.first(), Some(&"F"));
    assert_eq!(order.len(), 6, "{order:?}");
    let (status, body) = app
        .post(
            "/api/v1/halls/demo/services",
            Some(json!({"code": "K", "name": "出口退税", "name_en": "Export rebates", "target_wait_minutes": 30,
                "typical_handling_minutes": 12, "appointments": true, "position": 2,
                "online": {"zh": "请登录电子税务局办理出口退税", "en": "Use the e-tax bureau", "button_zh": "我去网上办"}})),
            Some(&manager),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["position"], 2);
    assert_eq!(body["online"]["button_zh"], "我去网上办");
    let (_, settings) = app.get("/api/v1/halls/demo/settings").await;
    assert_eq!(settings["online"]["K"]["zh"], "请登录电子税务局办理出口退税");
    let kiosk = app.client.get(app.url("/kiosk/demo")).send().await.expect("sent").body().await.expect("body");
    let kiosk = String::from_utf8_lossy(&kiosk);
    let f = kiosk.find("\"code\":\"F\"").expect("F tile");
    let k = kiosk.find("\"code\":\"K\"").expect("K tile");
    let a = kiosk.find("\"code\":\"A\"").expect("A tile");
    assert!(f < k && k < a, "F, then K, then A on the kiosk");
    assert_eq!(app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "K"})), None).await.1["number"], "K001");
    let (status, body) = app.put("/api/v1/halls/demo/services/K", json!({"online": null}), &manager).await;
    assert_eq!(status, 200);
    assert_eq!(body["online"], Value::Null);
}
