//! What an outside review found, kept closed: personal data on public shapes, cross-origin
//! writes, sign-in throttling, account control, issuing rules, websocket caps, shutdown.
use crate::helpers::{assert_error, set_cookie, spawn_app, spawn_on, Backend, TestApp};
use crate::on_both_databases;
use crate::websocket::{connect, next_message};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

on_both_databases!(
    public_shapes_carry_no_personal_or_staff_fields,
    issuing_follows_roles_halls_and_services,
    accounts_change_their_password_and_admins_disable_accounts,
);

const PHONE: &str = "13912340987";
const PHONE_MASKED: &str = "139****0987";
const NOTE: &str = "请张先生复核13912340987";

/// Strings no anonymous response may contain: the phone (whole or masked), the transfer note,
/// and the names and usernames of the staff who acted.
fn secrets() -> Vec<&'static str> {
    vec![
        PHONE,
        PHONE_MASKED,
        "0987",
        NOTE,
        "张先生",
        "8号窗口工作人员",
        "window8",
        "综合岗",
        "张敏",
        "staff1",
        "manager1",
    ]
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(secret), "{what} reveals {secret:?}: {text}");
    }
}

async fn text_of(app: &TestApp, path: &str, cookie: Option<&str>) -> String {
    let mut request = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.insert_header(("cookie", cookie.to_owned()));
    }
    let mut response = request.send().await.expect("sent");
    assert!(response.status().is_success(), "{path}: {}", response.status());
    let body = response.body().limit(4 * 1024 * 1024).await.expect("body");
    String::from_utf8_lossy(&body).into_owned()
}

async fn public_shapes_carry_no_personal_or_staff_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["require_phone"] = json!(true);
    assert_eq!(app.put("/api/v1/halls/demo/settings", settings, &manager).await.0, 200);
    let page = app.client.get(app.url("/m/demo")).send().await.expect("phone page");
    let phone_cookie = set_cookie(page.headers(), "hallq_phone");
    let mut response = app
        .client
        .post(app.url("/api/v1/halls/demo/tickets"))
        .insert_header(("cookie", phone_cookie.clone()))
        .insert_header(("origin", app.address.clone()))
        .send_json(&json!({"service": "C", "channel": "mobile", "phone": PHONE}))
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    let remote: Value = response.json().await.expect("json");
    assert_clean("the issuing response", &remote.to_string());
    let token = remote["token"].as_str().expect("token").to_owned();

    // Every kind of event: call, recall, transfer with a note, start, finish, no-show, restore,
    // cancel, window states, sign-in and -out, services, notice.
    let staff = app.login("window8").await;
    app.window_op(8, "sign-in", None, &staff).await;
    let (status, called) = app.window_op(8, "call", Some(json!({"number": "C001"})), &staff).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["phone_masked"], PHONE_MASKED, "staff see the number masked");
    app.window_op(8, "recall", None, &staff).await;
    let (status, moved) = app.window_op(8, "transfer", Some(json!({"service": "A", "note": NOTE})), &staff).await;
    assert_eq!(status, 200, "{moved}");
    let (_, again) = app.window_op(8, "call", Some(json!({"number": "C001"})), &staff).await;
    assert_eq!(app.console(8, &staff).await["ticket"]["transfer_note"], NOTE, "{again}");
    // Held now: the window list and the snapshot show it, publicly.
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    assert!(windows.to_string().contains("C001"), "the held ticket is listed: {windows}");
    assert_clean("the public window list", &windows.to_string());
    let mut socket = connect(&app, "").await;
    let snapshot = next_message(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert!(snapshot.to_string().contains("C001"));
    assert_clean("the websocket snapshot", &snapshot.to_string());
    assert_clean("the tracking lookup", &app.get(&format!("/api/v1/tickets/{token}")).await.1.to_string());
    for path in [
        "/".to_owned(),
        "/api/v1/halls".to_owned(),
        "/api/v1/halls/demo/services".to_owned(),
        "/api/v1/halls/demo/settings".to_owned(),
        "/display/demo".to_owned(),
        "/display/demo/windows/8".to_owned(),
        "/kiosk/demo".to_owned(),
        "/m/demo".to_owned(),
        format!("/t/{token}"),
        format!("/t/{token}/print?paper=58"),
    ] {
        assert_clean(&path, &text_of(&app, &path, Some(&phone_cookie)).await);
    }
    assert_clean("my tickets", &text_of(&app, "/api/v1/halls/demo/my-tickets", Some(&phone_cookie)).await);

    app.window_op(8, "start", None, &staff).await;
    app.window_op(8, "finish", None, &staff).await;
    let missed = app.issue("A").await;
    app.window_op(8, "call", Some(json!({"number": missed["number"]})), &staff).await;
    app.window_op(8, "no-show", None, &staff).await;
    let (_, restored) = app.window_op(8, "restore", Some(json!({"number": missed["number"]})), &staff).await;
    assert_eq!(restored["ticket"]["status"], "waiting", "{restored}");
    let cancelled = app.issue("B").await;
    app.post(&format!("/api/v1/tickets/{}/cancel", cancelled["token"].as_str().expect("token")), None, None).await;
    app.window_op(8, "pause", Some(json!({"reason": "午休"})), &staff).await;
    app.window_op(8, "resume", None, &staff).await;
    app.window_op(8, "sign-out", None, &staff).await;
    let id = app.window_id(9).await;
    app.post(&format!("/api/v1/windows/{id}/open"), None, Some(&manager)).await;
    app.put(&format!("/api/v1/windows/{id}/services"), json!({"services": ["C", "A"]}), &manager).await;
    app.post("/api/v1/halls/demo/notice", Some(json!({"text": "今日社保收现窗口开放"})), Some(&manager)).await;

    // The whole stored stream, replayed from the start, as any anonymous client may.
    let mut replay = connect(&app, "?since=0").await;
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    let mut kinds = std::collections::BTreeSet::new();
    loop {
        let message = next_message(&mut replay).await;
        assert_clean(&format!("event {}", message["type"]), &message.to_string());
        kinds.insert(message["type"].as_str().unwrap_or_default().to_owned());
        if message["type"] == "notice" {
            break;
        }
    }
    assert_clean("the window list", &windows.to_string());
    for kind in [
        "ticket_issued",
        "ticket_called",
        "ticket_recalled",
        "ticket_transferred",
        "ticket_started",
        "ticket_finished",
        "ticket_no_show",
        "ticket_restored",
        "ticket_cancelled",
        "window_paused",
        "window_resumed",
        "window_signed_in",
        "window_signed_out",
        "window_closed",
        "window_opened",
        "window_updated",
    ] {
        assert!(kinds.contains(kind), "the replay covers {kind}: {kinds:?}");
    }
}

