//! The volunteer tablet's API: calls for help from a window to the tablets (taken once, even
//! by ten at once), queue alerts with hysteresis and the cash-window advice, tickets and
//! diversions recorded by volunteers, looking up a number, checking a booking in for someone.
use crate::helpers::{app_at, assert_error, set_county_hours, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use futures_util::future::join_all;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

on_both_databases!(ten_volunteers_taking_one_call_for_help_at_once_give_it_to_one);

async fn events_of(app: &TestApp, prefix: &str) -> Vec<(String, Value)> {
    let db = &app.app_state.db;
    let sql = format!("SELECT kind, payload FROM events WHERE kind LIKE '{prefix}%' ORDER BY seq");
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.expect("events");
    rows.iter()
        .map(|r| {
            let payload: String = r.try_get_by_index(1).expect("payload");
            (r.try_get_by_index(0).expect("kind"), serde_json::from_str(&payload).expect("json"))
        })
        .collect()
}

async fn set_watch(app: &TestApp, watch: Value) {
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["watch"] = watch;
    let (status, body) = app.put("/api/v1/halls/demo/settings", settings, &manager).await;
    assert_eq!(status, 200, "{body}");
}

async fn watch_once(app: &TestApp) -> u32 {
    hallq::jobs::floor_watch::run_once(&app.app_state).await.expect("floor watch")
}

fn board_service<'a>(board: &'a Value, code: &str) -> &'a Value {
    board["services"].as_array().expect("services").iter().find(|s| s["service"] == code).expect("service")
}

#[actix_web::test]
async fn a_call_for_help_goes_from_the_window_to_the_tablets_and_back() {
    let setup = spawn_app(Backend::Sqlite).await;
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;
    let staff = app.login("window1").await;
    let volunteer = app.login("volunteer1").await;
    let manager = app.login("manager1").await;
    let window = app.window_id(1).await;
    assert_eq!(app.window_op(1, "sign-in", None, &staff).await.0, 200);

    let help_path = format!("/api/v1/windows/{window}/help");
    let long = json!({"reason": "很".repeat(61)});
    assert_error(&app.post(&help_path, Some(long), Some(&staff)).await, 400, "reason_too_long");
    assert_eq!(app.post(&help_path, None, Some(&volunteer)).await.0, 403, "volunteers do not call from windows");
    let (status, asked) = app.post(&help_path, Some(json!({"reason": "需要引导"})), Some(&staff)).await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!((asked["window"].as_i64(), asked["status"].as_str()), (Some(1), Some("open")));
    assert_eq!(asked["reason"], "需要引导");
    assert_eq!(asked["requested_by"], "1号窗口工作人员", "{asked}");
    let id = asked["id"].as_i64().expect("id");
    // Asking again while it is open answers the same call.
    let (status, again) = app.post(&help_path, None, Some(&staff)).await;
    assert_eq!((status, again["id"].as_i64()), (200, Some(id)));

    // Every tablet lists it; after three minutes unanswered it is overdue.
    let (status, open) = app.get_as("/api/v1/halls/demo/help-requests?status=open", &volunteer).await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open.as_array().expect("list").len(), 1);
    assert_eq!(open[0]["overdue"], false);
    app.advance(chrono::Duration::minutes(3));
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &volunteer).await;
    assert_eq!(board["help"][0]["overdue"], true, "{board}");
    assert_error(&app.get_as("/api/v1/halls/demo/help-requests?status=lost", &volunteer).await, 400, "invalid_query");

    // Taken once: the next one is told who has it; only the taker (or a manager) marks it done.
    let take = format!("/api/v1/help-requests/{id}/take");
    let (status, taken) = app.post(&take, None, Some(&volunteer)).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!((taken["status"].as_str(), taken["taken_by"].as_str()), (Some("taken"), Some("志愿者一")));
    let (status, late) = app.post(&take, None, Some(&manager)).await;
    assert_error(&(status, late.clone()), 409, "already_taken");
    assert_eq!(late["taken_by"], "志愿者一");
    let (status, done) = app.post(&format!("/api/v1/help-requests/{id}/done"), None, Some(&volunteer)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "done");
    assert_error(
        &app.post(&format!("/api/v1/help-requests/{id}/cancel"), None, Some(&staff)).await,
        409,
        "invalid_transition",
    );
    assert_error(
        &app.post("/api/v1/help-requests/999/take", None, Some(&volunteer)).await,
        404,
        "help_request_not_found",
    );

    // A new call, withdrawn by the window.
    let (_, second) = app.post(&help_path, None, Some(&staff)).await;
    let second = second["id"].as_i64().expect("id");
    let (status, withdrawn) = app.post(&format!("/api/v1/help-requests/{second}/cancel"), None, Some(&staff)).await;
    assert_eq!((status, withdrawn["status"].as_str()), (200, Some("cancelled")));

    // The public stream says which window and where it stands, never who.
    let events = events_of(&app, "help_").await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["help_requested", "help_taken", "help_done", "help_requested", "help_cancelled"]);
    for (_, payload) in &events {
        let text = payload.to_string();
        assert!(!text.contains("志愿者") && !text.contains("工作人员") && !text.contains("需要引导"), "{text}");
        assert_eq!(payload["help"]["window"], 1);
    }
    // Recorded for the reports: when it was taken and closed.
    let (_, all) = app.get_as("/api/v1/halls/demo/help-requests", &manager).await;
    let first = all.as_array().expect("list").iter().find(|h| h["id"] == id).expect("first");
    assert!(first["taken_at"].is_string() && first["closed_at"].is_string(), "{first}");
}

