//! The window console and the floor control screen, driven by mouse and keyboard.
use crate::browser::{click, eval, open, screenshot, wait_for};
use crate::helpers::{spawn_app, Backend, TestApp, DEMO_PASSWORD};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::{Duration, Instant};

const SHORT: Duration = Duration::from_secs(5);
/// A page's first load, with other browser tests running on the same two cores.
const LOAD: Duration = Duration::from_secs(15);

/// Signs in through the page's form.
pub(crate) async fn sign_in(client: &Client, username: &str) {
    wait_for(client, "!document.getElementById('login').hidden", LOAD).await;
    client.find(Locator::Id("login-user")).await.expect("user field").send_keys(username).await.expect("type");
    client.find(Locator::Id("login-pass")).await.expect("password").send_keys(DEMO_PASSWORD).await.expect("type");
    client.find(Locator::Id("login-submit")).await.expect("submit").click().await.expect("click");
}

/// Opens the console, signs in and picks a window.
pub(crate) async fn open_console(app: &TestApp, client: &Client, username: &str, window: u32) {
    client.goto(&app.url("/window")).await.expect("console loads");
    sign_in(client, username).await;
    let pick = format!("#picker-list [data-window=\"{window}\"]");
    wait_for(
        client,
        &format!("document.querySelector('{pick}') !== null || !document.getElementById('console').hidden"),
        LOAD,
    )
    .await;
    if eval(client, "return document.getElementById('console').hidden;").await == json!(true) {
        click(client, &pick).await;
    }
    wait_for(client, "window.hallqConsole.view !== null && !document.getElementById('console').hidden", LOAD).await;
}

async fn press_key(client: &Client, key: &str) {
    client.find(Locator::Css("body")).await.expect("body").send_keys(key).await.expect("key");
}

fn current_is(number: &str) -> String {
    format!("document.getElementById('current').dataset.number === '{number}'")
}

#[actix_web::test]
async fn staff_signs_in_calls_next_and_the_hall_display_shows_it() {
    let Some(console) = open(1366, 768).await else { return };
    let display = open(1920, 1080).await.expect("display session");
    let twin = open(1366, 768).await.expect("second tab");
    let app = spawn_app(Backend::Sqlite).await;
    display.goto(&app.url("/display/demo")).await.expect("display");
    wait_for(&display, "document.querySelectorAll('.win-tile').length === 10", LOAD).await;

    open_console(&app, &console, "window3", 3).await;
    wait_for(&console, "document.getElementById('win-title').textContent.indexOf('3号窗口') === 0", SHORT).await;
    // Nothing held: call next is on, finishing is not.
    wait_for(&console, "!document.querySelector('[data-action=call_next]').disabled", SHORT).await;
    assert_eq!(eval(&console, "return document.querySelector('[data-action=finish]').disabled;").await, json!(true));

    // A ticket taken now appears in the waiting list live.
    app.issue("A").await;
    wait_for(&console, "document.querySelector('#waiting tr[data-number=\"A001\"]') !== null", SHORT).await;
    // The same window in a second tab (same person) follows along.
    open_console(&app, &twin, "window3", 3).await;

    click(&console, "[data-action=call_next]").await;
    let called = Instant::now();
    wait_for(&console, &current_is("A001"), SHORT).await;
    wait_for(
        &display,
        "document.getElementById('now-calling').dataset.number === 'A001' && document.querySelector('[data-window=\"3\"] .win-ticket').textContent === 'A001'",
        Duration::from_secs(2),
    )
    .await;
    assert!(called.elapsed() < Duration::from_secs(3), "display updated {:?} after the click", called.elapsed());
    wait_for(&twin, &current_is("A001"), Duration::from_secs(2)).await;
    // Once called: finish is off (start first), call-next is off, recall is on.
    wait_for(&console, "document.querySelector('[data-action=call_next]').disabled && !document.querySelector('[data-action=recall]').disabled", SHORT).await;
    screenshot(&console, "window-console-1366x768.png").await;

    // A refused action shows the reason and changes nothing: a colleague cannot take window 3.
    let colleague = app.login("staff1").await;
    let (status, body) = app.window_op(3, "sign-in", None, &colleague).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("window_occupied")), "{body}");

    for client in [console, display, twin] {
        let _ = client.close().await;
    }
}

