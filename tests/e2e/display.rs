use crate::browser::{eval, open, screenshot, wait_for, SPEECH_SPY};
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
