use crate::browser::{eval, open, open_screen, open_screen_with, screenshot, wait_for, SPEECH_SPY};
use crate::helpers::{spawn_app, spawn_on, Backend, TestApp};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

const TILES_LOADED: &str = "document.querySelectorAll('.win-tile').length";

/// How the display says a call: digits one by one, e.g. 请 A 零零一 号到 1 号窗口办理.
fn spoken(number: &str, window: u32) -> String {
    let digits = "零一二三四五六七八九";
    let (prefix, rest) = number.split_at(1);
    let read: String =
        rest.chars().map(|c| digits.chars().nth(c.to_digit(10).unwrap_or(0) as usize).unwrap_or('零')).collect();
    format!("请 {prefix} {read} 号到 {window} 号窗口办理")
}

async fn open_display(app: &TestApp, client: &Client, query: &str, tiles: usize) {
    client.goto(&app.url(&format!("/display/demo{query}"))).await.expect("display loads");
    wait_for(client, &format!("{TILES_LOADED} === {tiles}"), Duration::from_secs(10)).await;
}

/// Installs the speech recorder and taps "enable sound".
async fn enable_spied_sound(client: &Client) {
    eval(client, SPEECH_SPY).await;
    let overlay = client.find(Locator::Id("sound-overlay")).await.expect("overlay");
    if overlay.is_displayed().await.unwrap_or(false) {
        overlay.click().await.expect("tap enable sound");
    }
    wait_for(
        client,
        "window.hallqDisplay.announcer.enabled && document.getElementById('sound-overlay').hidden",
        Duration::from_secs(5),
    )
    .await;
}

async fn spoken_texts(client: &Client) -> Vec<String> {
    let value = eval(client, "return window.__spoken.map(function (r) { return r.text; });").await;
    serde_json::from_value(value).expect("texts")
}