#[actix_web::test]
async fn recall_transfer_and_pause_work_from_buttons_and_keys() {
    let Some(console) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    for _ in 0..3 {
        app.issue("A").await;
    }
    open_console(&app, &console, "window1", 1).await;
    wait_for(&console, "document.querySelectorAll('#waiting tr[data-number]').length === 3", SHORT).await;

    // N calls, R recalls (key), the recall button recalls again.
    press_key(&console, "n").await;
    wait_for(&console, &current_is("A001"), SHORT).await;
    press_key(&console, "r").await;
    wait_for(&console, "window.hallqConsole.view.ticket && window.hallqConsole.view.ticket.recall_count === 1", SHORT)
        .await;
    click(&console, "[data-action=recall]").await;
    wait_for(&console, "window.hallqConsole.view.ticket.recall_count === 2", SHORT).await;
    // At the limit the button goes off, and the key does nothing.
    wait_for(&console, "document.querySelector('[data-action=recall]').disabled", SHORT).await;

    // T opens the transfer dialog; send A001 to invoices (B) with a note.
    press_key(&console, "t").await;
    wait_for(&console, "document.getElementById('transfer-dialog').open", SHORT).await;
    let services = console.find(Locator::Id("transfer-service")).await.expect("service list");
    services.select_by_value("B").await.expect("choose B");
    console.find(Locator::Id("transfer-note")).await.expect("note").send_keys("需要代开发票").await.expect("type");
    click(&console, "#transfer-ok").await;
    wait_for(&console, "document.getElementById('current').dataset.number === ''", SHORT).await;
    let (_, b_queue) = app.get("/api/v1/halls/demo/services").await;
    let b = b_queue.as_array().expect("services").iter().find(|s| s["code"] == "B").expect("B").clone();
    assert_eq!(b["waiting"], 1, "A001 waits in the invoices queue");

    // The button calls the next; S starts, F finishes (keys).
    click(&console, "[data-action=call_next]").await;
    wait_for(&console, &current_is("A002"), SHORT).await;
    press_key(&console, "s").await;
    wait_for(
        &console,
        "window.hallqConsole.view.ticket && window.hallqConsole.view.ticket.status === 'serving'",
        SHORT,
    )
    .await;
    // Auto-call after finishing, in 3 seconds; cancelled with Esc this time.
    eval(&console, "var s = document.getElementById('autocall-seconds'); s.value = 3; s.dispatchEvent(new Event('change')); var c = document.getElementById('autocall-on'); c.checked = true; c.dispatchEvent(new Event('change')); return true;").await;
    press_key(&console, "f").await;
    wait_for(&console, "!document.getElementById('autocall-countdown').hidden", SHORT).await;
    press_key(&console, "\u{e00c}").await; // Escape
    wait_for(&console, "document.getElementById('autocall-countdown').hidden", SHORT).await;
    actix_web::rt::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(eval(&console, "return document.getElementById('current').dataset.number;").await, json!(""));
    assert_eq!(eval(&console, "return window.hallqConsole.view.today.served;").await, json!(1));
    // Not cancelled: the next is called by itself.
    press_key(&console, "n").await;
    wait_for(&console, &current_is("A003"), SHORT).await;
    press_key(&console, "s").await;
    wait_for(&console, "window.hallqConsole.view.ticket.status === 'serving'", SHORT).await;
    app.issue("A").await;
    wait_for(&console, "document.querySelector('#waiting tr[data-number=\"A004\"]') !== null", SHORT).await;
    press_key(&console, "f").await;
    wait_for(&console, &current_is("A004"), Duration::from_secs(6)).await;
    eval(&console, "var c = document.getElementById('autocall-on'); c.checked = false; c.dispatchEvent(new Event('change')); return true;").await;

    // P opens the pause reasons; "1" picks 午休. Pausing with a ticket held is refused first.
    press_key(&console, "x").await; // no-show
    wait_for(&console, "document.getElementById('current').dataset.number === ''", SHORT).await;
    wait_for(&console, "document.querySelector('#no-shows [data-restore=\"A004\"]') !== null", SHORT).await;
    press_key(&console, "p").await;
    wait_for(&console, "document.getElementById('pause-dialog').open", SHORT).await;
    press_key(&console, "1").await;
    wait_for(
        &console,
        "window.hallqConsole.view.window.state === 'paused' && window.hallqConsole.view.window.pause_reason === '午休'",
        SHORT,
    )
    .await;
    assert_eq!(eval(&console, "return document.querySelector('[data-action=call_next]').disabled;").await, json!(true));
    screenshot(&console, "window-console-paused.png").await;
    // The resume button brings it back.
    click(&console, "[data-action=resume]").await;
    wait_for(&console, "window.hallqConsole.view.window.state === 'open'", SHORT).await;

    // A server refusal shows as a message, without reloading: another person took the ticket
    // meanwhile is simulated by calling through the API while the page still offers the button.
    let staff = app.login("window1").await;
    app.issue("A").await;
    let (status, _) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    eval(&console, "window.hallqConsole.act('call_next'); return true;").await;
    wait_for(&console, "!document.getElementById('toast').hidden && document.getElementById('toast').textContent.indexOf('未办结') >= 0", SHORT).await;
    let _ = console.close().await;
}

