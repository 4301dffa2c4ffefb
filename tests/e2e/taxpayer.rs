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

/// Hint lines whose last character sits alone on its own line.
const ORPHANED_HINTS: &str = r#"
return Array.from(document.querySelectorAll('.tile-hint')).filter(function (h) {
  var t = h.firstChild, n = t ? t.length : 0;
  if (n < 3) return false;
  var r = document.createRange();
  r.setStart(t, n - 1); r.setEnd(t, n); var last = r.getBoundingClientRect();
  r.setStart(t, n - 2); r.setEnd(t, n - 1); var before = r.getBoundingClientRect();
  return Math.abs(last.top - before.top) > 2;
}).map(function (h) { return h.textContent; });
"#;

#[actix_web::test]
async fn the_kiosk_goes_back_from_the_online_screen_names_the_channel_and_greets_everyone_in_chinese() {
    let Some(kiosk) = open_touch(1024, 768, 1.0).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    kiosk.goto(&app.url("/kiosk/demo")).await.expect("kiosk loads");
    wait_for(&kiosk, "document.querySelectorAll('.kiosk-tile').length === 6", LOAD).await;
    // Nobody waiting: 无需等待, not 约 0 分钟. Today's hours on the start screen.
    let waits = eval(&kiosk, "return Array.from(document.querySelectorAll('.kiosk-tile:not(:disabled) .tile-wait')).map(function (e) { return e.textContent; });").await;
    assert!(!waits.as_array().expect("list").is_empty());
    assert!(waits.as_array().expect("list").iter().all(|w| w == "无需等待"), "{waits}");
    assert_eq!(text(&kiosk, "document.getElementById('hours').textContent").await, "今日办公时间 全天");
    assert_eq!(eval(&kiosk, ORPHANED_HINTS).await, json!([]), "no hint leaves one character alone at 1024 px");
    screenshot(&kiosk, "kiosk-1024x768-start.png").await;

    // C: the button says how (手机缴费); 返回 goes back without recording a diversion.
    tap(&kiosk, ".kiosk-tile[data-service=C]").await;
    wait_for(&kiosk, "!document.getElementById('screen-online').hidden", SHORT).await;
    assert_eq!(text(&kiosk, "document.getElementById('go-online').textContent").await, "我用手机缴费");
    screenshot(&kiosk, "kiosk-online-back.png").await;
    tap(&kiosk, "#online-back").await;
    wait_for(&kiosk, "!document.getElementById('screen-start').hidden", SHORT).await;
    let manager = app.login("manager1").await;
    let (_, diverted) = app.get_as("/api/v1/halls/demo/diversions", &manager).await;
    assert_eq!(diverted["total"], 0, "返回 records nothing: {diverted}");
    tap(&kiosk, ".kiosk-tile[data-service=A]").await;
    wait_for(&kiosk, "!document.getElementById('screen-online').hidden", SHORT).await;
    assert_eq!(text(&kiosk, "document.getElementById('go-online').textContent").await, "我去网上办");
    tap(&kiosk, "#go-online").await;
    wait_for(&kiosk, "!document.getElementById('screen-message').hidden", SHORT).await;
    let (_, diverted) = app.get_as("/api/v1/halls/demo/diversions", &manager).await;
    assert_eq!(diverted["total"], 1, "我去网上办 records one: {diverted}");
    tap(&kiosk, "#message-ok").await;

    // A visitor switches to English and takes a ticket; the next one is greeted in Chinese.
    wait_for(&kiosk, "!document.getElementById('screen-start').hidden", SHORT).await;
    tap(&kiosk, ".kiosk-lang").await;
    wait_for(
        &kiosk,
        "window.hallq && window.hallq.config.lang === 'en' && document.querySelectorAll('.kiosk-tile').length === 6",
        LOAD,
    )
    .await;
    tap(&kiosk, ".kiosk-tile[data-service=D]").await;
    wait_for(&kiosk, "document.getElementById('issued-number').dataset.number === 'D001'", SHORT).await;
    assert_eq!(text(&kiosk, "document.getElementById('issued-ahead').textContent").await, "0");
    assert_eq!(text(&kiosk, "document.getElementById('issued-wait').textContent").await, "No wait");
    tap(&kiosk, "#done").await;
    wait_for(
        &kiosk,
        "window.hallq && window.hallq.config.lang === 'zh-CN' && document.querySelector('.kiosk-prompt').textContent === '请选择办理的业务'",
        LOAD,
    )
    .await;
    let _ = kiosk.close().await;

    // The printed slip says what real slips say.
    let paper = open(400, 900).await.expect("paper session");
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token");
    paper.goto(&app.url(&format!("/t/{token}/print?paper=80"))).await.expect("print view");
    let slip = text(&paper, "document.querySelector('.ticket').innerText").await;
    for wanted in
        ["示例县税务局办税服务厅", "A001", "取号时间", "前面还有", "0 人", "当日有效", "过号", "重新取号", "扫码"]
    {
        assert!(slip.contains(wanted), "the slip says {wanted}: {slip}");
    }
    assert!(!slip.contains("正在打印"), "screen text stays off the slip: {slip}");
    assert_eq!(eval(&paper, "return document.querySelectorAll('.t-qr svg').length;").await, json!(1));
    screenshot(&paper, "ticket-print-80mm-slip.png").await;
    let _ = paper.close().await;
}