async fn ten_volunteers_taking_one_call_for_help_at_once_give_it_to_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let mut volunteers = Vec::new();
    for n in 0..10 {
        let body = json!({"username": format!("helper{n}"), "display_name": format!("志愿者{n}"),
            "role": "volunteer", "hall": "demo", "password": "helper-pass-123"});
        let (status, created) = app.post("/api/v1/users", Some(body), Some(&admin)).await;
        assert_eq!(status, 201, "{created}");
        let (status, session) = app.try_login(&format!("helper{n}"), "helper-pass-123").await;
        assert_eq!(status, 200, "{session}");
        volunteers.push(session["token"].as_str().expect("token").to_owned());
    }
    let staff = app.login("window1").await;
    let window = app.window_id(1).await;
    let (_, asked) = app.post(&format!("/api/v1/windows/{window}/help"), None, Some(&staff)).await;
    let take = format!("/api/v1/help-requests/{}/take", asked["id"]);
    let answers = join_all(volunteers.iter().map(|v| app.post(&take, None, Some(v)))).await;
    let won: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 200).map(|(_, b)| b).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let winner = won[0]["taken_by"].as_str().expect("winner");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_error(&(*status, body.clone()), 409, "already_taken");
        assert_eq!(body["taken_by"], winner, "the others are told who");
    }
    assert_eq!(events_of(&app, "help_taken").await.len(), 1);
}

#[actix_web::test]
async fn a_queue_alert_is_raised_at_its_threshold_and_cleared_only_well_below() {
    let app = spawn_app(Backend::Sqlite).await;
    set_watch(&app, json!({"thresholds": {}, "services": {"A": {"waiting": 5}}, "clear_percent": 80})).await;
    let volunteer = app.login("volunteer1").await;
    let staff = app.login("window1").await;
    for _ in 0..4 {
        app.issue("A").await;
    }
    assert_eq!(watch_once(&app).await, 0, "4 waiting: below 5");
    app.issue("A").await;
    assert_eq!(watch_once(&app).await, 1, "5 waiting: raised");
    assert_eq!(watch_once(&app).await, 0, "raised once");
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &volunteer).await;
    assert_eq!(board_service(&board, "A")["alert"], true, "{board}");
    assert_eq!(board_service(&board, "B")["alert"], false);
    assert_eq!(board_service(&board, "A")["trend"], "rising", "5 joined in 15 minutes");
    // One called: 4 waiting is still at 80% of 5; held. A second: 3 waiting, cleared.
    app.window_op(1, "open", None, &staff).await;
    for expected in [0, 1] {
        let (status, called) = app.window_op(1, "call-next", None, &staff).await;
        assert_eq!(status, 200, "{called}");
        app.window_op(1, "start", None, &staff).await;
        app.window_op(1, "finish", None, &staff).await;
        assert_eq!(watch_once(&app).await, expected);
    }
    let events = events_of(&app, "queue_alert").await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["queue_alert_raised", "queue_alert_cleared"]);
    assert_eq!(events[0].1["alert"]["service"], "A");
    assert_eq!(events[0].1["alert"]["waiting"], 5);
    assert_eq!(events[1].1["alert"]["waiting"], 3);
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &volunteer).await;
    assert_eq!(board_service(&board, "A")["alert"], false);
    // Bad thresholds are refused.
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["watch"] = json!({"services": {"Z": {"waiting": 5}}});
    assert_error(&app.put("/api/v1/halls/demo/settings", settings, &manager).await, 400, "invalid_settings");
}

