//! Booking on the phone (360×780): service, day, slot, name and number, the booking code;
//! looked up again, checked in when its time comes, and called at a window.
use crate::browser::{click, eval, open_phone, screenshot, wait_for};
use crate::helpers::{app_at, set_county_hours, spawn_app, Backend};
use fantoccini::Locator;
use serde_json::json;
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(5);
const LOAD: Duration = Duration::from_secs(15);

#[actix_web::test]
async fn a_taxpayer_books_on_the_phone_checks_in_and_is_called() {
    let Some(phone) = open_phone(360, 780).await else { return };
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    // Thursday 26 November 2026, 10:00 in Shanghai: Friday can be booked.
    let app = app_at(&setup, "2026-11-26T10:00:00+08:00").await;

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
    eval(&phone, "window.scrollTo(0, 0); return true;").await;
    screenshot(&phone, "booking-3-confirmed-360x780.png").await;
    // The same slot now has one place less.
    let (_, slots) = app.get("/api/v1/halls/demo/services/B/slots?date=2026-11-27").await;
    let nine = slots.as_array().expect("slots").iter().find(|s| s["start"] == "09:00").cloned().expect("09:00");
    assert_eq!(nine["booked"], 1);

    // Friday 08:40: looked up again by code and number, checked in on the phone.
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
    click(&phone, "#booking-check-in-btn").await;
    wait_for(&phone, "location.pathname.indexOf('/t/') === 0", LOAD).await;
    wait_for(&phone, "document.body.textContent.indexOf('B001') >= 0", LOAD).await;
    screenshot(&phone, "booking-4-checked-in-360x780.png").await;

    // Window 4 (B first) calls it; the phone shows the call.
    let staff = app.login("window4").await;
    app.window_op(4, "sign-in", None, &staff).await;
    let (status, called) = app.window_op(4, "call-next", None, &staff).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["ticket"]["number"], "B001");
    assert_eq!(called["ticket"]["priority"], "appointment");
    wait_for(
        &phone,
        "document.body.textContent.indexOf('4 号窗口') >= 0 || document.body.textContent.indexOf('4号窗口') >= 0",
        LOAD,
    )
    .await;
    let _ = phone.close().await;
}