async fn issuing_follows_roles_halls_and_services(backend: Backend) {
    let app = spawn_app(backend).await;
    let issue = |body: Value, token: Option<String>| {
        let app = &app;
        async move { app.post("/api/v1/halls/demo/tickets", Some(body), token.as_deref()).await }
    };
    // The green channel is granted in person, never by phone.
    assert_error(
        &issue(json!({"service": "A", "priority": "green", "channel": "mobile"}), None).await,
        403,
        "green_in_person",
    );
    assert_eq!(issue(json!({"service": "A", "priority": "green"}), None).await.0, 201, "at the kiosk");
    // Counter and volunteer channels need their roles.
    assert_error(&issue(json!({"service": "A", "channel": "counter"}), None).await, 401, "unauthorized");
    assert_error(&issue(json!({"service": "A", "channel": "volunteer"}), None).await, 401, "unauthorized");
    let volunteer = app.login("volunteer1").await;
    let window1 = app.login("window1").await; // windows 1: A, F
    assert_error(
        &issue(json!({"service": "A", "channel": "counter"}), Some(volunteer.clone())).await,
        403,
        "forbidden",
    );
    assert_error(
        &issue(json!({"service": "A", "channel": "volunteer"}), Some(window1.clone())).await,
        403,
        "forbidden",
    );
    let (status, helped) =
        issue(json!({"service": "A", "channel": "volunteer", "priority": "green"}), Some(volunteer.clone())).await;
    assert_eq!(status, 201, "{helped}");
    // Staff give privileged tickets for their windows' services only.
    assert_error(
        &issue(json!({"service": "B", "priority": "appointment"}), Some(window1.clone())).await,
        403,
        "forbidden",
    );
    assert_eq!(issue(json!({"service": "A", "priority": "appointment"}), Some(window1.clone())).await.0, 201);
    assert_eq!(issue(json!({"service": "F", "channel": "counter"}), Some(window1.clone())).await.0, 201);
    let manager = app.login("manager1").await;
    assert_eq!(issue(json!({"service": "E", "priority": "appointment"}), Some(manager.clone())).await.0, 201);

    // Staff restore only their own window's no-shows or their services' tickets.
    let f = app.issue("F").await;
    app.window_op(1, "call", Some(json!({"number": f["number"]})), &window1).await;
    app.window_op(1, "no-show", None, &window1).await;
    let window4 = app.login("window4").await; // B, A
    assert_error(&app.window_op(4, "restore", Some(json!({"number": f["number"]})), &window4).await, 403, "forbidden");
    assert_eq!(app.window_op(1, "restore", Some(json!({"number": f["number"]})), &window1).await.0, 200);

    // The social-insurance cash windows are opened by a manager, not by their own staff.
    let window9 = app.login("window9").await;
    let closed = app.console(9, &window9).await;
    assert!(!closed["actions"].to_string().contains("open"), "the console does not offer it: {}", closed["actions"]);
    assert_error(&app.window_op(9, "open", None, &window9).await, 403, "forbidden");
    assert_eq!(app.window_op(9, "open", None, &manager).await.0, 200);
    assert_eq!(app.window_op(9, "pause", Some(json!({"reason": "午休"})), &window9).await.0, 200);
}

