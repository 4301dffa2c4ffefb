//! Peak-day planning (`GET /halls/{hall}/plan`) on generated history: the forecast, the checked
//! recommendation against the hall's usual plan, the CSV, and the errors.
use crate::helpers::{assert_error, set_county_hours, spawn_app, Backend};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

fn shanghai_today() -> NaiveDate {
    hallq::domain::numbering::business_date(chrono::Utc::now(), chrono_tz::Asia::Shanghai)
}

/// The next weekday after today.
fn next_weekday(today: NaiveDate) -> NaiveDate {
    (1..8).map(|k| today + Duration::days(k)).find(|d| d.weekday().number_from_monday() <= 5).expect("a weekday")
}

#[actix_web::test]
async fn a_day_is_forecast_planned_and_simulated_both_ways_from_the_halls_history() {
    let setup = spawn_app(Backend::Sqlite).await;
    set_county_hours(&setup).await;
    let app = crate::helpers::spawn_on(setup.database.clone(), |settings| settings).await;
    let hall = app.app_state.halls.get("demo").await.expect("demo");
    let today = shanghai_today();
    let options = hallq::history::Options { days: 40, per_day: 220, seed: 5, force: false };
    hallq::history::generate(&app.app_state.db, &hall, today, &options).await.expect("history");
    let manager = app.login("manager1").await;
    let date = next_weekday(today);

    let (status, plan) = app.get_as(&format!("/api/v1/halls/demo/plan?date={date}"), &manager).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["date"], date.to_string());
    assert_eq!(plan["target"], 0.8);
    // County hours: 08:30–12:00 and 13:30–17:30, so the grid runs 08:30 … 17:00.
    let grid: Vec<&str> =
        plan["half_hours"].as_array().expect("grid").iter().map(|h| h.as_str().expect("text")).collect();
    assert_eq!((grid.first().copied(), grid.last().copied()), (Some("08:30"), Some("17:00")), "{grid:?}");
    // The forecast: every service, a day's worth of arrivals near what the history had, and
    // its error measured on the last 20 days.
    let forecast = plan["forecast"]["services"].as_array().expect("services");
    assert_eq!(forecast.len(), 6);
    let total: f64 = forecast.iter().map(|s| s["total"].as_f64().expect("total")).sum();
    assert!((100.0..600.0).contains(&total), "{total}");
    assert_eq!(plan["forecast"]["history_days"].as_u64(), Some(40));
    assert_eq!(plan["accuracy"]["days_tested"].as_u64(), Some(20));
    let mape = plan["accuracy"]["mape_total"].as_f64().expect("mape");
    assert!(mape < 0.3, "the generated history is regular: {mape}");
    // Nobody arrives at lunch, so nobody is planned then.
    let lunch = grid.iter().position(|h| *h == "12:30").expect("12:30");
    for pool in plan["recommendation"]["pools"].as_array().expect("pools") {
        assert_eq!(pool["rows"][lunch]["windows"], 0, "{pool}");
    }
    // Handling from the history's served tickets.
    assert!(plan["handling"]["A"]["measured_on"].as_u64().expect("count") >= 30);
    // Both simulations, per service, with the figures the page shows.
    for which in ["usual", "recommended"] {
        let a = &plan[which]["services"]["A"];
        for field in ["mean_wait_min", "p90_wait_min", "within_target", "estimate_error_p50_min"] {
            assert!(a[field].is_number(), "{which} {field}: {a}");
        }
        assert!(plan[which]["customers"].as_u64().expect("customers") > 1000, "20 replications of the day");
    }
    assert!(plan["recommendation"]["check"]["result"]["overall"]["within_target"].is_number());
    // The same plan again: deterministic.
    let (_, again) = app.get_as(&format!("/api/v1/halls/demo/plan?date={date}"), &manager).await;
    assert_eq!(again, plan);

    // CSV: one line per half hour and a header.
    let mut response = app
        .client
        .get(app.url(&format!("/api/v1/halls/demo/plan?date={date}&format=csv")))
        .bearer_auth(&manager)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let body = response.body().limit(1024 * 1024).await.expect("body").to_vec();
    assert_eq!(&body[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(body[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), grid.len() + 1);
    assert!(lines[0].starts_with("时段,预测到达 A"), "{}", lines[0]);
    assert!(lines[1].starts_with("08:30,"));

    // Errors.
    let saturday = (1..8).map(|k| today + Duration::days(k)).find(|d| d.weekday() == Weekday::Sat).expect("a Saturday");
    let closed = app.get_as(&format!("/api/v1/halls/demo/plan?date={saturday}"), &manager).await;
    assert_error(&closed, 409, "hall_closed");
    for bad in ["target=1.5", "date=2020-01-01", "format=pdf"] {
        assert_error(
            &app.get_as(&format!("/api/v1/halls/demo/plan?date={date}&{bad}"), &manager).await,
            400,
            "invalid_query",
        );
    }
    assert_eq!(app.get_as("/api/v1/halls/demo/plan?date=tomorrow", &manager).await.0, 400);
    let staff = app.login("window1").await;
    assert_error(&app.get_as("/api/v1/halls/demo/plan", &staff).await, 403, "forbidden");
    assert_eq!(app.get("/api/v1/halls/demo/plan").await.0, 401);
}
