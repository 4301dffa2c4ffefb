//! The reports page at 1366×768 and 1920×1080 on generated history: summary figures, the three
//! charts drawn, the table of the chosen grouping, and the CSV link for the same query.
use crate::browser::{eval, open_screen, screenshot, wait_for};
use crate::console::sign_in;
use crate::helpers::{spawn_app, Backend};
use serde_json::json;
use std::time::Duration;

const LOAD: Duration = Duration::from_secs(30);

#[actix_web::test]
async fn the_reports_page_shows_figures_charts_and_the_table_at_two_sizes() {
    let app = spawn_app(Backend::Sqlite).await;
    let hall = app.app_state.halls.get("demo").await.expect("demo");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let options = hallq::history::Options { days: 10, per_day: 200, seed: 3, force: false };
    hallq::history::generate(&app.app_state.db, &hall, today, &options).await.expect("history");
    let query = "from=2026-11-12&to=2026-11-25&by=service";
    for (width, height) in [(1366, 768), (1920, 1080)] {
        let Some(browser) = open_screen(width, height).await else { return };
        browser.goto(&app.url(&format!("/admin/reports/demo?{query}"))).await.expect("reports page");
        sign_in(&browser, "manager1").await;
        wait_for(&browser, "document.body.dataset.reportLoaded === '2026-11-12/2026-11-25/service'", LOAD).await;
        for chart in ["chart-trend", "chart-heat", "chart-waits"] {
            let drawn = format!("document.querySelectorAll('#{chart} svg path, #{chart} svg rect').length > 5");
            wait_for(&browser, &drawn, LOAD).await;
        }
        let rows = eval(&browser, "return document.querySelectorAll('#report-rows tr').length;").await;
        assert_eq!(rows, json!(7), "six services and the total");
        let total =
            eval(&browser, "return document.querySelector('#report-rows tr.r-total td:nth-child(2)').textContent;")
                .await;
        let (_, report) =
            app.get_as(&format!("/api/v1/halls/demo/reports?{query}"), &app.login("manager1").await).await;
        assert_eq!(total, json!(report["total"]["issued"].to_string()));
        let csv = eval(&browser, "return document.getElementById('download-csv').getAttribute('href');").await;
        assert_eq!(csv, json!(format!("/api/v1/halls/demo/reports?{query}&format=csv")));
        screenshot(&browser, &format!("reports-1-{width}x{height}.png")).await;
        if width == 1366 {
            // The printable monthly summary of November (signed in already: the same session).
            browser.goto(&app.url("/admin/reports/demo/monthly?month=2026-11")).await.expect("monthly");
            wait_for(&browser, "document.body.dataset.monthLoaded === '2026-11'", LOAD).await;
            let (_, month) = app
                .get_as(
                    "/api/v1/halls/demo/reports?from=2026-11-01&to=2026-11-30&by=service",
                    &app.login("manager1").await,
                )
                .await;
            let issued = eval(&browser, "return document.querySelector('#m-overview tr td').textContent;").await;
            assert_eq!(issued, json!(month["total"]["issued"].to_string()));
            let title = eval(&browser, "return document.getElementById('m-title').textContent;").await;
            assert_eq!(title, json!("2026年11月 办税服务统计汇总"));
            screenshot(&browser, "reports-2-monthly-a4.png").await;
        }
        browser.close().await.expect("close");
    }
}