async fn accounts_change_their_password_and_admins_disable_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.login("window3").await;
    let second = app.login("window3").await;
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let path = "/api/v1/auth/password";
    assert_error(
        &app.post(path, Some(change("wrong-password", "new-pass-456")), Some(&first)).await,
        403,
        "wrong_password",
    );
    assert_error(
        &app.post(path, Some(change(crate::helpers::DEMO_PASSWORD, "short")), Some(&first)).await,
        400,
        "weak_password",
    );
    assert_error(&app.post(path, Some(change("new-pass-456", "new-pass-456")), None).await, 401, "unauthorized");
    let (status, _) = app.post(path, Some(change(crate::helpers::DEMO_PASSWORD, "new-pass-456")), Some(&first)).await;
    assert_eq!(status, 204);
    assert_eq!(app.get_as("/api/v1/auth/me", &first).await.0, 200, "the session that changed it stays");
    assert_eq!(app.get_as("/api/v1/auth/me", &second).await.0, 401, "every other session ends");
    let (status, _) = app.try_login("window3", "new-pass-456").await;
    assert_eq!(status, 200);

    // An admin disables an account: its sessions end at once and it cannot sign in.
    let admin = app.login("admin").await;
    let (status, account) = app.put("/api/v1/users/window3", json!({"disabled": true}), &admin).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["disabled"], true);
    assert_eq!(app.get_as("/api/v1/auth/me", &first).await.0, 401);
    let (status, _) = app.try_login("window3", "new-pass-456").await;
    assert_eq!(status, 401);
    assert_eq!(app.put("/api/v1/users/window3", json!({"disabled": false}), &admin).await.0, 200);
    let (status, _) = app.try_login("window3", "new-pass-456").await;
    assert_eq!(status, 200);
    // Managers: the staff and volunteers of their hall; staff: nobody.
    let manager = app.login("manager1").await;
    assert_eq!(app.put("/api/v1/users/volunteer1", json!({"disabled": true}), &manager).await.0, 200);
    assert_error(&app.put("/api/v1/users/admin", json!({"disabled": true}), &manager).await, 403, "forbidden");
    let staff = app.login("window1").await;
    assert_error(&app.put("/api/v1/users/window2", json!({"disabled": true}), &staff).await, 403, "forbidden");
    assert_error(&app.put("/api/v1/users/nobody", json!({"disabled": true}), &admin).await, 404, "user_not_found");
    assert_error(&app.put("/api/v1/users/admin", json!({"disabled": true}), &admin).await, 409, "cannot_disable_self");
}

