//! The window console and the floor: signing in at windows, actions that follow the state, the
//! social-insurance cash windows, service lists and the window log.
use crate::helpers::{assert_error, assert_queue_counters_match, spawn_app, Backend};
use crate::on_both_databases;
use serde_json::{json, Value};

on_both_databases!(
    one_person_per_window_and_one_window_per_person,
    console_actions_follow_the_state,
    cash_windows_take_c_tickets_once_opened,
    managers_edit_service_lists,
    the_floor_is_for_managers,
);

fn actions(console: &Value) -> Vec<String> {
    console["actions"].as_array().expect("actions").iter().map(|a| a.as_str().expect("text").to_owned()).collect()
}

async fn one_person_per_window_and_one_window_per_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let window1 = app.login("window1").await;
    let window2 = app.login("window2").await;
    let floater = app.login("staff1").await; // assigned to windows 1–3
    let admin = app.login("admin").await;

    let (status, body) = app.window_op(1, "sign-in", None, &window1).await;
    assert_eq!(status, 200, "{body}");
    // Signing in again where you already are is harmless.
    assert_eq!(app.window_op(1, "sign-in", None, &window1).await.0, 200);
    // A second person at the same window is refused, with who is there.
    let refused = app.window_op(1, "sign-in", None, &floater).await;
    assert_error(&refused, 409, "window_occupied");
    assert_eq!(refused.1["signed_in_by"], "1号窗口工作人员");
    // A window you are not assigned to is not yours to take.
    assert_error(&app.window_op(4, "sign-in", None, &window1).await, 403, "forbidden");

    assert_eq!(app.window_op(2, "sign-in", None, &floater).await.0, 200);
    // One window per person.
    let elsewhere = app.window_op(3, "sign-in", None, &floater).await;
    assert_error(&elsewhere, 409, "signed_in_elsewhere");
    assert_eq!(elsewhere.1["window"], 2);
    let (_, me) = app.get_as("/api/v1/auth/me", &floater).await;
    assert_eq!(me["signed_in_window"]["number"], 2, "{me}");
    assert_eq!(me["hall_code"], "demo");

    // The window's own account cannot work window 2 while the floater is signed in there.
    app.issue("A").await;
    assert_error(&app.window_op(2, "call-next", None, &window2).await, 409, "window_occupied");
    assert_error(&app.window_op(2, "sign-in", None, &window2).await, 409, "window_occupied");
    let (status, called) = app.window_op(2, "call-next", None, &floater).await;
    assert_eq!(status, 200, "{called}");
    // Staff cannot sign a colleague out.
    assert_error(&app.window_op(2, "sign-out", None, &window2).await, 409, "window_occupied");
    // Nor leave a window holding a ticket.
    assert_error(&app.window_op(2, "sign-out", None, &floater).await, 409, "window_busy");
    app.window_op(2, "start", None, &floater).await;
    app.window_op(2, "finish", None, &floater).await;
    let (status, left) = app.window_op(2, "sign-out", None, &floater).await;
    assert_eq!(status, 200, "{left}");
    assert_eq!(left["state"], "closed", "signing out closes the window");
    let (_, me) = app.get_as("/api/v1/auth/me", &floater).await;
    assert!(me["signed_in_window"].is_null());
    assert_error(&app.window_op(2, "sign-out", None, &floater).await, 409, "not_signed_in");

    // The admin forces window1 out (a crashed PC); the window stays as it was.
    let (status, forced) = app.window_op(1, "sign-out", None, &admin).await;
    assert_eq!(status, 200, "{forced}");
    assert_eq!(forced["state"], "open");
    assert_eq!(app.window_op(1, "sign-in", None, &floater).await.0, 200, "window 1 is free again");
    let console = app.console(1, &window1).await;
    assert_eq!(console["signed_in"]["display_name"], "综合岗 张敏");

    // The floor's window log says who did it.
    let manager = app.login("manager1").await;
    let (_, floor) = app.get_as("/api/v1/halls/demo/floor", &manager).await;
    let log = floor["log"].as_array().expect("log");
    assert!(log.iter().any(|e| e["kind"] == "window_signed_out" && e["window"] == 1 && e["by"] == "管理员"), "{floor}");
    assert!(log.iter().any(|e| e["kind"] == "window_closed" && e["window"] == 2 && e["by"] == "综合岗 张敏"));
    let w1 = floor["windows"].as_array().expect("windows").iter().find(|w| w["number"] == 1).expect("window 1").clone();
    assert_eq!(w1["signed_in"]["display_name"], "综合岗 张敏");
}