#[actix_web::test]
async fn a_portrait_kiosk_uses_its_height() {
    let Some(portrait) = open_touch(1080, 1920, 1.0).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    portrait.goto(&app.url("/kiosk/demo")).await.expect("portrait kiosk");
    wait_for(&portrait, "document.querySelectorAll('.kiosk-tile').length === 6", LOAD).await;
    screenshot(&portrait, "kiosk-1080x1920.png").await;
    let used = eval(
        &portrait,
        "var green = document.getElementById('green').getBoundingClientRect(); \
         var start = document.getElementById('screen-start'); \
         return { bottom: green.bottom / innerHeight, scrolls: start.scrollHeight > start.clientHeight, height: innerHeight };",
    )
    .await;
    assert_eq!(used["height"], 1920, "{used}");
    assert!(
        used["bottom"].as_f64().unwrap_or(0.0) > 0.9,
        "the tiles fill the screen down to the green channel: {used}"
    );
    assert_eq!(used["scrolls"], false, "{used}");
    let _ = portrait.close().await;
}

#[actix_web::test]
async fn the_kiosk_shows_the_halls_hours_when_closed_and_when_issuing_has_stopped() {
    let Some(kiosk) = open_touch(1024, 768, 1.0).await else { return };
    // The demo hall as HALLQ_DEMO_HOURS=county seeds it.
    let database = std::sync::Arc::new(crate::helpers::TestDatabase::create(Backend::Sqlite).await);
    let seeded = crate::helpers::spawn_on(database, |mut settings| {
        settings.demo_hours = hallq::config::DemoHours::County;
        settings
    })
    .await;
    // Friday 27 November 2026, 12:30 in Shanghai: the lunch break.
    let lunch = crate::helpers::app_at(&seeded, "2026-11-27T12:30:00+08:00").await;
    kiosk.goto(&lunch.url("/kiosk/demo")).await.expect("kiosk loads");
    wait_for(&kiosk, "document.querySelectorAll('.kiosk-tile').length === 6", LOAD).await;
    assert_eq!(
        text(&kiosk, "document.getElementById('hours').textContent").await,
        "今日办公时间 08:30–12:00　13:30–17:30"
    );
    let banner = text(&kiosk, "document.getElementById('closed-banner').textContent").await;
    assert!(banner.contains("现在不是办公时间") && banner.contains("13:30"), "{banner}");
    assert_eq!(eval(&kiosk, "return document.querySelectorAll('.kiosk-tile:disabled').length;").await, json!(6));
    screenshot(&kiosk, "kiosk-closed-lunch.png").await;

    // 17:20: issuing stopped 15 minutes before the 17:30 close.
    let late = crate::helpers::app_at(&seeded, "2026-11-27T17:20:00+08:00").await;
    kiosk.goto(&late.url("/kiosk/demo")).await.expect("kiosk loads");
    wait_for(&kiosk, "document.querySelectorAll('.kiosk-tile:not(:disabled)').length > 0", LOAD).await;
    tap(&kiosk, ".kiosk-tile[data-service=D]").await;
    wait_for(&kiosk, "!document.getElementById('screen-message').hidden", SHORT).await;
    assert!(text(&kiosk, "document.getElementById('message-title').textContent").await.contains("停止取号"));
    assert_eq!(
        text(&kiosk, "document.getElementById('message-hours').textContent").await,
        "今日办公时间 08:30–12:00　13:30–17:30"
    );
    screenshot(&kiosk, "kiosk-issuing-stopped.png").await;
    let _ = kiosk.close().await;
}

