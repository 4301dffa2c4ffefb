//! Booking on the phone (360×780): service, day, slot, name and number, the booking code;
//! looked up again, checked in at the kiosk when its time comes, called at a window and shown
//! on the hall display.
use crate::browser::{click, eval, open_phone, open_screen, open_touch, screenshot, wait_for};
use crate::helpers::{app_at, set_county_hours, spawn_app, Backend};
use fantoccini::Locator;
use serde_json::json;
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(5);
const LOAD: Duration = Duration::from_secs(15);

#[actix_web::test]
async fn a_taxpayer_books_on_the_phone_checks_in_at_the_kiosk_and_is_called() {
    let Some(phone) = open_phone(360, 780).await else { return };
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    // Thursday 26 November 2026, 10:00 in Shanghai: Friday can be booked.
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;
    // The hall asks for an ID number, optionally.
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["appointments"]["id_number"] = json!("optional");
    assert_eq!(app.put("/api/v1/halls/demo/settings", settings, &manager).await.0, 200);

    phone.goto(&app.url("/m/demo/book")).await.expect("booking page");
    wait_for(&phone, "document.querySelectorAll('#book-services .choice').length === 3", LOAD).await;
    click(&phone, "#book-services [data-service=B]").await;
    wait_for(&phone, "!document.getElementById('step-day').hidden", SHORT).await;
    click(&phone, "#book-days [data-date='2026-11-27']").await;
    wait_for(&phone, "document.querySelector('#book-slots [data-start=\"09:00\"]') !== null", LOAD).await;
    screenshot(&phone, "booking-1-slots-360x780.png").await;
    click(&phone, "#book-slots [data-start='09:00']").await;
    wait_for(&phone, "!document.getElementById('step-details').hidden", SHORT).await;
    phone.find(Locator::Id("book-name")).await.expect("name").send_keys("王小明").await.expect("type");
    phone.find(Locator::Id("book-phone")).await.expect("phone").send_keys("138 1234 5678").await.expect("type");
    phone.find(Locator::Id("book-id-number")).await.expect("ID").send_keys("11010519491231002x").await.expect("type");
    screenshot(&phone, "booking-2-details-360x780.png").await;
    click(&phone, "#book-submit").await;
    wait_for(&phone, "!document.getElementById('booking').hidden", LOAD).await;
    let code = eval(&phone, "return document.getElementById('booking-code').textContent;").await;
    let code = code.as_str().expect("code").to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!(
        eval(&phone, "return document.getElementById('booking-who').textContent;").await,
        json!("王** 138****5678")
    );
    // The QR (the lookup page with the code) and a calendar file are offered.
    wait_for(
        &phone,
        "document.getElementById('booking-qr').complete && document.getElementById('booking-qr').naturalWidth > 0",
        LOAD,
    )
    .await;
    assert_eq!(
        eval(&phone, "return document.getElementById('booking-ics').href.indexOf('blob:') === 0;").await,
        json!(true)
    );
    eval(&phone, "window.scrollTo(0, 0); return true;").await;
    screenshot(&phone, "booking-3-confirmed-360x780.png").await;
    // The same slot now has one place less.
    let (_, slots) = app.get("/api/v1/halls/demo/services/B/slots?date=2026-11-27").await;
    let nine = slots.as_array().expect("slots").iter().find(|s| s["start"] == "09:00").cloned().expect("09:00");
    assert_eq!(nine["booked"], 1);
    // The ID number went with it, as a hash only.
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let sql = "SELECT id_hash FROM appointments";
    let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await;
    let hash: Option<String> = row.expect("query").expect("row").try_get_by_index(0).expect("id_hash");
    assert_eq!(hash.map(|h| h.len()), Some(32));

    // Friday 08:40: looked up again on the phone by code and number.
    app.advance(chrono::Duration::minutes(22 * 60 + 40));
    phone.goto(&app.url("/m/demo/booking")).await.expect("lookup page");
    wait_for(&phone, "document.getElementById('lookup-form') !== null", LOAD).await;
    phone.find(Locator::Id("lookup-code")).await.expect("code").send_keys(&code).await.expect("type");
    phone.find(Locator::Id("lookup-phone")).await.expect("phone").send_keys("13812345678").await.expect("type");
    click(&phone, "#lookup-form button[type=submit]").await;
    wait_for(
        &phone,
        "!document.getElementById('booking').hidden && !document.getElementById('booking-check-in-btn').hidden",
        LOAD,
    )
    .await;
    let _ = phone.close().await;

    // At the kiosk: 预约签到, the code and the number on the screen's keys, the ticket.
    let kiosk = open_touch(1024, 768, 1.0).await.expect("kiosk session");
    let display = open_screen(1920, 1080).await.expect("display session");
    display.goto(&app.url("/display/demo")).await.expect("display");
    wait_for(&display, "document.querySelectorAll('.win-tile').length === 10", LOAD).await;
    kiosk.goto(&app.url("/kiosk/demo")).await.expect("kiosk");
    wait_for(&kiosk, "!document.getElementById('check-in').hidden", LOAD).await;
    screenshot(&kiosk, "booking-5-kiosk-start-1024x768.png").await;
    click(&kiosk, "#check-in").await;
    wait_for(&kiosk, "document.body.dataset.screen === 'checkin'", SHORT).await;
    for key in code.chars().chain("13812345678".chars()) {
        click(&kiosk, &format!("#ci-keys [data-key='{key}']")).await;
    }
    wait_for(&kiosk, "!document.getElementById('ci-go').disabled", SHORT).await;
    screenshot(&kiosk, "booking-6-kiosk-check-in-1024x768.png").await;
    click(&kiosk, "#ci-go").await;
    wait_for(&kiosk, "document.body.dataset.screen === 'ticket' && document.getElementById('issued-number').dataset.number === 'B001'", LOAD).await;

    // Window 4 (B first) calls it at 09:00, its booked time; the display shows the call.
    app.advance(chrono::Duration::minutes(20));
    let staff = app.login("window4").await;
    app.window_op(4, "sign-in", None, &staff).await;
    let (status, called) = app.window_op(4, "call-next", None, &staff).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["number"], "B001");
    assert_eq!(called["ticket"]["priority"], "appointment");
    wait_for(&display, "document.getElementById('now-calling').dataset.number === 'B001'", LOAD).await;

    // The floor lists the day's bookings, masked, with the ticket.
    let floor = crate::browser::open(1366, 768).await.expect("floor session");
    floor.goto(&app.url("/floor/demo")).await.expect("floor");
    wait_for(&floor, "!document.getElementById('login').hidden", LOAD).await;
    floor.find(Locator::Id("login-user")).await.expect("user").send_keys("manager1").await.expect("type");
    floor
        .find(Locator::Id("login-pass"))
        .await
        .expect("pass")
        .send_keys(crate::helpers::DEMO_PASSWORD)
        .await
        .expect("type");
    click(&floor, "#login-submit").await;
    wait_for(&floor, &format!("document.querySelector('#floor-bookings tr[data-code=\"{code}\"]') !== null"), LOAD)
        .await;
    let row = eval(
        &floor,
        &format!("return document.querySelector('#floor-bookings tr[data-code=\"{code}\"]').textContent;"),
    )
    .await;
    let row = row.as_str().expect("row").to_owned();
    assert!(
        row.contains("王**") && row.contains("138****5678") && row.contains("B001") && !row.contains("13812345678"),
        "{row}"
    );
    eval(&floor, "document.getElementById('floor-bookings').scrollIntoView(); return true;").await;
    screenshot(&floor, "booking-8-floor-1366x768.png").await;
    for client in [kiosk, display, floor] {
        let _ = client.close().await;
    }
}