async fn console_actions_follow_the_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = app.login("window1").await;
    app.window_op(1, "sign-in", None, &staff).await;
    let idle = app.console(1, &staff).await;
    assert_eq!(actions(&idle), ["pause", "call_next", "call_number"]);
    assert!(idle["ticket"].is_null());
    assert_eq!(idle["pause_reasons"], json!(["午休", "会议", "系统故障", "临时离开"]));

    let a1 = app.issue("A").await;
    let f1 = app.issue("F").await;
    let (status, _) =
        app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A", "priority": "green"})), None).await;
    assert_eq!(status, 201);
    // Green channel first, then in issue order; F is window 1's second service.
    let waiting = app.console(1, &staff).await;
    let numbers: Vec<&str> =
        waiting["waiting"].as_array().expect("list").iter().map(|t| t["number"].as_str().expect("n")).collect();
    assert_eq!(numbers, ["A002", a1["number"].as_str().expect("n"), f1["number"].as_str().expect("n")]);
    assert_eq!(waiting["waiting_total"], 3);
    assert_eq!(waiting["queues"][0]["service"], "A");
    assert_eq!(waiting["queues"][0]["waiting"], 2);

    // Call a specific number from the list.
    let (status, body) = app.window_op(1, "call", Some(json!({"number": "A001"})), &staff).await;
    assert_eq!(status, 200, "{body}");
    let called = app.console(1, &staff).await;
    assert_eq!(called["ticket"]["number"], "A001");
    assert_eq!(actions(&called), ["recall", "start", "no_show", "transfer"]);
    // What the buttons leave out, the server refuses.
    assert_error(&app.window_op(1, "call-next", None, &staff).await, 409, "window_busy");
    assert_error(&app.window_op(1, "pause", Some(json!({"reason": "午休"})), &staff).await, 409, "window_busy");
    assert_error(&app.window_op(1, "finish", None, &staff).await, 409, "invalid_transition");

    // Recalls run out at the limit (2 by default), and the console stops offering them.
    app.window_op(1, "recall", None, &staff).await;
    app.window_op(1, "recall", None, &staff).await;
    let recalled = app.console(1, &staff).await;
    assert_eq!(recalled["ticket"]["recall_count"], 2);
    assert!(!actions(&recalled).contains(&"recall".to_owned()));
    assert_error(&app.window_op(1, "recall", None, &staff).await, 409, "recall_limit");

    // A no-show shows in the recent list and can be put back.
    app.window_op(1, "no-show", None, &staff).await;
    let after = app.console(1, &staff).await;
    assert_eq!(after["recent_no_shows"][0]["number"], "A001");
    assert_eq!(after["today"]["no_shows"], 1);
    let (status, restored) = app.window_op(1, "restore", Some(json!({"number": "A001"})), &staff).await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["ticket"]["status"], "waiting");
    assert!(app.console(1, &staff).await["recent_no_shows"].as_array().expect("list").is_empty());

    // Serve one to the end: the figures count it.
    app.window_op(1, "call-next", None, &staff).await;
    app.window_op(1, "start", None, &staff).await;
    let serving = app.console(1, &staff).await;
    assert_eq!(actions(&serving), ["finish", "transfer"]);
    app.window_op(1, "finish", None, &staff).await;
    let done = app.console(1, &staff).await;
    assert_eq!(done["today"]["served"], 1);
    assert!(done["today"]["average_handling_seconds"].is_i64());
    assert!(done["today"]["average_wait_seconds"].is_i64());

    // Transfer with a note to a window by number: it shows on that window's list.
    app.window_op(1, "call-next", None, &staff).await;
    let (status, moved) =
        app.window_op(1, "transfer", Some(json!({"window": 7, "note": "需要退税岗复核"})), &staff).await;
    assert_eq!(status, 200, "{moved}");
    let seven = app.console(7, &app.login("window7").await).await;
    let entry = seven["waiting"]
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["transferred_here"] == true)
        .expect("sent here")
        .clone();
    assert_eq!(entry["transfer_note"], "需要退税岗复核");

    // Paused: only resume.
    app.window_op(1, "pause", Some(json!({"reason": "会议"})), &staff).await;
    let paused = app.console(1, &staff).await;
    assert_eq!(actions(&paused), ["resume"]);
    assert_eq!(paused["window"]["pause_reason"], "会议");
    assert_error(&app.window_op(1, "call-next", None, &staff).await, 409, "window_not_open");
    assert_queue_counters_match(&app).await;
}

