//! Administration in the browser: a hall set up from an install without the demo to a first
//! ticket called at a window.
use crate::browser::{click, eval, open, screenshot, wait_for};
use crate::helpers::{spawn_on, Backend, TestDatabase, ADMIN_PASSWORD};
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(5);
const LOAD: Duration = Duration::from_secs(15);

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn sign_in(client: &Client, username: &str, password: &str) {
    wait_for(client, "!document.getElementById('login').hidden", LOAD).await;
    type_into(client, "#login-user", username).await;
    type_into(client, "#login-pass", password).await;
    click(client, "#login-submit").await;
}

fn row(table: &str, key: &str, value: &str) -> String {
    format!("document.querySelector('#{table} tr[data-{key}=\"{value}\"]') !== null")
}

fn checklist_done(item: &str) -> String {
    format!("document.querySelector('#checklist-items [data-item={item}].done') !== null")
}

#[actix_web::test]
async fn a_hall_is_set_up_in_the_browser_from_an_empty_install_to_a_first_call() {
    let Some(browser) = open(1366, 768).await else { return };
    let kiosk = open(1366, 768).await.expect("kiosk session");
    let console = open(1366, 768).await.expect("console session");
    let database = std::sync::Arc::new(TestDatabase::create(Backend::Sqlite).await);
    let app = spawn_on(database, |mut s| {
        s.demo = false;
        s
    })
    .await;

    // The start page leads straight to setting up.
    browser.goto(&app.url("/")).await.expect("start page");
    wait_for(&browser, "document.querySelector('.first-start-go') !== null", LOAD).await;
    screenshot(&browser, "admin-0-start-empty-1366x768.png").await;
    click(&browser, ".first-start-go").await;
    sign_in(&browser, "admin", ADMIN_PASSWORD).await;
    wait_for(
        &browser,
        "!document.getElementById('create-hall-panel').hidden && !document.getElementById('no-halls').hidden",
        LOAD,
    )
    .await;
    // The admin accounts (they span every hall) are listed here too.
    wait_for(&browser, "document.querySelector('#admin-rows tr[data-user=\"admin\"]') !== null", SHORT).await;
    screenshot(&browser, "admin-1-first-hall-1366x768.png").await;

    // A wrong code is refused with the reason in Chinese; the right one creates the hall.
    type_into(&browser, "#create-hall [name=code]", "county").await;
    type_into(&browser, "#create-hall [name=name]", "城关税务分局办税服务厅").await;
    type_into(&browser, "#create-hall [name=address]", "城关镇人民路 88 号").await;
    click(&browser, "#create-hall button[type=submit]").await;
    wait_for(&browser, "location.pathname === '/admin/halls/county'", LOAD).await;
    wait_for(&browser, "document.querySelectorAll('#checklist-items li').length === 5", LOAD).await;
    assert_eq!(
        eval(&browser, "return document.getElementById('ready-line').textContent;").await,
        json!("还差以下几项，取号机才能取号：")
    );
    screenshot(&browser, "admin-2-checklist-1366x768.png").await;

    // The kiosk, opened now, has nothing to offer yet; it follows the set-up live.
    kiosk.goto(&app.url("/kiosk/county")).await.expect("kiosk");
    wait_for(&kiosk, "document.body.dataset.screen === 'start'", LOAD).await;
    assert_eq!(eval(&kiosk, "return document.querySelectorAll('.kiosk-tile').length;").await, json!(0));

    // Opening hours: every day round the clock (the test may run at any hour). An overlap is
    // refused with the reason.
    eval(
        &browser,
        "document.querySelectorAll('#hours-rows tr').forEach(function (tr) { tr.querySelector('.add-period').click(); \
         tr.querySelector('.opens').value = '00:00'; tr.querySelector('.closes').value = '24:00'; }); return true;",
    )
    .await;
    eval(
        &browser,
        "var td = document.querySelector('#hours-rows tr[data-weekday=\"1\"] .periods'); td.querySelector('.add-period').click(); \
         var p = td.querySelectorAll('.period'); p[1].querySelector('.opens').value = '08:00'; p[1].querySelector('.closes').value = '09:00'; return true;",
    )
    .await;
    click(&browser, "#hours-form button[type=submit]").await;
    wait_for(&browser, "!document.getElementById('toast').hidden && document.getElementById('toast').textContent.indexOf('办公时间有误') === 0", SHORT).await;
    eval(&browser, "document.querySelectorAll('#hours-rows tr[data-weekday=\"1\"] .period')[1].remove(); return true;")
        .await;
    click(&browser, "#hours-form button[type=submit]").await;
    wait_for(&browser, &checklist_done("hours"), SHORT).await;

    // A holiday list typed in: saved and listed.
    type_into(&browser, "#calendar-form [name=text]", "2030-10-01,休,国庆节\n2030-10-02\n2030-10-12,班,国庆调休").await;
    type_into(&browser, "#calendar-form [name=note]", "国庆节").await;
    click(&browser, "#calendar-form button[type=submit]").await;
    wait_for(&browser, "document.querySelectorAll('#calendar-rows tr').length === 3", SHORT).await;

    // A service.
    click(&browser, "#new-service").await;
    wait_for(&browser, "document.getElementById('service-dialog').open", SHORT).await;
    type_into(&browser, "#service-form [name=code]", "A").await;
    type_into(&browser, "#service-form [name=name]", "综合业务").await;
    type_into(&browser, "#service-form [name=hint]", "申报、发票、登记等").await;
    click(&browser, "#service-form button[type=submit]").await;
    wait_for(&browser, &row("service-rows", "service", "A"), SHORT).await;
    wait_for(&browser, &checklist_done("services"), SHORT).await;
    // The kiosk reloads by itself and shows the new tile (no window open yet: not served).
    wait_for(&kiosk, "document.querySelector('.kiosk-tile[data-service=A]') !== null", LOAD).await;

    // A window serving it.
    click(&browser, "#new-window").await;
    wait_for(&browser, "document.getElementById('window-dialog').open", SHORT).await;
    click(&browser, "#window-services input[value=A]").await;
    screenshot(&browser, "admin-3-window-dialog-1366x768.png").await;
    click(&browser, "#window-form button[type=submit]").await;
    wait_for(&browser, &row("window-rows", "window", "1"), SHORT).await;
    wait_for(&browser, &checklist_done("windows"), SHORT).await;
    wait_for(&browser, "document.getElementById('ready-line').classList.contains('ready')", SHORT).await;

    // A staff account for window 1; its password is typed here (a generated one shows once).
    click(&browser, "#new-account").await;
    wait_for(&browser, "document.getElementById('account-dialog').open", SHORT).await;
    type_into(&browser, "#account-form [name=username]", "li.ming").await;
    type_into(&browser, "#account-form [name=display_name]", "李明").await;
    click(&browser, "#account-windows input[value=\"1\"]").await;
    click(&browser, "#account-form button[type=submit]").await;
    wait_for(&browser, &row("account-rows", "user", "li.ming"), SHORT).await;
    wait_for(&browser, "document.querySelector('#password-once code') !== null", SHORT).await;
    let password = eval(&browser, "return document.querySelector('#password-once code').textContent;").await;
    let password = password.as_str().expect("password shown once").to_owned();
    wait_for(&browser, &checklist_done("staff"), SHORT).await;
    eval(&browser, "document.getElementById('accounts').scrollIntoView(); return true;").await;
    screenshot(&browser, "admin-4-accounts-1366x768.png").await;

    // The staff member signs in at the console (their only window opens by itself), opens it,
    // and calls the ticket the kiosk gave.
    console.goto(&app.url("/window")).await.expect("console");
    sign_in(&console, "li.ming", &password).await;
    wait_for(&console, "!document.getElementById('console').hidden", LOAD).await;
    click(&console, "[data-action=open]").await;
    wait_for(&kiosk, "document.querySelector('.kiosk-tile[data-service=A]:not([disabled])') !== null", LOAD).await;
    click(&kiosk, ".kiosk-tile[data-service=A]").await;
    wait_for(&kiosk, "document.body.dataset.screen === 'ticket' || document.body.dataset.screen === 'online'", LOAD)
        .await;
    wait_for(&kiosk, "window.hallqKiosk.lastTicket !== null && window.hallqKiosk.lastTicket.number === 'A001'", LOAD)
        .await;
    click(&console, "[data-action=call_next]").await;
    wait_for(&console, "document.getElementById('current').dataset.number === 'A001'", LOAD).await;

    // Everything on the checklist is done, and the audit log tells the story.
    browser.goto(&app.url("/admin/halls/county")).await.expect("hall page");
    wait_for(&browser, "document.querySelectorAll('#checklist-items li.done').length === 5", LOAD).await;
    screenshot(&browser, "admin-5-ready-1366x768.png").await;
    browser.goto(&app.url("/admin/audit?hall=county")).await.expect("audit");
    wait_for(&browser, "document.querySelectorAll('#audit-rows tr').length >= 7", LOAD).await;
    let kinds = eval(
        &browser,
        "return Array.from(document.querySelectorAll('#audit-rows tr')).map(function (r) { return r.dataset.kind; });",
    )
    .await;
    for kind in [
        "hall.created",
        "hours.updated",
        "calendar.added",
        "service.created",
        "window.created",
        "user.created",
        "window.opened",
    ] {
        assert!(kinds.as_array().expect("kinds").contains(&json!(kind)), "{kind} in {kinds}");
    }
    screenshot(&browser, "admin-6-audit-1366x768.png").await;

    // In English on request.
    browser.goto(&app.url("/admin/halls/county?lang=en")).await.expect("english");
    wait_for(&browser, "document.querySelectorAll('#checklist-items li.done').length === 5", LOAD).await;
    assert_eq!(
        eval(&browser, "return document.querySelector('#checklist h2').textContent;").await,
        json!("Set-up checklist")
    );
    assert_eq!(
        eval(
            &browser,
            "return document.querySelector('#account-rows tr[data-user=\"li.ming\"] td:nth-child(3)').textContent;"
        )
        .await,
        json!("Staff")
    );
    screenshot(&browser, "admin-7-english-1366x768.png").await;
    browser.goto(&app.url("/admin/halls/county?lang=zh")).await.expect("chinese again");
    wait_for(&browser, "document.querySelectorAll('#checklist-items li.done').length === 5", LOAD).await;
    eval(&browser, "document.querySelector('#settings h3').scrollIntoView(); return true;").await;
    screenshot(&browser, "admin-8-booking-rules-1366x768.png").await;
    // Floor alerts: A's own waiting threshold, saved with the form and read back.
    eval(&browser, "document.querySelector('#watch-services').scrollIntoView(); return true;").await;
    let a_waiting = "#watch-services tr[data-service=A] input[data-key=waiting]";
    browser.find(Locator::Css(a_waiting)).await.expect("A waiting").send_keys("25").await.expect("type");
    screenshot(&browser, "admin-9-floor-alerts-1366x768.png").await;
    click(&browser, "#settings-form button[type=submit]").await;
    let (_, saved) = app.get("/api/v1/halls/county/settings").await;
    let saved_a = || async { app.get("/api/v1/halls/county/settings").await.1["watch"]["services"]["A"].clone() };
    let deadline = std::time::Instant::now() + LOAD;
    while saved_a().await != json!({"waiting": 25, "longest_wait_minutes": null, "estimated_wait_minutes": null}) {
        assert!(std::time::Instant::now() < deadline, "saved: {}", saved["watch"]);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    for client in [browser, kiosk, console] {
        let _ = client.close().await;
    }
}