#[actix_web::test]
async fn a_manager_opens_window_9_and_the_next_c_ticket_is_called_there() {
    let Some(floor) = open(1600, 900).await else { return };
    let console = open(1366, 768).await.expect("console session");
    let display = open(1920, 1080).await.expect("display session");
    let app = spawn_app(Backend::Sqlite).await;
    display.goto(&app.url("/display/demo")).await.expect("display");
    wait_for(&display, "document.querySelectorAll('.win-tile').length === 10", LOAD).await;

    floor.goto(&app.url("/floor/demo")).await.expect("floor loads");
    sign_in(&floor, "manager1").await;
    wait_for(&floor, "document.querySelectorAll('.floor-card').length === 10", LOAD).await;
    // Window 9 is a closed social-insurance cash window.
    wait_for(&floor, "document.querySelector('[data-window=\"9\"]').classList.contains('state-closed')", SHORT).await;
    click(&floor, "[data-window=\"9\"] [data-op=open]").await;
    wait_for(&floor, "document.querySelector('[data-window=\"9\"]').classList.contains('state-open')", SHORT).await;
    wait_for(
        &floor,
        "document.querySelector('#floor-log li .log-what').textContent.indexOf('9 号窗口开启') >= 0",
        SHORT,
    )
    .await;
    assert!(eval(&floor, "return document.querySelector('#floor-log li .log-by').textContent;")
        .await
        .as_str()
        .expect("text")
        .contains("大厅负责人"));
    wait_for(&display, "document.querySelector('[data-window=\"9\"]').classList.contains('state-open')", SHORT).await;

    app.issue("A").await;
    let c = app.issue("C").await;
    assert_eq!(c["number"], "C001");
    open_console(&app, &console, "window9", 9).await;
    wait_for(&console, "document.querySelector('#waiting tr[data-number=\"C001\"]') !== null", SHORT).await;
    press_key(&console, "n").await;
    wait_for(&console, &current_is("C001"), SHORT).await;
    wait_for(
        &display,
        "document.getElementById('now-calling').dataset.number === 'C001' && document.querySelector('[data-window=\"9\"] .win-ticket').textContent === 'C001'",
        Duration::from_secs(2),
    )
    .await;
    // The floor sees who is at window 9 and what it holds; closing it now is refused.
    wait_for(
        &floor,
        "document.querySelector('[data-window=\"9\"] .floor-ticket').textContent.indexOf('C001') === 0",
        SHORT,
    )
    .await;
    wait_for(
        &floor,
        "document.querySelector('[data-window=\"9\"] .floor-staff').textContent.indexOf('9号窗口工作人员') === 0",
        SHORT,
    )
    .await;
    click(&floor, "[data-window=\"9\"] [data-op=close]").await;
    wait_for(&floor, "!document.getElementById('toast').hidden && document.getElementById('toast').textContent.indexOf('未办结') >= 0", SHORT).await;
    screenshot(&floor, "floor-1600x900.png").await;

    // Registering a kiosk from the floor shows its setup address once.
    floor.find(Locator::Id("kiosk-name")).await.expect("kiosk name").send_keys("大厅入口取号机").await.expect("type");
    click(&floor, "#kiosk-form button[type=submit]").await;
    wait_for(&floor, "!document.getElementById('kiosk-setup').hidden && document.getElementById('kiosk-setup').textContent.indexOf('/kiosk/demo?device=') > 0", SHORT).await;
    wait_for(&floor, "document.querySelectorAll('#kiosk-list .kiosk-row').length === 1", SHORT).await;
    for client in [floor, console, display] {
        let _ = client.close().await;
    }
}