async fn call_next(app: &TestApp, window: i64) {
    let staff = app.login(&format!("window{window}")).await;
    let (status, body) = app.window_op(window, "call-next", None, &staff).await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn a_call_appears_on_the_hall_display_and_the_window_screen_within_two_seconds() {
    let Some(display) = open(1920, 1080).await else { return };
    let screen = open(1280, 720).await.expect("second session");
    let app = spawn_app(Backend::Sqlite).await;
    app.issue("A").await;
    open_display(&app, &display, "", 10).await;
    screen.goto(&app.url("/display/demo/windows/3")).await.expect("window screen loads");
    wait_for(&screen, "document.getElementById('win-status').textContent === '欢迎办理'", Duration::from_secs(10))
        .await;

    let staff = app.login("window3").await;
    app.window_op(3, "call-next", None, &staff).await;
    let called = Instant::now();
    wait_for(
        &display,
        "document.getElementById('now-calling').dataset.number === 'A001' && document.querySelector('[data-window=\"3\"] .win-ticket').textContent === 'A001'",
        Duration::from_secs(2),
    )
    .await;
    wait_for(&screen, "document.getElementById('win-ticket').dataset.number === 'A001'", Duration::from_secs(2)).await;
    assert!(called.elapsed() < Duration::from_secs(2), "both screens within 2 s: {:?}", called.elapsed());

    // Paused and closed windows read as such on the window screen.
    app.window_op(3, "no-show", None, &staff).await;
    app.window_op(3, "pause", Some(serde_json::json!({"reason": "午休"})), &staff).await;
    wait_for(
        &screen,
        "document.getElementById('win-status').textContent === '暂停服务 · 午休'",
        Duration::from_secs(2),
    )
    .await;
    app.issue("B").await;
    app.issue("C").await;
    call_next(&app, 4).await;
    call_next(&app, 1).await;
    wait_for(&display, "document.querySelectorAll('.history-row').length >= 1", Duration::from_secs(2)).await;
    screenshot(&display, "display-1920x1080.png").await;
    screenshot(&screen, "window-screen-1280x720.png").await;
    let _ = display.close().await;
    let _ = screen.close().await;
}

#[actix_web::test]
async fn a_burst_of_five_calls_is_announced_ten_times_in_order_without_overlap() {
    let Some(display) = open(1920, 1080).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    for _ in 0..5 {
        app.issue("A").await;
    }
    open_display(&app, &display, "?repeat=2", 10).await;
    enable_spied_sound(&display).await;
    for window in 1..=5 {
        call_next(&app, window).await;
    }
    wait_for(&display, "window.__spoken.length === 10 && window.__spoken[9].end !== null", Duration::from_secs(40))
        .await;
    let expected: Vec<String> =
        (1..=5u32).flat_map(|n| [spoken(&format!("A00{n}"), n), spoken(&format!("A00{n}"), n)]).collect();
    assert_eq!(spoken_texts(&display).await, expected);
    assert_eq!(eval(&display, "return window.__overlap;").await, serde_json::json!(false), "never two at once");
    let ordered = eval(
        &display,
        "return window.__spoken.every(function (r, i, all) { return i === 0 || r.start >= all[i - 1].end; });",
    )
    .await;
    assert_eq!(ordered, serde_json::json!(true), "each starts after the previous one ended");
    assert_eq!(eval(&display, "return !!window.__cancelled;").await, serde_json::json!(false), "nothing cut off");
    // A recall is announced as such.
    let staff = app.login("window5").await;
    app.window_op(5, "recall", None, &staff).await;
    wait_for(&display, "window.__spoken.length === 12 && window.__spoken[11].end !== null", Duration::from_secs(10))
        .await;
    assert_eq!(spoken_texts(&display).await[10], "请 A 零零五 号再次到 5 号窗口办理");
    let _ = display.close().await;
}

#[actix_web::test]
async fn after_a_server_restart_the_display_is_fresh_within_15_seconds_and_announces_nothing_twice() {
    let Some(display) = open(1920, 1080).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("address");
    app.issue("A").await;
    app.issue("B").await;
    open_display(&app, &display, "?repeat=1", 10).await;
    enable_spied_sound(&display).await;
    call_next(&app, 1).await;
    wait_for(&display, "window.__spoken.length === 1", Duration::from_secs(10)).await;

    app.stop().await;
    wait_for(&display, "!document.getElementById('connection').hidden", Duration::from_secs(15)).await;
    let again = spawn_on(app.database.clone(), |mut settings| {
        settings.bind = address;
        settings
    })
    .await;
    let restarted = Instant::now();
    call_next(&again, 4).await;
    wait_for(
        &display,
        "document.getElementById('now-calling').dataset.number === 'B001' && document.getElementById('connection').hidden",
        Duration::from_secs(15),
    )
    .await;
    assert!(restarted.elapsed() < Duration::from_secs(15), "fresh within 15 s: {:?}", restarted.elapsed());
    wait_for(&display, "window.__spoken.length >= 2", Duration::from_secs(10)).await;
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(spoken_texts(&display).await, vec![spoken("A001", 1), spoken("B001", 4)], "each call announced once");
    let _ = display.close().await;
}

#[actix_web::test]
async fn a_display_filtered_to_the_cash_windows_shows_only_them() {
    let Some(display) = open(1920, 1080).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    open_display(&app, &display, "?windows=9,10", 2).await;
    let tiles = eval(
        &display,
        "return Array.from(document.querySelectorAll('.win-tile')).map(function (t) { return t.dataset.window; });",
    )
    .await;
    assert_eq!(tiles, serde_json::json!(["9", "10"]));
    let queues = eval(
        &display,
        "return Array.from(document.querySelectorAll('.q-code')).map(function (q) { return q.textContent; });",
    )
    .await;
    assert_eq!(queues, serde_json::json!(["C"]), "only the services of those windows");

    let manager = app.login("manager1").await;
    app.window_op(9, "open", None, &manager).await;
    app.issue("A").await;
    app.issue("C").await;
    call_next(&app, 1).await;
    call_next(&app, 9).await;
    wait_for(&display, "document.getElementById('now-calling').dataset.number === 'C001'", Duration::from_secs(2))
        .await;
    let history = eval(&display, "return document.getElementById('history').textContent;").await;
    assert!(!history.as_str().unwrap_or_default().contains("A001"), "a call at window 1 is not shown here");
    screenshot(&display, "display-cash-windows.png").await;

    open_display(&app, &display, "?windows=9,10&open_only=1", 1).await;
    let tiles = eval(
        &display,
        "return Array.from(document.querySelectorAll('.win-tile')).map(function (t) { return t.dataset.window; });",
    )
    .await;
    assert_eq!(tiles, serde_json::json!(["9"]), "only open windows");
    let _ = display.close().await;
}

/// Two more services (G, H: eight in all) that no window serves yet, straight into the database.
async fn add_two_services(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    for (position, code, name) in [(6, "G", "出口退税"), (7, "H", "非税收入")] {
        app.app_state
            .db
            .execute_unprepared(&format!(
                "INSERT INTO services (hall_id, code, name, name_en, target_wait_minutes, typical_handling_minutes, position, active) \
                 VALUES (1, '{code}', '{name}', '{name}', 20, 5, {position}, TRUE)"
            ))
            .await
            .expect("insert service");
    }
    app.app_state.halls.invalidate("demo");
}

/// True when every waiting count is on screen, inside its panel and above the notice line,
/// and every recent call shown is whole.
const EVERYTHING_FITS: &str = r#"
var panel = document.querySelector('.side-panel').getBoundingClientRect();
var notice = document.getElementById('notice');
var floor = notice.hidden ? innerHeight : notice.getBoundingClientRect().top;
var rows = Array.from(document.querySelectorAll('.queue-row'));
var inside = function (r) { var b = r.getBoundingClientRect(); return b.top >= panel.top - 0.5 && b.bottom <= panel.bottom + 0.5 && b.bottom <= floor + 0.5 && b.right <= panel.right + 0.5 && b.height > 10; };
var history = document.getElementById('history').getBoundingClientRect();
var whole = Array.from(document.querySelectorAll('.history-row')).every(function (r) { return r.getBoundingClientRect().bottom <= history.bottom + 0.5; });
var grid = document.getElementById('windows').getBoundingClientRect();
var tiles = Array.from(document.querySelectorAll('.win-tile')).every(function (t) { var b = t.getBoundingClientRect(); return b.bottom <= grid.bottom + 0.5 && b.bottom <= floor + 0.5; });
return { queues: rows.length, all_inside: rows.every(inside), history_whole: whole, windows_whole: tiles,
         history_rows: document.querySelectorAll('.history-row').length, viewport: [innerWidth, innerHeight] };
"#;

#[actix_web::test]
async fn with_ten_calls_and_eight_services_every_waiting_count_shows_and_the_call_box_yields_when_calls_end() {
    let Some(display) = open_screen(1920, 1080).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    add_two_services(&app).await;
    for _ in 0..12 {
        app.issue("A").await;
    }
    app.issue("G").await;
    let mut staff = Vec::new();
    for window in 1..=8 {
        let token = app.login(&format!("window{window}")).await;
        let (status, body) = app.window_op(window, "call-next", None, &token).await;
        assert_eq!(status, 200, "{body}");
        staff.push(token);
    }
    // Windows 1 and 2 finish and call again: ten calls, the latest A010 at window 2.
    for window in 1..=2 {
        let token = &staff[window as usize - 1];
        for op in ["start", "finish", "call-next"] {
            let (status, body) = app.window_op(window, op, None, token).await;
            assert_eq!(status, 200, "{op}: {body}");
        }
    }
    open_display(&app, &display, "", 10).await;
    wait_for(&display, "document.getElementById('now-calling').dataset.number === 'A010'", Duration::from_secs(10))
        .await;
    screenshot(&display, "display-8-services-1920x1080.png").await;
    let fits = eval(&display, EVERYTHING_FITS).await;
    assert_eq!(fits["queues"], 8, "{fits}");
    assert_eq!(fits["all_inside"], true, "every waiting count on screen at 1920×1080: {fits}");
    assert_eq!(fits["history_whole"], true, "{fits}");
    assert_eq!(fits["windows_whole"], true, "every window tile whole: {fits}");
    assert_eq!(fits["viewport"], serde_json::json!([1920, 1080]), "{fits}");
    assert!(fits["history_rows"].as_u64().unwrap_or(0) >= 5, "the history keeps what fits: {fits}");
    // Window labels read from 5 m; a closed window is distinct but at full strength.
    let looks = eval(
        &display,
        r#"var label = getComputedStyle(document.querySelector('[data-window="1"] .win-number'));
           var closed = document.querySelector('[data-window="9"]');
           return { label_px: parseFloat(label.fontSize), closed_opacity: getComputedStyle(closed).opacity,
                    closed_text: getComputedStyle(closed.querySelector('.win-number')).color,
                    closed_outline: getComputedStyle(closed).outlineStyle };"#,
    )
    .await;
    assert!(looks["label_px"].as_f64().unwrap_or(0.0) >= 32.0, "{looks}");
    assert_eq!(looks["closed_opacity"], "1", "{looks}");
    assert_eq!(looks["closed_outline"], "dashed", "{looks}");

    // The call box follows the calls that are still current.
    let box_shows = |number: &str| format!("document.getElementById('now-calling').dataset.number === '{number}'");
    let ops: [(i64, &str, Option<serde_json::Value>, &str); 9] = [
        (2, "no-show", None, "A009"),
        (2, "close", None, "A009"),
        (1, "start", None, "A009"),
        (1, "finish", None, "A008"),
        (8, "transfer", Some(serde_json::json!({"service": "B"})), "A007"),
        (7, "start", None, "A007"),
        (7, "finish", None, "A006"),
        (6, "no-show", None, "A005"),
        (5, "no-show", None, "A004"),
    ];
    for (window, op, body, shown) in ops {
        let (status, answer) = app.window_op(window, op, body, &staff[window as usize - 1]).await;
        assert_eq!(status, 200, "window {window} {op}: {answer}");
        wait_for(&display, &box_shows(shown), Duration::from_secs(10)).await;
    }
    for window in 3..=4 {
        app.window_op(window, "no-show", None, &staff[window as usize - 1]).await;
    }
    wait_for(
        &display,
        "document.getElementById('now-calling').dataset.number === '' && !!document.querySelector('.call-idle')",
        Duration::from_secs(10),
    )
    .await;
    let history = eval(&display, "return document.getElementById('history').textContent;").await;
    assert!(history.as_str().unwrap_or_default().contains("A010"), "ended calls stay in the history: {history}");
    let _ = display.close().await;

    // The same hall on a 1366×768 screen.
    let small = open_screen(1366, 768).await.expect("second session");
    open_display(&app, &small, "", 10).await;
    wait_for(&small, "document.querySelectorAll('.history-row').length >= 1", Duration::from_secs(10)).await;
    screenshot(&small, "display-8-services-1366x768.png").await;
    let fits = eval(&small, EVERYTHING_FITS).await;
    assert_eq!(fits["queues"], 8, "{fits}");
    assert_eq!(fits["all_inside"], true, "every waiting count on screen at 1366×768: {fits}");
    assert_eq!(fits["history_whole"], true, "{fits}");
    assert_eq!(fits["windows_whole"], true, "every window tile whole: {fits}");
    assert_eq!(fits["viewport"], serde_json::json!([1366, 768]), "{fits}");
    let _ = small.close().await;
}

#[actix_web::test]
async fn the_sound_button_hides_nothing_and_a_device_set_up_for_sound_never_shows_it() {
    let Some(display) = open_screen(1920, 1080).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    open_display(&app, &display, "", 10).await;
    let placement = eval(
        &display,
        r#"var b = document.getElementById('sound-overlay').getBoundingClientRect();
           var head = document.querySelector('.display-head').getBoundingClientRect();
           var covered = ['.display-hall', '#clock', '#date', '#notice', '.now-panel', '.side-panel'].filter(function (css) {
             var r = document.querySelector(css).getBoundingClientRect();
             return r.width > 0 && !(b.right <= r.left || b.left >= r.right || b.bottom <= r.top || b.top >= r.bottom);
           });
           return { visible: b.width > 0, in_head: b.top >= head.top && b.bottom <= head.bottom, covered: covered };"#,
    )
    .await;
    assert_eq!(placement["visible"], true, "{placement}");
    assert_eq!(placement["in_head"], true, "{placement}");
    assert_eq!(placement["covered"], serde_json::json!([]), "it covers nothing: {placement}");
    screenshot(&display, "display-sound-button.png").await;
    // Set up for sound on a browser that still refuses autoplay: the button comes back once a
    // call cannot be played, rather than the display staying silent.
    open_display(&app, &display, "?sound=on", 10).await;
    eval(&display, SPEECH_SPY).await;
    wait_for(&display, "window.hallqDisplay.announcer.enabled", Duration::from_secs(5)).await;
    app.issue("A").await;
    call_next(&app, 1).await;
    wait_for(&display, "!document.getElementById('sound-overlay').hidden", Duration::from_secs(15)).await;
    let _ = display.close().await;

    // A wall TV whose browser allows autoplay, set up once with ?sound=on: no button, the call
    // is said, and so on every later visit without the parameter.
    let tv = open_screen_with(1920, 1080, &["--autoplay-policy=no-user-gesture-required"]).await.expect("session");
    open_display(&app, &tv, "?sound=on", 10).await;
    open_display(&app, &tv, "", 10).await;
    eval(&tv, SPEECH_SPY).await;
    wait_for(&tv, "window.hallqDisplay.announcer.enabled", Duration::from_secs(5)).await;
    app.issue("A").await;
    call_next(&app, 2).await;
    wait_for(&tv, "window.__spoken.length >= 1 && window.__spoken[0].end !== null", Duration::from_secs(15)).await;
    assert_eq!(spoken_texts(&tv).await[0], spoken("A002", 2));
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let shown = eval(&tv, "return !document.getElementById('sound-overlay').hidden;").await;
    assert_eq!(shown, false, "a device set up for sound never shows the button");
    screenshot(&tv, "display-sound-set-up.png").await;
    // ?sound=ask forgets it.
    open_display(&app, &tv, "?sound=ask", 10).await;
    let state =
        eval(&tv, "return [window.hallqDisplay.announcer.enabled, document.getElementById('sound-overlay').hidden];")
            .await;
    assert_eq!(state, serde_json::json!([false, false]));
    let _ = tv.close().await;
}