#[actix_web::test]
async fn a_cash_queue_in_alert_advises_opening_the_closed_cash_windows() {
    let app = spawn_app(Backend::Sqlite).await;
    set_watch(&app, json!({"services": {"C": {"waiting": 2}}})).await;
    let manager = app.login("manager1").await;
    app.issue("C").await;
    app.issue("C").await;
    assert_eq!(watch_once(&app).await, 1);
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &manager).await;
    let c = board_service(&board, "C");
    assert_eq!((c["alert"].as_bool(), c["advise_cash_windows"].as_bool()), (Some(true), Some(true)), "{c}");
    assert_eq!(c["closed_cash_windows"], json!([9, 10]));
    let events = events_of(&app, "queue_alert_raised").await;
    assert_eq!(events[0].1["alert"]["advise_cash_windows"], true);
    // Once the cash windows are open there is nothing to advise.
    for n in [9, 10] {
        assert_eq!(app.window_op(n, "open", None, &manager).await.0, 200);
    }
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &manager).await;
    assert_eq!(board_service(&board, "C")["advise_cash_windows"], false);
}

#[actix_web::test]
async fn volunteers_take_tickets_record_diversions_and_look_up_numbers_for_people() {
    let app = spawn_app(Backend::Sqlite).await;
    let volunteer = app.login("volunteer1").await;
    let issue = |body: Value| app.post("/api/v1/halls/demo/tickets", Some(body), Some(&volunteer));
    let (status, green) = issue(json!({"service": "A", "priority": "green", "channel": "volunteer"})).await;
    assert_eq!(status, 201, "{green}");
    assert_eq!((green["priority"].as_str(), green["channel"].as_str()), (Some("green"), Some("volunteer")));
    assert!(green["token"].is_string(), "the tablet shows its QR");
    let (status, normal) = issue(json!({"service": "A", "channel": "volunteer"})).await;
    assert_eq!(status, 201, "{normal}");
    let (status, _) = app
        .client
        .get(app.url(&format!("/t/{}/qr.svg", green["token"].as_str().expect("token"))))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("qr");
    assert_eq!(status, 200);

    // Looking up a number: the green ticket is ahead; open windows serving A are where to go.
    let lookup = |n: &str| {
        let path = format!("/api/v1/halls/demo/tickets/lookup?number={n}");
        let (app, volunteer) = (&app, &volunteer);
        async move { app.get_as(&path, volunteer).await }
    };
    let (status, found) = lookup(normal["number"].as_str().expect("number")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["ticket"]["ahead"], 1);
    assert!(found["ticket"].get("token").is_none(), "never the tracking key");
    assert!(found["windows"].as_array().expect("windows").contains(&json!(1)), "{found}");
    assert_error(&lookup("Z999").await, 404, "ticket_not_found");
    assert_error(&app.get_as("/api/v1/halls/demo/tickets/lookup", &volunteer).await, 400, "invalid_query");

    // Diversions in two taps, with an optional note, counted per channel for the day.
    let divert = |body: Value| app.post("/api/v1/halls/demo/diversions", Some(body), Some(&volunteer));
    for (target, note) in [("wechat_alipay", None), ("wechat_alipay", Some("帮助老人用手机缴费")), ("bank", None)]
    {
        let mut body = json!({"service": "C", "channel": "volunteer", "target": target});
        if let Some(note) = note {
            body["note"] = json!(note);
        }
        let (status, recorded) = divert(body).await;
        assert_eq!(status, 201, "{recorded}");
    }
    assert_error(&divert(json!({"service": "C", "target": "post_office"})).await, 400, "invalid_target");
    let too_long = json!({"service": "C", "target": "other", "note": "长".repeat(201)});
    assert_error(&divert(too_long).await, 400, "note_too_long");
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &volunteer).await;
    let count = |t: &str| {
        board["diversions"].as_array().expect("list").iter().find(|d| d["target"] == t).expect("target")["count"]
            .clone()
    };
    assert_eq!((count("wechat_alipay"), count("bank"), count("online")), (json!(2), json!(1), json!(0)));
    let db = &app.app_state.db;
    let sql = "SELECT COUNT(*) FROM diversions WHERE recorded_by IS NOT NULL AND note = '帮助老人用手机缴费'";
    let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await;
    assert_eq!(row.expect("query").expect("row").try_get_by_index::<i64>(0).expect("count"), 1, "who recorded it");
}

