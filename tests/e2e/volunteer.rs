//! The volunteer tablet at 1024×768 (landscape) and 800×1280 (portrait): a window's call for
//! help reaches two tablets at once and taking it on one shows on the other and at the window;
//! a queue passing its threshold raises the alert with a sound and the cash-window advice,
//! which a manager acts on from the floor; a ticket taken for someone, a diversion in two taps,
//! a number looked up.
use crate::browser::{click, eval, open, open_touch, screenshot, wait_for};
use crate::console::{open_console, sign_in};
use crate::helpers::{spawn_app, TestApp};
use serde_json::json;
use std::time::Duration;

const LOAD: Duration = Duration::from_secs(15);
/// The watch job runs every 5 s; give it room on a busy machine.
const WATCH: Duration = Duration::from_secs(30);

async fn open_tablet(app: &TestApp, width: u32, height: u32, username: &str) -> Option<fantoccini::Client> {
    let tablet = open_touch(width, height, 1.0).await?;
    tablet.goto(&app.url("/volunteer/demo")).await.expect("tablet page");
    sign_in(&tablet, username).await;
    wait_for(&tablet, "window.hallqVolunteer.board !== null", LOAD).await;
    Some(tablet)
}

#[actix_web::test]
async fn a_windows_call_for_help_reaches_two_tablets_and_taking_it_shows_everywhere() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let Some(landscape) = open_tablet(&app, 1024, 768, "volunteer1").await else { return };
    let Some(portrait) = open_tablet(&app, 800, 1280, "manager1").await else { return };
    let Some(console) = open(1366, 768).await else { return };
    open_console(&app, &console, "window1", 1).await;

    click(&console, "#help-ask").await;
    wait_for(&console, "document.querySelector('#help-reasons .reason-btn') !== null", LOAD).await;
    click(&console, "#help-reasons .reason-btn[data-reason='需要引导']").await;
    let card = "document.querySelector('#help-list .help-card.help-open') !== null";
    let first = wait_for(&landscape, card, LOAD).await;
    let second = wait_for(&portrait, card, LOAD).await;
    // Measured from the moment the window's request was sent: both tablets within 2 s.
    assert!(first + second < Duration::from_secs(2), "landscape {first:?}, then portrait {second:?} more");
    for tablet in [&landscape, &portrait] {
        assert_eq!(eval(tablet, "return window.hallqVolunteer.sounds;").await, json!(1), "one sound per call");
        let text = eval(tablet, "return document.querySelector('#help-list .help-card').textContent;").await;
        assert!(text.as_str().expect("text").contains("需要引导"), "{text}");
    }
    wait_for(&console, "document.getElementById('help-status').textContent.indexOf('等待志愿者') >= 0", LOAD).await;
    screenshot(&landscape, "volunteer-1-help-1024x768.png").await;
    screenshot(&portrait, "volunteer-2-help-800x1280.png").await;

    // The volunteer takes it: the manager's tablet and the window see who.
    click(&landscape, "#help-list .help-take").await;
    wait_for(&portrait, "document.querySelector('#help-list .help-card.help-taken') !== null", LOAD).await;
    let taker = eval(&portrait, "return document.querySelector('#help-list .help-taker').textContent;").await;
    assert_eq!(taker, json!("志愿者一 已接单"));
    wait_for(&console, "document.getElementById('help-status').textContent === '志愿者一 正在赶来'", LOAD).await;
    screenshot(&console, "volunteer-3-console-help-taken-1366x768.png").await;
    // Done: the tablets clear it, the window is told.
    click(&landscape, "#help-list .help-done").await;
    wait_for(&portrait, "document.querySelector('#help-list .help-card') === null", LOAD).await;
    wait_for(&console, "document.getElementById('help-status').textContent === '协助已完成'", LOAD).await;
    assert!(!eval(&console, "return document.getElementById('help-ask').hidden;").await.as_bool().unwrap_or(true));
    for client in [landscape, portrait, console] {
        client.close().await.expect("close");
    }
}