async fn cash_windows_take_c_tickets_once_opened(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let general = app.login("window8").await; // F, A, C
    let cash = app.login("window9").await; // C only, closed

    let c1 = app.issue("C").await;
    assert_error(&app.window_op(9, "call-next", None, &cash).await, 409, "window_not_open");
    // While the cash windows are closed, C goes to a general window that lists it.
    let (_, called) = app.window_op(8, "call-next", None, &general).await;
    assert_eq!(called["ticket"]["number"], c1["number"]);
    app.window_op(8, "start", None, &general).await;
    app.window_op(8, "finish", None, &general).await;

    // The manager opens window 9 for the collection peak.
    let (status, opened) = app.window_op(9, "open", None, &manager).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["state"], "open");
    app.issue("A").await;
    let c2 = app.issue("C").await;
    // Window 8 now takes its own specialty order (A before C); window 9 serves C first.
    let (_, eight) = app.window_op(8, "call-next", None, &general).await;
    assert_eq!(eight["ticket"]["service"], "A");
    let (_, nine) = app.window_op(9, "call-next", None, &cash).await;
    assert_eq!(nine["ticket"]["number"], c2["number"]);
    assert_eq!(nine["ticket"]["window_number"], 9);

    // Closing a window that holds a ticket is refused until it is finished or transferred.
    assert_error(&app.window_op(9, "close", None, &manager).await, 409, "window_busy");
    app.window_op(9, "start", None, &cash).await;
    app.window_op(9, "finish", None, &cash).await;
    let (status, closed) = app.window_op(9, "close", None, &manager).await;
    assert_eq!(status, 200, "{closed}");

    let (_, floor) = app.get_as("/api/v1/halls/demo/floor", &manager).await;
    let log = floor["log"].as_array().expect("log");
    for kind in ["window_opened", "window_closed"] {
        let entry =
            log.iter().find(|e| e["kind"] == kind && e["window"] == 9).unwrap_or_else(|| panic!("{kind}: {floor}"));
        assert_eq!(entry["by"], "大厅负责人");
        assert!(entry["at"].is_string());
    }
}

async fn managers_edit_service_lists(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let staff = app.login("window1").await;
    let id = app.window_id(1).await;
    let path = format!("/api/v1/windows/{id}/services");

    assert_error(&app.put(&path, json!({"services": ["C"]}), &staff).await, 403, "forbidden");
    assert_error(&app.put(&path, json!({"services": []}), &manager).await, 400, "no_services");
    assert_error(&app.put(&path, json!({"services": ["Z"]}), &manager).await, 400, "unknown_service");
    assert_error(&app.put(&path, json!({"services": ["C", "C"]}), &manager).await, 400, "duplicate_service");

    let (status, window) = app.put(&path, json!({"services": ["C", "A"]}), &manager).await;
    assert_eq!(status, 200, "{window}");
    assert_eq!(window["services"], json!(["C", "A"]));
    app.issue("A").await;
    let c = app.issue("C").await;
    // C is now window 1's specialty.
    let (_, called) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(called["ticket"]["number"], c["number"]);
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    assert_eq!(windows[0]["services"], json!(["C", "A"]));
}

async fn the_floor_is_for_managers(backend: Backend) {
    let app = spawn_app(backend).await;
    for user in ["window1", "volunteer1"] {
        let token = app.login(user).await;
        assert_error(&app.get_as("/api/v1/halls/demo/floor", &token).await, 403, "forbidden");
    }
    assert_error(&app.get("/api/v1/halls/demo/floor").await, 401, "unauthorized");
    let manager = app.login("manager1").await;
    let (status, floor) = app.get_as("/api/v1/halls/demo/floor", &manager).await;
    assert_eq!(status, 200, "{floor}");
    assert_eq!(floor["windows"].as_array().expect("windows").len(), 10);
    assert_eq!(floor["queues"].as_array().expect("queues").len(), 6);
    assert_eq!(floor["queues"][0]["over_target"], false);
    // Volunteers do not see window consoles either.
    let volunteer = app.login("volunteer1").await;
    let id = app.window_id(1).await;
    assert_error(&app.get_as(&format!("/api/v1/windows/{id}/console"), &volunteer).await, 403, "forbidden");
}

on_both_databases!(queues_past_their_target_are_flagged);

async fn queues_past_their_target_are_flagged(backend: Backend) {
    let setup = spawn_app(backend).await;
    setup.stop().await;
    // C001 taken at 09:00; C's target wait is 15 minutes.
    let morning = crate::helpers::app_at(&setup, "2026-11-25T09:00:00+08:00").await;
    morning.issue("C").await;
    morning.issue("A").await;
    morning.stop().await;
    let later = crate::helpers::app_at(&setup, "2026-11-25T09:20:00+08:00").await;
    let manager = later.login("manager1").await;
    let (_, floor) = later.get_as("/api/v1/halls/demo/floor", &manager).await;
    let queue = |code: &str| {
        floor["queues"].as_array().expect("queues").iter().find(|q| q["service"] == code).expect("queue").clone()
    };
    assert_eq!(queue("C")["over_target"], true, "{floor}");
    assert_eq!(queue("C")["longest_wait_minutes"], 20);
    assert_eq!(queue("A")["over_target"], false, "A's target is 20 minutes");
    let staff = later.login("window8").await;
    let console = later.console(8, &staff).await;
    let c = console["waiting"].as_array().expect("list").iter().find(|t| t["number"] == "C001").expect("C001").clone();
    assert_eq!(c["over_target"], true);
    // Overdue beats specialty: window 8 (F, A, C) calls the overdue C first.
    let (_, called) = later.window_op(8, "call-next", None, &staff).await;
    assert_eq!(called["ticket"]["number"], "C001");
}
