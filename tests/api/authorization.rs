//! The authorization matrix: every route of the OpenAPI document, asked by everyone who might
//! ask, against one table of who may. A route added without a row here fails the test.
use crate::helpers::{spawn_app, Backend, TestApp, DEMO_PASSWORD};
use crate::on_both_databases;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use std::collections::BTreeSet;

on_both_databases!(every_route_admits_exactly_whom_the_table_says);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// `window1`, staff of window 1 of the demo hall.
    Staff,
    Volunteer,
    Manager,
    Admin,
    /// Staff of a window in a second hall.
    OtherStaff,
    /// The manager of a second hall.
    OtherManager,
}

use Who::*;

const EVERYONE: &[Who] = &[Anonymous, Staff, Volunteer, Manager, Admin, OtherStaff, OtherManager];
const SIGNED_IN: &[Who] = &[Staff, Volunteer, Manager, Admin, OtherStaff, OtherManager];
/// The window's own staff, the hall's managers, admins.
const WINDOW_1: &[Who] = &[Staff, Manager, Admin];
/// The hall's managers and admins.
const DEMO_MANAGERS: &[Who] = &[Manager, Admin];
/// Every manager (each for their own hall) and admins.
const MANAGERS: &[Who] = &[Manager, Admin, OtherManager];
const ADMIN: &[Who] = &[Admin];
/// The demo hall's own people: its staff, volunteers and managers, and admins.
const HALL_PEOPLE: &[Who] = &[Staff, Volunteer, Manager, Admin];
/// Who answers calls for help: the hall's volunteers and managers, and admins.
const FLOOR_WATCHERS: &[Who] = &[Volunteer, Manager, Admin];

