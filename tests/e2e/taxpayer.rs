//! The taxpayer's pages: kiosk, printed ticket with QR, phone, tracking and rating.
use crate::browser::{eval, open, open_phone, open_touch, screenshot, wait_for};
use crate::helpers::{spawn_app, Backend};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SHORT: Duration = Duration::from_secs(5);
/// A page's first load, with other browser tests running on the same two cores.
const LOAD: Duration = Duration::from_secs(15);

async fn tap(client: &Client, css: &str) {
    crate::browser::click(client, css).await;
}

async fn text(client: &Client, script: &str) -> String {
    eval(client, &format!("return {script};")).await.as_str().unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn a_kiosk_ticket_prints_with_a_qr_that_opens_the_tracking_page() {
    let Some(kiosk) = open_touch(1024, 768, 1.0).await else { return };
    let paper = open(400, 900).await.expect("second session");
    let portrait = open_touch(1080, 1920, 1.0).await.expect("portrait session");
    let app = spawn_app(Backend::Sqlite).await;

    kiosk.goto(&app.url("/kiosk/demo")).await.expect("kiosk loads");
    wait_for(&kiosk, "document.querySelectorAll('.kiosk-tile').length === 6", LOAD).await;
    assert_eq!(eval(&kiosk, "return [window.innerWidth, window.innerHeight];").await, json!([1024, 768]));
    // Nothing on the start screen needs scrolling.
    assert_eq!(eval(&kiosk, "return document.getElementById('screen-start').scrollHeight <= document.getElementById('screen-start').clientHeight;").await, json!(true));
    // Every touch target is at least 48 px.
    let smallest = eval(&kiosk, "return Math.min.apply(null, Array.prototype.map.call(document.querySelectorAll('.kiosk-tile, .kiosk-green, .kiosk-lang'), function (e) { var r = e.getBoundingClientRect(); return Math.min(r.width, r.height); }));").await;
    assert!(smallest.as_f64().expect("number") >= 48.0, "smallest target {smallest}");
    screenshot(&kiosk, "kiosk-1024x768.png").await;
    portrait.goto(&app.url("/kiosk/demo")).await.expect("portrait kiosk");
    wait_for(&portrait, "document.querySelectorAll('.kiosk-tile').length === 6", LOAD).await;
    screenshot(&portrait, "kiosk-1080x1920.png").await;

    // C can be paid by phone: the kiosk says how first; "I'll do it online" records a diversion.
    tap(&kiosk, ".kiosk-tile[data-service=C]").await;
    wait_for(&kiosk, "!document.getElementById('screen-online').hidden", SHORT).await;
    assert!(text(&kiosk, "document.getElementById('online-text').textContent").await.contains("微信"));
    screenshot(&kiosk, "kiosk-online-first.png").await;
    tap(&kiosk, "#go-online").await;
    wait_for(&kiosk, "!document.getElementById('screen-message').hidden", SHORT).await;
    let manager = app.login("manager1").await;
    let (_, diverted) = app.get_as("/api/v1/halls/demo/diversions", &manager).await;
    assert_eq!(diverted["total"], 1, "{diverted}");
    assert_eq!(diverted["by_service"][0], json!({"service": "C", "channel": "kiosk", "count": 1}));
    tap(&kiosk, "#message-ok").await;

    // Green channel, then B: online first again, and this time take a ticket anyway.
    wait_for(&kiosk, "!document.getElementById('screen-start').hidden", SHORT).await;
    tap(&kiosk, "#green").await;
    tap(&kiosk, ".kiosk-tile[data-service=B]").await;
    wait_for(&kiosk, "!document.getElementById('screen-online').hidden", SHORT).await;
    tap(&kiosk, "#take-anyway").await;
    wait_for(&kiosk, "document.getElementById('issued-number').dataset.number === 'B001'", SHORT).await;
    assert!(text(&kiosk, "document.getElementById('issued-service').textContent").await.contains("绿色通道"));
    wait_for(
        &kiosk,
        "document.getElementById('issued-qr').complete && document.getElementById('issued-qr').naturalWidth > 0",
        SHORT,
    )
    .await;
    assert_eq!(
        eval(&kiosk, "var s = document.getElementById('screen-ticket'); return s.scrollHeight <= s.clientHeight;")
            .await,
        json!(true),
        "the ticket fits the screen"
    );
    screenshot(&kiosk, "kiosk-ticket.png").await;

    // The printable ticket: number, service, QR of the tracking address.
    let print_path = text(&kiosk, "document.getElementById('print-frame').getAttribute('src')").await;
    assert!(print_path.contains("/print?paper=80&autoprint=1"), "{print_path}");
    paper.goto(&app.url(&print_path.replace("&autoprint=1", ""))).await.expect("print view");
    assert_eq!(text(&paper, "document.querySelector('.t-number').textContent").await, "B001");
    assert!(text(&paper, "document.querySelector('.t-hall').textContent").await.contains("办税服务厅"));
    assert_eq!(eval(&paper, "return document.querySelectorAll('.t-qr svg').length;").await, json!(1));
    let url = text(&paper, "document.querySelector('.t-qr').dataset.url").await;
    let token = print_path.trim_start_matches("/t/").split('/').next().expect("token").to_owned();
    assert_eq!(url, app.url(&format!("/t/{token}")));
    screenshot(&paper, "ticket-print-80mm.png").await;
    paper.goto(&app.url(&format!("/t/{token}/print?paper=58"))).await.expect("58 mm");
    screenshot(&paper, "ticket-print-58mm.png").await;
    // The print stylesheet sizes the page for the thermal paper.
    let page_rule = text(&paper, "Array.prototype.map.call(document.styleSheets, function (s) { return Array.prototype.map.call(s.cssRules, function (r) { return r.cssText; }).join(' '); }).join(' ')").await;
    assert!(page_rule.contains("@page") && page_rule.contains("58mm"), "{page_rule}");
    // The QR's address opens the tracking page of that ticket.
    paper.goto(&url).await.expect("tracking page");
    wait_for(&paper, "window.hallqTrack && window.hallqTrack.ticket.number === 'B001'", LOAD).await;

    // The kiosk goes back to its start screen by itself.
    tap(&kiosk, "#done").await;
    wait_for(&kiosk, "!document.getElementById('screen-start').hidden", SHORT).await;
    for client in [kiosk, paper, portrait] {
        let _ = client.close().await;
    }
}

#[actix_web::test]
async fn a_phone_ticket_shows_the_call_within_two_seconds_and_takes_one_rating() {
    let Some(phone) = open_phone(360, 740).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    phone.goto(&app.url("/m/demo")).await.expect("phone page");
    wait_for(&phone, "document.querySelectorAll('.phone-service').length === 6", LOAD).await;
    assert_eq!(eval(&phone, "return window.innerWidth;").await, json!(360));
    assert_eq!(
        eval(&phone, "return document.documentElement.scrollWidth;").await,
        json!(360),
        "nothing wider than the phone"
    );
    screenshot(&phone, "phone-360.png").await;
    tap(&phone, ".phone-service[data-service=A] .ps-take").await;
    wait_for(
        &phone,
        "location.pathname.indexOf('/t/') === 0 && window.hallqTrack && window.hallqTrack.ticket.number === 'A001'",
        SHORT,
    )
    .await;
    wait_for(&phone, "document.getElementById('status').textContent === '排队中'", SHORT).await;
    screenshot(&phone, "tracking-360-waiting.png").await;
    // One active ticket per service per phone: taking A again leads back to the same ticket.
    phone.goto(&app.url("/m/demo")).await.expect("phone page again");
    wait_for(&phone, "document.querySelectorAll('#my-tickets li').length === 1", SHORT).await;
    tap(&phone, ".phone-service[data-service=A] .ps-take").await;
    wait_for(
        &phone,
        "location.pathname.indexOf('/t/') === 0 && window.hallqTrack && window.hallqTrack.ticket.number === 'A001'",
        SHORT,
    )
    .await;
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[0]["waiting"], 1, "still one A ticket");

    let staff = app.login("window1").await;
    let (status, _) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    let called = Instant::now();
    wait_for(
        &phone,
        "!document.getElementById('called').hidden && document.getElementById('called-window').textContent === '请到 1 号窗口办理'",
        Duration::from_secs(2),
    )
    .await;
    assert!(called.elapsed() < Duration::from_secs(2));
    screenshot(&phone, "tracking-360-called.png").await;
    tap(&phone, "#called-ok").await;

    app.window_op(1, "start", None, &staff).await;
    app.window_op(1, "finish", None, &staff).await;
    wait_for(&phone, "!document.getElementById('rate').hidden", SHORT).await;
    tap(&phone, ".level-btn[data-score='2']").await;
    wait_for(&phone, "document.querySelectorAll('#tags input').length === 5", SHORT).await;
    tap(&phone, "#tags label:first-child input").await;
    phone.find(Locator::Id("comment")).await.expect("comment").send_keys("希望多开窗口").await.expect("type");
    screenshot(&phone, "rating-360.png").await;
    tap(&phone, "#rate-submit").await;
    wait_for(&phone, "!document.getElementById('rated').hidden && window.hallqTrack.rating.score === 2", SHORT).await;
    assert!(text(&phone, "document.getElementById('rated-summary').textContent").await.contains("不满意"));

    // The rating is stored with the ticket, the window and the staff member, and only once.
    let token = text(&phone, "location.pathname.split('/')[2]").await;
    let (status, again) = app.post(&format!("/api/v1/tickets/{token}/rating"), Some(json!({"score": 5})), None).await;
    assert_eq!((status, again["error"].clone()), (409, Value::from("already_rated")));
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT r.score, r.tags, r.comment, w.number, u.username FROM ratings r JOIN windows w ON w.id = r.window_id JOIN users u ON u.id = r.staff_id",
        ))
        .await
        .expect("query")
        .expect("a rating row");
    assert_eq!(row.try_get_by_index::<i16>(0).expect("score"), 2);
    assert_eq!(row.try_get_by_index::<String>(1).expect("tags"), r#"["等候太久"]"#);
    assert_eq!(row.try_get_by_index::<String>(2).expect("comment"), "希望多开窗口");
    assert_eq!(row.try_get_by_index::<i32>(3).expect("window"), 1);
    assert_eq!(row.try_get_by_index::<String>(4).expect("staff"), "window1");
    let _ = phone.close().await;
}

/// A phone that lost its connection (locked, out of coverage, the server restarted) still
/// learns of its call once the link is back.
#[actix_web::test]
async fn a_tracking_page_that_lost_its_connection_still_learns_of_the_call() {
    let Some(phone) = open_phone(360, 740).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("address");
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token").to_owned();
    phone.goto(&app.url(&format!("/t/{token}"))).await.expect("tracking page");
    wait_for(&phone, "window.hallqTrack && document.getElementById('status').textContent === '排队中'", LOAD).await;

    app.stop().await;
    wait_for(&phone, "document.getElementById('live-dot').classList.contains('off')", Duration::from_secs(15)).await;
    let again = crate::helpers::spawn_on(app.database.clone(), |mut settings| {
        settings.bind = address;
        settings
    })
    .await;
    // The call happens while the phone is still reconnecting.
    let staff = again.login("window2").await;
    let (status, _) = again.window_op(2, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    wait_for(
        &phone,
        "!document.getElementById('called').hidden && document.getElementById('called-window').textContent === '请到 2 号窗口办理'",
        Duration::from_secs(15),
    )
    .await;
    wait_for(&phone, "!document.getElementById('live-dot').classList.contains('off')", Duration::from_secs(5)).await;
    let _ = phone.close().await;
}