/// A TCP proxy in front of the server that can stall: connections stay open but carry nothing,
/// and new ones are accepted but not answered, as on a bad mobile network.
struct StallingProxy {
    port: u16,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StallingProxy {
    async fn start(target: std::net::SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let stalled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stalled.clone();
        actix_web::rt::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let flag = flag.clone();
                actix_web::rt::spawn(async move {
                    while flag.load(Ordering::SeqCst) {
                        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
                    }
                    let Ok(server) = tokio::net::TcpStream::connect(target).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    actix_web::rt::spawn(pump(client_read, server_write, flag.clone()));
                    pump(server_read, client_write, flag).await;
                });
            }
        });
        Self { port, stalled }
    }

    fn stall(&self, on: bool) {
        self.stalled.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies bytes one way, holding them while the proxy is stalled.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while stalled.load(std::sync::atomic::Ordering::SeqCst) {
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
}

const LIVE_OFF: &str = "document.getElementById('live-dot').classList.contains('off')";

#[actix_web::test]
async fn a_stalled_connection_shows_as_lost_and_never_as_live_until_messages_arrive_again() {
    let Some(phone) = open_phone(360, 740).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let target: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("address");
    let proxy = StallingProxy::start(target).await;
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token").to_owned();
    phone.goto(&format!("http://127.0.0.1:{}/t/{token}", proxy.port)).await.expect("tracking page");
    wait_for(
        &phone,
        &format!("window.hallqTrack && !{LIVE_OFF} && document.getElementById('live-text').textContent === '实时更新'"),
        LOAD,
    )
    .await;

    // The network stalls; meanwhile the ticket is called.
    proxy.stall(true);
    let stalled = Instant::now();
    let staff = app.login("window1").await;
    let (status, _) = app.window_op(1, "call-next", None, &staff).await;
    assert_eq!(status, 200);
    wait_for(&phone, LIVE_OFF, Duration::from_secs(40)).await;
    let noticed = stalled.elapsed();
    assert!(
        noticed < Duration::from_secs(25),
        "a silent link shows as lost after the heartbeat interval, not {noticed:?}"
    );
    assert_eq!(text(&phone, "document.getElementById('live-text').textContent").await, "连接中断，正在重连…");
    // Reconnecting through the stalled network brings nothing: the page must not call itself
    // live again (each attempt used to count as "heard from").
    for _ in 0..16 {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        let state = eval(&phone, &format!("return [{LIVE_OFF}, document.getElementById('status').textContent];")).await;
        assert_eq!(state[0], true, "shown live while nothing arrives: {state}");
    }
    screenshot(&phone, "tracking-360-stalled.png").await;

    // The network recovers: reconnect, resync, and the call shows.
    proxy.stall(false);
    wait_for(
        &phone,
        &format!("!{LIVE_OFF} && !document.getElementById('called').hidden && document.getElementById('called-window').textContent === '请到 1 号窗口办理'"),
        Duration::from_secs(40),
    )
    .await;
    let _ = phone.close().await;
}

#[actix_web::test]
async fn the_phone_page_is_fresh_after_back_says_why_a_service_is_closed_and_offers_a_new_ticket() {
    let Some(phone) = open_phone(360, 740).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    // Window 6 is the only one serving D; it closes.
    let staff6 = app.login("window6").await;
    let (status, body) = app.window_op(6, "close", None, &staff6).await;
    assert_eq!(status, 200, "{body}");
    phone.goto(&app.url("/m/demo")).await.expect("phone page");
    wait_for(&phone, "document.querySelectorAll('.phone-service').length === 6", LOAD).await;
    assert_eq!(
        text(&phone, "document.querySelector('.phone-service[data-service=D] .ps-reason').textContent").await,
        "暂停办理：目前没有开放的窗口办理此业务"
    );
    assert_eq!(
        eval(&phone, "return document.querySelector('.phone-service[data-service=D] .ps-take').disabled;").await,
        json!(true)
    );
    assert!(text(&phone, "document.querySelector('.phone-service[data-service=A] .ps-figures').textContent")
        .await
        .contains("无需等待"));
    eval(&phone, "document.querySelector('.phone-service[data-service=D]').scrollIntoView(); return true;").await;
    screenshot(&phone, "phone-360-reason.png").await;

    // Take A, then Back: the page shows this phone's ticket and the new count.
    tap(&phone, ".phone-service[data-service=A] .ps-take").await;
    wait_for(
        &phone,
        "location.pathname.indexOf('/t/') === 0 && window.hallqTrack && window.hallqTrack.ticket.number === 'A001'",
        SHORT,
    )
    .await;
    assert_eq!(text(&phone, "document.getElementById('ahead').textContent").await, "0 人");
    phone.back().await.expect("back");
    wait_for(
        &phone,
        "location.pathname === '/m/demo' && !document.getElementById('mine').hidden && document.querySelectorAll('#my-tickets li').length === 1 \
         && document.querySelector('.phone-service[data-service=A] .ps-figures').textContent.indexOf('等候 1 人') === 0",
        LOAD,
    )
    .await;
    screenshot(&phone, "phone-360-after-back.png").await;

    // Being served reads 正在 1 号窗口办理.
    let staff = app.login("window1").await;
    app.window_op(1, "call-next", None, &staff).await;
    app.window_op(1, "start", None, &staff).await;
    tap(&phone, "#my-tickets a").await;
    wait_for(
        &phone,
        "window.hallqTrack && document.getElementById('status').textContent === '正在 1 号窗口办理'",
        LOAD,
    )
    .await;
    app.window_op(1, "finish", None, &staff).await;

    // Cancelling offers a new ticket.
    let ticket = app.issue("B").await;
    let token = ticket["token"].as_str().expect("token");
    phone.goto(&app.url(&format!("/t/{token}"))).await.expect("tracking page");
    wait_for(&phone, "window.hallqTrack && document.getElementById('status').textContent === '排队中'", LOAD).await;
    eval(&phone, "window.confirm = function () { return true; }; return true;").await;
    tap(&phone, "#cancel").await;
    wait_for(&phone, "!document.getElementById('take-new').hidden", SHORT).await;
    assert_eq!(text(&phone, "document.getElementById('take-new').getAttribute('href')").await, "/m/demo");
    screenshot(&phone, "tracking-360-cancelled.png").await;
    tap(&phone, "#take-new").await;
    wait_for(
        &phone,
        "location.pathname === '/m/demo' && document.querySelectorAll('.phone-service').length === 6",
        LOAD,
    )
    .await;
    let _ = phone.close().await;
}

#[actix_web::test]
async fn the_start_page_aligns_its_figures_and_puts_the_technical_links_apart() {
    let Some(page) = open(1366, 768).await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    app.issue("A").await;
    page.goto(&app.url("/")).await.expect("start page");
    wait_for(&page, "document.querySelectorAll('table.queues tbody tr').length === 6", LOAD).await;
    // Each number column's header ends where its numbers end.
    let misaligned = eval(
        &page,
        r#"var heads = Array.from(document.querySelectorAll('table.queues thead th'));
           var row = document.querySelector('table.queues tbody tr').children;
           return heads.slice(1).filter(function (th, i) {
             var h = th.getBoundingClientRect(), c = row[i + 1];
             var pad = parseFloat(getComputedStyle(c).paddingRight);
             var text = document.createRange(); text.selectNodeContents(c);
             return Math.abs((h.right - parseFloat(getComputedStyle(th).paddingRight)) - text.getBoundingClientRect().right) > 2
               || Math.abs(h.right - c.getBoundingClientRect().right) > 1 || pad < 0;
           }).map(function (th) { return th.textContent; });"#,
    )
    .await;
    assert_eq!(misaligned, json!([]), "headers aligned with their numbers");
    // People's entry points in groups; the API, the stream and health apart, folded away.
    let groups = eval(
        &page,
        "return Array.from(document.querySelectorAll('.entry-group h3')).map(function (h) { return h.textContent; });",
    )
    .await;
    assert_eq!(groups, json!(["办税群众", "大厅显示屏", "工作人员"]));
    let people = text(
        &page,
        "Array.from(document.querySelectorAll('.entry-group')).map(function (g) { return g.textContent; }).join(' ')",
    )
    .await;
    assert!(!people.contains("OpenAPI") && !people.contains("/ws/") && !people.contains("运行状态"), "{people}");
    let technical = text(&page, "document.querySelector('details.technical').textContent").await;
    assert!(
        technical.contains("OpenAPI") && technical.contains("/ws/halls/demo") && technical.contains("运行状态"),
        "{technical}"
    );
    assert_eq!(
        text(&page, "document.querySelector('table.queues tbody tr:nth-child(2) td:last-child').textContent").await,
        "无需等待"
    );
    screenshot(&page, "start-page-1366x768.png").await;
    let _ = page.close().await;
}
