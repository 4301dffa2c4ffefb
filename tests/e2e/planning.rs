//! The planning page at 1366×768 and 1920×1080 on generated history with county hours: the
//! summary, both charts drawn, the per-service comparison, the half-hour table and the CSV link.
use crate::browser::{eval, open_screen, screenshot, wait_for};
use crate::console::sign_in;
use crate::helpers::{set_county_hours, spawn_app, spawn_on, Backend};
use chrono::{Datelike, Duration};
use serde_json::json;

const LOAD: std::time::Duration = std::time::Duration::from_secs(60);

#[actix_web::test]
async fn the_plan_page_shows_the_forecast_the_recommendation_and_both_simulations_at_two_sizes() {
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    let app = spawn_on(setup.database.clone(), |settings| settings).await;
    let hall = app.app_state.halls.get("demo").await.expect("demo");
    let today = hallq::domain::numbering::business_date(chrono::Utc::now(), hall.timezone);
    let options = hallq::history::Options { days: 40, per_day: 260, seed: 9, force: false };
    hallq::history::generate(&app.app_state.db, &hall, today, &options).await.expect("history");
    // A weekday in the next declaration period: the busy kind of day the page is for.
    let date = (1..40)
        .map(|k| today + Duration::days(k))
        .find(|d| d.day() <= 5 && d.weekday().number_from_monday() <= 5)
        .expect("a period day");
    let (_, plan) = app.get_as(&format!("/api/v1/halls/demo/plan?date={date}"), &app.login("manager1").await).await;
    let half_hours = plan["half_hours"].as_array().expect("grid").len();
    for (width, height) in [(1366, 768), (1920, 1080)] {
        let Some(browser) = open_screen(width, height).await else { return };
        browser.goto(&app.url(&format!("/admin/plan/demo?date={date}"))).await.expect("plan page");
        sign_in(&browser, "manager1").await;
        wait_for(&browser, &format!("document.body.dataset.planLoaded === '{date}/0.8'"), LOAD).await;
        for chart in ["chart-load", "chart-wait"] {
            let drawn = format!("document.querySelectorAll('#{chart} svg path, #{chart} svg rect').length > 10");
            wait_for(&browser, &drawn, LOAD).await;
        }
        let services = eval(&browser, "return document.querySelectorAll('#plan-services tbody tr').length;").await;
        assert_eq!(services, json!(6));
        let rows = eval(&browser, "return document.querySelectorAll('#plan-table tbody tr').length;").await;
        assert_eq!(rows, json!(half_hours));
        let first = eval(&browser, "return document.querySelector('#plan-table tbody tr td').textContent;").await;
        assert_eq!(first, json!("08:30"));
        // The recommended mean wait on the card is the API's.
        let card =
            eval(&browser, "return document.querySelectorAll('#plan-cards .r-card-value')[5].textContent;").await;
        let mean = plan["recommended"]["overall"]["mean_wait_min"].as_f64().expect("mean").floor() as i64;
        assert!(card.as_str().expect("text").starts_with(&format!("{mean} ")), "{card} against {mean}");
        let day = eval(&browser, "return document.getElementById('plan-day').textContent;").await;
        assert!(day.as_str().expect("text").contains("征期初"), "{day}");
        let csv = eval(&browser, "return document.getElementById('download-csv').getAttribute('href');").await;
        assert_eq!(csv, json!(format!("/api/v1/halls/demo/plan?date={date}&target=0.8&format=csv")));
        screenshot(&browser, &format!("plan-1-{width}x{height}.png")).await;
        browser.close().await.expect("close");
    }
}