#[actix_web::test]
async fn a_full_day_offers_the_next_day_with_places() {
    let Some(phone) = open_phone(360, 780).await else { return };
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;
    // E (tax refunds) has one window and 12-minute handling: one place a slot. Fill Friday.
    let (_, slots) = app.get("/api/v1/halls/demo/services/E/slots?date=2026-11-27").await;
    for (n, slot) in slots.as_array().expect("slots").iter().enumerate() {
        for _ in 0..slot["capacity"].as_u64().expect("capacity") {
            let body = json!({"service": "E", "date": "2026-11-27", "start": slot["start"], "name": "赵六", "phone": format!("137{n:08}")});
            let (status, answer) = app.post("/api/v1/halls/demo/appointments", Some(body), None).await;
            assert_eq!(status, 201, "{answer}");
        }
    }
    phone.goto(&app.url("/m/demo/book?service=E")).await.expect("booking page");
    wait_for(&phone, "!document.getElementById('step-day').hidden", LOAD).await;
    click(&phone, "#book-days [data-date='2026-11-27']").await;
    wait_for(&phone, "!document.getElementById('next-day').hidden", LOAD).await;
    assert_eq!(
        eval(&phone, "return document.querySelectorAll('#book-slots .choice:not([disabled])').length;").await,
        json!(0)
    );
    assert_eq!(
        eval(&phone, "return document.getElementById('next-day').textContent;").await,
        json!("当日已约满，11月30日 周一 还有名额")
    );
    screenshot(&phone, "booking-7-full-day-360x780.png").await;
    click(&phone, "#next-day").await;
    wait_for(&phone, "document.querySelector('#book-days [data-date=\"2026-11-30\"].chosen') !== null && document.querySelectorAll('#book-slots .choice:not([disabled])').length === 15", LOAD).await;
    let _ = phone.close().await;
}