/// A console whose connection dropped (here: the server restarted) shows the mark, then
/// catches up with what happened meanwhile.
#[actix_web::test]
async fn a_console_that_lost_its_connection_shows_it_and_resyncs() {
    let Some(console) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("address");
    open_console(&app, &console, "window4", 4).await;
    app.stop().await;
    wait_for(&console, "!document.getElementById('connection').hidden", Duration::from_secs(15)).await;
    let again = crate::helpers::spawn_on(app.database.clone(), |mut settings| {
        settings.bind = address;
        settings
    })
    .await;
    again.issue("B").await;
    wait_for(
        &console,
        "document.getElementById('connection').hidden && document.querySelector('#waiting tr[data-number=\"B001\"]') !== null",
        Duration::from_secs(15),
    )
    .await;
    // The session survived the restart: the console still works.
    press_key(&console, "n").await;
    wait_for(&console, &current_is("B001"), SHORT).await;
    let _ = console.close().await;
}

/// A page on another port of the same host (another origin, the same site, so the browser
/// sends the staff member's Lax cookie): it posts a form that would close window 1.
fn start_hostile_page(target: String) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            use std::io::{Read, Write};
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let html = format!(
                "<!doctype html><form method=post action=\"{target}\"><input name=x value=1></form>\
                 <script>document.forms[0].submit()</script>"
            );
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

#[actix_web::test]
async fn a_form_on_another_port_cannot_close_a_window_with_the_staff_cookie() {
    let Some(console) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    open_console(&app, &console, "window1", 1).await;
    let id = app.window_id(1).await;
    let state = || async {
        let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
        windows.as_array().expect("windows").iter().find(|w| w["number"] == 1).expect("window 1")["state"].clone()
    };
    assert_eq!(state().await, "open");
    let hostile = start_hostile_page(app.url(&format!("/api/v1/windows/{id}/close")));
    console.goto(&format!("http://127.0.0.1:{hostile}/")).await.expect("hostile page");
    wait_for(&console, "document.body && document.body.innerText.indexOf('cross_origin') >= 0", LOAD).await;
    screenshot(&console, "csrf-refused.png").await;
    assert_eq!(state().await, "open", "the cross-site form did not close the window");
    // The console itself, on its own origin, still closes it.
    console.goto(&app.url("/window")).await.expect("console loads");
    wait_for(&console, "window.hallqConsole && window.hallqConsole.view !== null", LOAD).await;
    let (status, body) = app.post(&format!("/api/v1/windows/{id}/close"), None, None).await;
    assert_eq!(status, 401, "{body}");
    let closed = eval(
        &console,
        &format!("return fetch('/api/v1/windows/{id}/close', {{method: 'POST', credentials: 'same-origin'}}).then(r => r.status);"),
    )
    .await;
    assert_eq!(closed, json!(200), "a same-origin request with the cookie is accepted");
    assert_eq!(state().await, "closed");
}