#[actix_web::test]
async fn a_volunteer_finds_a_booking_by_mobile_number_and_checks_it_in_by_its_code() {
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;
    let body = json!({"service": "A", "date": "2026-11-27", "start": "09:00", "name": "张三", "phone": "13812345678"});
    let (status, booked) = app.post("/api/v1/halls/demo/appointments", Some(body), None).await;
    assert_eq!(status, 201, "{booked}");
    app.advance(chrono::Duration::minutes(22 * 60 + 40)); // Friday 08:40
    let volunteer = app.login("volunteer1").await;
    let (status, found) = app.get_as("/api/v1/halls/demo/appointments?phone=138%201234%205678", &volunteer).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found.as_array().expect("list").len(), 1);
    assert_eq!(found[0]["code"], booked["code"]);
    assert_eq!(found[0]["phone_masked"], "138****5678");
    let (_, none) = app.get_as("/api/v1/halls/demo/appointments?phone=13900000000", &volunteer).await;
    assert_eq!(none, json!([]));
    assert_error(&app.get_as("/api/v1/halls/demo/appointments?phone=123", &volunteer).await, 400, "invalid_phone");

    let check_in = format!("/api/v1/appointments/{}/check-in", booked["code"].as_str().expect("code"));
    assert_error(&app.post(&check_in, Some(json!({})), None).await, 400, "invalid_phone");
    let (status, ticket) = app.post(&check_in, Some(json!({})), Some(&volunteer)).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!((ticket["priority"].as_str(), ticket["channel"].as_str()), (Some("appointment"), Some("volunteer")));
}

#[actix_web::test]
async fn a_volunteer_sends_a_ticket_to_a_registered_kiosk_which_prints_it_once() {
    let app = spawn_app(Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    let volunteer = app.login("volunteer1").await;
    let (status, kiosk) =
        app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": "东门取号机"})), Some(&manager)).await;
    assert_eq!(status, 201, "{kiosk}");
    let device = kiosk["setup_url"].as_str().expect("setup").rsplit('=').next().expect("token").to_owned();
    let (_, board) = app.get_as("/api/v1/halls/demo/board", &volunteer).await;
    assert_eq!(board["kiosks"], json!([{"id": kiosk["id"], "name": "东门取号机"}]));

    let (_, ticket) = app
        .post("/api/v1/halls/demo/tickets", Some(json!({"service": "A", "channel": "volunteer"})), Some(&volunteer))
        .await;
    let token = ticket["token"].as_str().expect("token");
    let print = format!("/api/v1/tickets/{token}/print");
    assert_error(&app.post(&print, Some(json!({"kiosk": 999})), Some(&volunteer)).await, 404, "kiosk_not_found");
    let staff = app.login("window1").await;
    assert_eq!(app.post(&print, Some(json!({"kiosk": kiosk["id"]})), Some(&staff)).await.0, 403);
    let (status, sent) = app.post(&print, Some(json!({"kiosk": kiosk["id"]})), Some(&volunteer)).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!((sent["number"].as_str(), sent["kiosk_name"].as_str()), (Some("A001"), Some("东门取号机")));
    let events = events_of(&app, "print_requested").await;
    assert_eq!(events[0].1["print"], json!({"id": sent["id"], "kiosk": kiosk["id"]}));
    assert!(!events[0].1.to_string().contains(token), "the stream never carries the token");

    // The kiosk claims it with its device token, once.
    let claim = format!("/api/v1/kiosk-prints/{}/claim", sent["id"]);
    let send = |with: Option<&str>| {
        let mut request = app.client.post(app.url(&claim));
        if let Some(with) = with {
            request = request.insert_header(("x-kiosk-token", with.to_owned()));
        }
        async move {
            let mut response = request.send().await.expect("sent");
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (response.status().as_u16(), body)
        }
    };
    assert_eq!(send(None).await.0, 401);
    assert_eq!(send(Some(&"0".repeat(64))).await.0, 401);
    let (status, printed) = send(Some(&device)).await;
    assert_eq!(status, 200, "{printed}");
    assert_eq!((printed["number"].as_str(), printed["token"].as_str()), (Some("A001"), Some(token)));
    assert_eq!(send(Some(&device)).await.0, 404, "printed once");
}