#[actix_web::test]
async fn cookie_writes_from_another_origin_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = app.try_login("window1", crate::helpers::DEMO_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    let cookie = format!("hallq_session={token}");
    let id = app.window_id(1).await;
    let sign_in = app.url(&format!("/api/v1/windows/{id}/sign-in"));
    let send = |headers: Vec<(&'static str, String)>| {
        let mut request = app.client.post(&sign_in).insert_header(("cookie", cookie.clone()));
        for header in headers {
            request = request.insert_header(header);
        }
        async move {
            let mut response = request.send().await.expect("sent");
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (response.status().as_u16(), body)
        }
    };
    // Another port of the same host is another origin.
    let port = app.address.rsplit(':').next().expect("port").parse::<u16>().expect("port");
    let other = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    assert_error(&send(vec![("origin", other.clone())]).await, 403, "cross_origin");
    assert_error(&send(vec![("referer", format!("{other}/evil"))]).await, 403, "cross_origin");
    assert_error(&send(vec![]).await, 403, "cross_origin");
    assert_error(&send(vec![("origin", "null".into())]).await, 403, "cross_origin");
    assert_eq!(send(vec![("referer", format!("{}/window", app.address))]).await.0, 200);
    assert_eq!(send(vec![("origin", app.address.clone())]).await.0, 200);
    // A bearer token is an explicit credential: no origin needed.
    let (status, _) = app.post(&format!("/api/v1/windows/{id}/sign-in"), None, Some(&token)).await;
    assert_eq!(status, 200);
    // Reads are unaffected.
    let mut me =
        app.client.get(app.url("/api/v1/auth/me")).insert_header(("cookie", cookie.clone())).send().await.expect("me");
    assert_eq!(me.status().as_u16(), 200, "{:?}", me.body().await);
}

#[actix_web::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/", "/api/v1/halls", "/kiosk/demo", "/window", "/static/css/hallq.css", "/api/v1/nothing", "/healthz"]
    {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        let policy = header("content-security-policy");
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-eval"), "{path}: {policy}");
        assert!(!policy.contains("script-src 'self' 'unsafe-inline'"), "{path}: {policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
    }
    // A display may run inside a signage player's frame.
    let response = app.client.get(app.url("/display/demo")).send().await.expect("sent");
    assert!(response.headers().get("x-frame-options").is_none());
    let policy = response.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(policy.contains("script-src 'self'") && !policy.contains("frame-ancestors"), "{policy}");
}

#[actix_web::test]
async fn secure_cookies_and_a_public_url_that_forwarded_headers_cannot_change() {
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let app = spawn_on(database, |mut settings| {
        settings.secure_cookies = true;
        settings
    })
    .await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .send_json(&json!({"username": "window1", "password": crate::helpers::DEMO_PASSWORD}))
        .await
        .expect("sent");
    let cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // The QR on a printed ticket points at this server, whatever a client claims.
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token");
    let mut print = app
        .client
        .get(app.url(&format!("/t/{token}/print?paper=58")))
        .insert_header(("x-forwarded-host", "evil.example"))
        .insert_header(("forwarded", "host=evil.example;proto=https"))
        .send()
        .await
        .expect("sent");
    let page = String::from_utf8_lossy(&print.body().await.expect("body")).into_owned();
    assert!(!page.contains("evil.example"), "{page}");
}

#[actix_web::test]
async fn logins_are_throttled_per_account_and_say_how_long_to_wait() {
    let app = spawn_app(Backend::Sqlite).await;
    let app = &app;
    let wrong = |username: &'static str| async move {
        let mut response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .send_json(&json!({"username": username, "password": "not-the-password"}))
            .await
            .expect("sent");
        let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        (response.status().as_u16(), body, retry)
    };
    // 100 wrong passwords at once: exactly the limit (10) are checked, the rest wait.
    let answers = futures_util::future::join_all((0..100).map(|_| wrong("window1"))).await;
    let checked = answers.iter().filter(|(status, _, _)| *status == 401).count();
    assert_eq!(checked, 10, "{:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
    let (status, body, retry) = answers.iter().find(|(status, _, _)| *status == 429).expect("refused").clone();
    assert_eq!(status, 429);
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(body["retry_after_seconds"].as_u64().map(|s| s.to_string()), retry.clone());
    let seconds: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=30).contains(&seconds), "{seconds}");
    assert!(body["message"].as_str().expect("message").contains(&seconds.to_string()));
    // The real user of window1 waits; the other accounts behind the same address do not, and
    // a colleague's success does not clear window1's count.
    let (status, _) = app.try_login("window1", crate::helpers::DEMO_PASSWORD).await;
    assert_eq!(status, 429);
    app.login("window2").await;
    assert_eq!(wrong("window1").await.0, 429, "still locked after window2 signed in");

    // An unknown username takes about as long as a known one with a wrong password.
    let timed = |username: &'static str| async move {
        let started = Instant::now();
        for _ in 0..3 {
            let (status, _, _) = wrong(username).await;
            assert_eq!(status, 401, "{username}");
        }
        started.elapsed()
    };
    let known = timed("window5").await;
    let unknown = timed("no-such-user").await;
    assert!(unknown * 3 > known, "unknown {unknown:?} vs known {known:?}: the dummy hash is checked");
}