#[actix_web::test]
async fn a_locked_account_is_told_in_chinese_how_long_to_wait() {
    let Some(console) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    for _ in 0..10 {
        assert_eq!(app.try_login("window2", "wrong-password").await.0, 401);
    }
    console.goto(&app.url("/window")).await.expect("console loads");
    sign_in(&console, "window2").await;
    wait_for(&console, "/请 \\d+ 秒后再试/.test(document.getElementById('login-error').textContent)", LOAD).await;
    screenshot(&console, "console-login-locked.png").await;
    // Another account on the same PC is not locked out.
    let user = console.find(Locator::Id("login-user")).await.expect("user field");
    user.clear().await.expect("clear");
    let pass = console.find(Locator::Id("login-pass")).await.expect("password");
    pass.clear().await.expect("clear");
    sign_in(&console, "window3").await;
    wait_for(&console, "document.getElementById('login').hidden", LOAD).await;
}

#[actix_web::test]
async fn the_picker_shows_who_holds_each_window_and_a_single_window_opens_by_itself() {
    let Some(console) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    // window1's own staff is signed in at window 1.
    let first = app.login("window1").await;
    let (status, body) = app.window_op(1, "sign-in", None, &first).await;
    assert_eq!(status, 200, "{body}");
    // staff1 covers windows 1–3: the picker says who holds each before any click.
    console.goto(&app.url("/window")).await.expect("console loads");
    sign_in(&console, "staff1").await;
    wait_for(&console, "document.querySelectorAll('#picker-list .pick-btn').length === 3", LOAD).await;
    let holders = eval(
        &console,
        "return Array.from(document.querySelectorAll('#picker-list .pick-btn')).map(function (b) { return [b.dataset.window, b.querySelector('.pick-holder').textContent, b.disabled]; });",
    )
    .await;
    assert_eq!(
        holders,
        json!([["1", "1号窗口工作人员 使用中", true], ["2", "无人登录", false], ["3", "无人登录", false]]),
    );
    screenshot(&console, "console-picker-holders.png").await;
    let _ = console.close().await;

    // window4 has one window: signing in goes straight to it, no picker.
    let single = open(1366, 768).await.expect("session");
    single.goto(&app.url("/window")).await.expect("console loads");
    sign_in(&single, "window4").await;
    wait_for(&single, "window.hallqConsole.view !== null && !document.getElementById('console').hidden", LOAD).await;
    assert_eq!(eval(&single, "return window.hallqConsole.view.window.number;").await, json!(4));

    // Durations read as durations (6分46秒), never as a clock time.
    app.issue("B").await;
    click(&single, "[data-action=call_next]").await;
    wait_for(&single, &current_is("B001"), SHORT).await;
    click(&single, "[data-action=start]").await;
    wait_for(
        &single,
        "document.getElementById('served-for') && document.getElementById('served-for').textContent !== '—'",
        SHORT,
    )
    .await;
    let facts = eval(&single, "return Array.from(document.querySelectorAll('.current-facts dd')).slice(0, 2).map(function (d) { return d.textContent; });").await;
    for fact in facts.as_array().expect("facts") {
        let text = fact.as_str().unwrap_or_default();
        assert!(!text.contains(':') && text.ends_with('秒'), "a duration, not a clock time: {facts}");
    }
    let _ = single.close().await;
}