#[actix_web::test]
async fn a_growing_queue_raises_the_alert_and_the_tablet_helps_people() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["watch"] = json!({"services": {"C": {"waiting": 3}}});
    assert_eq!(app.put("/api/v1/halls/demo/settings", settings, &manager).await.0, 200);
    // A registered kiosk the tablet can send tickets to.
    let (_, kiosk) = app.post("/api/v1/halls/demo/kiosks", Some(json!({"name": "东门取号机"})), Some(&manager)).await;
    let Some(kiosk_screen) = crate::browser::open_screen(1024, 768).await else { return };
    kiosk_screen.goto(&app.url(kiosk["setup_url"].as_str().expect("setup url"))).await.expect("kiosk");
    wait_for(&kiosk_screen, "window.hallqKiosk !== undefined", LOAD).await;
    let Some(tablet) = open_tablet(&app, 800, 1280, "volunteer1").await else { return };
    assert_eq!(eval(&tablet, "return document.querySelectorAll('#board .v-card.alert').length;").await, json!(0));
    for _ in 0..3 {
        app.issue("C").await;
    }
    wait_for(&tablet, "document.querySelector('#board .v-card.alert[data-service=C]') !== null", WATCH).await;
    wait_for(&tablet, "!document.getElementById('advice').hidden", LOAD).await;
    let advice = eval(&tablet, "return document.getElementById('advice').textContent;").await;
    assert!(advice.as_str().expect("advice").contains("建议开启社保收现窗口"), "{advice}");
    assert!(advice.as_str().expect("advice").contains("9号窗口"), "{advice}");
    assert_eq!(eval(&tablet, "return window.hallqVolunteer.sounds;").await, json!(1));
    screenshot(&tablet, "volunteer-4-alert-800x1280.png").await;

    // A green-channel ticket for someone: shown big with its QR.
    click(&tablet, "#open-issue").await;
    wait_for(&tablet, "document.querySelector('#issue-services [data-service=A]') !== null", LOAD).await;
    click(&tablet, "#issue-green").await;
    click(&tablet, "#issue-services [data-service=A]").await;
    wait_for(&tablet, "!document.getElementById('issue-result').hidden", LOAD).await;
    wait_for(
        &tablet,
        "document.getElementById('issue-qr').complete && document.getElementById('issue-qr').naturalWidth > 0",
        LOAD,
    )
    .await;
    assert_eq!(eval(&tablet, "return document.getElementById('issue-number').textContent;").await, json!("A001"));
    screenshot(&tablet, "volunteer-5-ticket-800x1280.png").await;
    // Sent to the kiosk, which prints it.
    click(&tablet, "#issue-kiosks [data-kiosk]").await;
    wait_for(
        &kiosk_screen,
        "(document.getElementById('print-frame').getAttribute('src') || '').indexOf('/print?') > 0",
        LOAD,
    )
    .await;
    let (_, printed) = app.get_as("/api/v1/halls/demo/tickets/lookup?number=A001", &manager).await;
    assert_eq!(printed["ticket"]["priority"], "green");
    kiosk_screen.close().await.expect("close");
    click(&tablet, "#issue-dialog [data-close]").await;

    // A diversion in two taps: the service, then where they were sent.
    click(&tablet, "#open-divert").await;
    click(&tablet, "#divert-services [data-service=C]").await;
    click(&tablet, "#divert-targets [data-target=wechat_alipay]").await;
    wait_for(
        &tablet,
        "document.getElementById('diversion-counts').textContent.indexOf('微信/支付宝缴费 1') >= 0",
        LOAD,
    )
    .await;

    // Looking a number up: where to go.
    click(&tablet, "#open-lookup").await;
    tablet.find(fantoccini::Locator::Id("lookup-number")).await.expect("field").send_keys("c002").await.expect("type");
    click(&tablet, "#lookup-form button[type=submit]").await;
    wait_for(&tablet, "!document.getElementById('lookup-result').hidden", LOAD).await;
    let status = eval(&tablet, "return document.getElementById('lookup-status').textContent;").await;
    assert!(status.as_str().expect("status").contains("前面还有 1 人"), "{status}");
    screenshot(&tablet, "volunteer-6-lookup-800x1280.png").await;
    tablet.close().await.expect("close");

    // The manager opens a cash window from the floor screen; the advice then names only the other.
    let Some(floor) = open(1366, 768).await else { return };
    floor.goto(&app.url("/floor/demo")).await.expect("floor");
    sign_in(&floor, "manager1").await;
    wait_for(&floor, "!document.getElementById('advice').hidden", LOAD).await;
    screenshot(&floor, "volunteer-7-floor-advice-1366x768.png").await;
    assert_eq!(eval(&floor, "return document.querySelectorAll('#advice [data-op=open-cash]').length;").await, json!(2));
    click(&floor, "#advice [data-op=open-cash]").await;
    wait_for(&floor, "document.querySelectorAll('#advice [data-op=open-cash]').length === 1", LOAD).await;
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    let nine = windows.as_array().expect("windows").iter().find(|w| w["number"] == 9).cloned().expect("window 9");
    assert_eq!(nine["state"], "open");
    floor.close().await.expect("close");
}