/// A raw websocket upgrade from a chosen loopback address; returns the status line and the
/// stream (kept open while the caller holds it).
async fn raw_upgrade(app: &TestApp, from: [u8; 4]) -> (u16, String, tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(std::net::SocketAddr::from((from, 0))).expect("bind a loopback address");
    let port: u16 = app.address.rsplit(':').next().expect("port").parse().expect("port");
    let mut stream = socket.connect(std::net::SocketAddr::from(([127, 0, 0, 1], port))).await.expect("connect");
    let request = format!(
        "GET /ws/halls/demo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut head = vec![0u8; 2048];
    let read =
        tokio::time::timeout(Duration::from_secs(30), stream.read(&mut head)).await.expect("an answer").expect("read");
    let text = String::from_utf8_lossy(&head[..read]).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text, stream)
}

#[actix_web::test]
async fn websockets_are_capped_per_address_and_in_total() {
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let app = spawn_on(database, |mut settings| {
        settings.ws_max_connections = 5;
        settings.ws_max_per_address = 3;
        settings
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let (status, _, stream) = raw_upgrade(&app, [127, 0, 0, 2]).await;
        assert_eq!(status, 101);
        held.push(stream);
    }
    let (status, text, _) = raw_upgrade(&app, [127, 0, 0, 2]).await;
    assert_eq!(status, 429, "{text}");
    assert!(
        text.contains("too_many_connections_from_address") && text.to_lowercase().contains("retry-after"),
        "{text}"
    );
    for _ in 0..2 {
        let (status, _, stream) = raw_upgrade(&app, [127, 0, 0, 3]).await;
        assert_eq!(status, 101, "another address still connects");
        held.push(stream);
    }
    let (status, text, _) = raw_upgrade(&app, [127, 0, 0, 4]).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("too_many_connections"), "{text}");
    // Plain requests are unaffected, and a closed session gives its place back.
    assert_eq!(app.get("/healthz").await.0, 200);
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _, stream) = raw_upgrade(&app, [127, 0, 0, 4]).await;
        if status == 101 {
            held.push(stream);
            break;
        }
        assert!(Instant::now() < deadline, "the place was never given back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn stopping_closes_websockets_with_going_away_at_once() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut socket = connect(&app, "").await;
    assert_eq!(next_message(&mut socket).await["type"], "snapshot");
    let started = Instant::now();
    app.stop().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "a connected websocket held the shutdown for {took:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await.expect("a close frame") {
            Some(Ok(awc::ws::Frame::Close(reason))) => {
                assert_eq!(reason.map(|r| r.code), Some(awc::ws::CloseCode::Away));
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// On SQLite the writers' batches run on a direct connection of their own (issue 19). One
/// dropped before it commits (an error mid-batch) leaves nothing behind and lets the next write
/// in, on either connection; and it has no ORM transaction to hand out, so no other statement
/// can slip onto it.
#[actix_web::test]
async fn a_direct_write_dropped_unfinished_is_rolled_back_and_refuses_the_orm() {
    use hallq::persistence::halls::current_event_seq;
    use hallq::services::hall_write::{HallWrite, WriteParts};
    let app = spawn_app(Backend::Sqlite).await;
    let core = &app.app_state.core;
    let hall = core.halls.get("demo").await.expect("demo hall");
    let before = current_event_seq(&core.db, hall.id).await.expect("seq");
    let write = HallWrite::begin_direct(&WriteParts::of(core), &hall, 5).await.expect("begin");
    assert!(matches!(write.tx(), hallq::persistence::hot::Tx::Direct(_)), "SQLite: the direct connection");
    let refused = write.txn().expect_err("no ORM transaction on a direct write");
    assert_eq!(refused.kind, hallq::error::ErrorKind::Internal);
    drop(write);
    assert_eq!(current_event_seq(&core.db, hall.id).await.expect("seq"), before, "the five numbers were given back");
    // The gate is free and the file unlocked: a ticket (direct) and a settings change (ORM).
    let (status, ticket) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
    assert_eq!(status, 201, "{ticket}");
    let manager = app.login("manager1").await;
    let (_, settings) = app.get("/api/v1/halls/demo/settings").await;
    let (status, saved) = app.put("/api/v1/halls/demo/settings", settings, &manager).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(current_event_seq(&core.db, hall.id).await.expect("seq"), before + 2, "one event each, no gap");
}

#[actix_web::test]
async fn a_full_database_acknowledges_nothing_it_did_not_store_and_recovers_by_itself() {
    use sea_orm::ConnectionTrait;
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    // One connection, so the page limit set below applies to every write.
    let app = spawn_on(database.clone(), |mut settings| {
        settings.db_pool_size = 1;
        settings
    })
    .await;
    let db = &app.app_state.db;
    // The limit is a property of the connection: it is set on the pool's and on the two the
    // hall writers use on SQLite.
    let gate = app.app_state.write_gate.clone().expect("SQLite has a writers' connection");
    let limit = |sql: String| {
        let gate = gate.clone();
        async move {
            db.execute_unprepared(&sql).await.expect("limit the file");
            let writers = gate.lock().await;
            writers.db.execute_unprepared(&sql).await.expect("limit the writers' file");
            if let Some(direct) = &writers.direct {
                direct.execute_unprepared(&sql).expect("limit the writers' direct connection");
            }
        }
    };
    // The disk is "full": the file may not grow. The server replaces a connection a failed write
    // leaves unsure, so the limit is set again on whichever connections there are while the
    // disk stays full.
    let fill = || async {
        let pages =
            db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "PRAGMA page_count")).await;
        let pages: i64 = pages.expect("page_count").expect("row").try_get_by_index(0).expect("pages");
        limit(format!("PRAGMA max_page_count = {pages}")).await;
    };
    fill().await;

    let mut acknowledged = Vec::new();
    let mut refused = None;
    for _ in 0..2000 {
        let (status, body) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
        match status {
            201 => acknowledged.push(body["token"].as_str().expect("token").to_owned()),
            _ => {
                refused = Some((status, body));
                break;
            }
        }
    }
    let refused = refused.expect("the database filled up");
    assert_error(&refused, 503, "storage_full");
    assert!(refused.1["message"].as_str().expect("message").contains("full"));
    // Full: not ready, and still refusing.
    fill().await;
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["error"], "storage_full");
    fill().await;
    assert_error(
        &app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "B"})), None).await,
        503,
        "storage_full",
    );

    // Space comes back: writes work again without a restart, and readiness follows.
    limit("PRAGMA max_page_count = 1073741823".to_owned()).await;
    let (status, after) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
    assert_eq!(status, 201, "{after}");
    acknowledged.push(after["token"].as_str().expect("token").to_owned());
    assert_eq!(app.get("/readyz").await.0, 200);
    app.stop().await;

    // After a restart every acknowledged ticket is there, numbered without gaps or repeats,
    // and the event log has no gaps.
    let restarted = spawn_on(database, |settings| settings).await;
    let mut numbers = Vec::new();
    for token in &acknowledged {
        let (status, ticket) = restarted.get(&format!("/api/v1/tickets/{token}")).await;
        assert_eq!(status, 200, "acknowledged ticket {token} was lost");
        if ticket["service"] == "A" {
            numbers.push(ticket["number"].as_str().expect("number")[1..].parse::<u32>().expect("n"));
        }
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>());
    let db = &restarted.app_state.db;
    let seqs: Vec<i64> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT seq FROM events ORDER BY seq",
        ))
        .await
        .expect("events")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("seq"))
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "the event log has no gaps");
    let next = restarted.issue("A").await;
    assert_eq!(next["number"], format!("A{:03}", numbers.len() + 1), "no number is given out twice");
}