#[actix_web::test]
async fn the_floor_shows_hall_times_warns_on_the_estimate_and_speaks_chinese_errors() {
    let Some(floor) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    // A kiosk seen just now, and a window opened: both carry times.
    let (status, kiosk) =
        app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": "入口取号机"})), Some(&manager)).await;
    assert_eq!(status, 201, "{kiosk}");
    let setup = kiosk["setup_url"].as_str().expect("setup url").to_owned();
    app.client.get(app.url(&setup)).send().await.expect("kiosk set up");
    app.window_op(9, "open", None, &manager).await;
    // C is served by windows 8 and 9; twelve people queue: nobody has waited long yet, but a
    // newcomer would wait past the 15 minute target.
    for _ in 0..12 {
        app.issue("C").await;
    }
    let (_, view) = app.get_as("/api/v1/halls/demo/floor", &manager).await;
    let c = view["queues"].as_array().expect("queues").iter().find(|q| q["service"] == "C").expect("C").clone();
    assert_eq!(c["over_target"], false, "{c}");
    assert_eq!(c["estimate_over_target"], true, "{c}");

    floor.goto(&app.url("/floor/demo")).await.expect("floor loads");
    sign_in(&floor, "manager1").await;
    wait_for(&floor, "document.querySelectorAll('.floor-card').length === 10", LOAD).await;
    let warning =
        eval(&floor, "var w = document.querySelector('.warning[data-service=C]'); return w ? w.textContent : null;")
            .await;
    let expected = format!("C 社保缴费：预计等候 {} 分钟，超过目标 15 分钟", c["estimated_wait_minutes"]);
    assert_eq!(warning, json!(expected));
    // 9号窗口（社保收现） already says it: no second 社保收现 tag.
    assert_eq!(
        eval(&floor, "return document.querySelectorAll('.floor-card[data-window=\"9\"] .tag.si').length;").await,
        json!(0)
    );
    // Times in the hall's timezone (Asia/Shanghai), whatever the PC's: the window log and the
    // kiosk's last visit.
    let opened_at = view["log"][0]["at"].as_str().expect("log time");
    let local =
        chrono::DateTime::parse_from_rfc3339(opened_at).expect("time").with_timezone(&chrono_tz::Asia::Shanghai);
    wait_for(&floor, "document.querySelectorAll('#floor-log li').length > 0", SHORT).await;
    assert_eq!(
        eval(&floor, "return document.querySelector('#floor-log .log-time').textContent;").await,
        json!(local.format("%H:%M:%S").to_string())
    );
    wait_for(&floor, "document.querySelectorAll('#kiosk-list .kiosk-row').length === 1", SHORT).await;
    let seen = eval(&floor, "return document.querySelector('#kiosk-list .kiosk-row .muted').textContent;").await;
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let seen_text = seen.as_str().unwrap_or_default();
    assert!(seen_text.starts_with("最近使用") && seen_text.contains(&now.format("%-m月%-d日").to_string()), "{seen}");
    assert!(!seen_text.contains("AM") && !seen_text.contains("PM") && !seen_text.contains('/'), "{seen}");
    screenshot(&floor, "floor-estimate-warning.png").await;

    // Unticking every service of a window: the refusal is in Chinese.
    click(&floor, ".floor-card[data-window=\"1\"] [data-op=services]").await;
    wait_for(&floor, "document.getElementById('services-dialog').open", SHORT).await;
    eval(
        &floor,
        "document.querySelectorAll('#services-list input').forEach(function (i) { i.checked = false; }); return true;",
    )
    .await;
    click(&floor, "#services-ok").await;
    wait_for(&floor, "!document.getElementById('toast').hidden", SHORT).await;
    assert_eq!(
        eval(&floor, "return document.getElementById('toast').textContent;").await,
        json!("每个窗口至少要办理一项业务")
    );
    let _ = floor.close().await;
}