/// (method, OpenAPI path, who may, body). Paths use `{hall}` = demo, `{id}` = window 1 (or
/// kiosk 999 under `kiosks`, or window 1's call for help under `help-requests`), `{token}` = a ticket of the demo hall, `{username}` = volunteer1.
/// Logout comes last: it ends the session it is sent with.
fn table() -> Vec<(&'static str, &'static str, &'static [Who], Option<Value>)> {
    let window = |op: &'static str, body: Option<Value>| ("post", op, WINDOW_1, body);
    vec![
        ("get", "/api/v1/halls", EVERYONE, None),
        ("get", "/api/v1/halls/{hall}/services", EVERYONE, None),
        ("get", "/api/v1/halls/{hall}/windows", EVERYONE, None),
        ("post", "/api/v1/halls/{hall}/tickets", EVERYONE, Some(json!({"service": "A"}))),
        ("post", "/api/v1/halls/{hall}/notice", DEMO_MANAGERS, Some(json!({"text": "通知"}))),
        ("get", "/api/v1/tickets/{token}", EVERYONE, None),
        ("post", "/api/v1/tickets/{token}/cancel", EVERYONE, None),
        ("post", "/api/v1/auth/login", EVERYONE, Some(json!({"username": "window2", "password": DEMO_PASSWORD}))),
        ("get", "/api/v1/auth/me", SIGNED_IN, None),
        (
            "post",
            "/api/v1/auth/password",
            SIGNED_IN,
            Some(json!({"current": "not-the-password", "new": "another-pass-1"})),
        ),
        ("put", "/api/v1/users/{username}", DEMO_MANAGERS, Some(json!({"disabled": false}))),
        window("/api/v1/windows/{id}/sign-in", None),
        window("/api/v1/windows/{id}/open", None),
        window("/api/v1/windows/{id}/call-next", None),
        window("/api/v1/windows/{id}/call", Some(json!({"number": "A001"}))),
        window("/api/v1/windows/{id}/recall", None),
        window("/api/v1/windows/{id}/start", None),
        window("/api/v1/windows/{id}/finish", None),
        window("/api/v1/windows/{id}/no-show", None),
        window("/api/v1/windows/{id}/transfer", Some(json!({"service": "F"}))),
        window("/api/v1/windows/{id}/restore", Some(json!({"number": "A001"}))),
        window("/api/v1/windows/{id}/pause", Some(json!({"reason": "会议"}))),
        window("/api/v1/windows/{id}/resume", None),
        window("/api/v1/windows/{id}/close", None),
        ("get", "/api/v1/windows/{id}/console", WINDOW_1, None),
        ("put", "/api/v1/windows/{id}/services", DEMO_MANAGERS, Some(json!({"services": ["A", "F"]}))),
        window("/api/v1/windows/{id}/sign-out", None),
        ("get", "/api/v1/halls/{hall}/floor", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/board", HALL_PEOPLE, None),
        ("get", "/api/v1/halls/{hall}/reports", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/plan", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/tickets/lookup", HALL_PEOPLE, None),
        window("/api/v1/windows/{id}/help", Some(json!({"reason": "需要引导"}))),
        ("get", "/api/v1/halls/{hall}/help-requests", HALL_PEOPLE, None),
        ("post", "/api/v1/help-requests/{id}/take", FLOOR_WATCHERS, None),
        ("post", "/api/v1/help-requests/{id}/done", FLOOR_WATCHERS, None),
        ("post", "/api/v1/help-requests/{id}/cancel", WINDOW_1, None),
        ("post", "/api/v1/tickets/{token}/print", FLOOR_WATCHERS, Some(json!({"kiosk": 999}))),
        // Registered kiosks only (their device token), never a person's session.
        ("post", "/api/v1/kiosk-prints/{id}/claim", &[], None),
        ("get", "/api/v1/halls/{hall}/window-choices", SIGNED_IN, None),
        ("get", "/api/v1/halls/{hall}/settings", EVERYONE, None),
        ("put", "/api/v1/halls/{hall}/settings", DEMO_MANAGERS, None),
        ("post", "/api/v1/halls/{hall}/diversions", EVERYONE, Some(json!({"service": "A"}))),
        ("get", "/api/v1/halls/{hall}/diversions", DEMO_MANAGERS, None),
        ("post", "/api/v1/halls/{hall}/kiosks", DEMO_MANAGERS, Some(json!({"name": "入口取号机"}))),
        ("get", "/api/v1/halls/{hall}/kiosks", DEMO_MANAGERS, None),
        ("delete", "/api/v1/halls/{hall}/kiosks/{id}", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/my-tickets", EVERYONE, None),
        ("post", "/api/v1/tickets/{token}/rating", EVERYONE, Some(json!({"score": 5}))),
        ("put", "/api/v1/tickets/{token}/rating", EVERYONE, Some(json!({"score": 4}))),
        ("get", "/api/v1/tickets/{token}/rating", EVERYONE, None),
        ("post", "/api/v1/halls", ADMIN, Some(json!({"code": "new-hall", "name": "新大厅"}))),
        ("put", "/api/v1/halls/{hall}", DEMO_MANAGERS, Some(json!({"address": "示例县人民路 1 号"}))),
        ("get", "/api/v1/halls/{hall}/setup", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/hours", DEMO_MANAGERS, None),
        ("put", "/api/v1/halls/{hall}/hours", DEMO_MANAGERS, Some(always_open())),
        ("get", "/api/v1/halls/{hall}/calendar", DEMO_MANAGERS, None),
        ("post", "/api/v1/halls/{hall}/calendar", DEMO_MANAGERS, Some(json!({"text": "2030-01-01,休,元旦"}))),
        ("delete", "/api/v1/halls/{hall}/calendar/{date}", DEMO_MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/services/all", DEMO_MANAGERS, None),
        (
            "post",
            "/api/v1/halls/{hall}/services",
            DEMO_MANAGERS,
            Some(json!({"code": "Z", "name": "测试", "target_wait_minutes": 20, "typical_handling_minutes": 8})),
        ),
        ("put", "/api/v1/halls/{hall}/services/{code}", DEMO_MANAGERS, Some(json!({"hint": "综合业务"}))),
        ("get", "/api/v1/halls/{hall}/windows/all", DEMO_MANAGERS, None),
        ("post", "/api/v1/halls/{hall}/windows", DEMO_MANAGERS, Some(json!({"number": 50, "services": ["A"]}))),
        ("put", "/api/v1/windows/{id}", DEMO_MANAGERS, Some(json!({"name": "1号窗口"}))),
        ("get", "/api/v1/users", MANAGERS, None),
        (
            "post",
            "/api/v1/users",
            DEMO_MANAGERS,
            Some(json!({"username": "new.staff", "role": "staff", "hall": "demo", "password": "harbour-lamp-42"})),
        ),
        ("get", "/api/v1/audit", MANAGERS, None),
        ("get", "/api/v1/halls/{hall}/services/{service}/slots", EVERYONE, None),
        (
            "post",
            "/api/v1/halls/{hall}/appointments",
            EVERYONE,
            Some(
                json!({"service": "A", "date": "2030-01-02", "start": "09:00", "name": "张三", "phone": "13800000000"}),
            ),
        ),
        ("get", "/api/v1/halls/{hall}/appointments", &[Staff, Volunteer, Manager, Admin], None),
        ("get", "/api/v1/appointments/{code}", EVERYONE, None),
        (
            "post",
            "/api/v1/halls/{hall}/appointments/cancel-day",
            DEMO_MANAGERS,
            Some(json!({"date": "2030-01-02", "reason": "系统升级"})),
        ),
        ("post", "/api/v1/appointments/{code}/cancel", EVERYONE, Some(json!({"phone": "13800000000"}))),
        (
            "post",
            "/api/v1/appointments/{code}/reschedule",
            EVERYONE,
            Some(json!({"phone": "13800000000", "date": "2030-01-02", "start": "09:00"})),
        ),
        ("post", "/api/v1/appointments/{code}/check-in", EVERYONE, Some(json!({"phone": "13800000000"}))),
        ("get", "/api/v1/openapi.json", EVERYONE, None),
        ("post", "/api/v1/auth/logout", EVERYONE, None),
    ]
}

fn always_open() -> Value {
    let days: Vec<Value> =
        (1..=7).map(|d| json!({"weekday": d, "periods": [{"opens": "00:00", "closes": "24:00"}]})).collect();
    json!({ "weekdays": days })
}

/// A second hall with one window, its staff and its manager (the demo password).
async fn second_hall(app: &TestApp) {
    let db = &app.app_state.db;
    let sql = |text: &str| {
        let text = text.to_owned();
        async move { db.execute_unprepared(&text).await.unwrap_or_else(|e| panic!("{text}: {e}")) }
    };
    sql("INSERT INTO halls (code, name, name_en, timezone, event_seq, created_at) \
         VALUES ('other', '另一个办税厅', 'Other hall', 'Asia/Shanghai', 0, '2026-11-25 00:00:00')")
    .await;
    sql("INSERT INTO services (hall_id, code, name, name_en, target_wait_minutes, typical_handling_minutes, position, active) \
         SELECT id, 'A', '综合', 'General', 20, 8, 0, true FROM halls WHERE code = 'other'")
    .await;
    sql("INSERT INTO windows (hall_id, number, name, kind, state, state_since) \
         SELECT id, 1, '1号窗口', 'general', 'open', '2026-11-25 00:00:00' FROM halls WHERE code = 'other'")
    .await;
    sql("INSERT INTO window_services (window_id, service_id, position) \
         SELECT w.id, s.id, 0 FROM windows w JOIN services s ON s.hall_id = w.hall_id \
         JOIN halls h ON h.id = w.hall_id WHERE h.code = 'other'")
    .await;
    for (username, role) in [("other_staff", "staff"), ("other_manager", "manager")] {
        sql(&format!(
            "INSERT INTO users (username, password_hash, role, hall_id, display_name, active, created_at) \
             SELECT '{username}', password_hash, '{role}', (SELECT id FROM halls WHERE code = 'other'), '{username}', true, created_at \
             FROM users WHERE username = 'window1'"
        ))
        .await;
    }
    sql("INSERT INTO user_windows (user_id, window_id) SELECT u.id, w.id FROM users u, windows w \
         JOIN halls h ON h.id = w.hall_id WHERE u.username = 'other_staff' AND h.code = 'other'")
    .await;
}

/// Refused for who is asking: 401, or 403 `forbidden` (other 403s are answers about the
/// request itself, e.g. a wrong current password).
fn refused(status: u16, body: &Value) -> bool {
    status == 401 || (status == 403 && body["error"] == "forbidden")
}

async fn every_route_admits_exactly_whom_the_table_says(backend: Backend) {
    let app = spawn_app(backend).await;
    second_hall(&app).await;
    let tokens = [
        (Staff, app.login("window1").await),
        (Volunteer, app.login("volunteer1").await),
        (Manager, app.login("manager1").await),
        (Admin, app.login("admin").await),
        (OtherStaff, app.login("other_staff").await),
        (OtherManager, app.login("other_manager").await),
    ];
    let window = app.window_id(1).await.to_string();
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token").to_owned();
    let (status, help) = app.post(&format!("/api/v1/windows/{window}/help"), None, Some(&tokens[0].1)).await;
    assert_eq!(status, 201, "{help}");
    let help = help["id"].to_string();

    // Every route in the document has a row, and every row a route.
    let (_, document) = app.get("/api/v1/openapi.json").await;
    let mut documented = BTreeSet::new();
    for (path, methods) in document["paths"].as_object().expect("paths") {
        for method in methods.as_object().expect("methods").keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let table = table();
    let listed: BTreeSet<(String, String)> =
        table.iter().map(|(method, path, _, _)| ((*method).to_owned(), (*path).to_owned())).collect();
    let documented: BTreeSet<(String, String)> =
        documented.into_iter().chain([("get".to_owned(), "/api/v1/openapi.json".to_owned())]).collect();
    assert_eq!(
        documented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without a row in the authorization table"
    );
    assert_eq!(
        listed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows without a route"
    );

    let (_, settings) = app.get("/api/v1/halls/demo/settings").await;
    let mut wrong = Vec::new();
    for (method, template, allowed, body) in table {
        let id = if template.contains("/kiosks/") {
            "999"
        } else if template.contains("/help-requests/") {
            help.as_str()
        } else {
            window.as_str()
        };
        let path = template
            .replace("{hall}", "demo")
            .replace("{id}", id)
            .replace("{token}", &token)
            .replace("{date}", "2030-01-01")
            .replace("{code}", "A")
            .replace("{service}", "A")
            .replace("{username}", "volunteer1");
        let body = if template.ends_with("/settings") && method == "put" { Some(settings.clone()) } else { body };
        for who in EVERYONE {
            let bearer = tokens.iter().find(|(w, _)| w == who).map(|(_, t)| t.clone());
            // Logging out ends the session asked with: use a fresh one.
            let bearer = match (template.ends_with("/logout"), bearer) {
                (true, Some(_)) => Some(fresh_session(&app, *who).await),
                (_, bearer) => bearer,
            };
            let mut request = app.client.request(method.to_uppercase().parse().expect("method"), app.url(&path));
            if let Some(bearer) = &bearer {
                request = request.bearer_auth(bearer);
            }
            let mut response = match &body {
                Some(body) => request.send_json(body).await,
                None => request.send().await,
            }
            .expect("sent");
            let status = response.status().as_u16();
            let answer: Value = response.json().limit(16 * 1024 * 1024).await.unwrap_or(Value::Null);
            let expected = allowed.contains(who);
            if refused(status, &answer) == expected {
                wrong.push(format!(
                    "{method} {template} as {who:?}: {status} {answer} (expected {})",
                    if expected { "admitted" } else { "refused" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong.join("\n"));
}

async fn fresh_session(app: &TestApp, who: Who) -> String {
    let username = match who {
        Staff => "window1",
        Volunteer => "volunteer1",
        Manager => "manager1",
        Admin => "admin",
        OtherStaff => "other_staff",
        OtherManager => "other_manager",
        Anonymous => unreachable!("anonymous has no session"),
    };
    app.login(username).await
}