/// A TCP proxy to the machine's PostgreSQL that the test can cut (every connection dropped,
/// new ones refused) and restore: a database outage without touching the shared server.
struct CuttableProxy {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl CuttableProxy {
    async fn start() -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::<tokio::task::AbortHandle>::new()));
        let (cut_flag, link_list) = (cut.clone(), links.clone());
        actix_web::rt::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let task = actix_web::rt::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                link_list.lock().expect("links").push(task.abort_handle());
            }
        });
        Self { port, cut, links }
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn a_postgresql_outage_fails_fast_leaves_no_ghost_tickets_and_heals() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Postgres).await);
    let proxy = CuttableProxy::start().await;
    let through_proxy = database.url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let app = spawn_on(database.clone(), move |mut settings| {
        settings.database_url = through_proxy;
        settings
    })
    .await;
    assert_eq!(app.issue("A").await["number"], "A001");
    let mut acknowledged = 1;

    proxy.cut();
    // Readiness answers within a second; a write is refused within the acquire timeout.
    let started = Instant::now();
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 503, "{ready}");
    assert!(started.elapsed() < Duration::from_millis(2500), "readyz took {:?}", started.elapsed());
    let started = Instant::now();
    let (status, refused) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"], "database_unavailable");
    assert!(started.elapsed() < Duration::from_secs(8), "refused after {:?}", started.elapsed());
    // Clients that give up do not leave tickets behind.
    for _ in 0..5 {
        let request = app.client.post(app.url("/api/v1/halls/demo/tickets")).timeout(Duration::from_millis(300));
        let _ = request.send_json(&json!({"service": "A"})).await;
    }
    // A screen that connects now is told, kept alive, and gets its snapshot once the data is back.
    let mut socket = connect(&app, "").await;
    let first = next_message(&mut socket).await;
    assert_eq!(first["type"], "unavailable", "{first}");
    assert_eq!(first["error"], "database_unavailable");

    proxy.restore();
    let snapshot = next_message(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot", "{snapshot}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
        if status == 201 {
            acknowledged += 1;
            assert_eq!(body["number"], "A002", "the refused and abandoned requests took no number");
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) FROM tickets"))
        .await
        .expect("count")
        .expect("row");
    assert_eq!(row.try_get_by_index::<i64>(0).expect("count"), acknowledged, "no ghost tickets");
    app.stop().await;
}

