//! The live dashboard at 1920×1080 and 1366×768: today's figures, and a ticket issued
//! elsewhere shows on it without a reload.
use crate::browser::{eval, open_screen, screenshot, wait_for};
use crate::console::sign_in;
use crate::helpers::{spawn_app, Backend};
use serde_json::json;
use std::time::Duration;

const LOAD: Duration = Duration::from_secs(20);

#[actix_web::test]
async fn the_live_dashboard_follows_the_hall_at_two_sizes() {
    let app = spawn_app(Backend::Sqlite).await;
    let staff = app.login("window1").await;
    app.issue("A").await;
    app.issue("C").await;
    app.window_op(1, "call-next", None, &staff).await;
    app.window_op(1, "start", None, &staff).await;
    app.window_op(1, "finish", None, &staff).await;
    let manager = app.login("manager1").await;
    app.window_op(2, "pause", Some(json!({"reason": "午休"})), &manager).await;
    for (n, (width, height)) in [(1920, 1080), (1366, 768)].into_iter().enumerate() {
        let Some(browser) = open_screen(width, height).await else { return };
        browser.goto(&app.url("/admin/live/demo")).await.expect("dashboard");
        sign_in(&browser, "manager1").await;
        let before = 2 + n;
        wait_for(&browser, &format!("document.body.dataset.liveIssued === '{before}'"), LOAD).await;
        let served = eval(
            &browser,
            "return document.querySelector('#live-services tr[data-service=A] td:nth-child(7)').textContent;",
        )
        .await;
        assert_eq!(served, json!("1"));
        let paused =
            eval(&browser, "return document.querySelector('#live-windows tr[data-window=\"2\"]').textContent;").await;
        assert!(paused.as_str().expect("row").contains("午休"), "{paused}");
        // A ticket issued elsewhere: the dashboard follows without a reload.
        app.issue("B").await;
        wait_for(&browser, &format!("document.body.dataset.liveIssued === '{}'", before + 1), LOAD).await;
        let issued =
            eval(&browser, "return document.querySelector('#live-cards [data-key=issued] .r-card-value').textContent;")
                .await;
        assert_eq!(issued, json!((before + 1).to_string()));
        screenshot(&browser, &format!("dashboard-{width}x{height}.png")).await;
        browser.close().await.expect("close");
    }
}