#[actix_web::test]
async fn one_address_cannot_mint_phones_to_fill_the_remote_cap() {
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let app = spawn_on(database, |mut settings| {
        settings.public_rate_limit = 2;
        settings
    })
    .await;
    // Fresh phone ids: 10 × the limit per address, then the page comes without one.
    let mut cookies = Vec::new();
    for _ in 0..25 {
        let page = app.client.get(app.url("/m/demo")).send().await.expect("phone page");
        assert_eq!(page.status().as_u16(), 200);
        let minted =
            page.headers().get_all("set-cookie").any(|v| v.to_str().is_ok_and(|v| v.starts_with("hallq_phone=")));
        if minted {
            cookies.push(set_cookie(page.headers(), "hallq_phone"));
        }
    }
    assert_eq!(cookies.len(), 20);
    // Remote tickets: 5 × the limit per address, however many phone ids it holds.
    let mut taken = 0;
    for cookie in &cookies[..11] {
        let mut response = app
            .client
            .post(app.url("/api/v1/halls/demo/tickets"))
            .insert_header(("cookie", cookie.clone()))
            .insert_header(("origin", app.address.clone()))
            .send_json(&json!({"service": "A", "channel": "mobile"}))
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match status {
            201 => taken += 1,
            _ => {
                assert_error(&(status, body), 429, "rate_limited");
                break;
            }
        }
    }
    assert_eq!(taken, 10);
}

#[cfg(unix)]
#[actix_web::test]
async fn the_sqlite_file_and_its_wal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app(Backend::Sqlite).await;
    app.issue("A").await;
    let path = app.database.url.trim_start_matches("sqlite://").to_owned();
    for suffix in ["", "-wal"] {
        let mode = std::fs::metadata(format!("{path}{suffix}")).expect("file exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{path}{suffix}: {mode:o}");
    }
}

/// A tmpfs of `bytes` mounted for the test (root only), unmounted when dropped.
struct TinyDisk {
    path: std::path::PathBuf,
}

impl TinyDisk {
    fn mount(bytes: u64) -> Option<Self> {
        let path = std::env::temp_dir().join(format!("hallq-tiny-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&path).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self { path })
    }

    /// Fills what is left with a file; returns the file, to be removed to free the space.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).and_then(|_| file.flush()).is_ok() {}
        filler
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(7);
    hasher.finish()
}

#[actix_web::test]
async fn a_really_full_disk_under_load_loses_no_acknowledged_ticket() {
    use sea_orm::ConnectionTrait;
    let Some(disk) = TinyDisk::mount(6 * 1024 * 1024) else {
        assert!(
            std::env::var("CI").ok().as_deref() != Some("true"),
            "CI=true but a tmpfs cannot be mounted (the test needs root)"
        );
        eprintln!("skipping: mounting a tmpfs needs root");
        return;
    };
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let url = format!("sqlite://{}", disk.path.join("hallq.db").display());
    let on_disk = url.clone();
    let app = spawn_on(database.clone(), move |mut settings| {
        settings.database_url = on_disk;
        settings
    })
    .await;
    let issue_many = |count: usize| {
        let app = &app;
        async move {
            let requests = (0..count).map(|i| async move {
                let service = ["A", "B", "C", "D", "E", "F"][i % 6];
                app.post("/api/v1/halls/demo/tickets", Some(json!({"service": service})), None).await
            });
            futures_util::future::join_all(requests).await
        }
    };
    let mut acknowledged = Vec::new();
    let keep = |answers: Vec<(u16, Value)>,
                acknowledged: &mut Vec<String>,
                refusals: &mut std::collections::BTreeMap<String, usize>| {
        for (status, body) in answers {
            if status == 201 {
                acknowledged.push(body["token"].as_str().expect("token").to_owned());
            } else {
                *refusals.entry(format!("{status} {}", body["error"])).or_default() += 1;
            }
        }
    };
    let mut refusals = std::collections::BTreeMap::new();
    keep(issue_many(100).await, &mut acknowledged, &mut refusals);
    let filler = disk.fill();
    // The disk is full: 200 issuers at once, a few rounds.
    for _ in 0..5 {
        keep(issue_many(200).await, &mut acknowledged, &mut refusals);
    }
    let full_refusals: usize = refusals.values().sum();
    let (status, ready) = app.get("/readyz").await;
    std::fs::remove_file(&filler).expect("free the space");
    // Space is back: writes recover by themselves.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = app.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None).await;
        if status == 201 {
            acknowledged.push(body["token"].as_str().expect("token").to_owned());
            break;
        }
        assert!(Instant::now() < deadline, "no recovery without a restart: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    keep(issue_many(100).await, &mut acknowledged, &mut refusals);
    eprintln!(
        "disk full: {full_refusals} refused ({refusals:?}); readyz while full: {status} {ready}; {} acknowledged",
        acknowledged.len()
    );
    assert!(full_refusals > 0, "the disk never filled");
    assert!(refusals.keys().all(|k| k.contains("storage_full") || k.contains("database_unavailable")), "{refusals:?}");
    assert_eq!(app.get("/readyz").await.0, 200);
    app.stop().await;

    // After a restart every acknowledged ticket is there, and nothing is numbered twice.
    let restarted = spawn_on(database, move |mut settings| {
        settings.database_url = url;
        settings
    })
    .await;
    let mut numbers = std::collections::BTreeSet::new();
    for token in &acknowledged {
        let (status, ticket) = restarted.get(&format!("/api/v1/tickets/{token}")).await;
        assert_eq!(status, 200, "acknowledged ticket {token} was lost");
        assert!(numbers.insert(ticket["number"].as_str().expect("number").to_owned()), "{ticket} numbered twice");
    }
    let db = &restarted.app_state.db;
    let seqs: Vec<i64> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT seq FROM events ORDER BY seq",
        ))
        .await
        .expect("events")
        .iter()
        .map(|row| row.try_get_by_index(0).expect("seq"))
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "the event log has no gaps");
    restarted.stop().await;
    drop(restarted);
}
