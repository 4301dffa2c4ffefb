//! Reports: a scripted day checked against figures worked out by hand, the CSV and XLSX files
//! read back and compared with the JSON, who may see them, and generated history whose report
//! totals equal a direct count.
use crate::helpers::{app_at, assert_error, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use chrono::Duration;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// Thursday 26 November 2026, 09:00 in Shanghai.
const NINE: &str = "2026-11-26T09:00:00+08:00";
const DAY: &str = "from=2026-11-26&to=2026-11-26";

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = app.get_as(&format!("/api/v1/halls/demo/reports?{query}"), token).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn download(app: &TestApp, token: &str, query: &str) -> (String, Vec<u8>) {
    let mut response = app
        .client
        .get(app.url(&format!("/api/v1/halls/demo/reports?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (kind, response.body().limit(16 * 1024 * 1024).await.expect("body").to_vec())
}

/// A001 waits 5 minutes and is handled in 6; A002 waits 16 and is handled in 10; A003 is
/// cancelled before its call. Ratings 5 and 2; one diversion.
async fn scripted_day(app: &TestApp) {
    let staff = app.login("window1").await;
    let first = app.issue("A").await;
    let second = app.issue("A").await;
    app.advance(Duration::minutes(5));
    assert_eq!(app.window_op(1, "call-next", None, &staff).await.1["ticket"]["number"], "A001");
    app.advance(Duration::minutes(1));
    app.window_op(1, "start", None, &staff).await;
    app.advance(Duration::minutes(6));
    app.window_op(1, "finish", None, &staff).await;
    app.advance(Duration::minutes(4));
    assert_eq!(app.window_op(1, "call-next", None, &staff).await.1["ticket"]["number"], "A002");
    app.window_op(1, "start", None, &staff).await;
    app.advance(Duration::minutes(10));
    app.window_op(1, "finish", None, &staff).await;
    let third = app.issue("A").await;
    let cancel = format!("/api/v1/tickets/{}/cancel", third["token"].as_str().expect("token"));
    assert_eq!(app.post(&cancel, None, None).await.0, 200);
    for (ticket, score) in [(&first, 5), (&second, 2)] {
        let path = format!("/api/v1/tickets/{}/rating", ticket["token"].as_str().expect("token"));
        assert_eq!(app.post(&path, Some(json!({"score": score})), None).await.0, 201);
    }
    let diverted = app.post("/api/v1/halls/demo/diversions", Some(json!({"service": "A"})), None).await;
    assert_eq!(diverted.0, 201);
}

on_both_databases!(a_scripted_day_reports_the_hand_computed_figures_in_json_csv_and_xlsx);

async fn a_scripted_day_reports_the_hand_computed_figures_in_json_csv_and_xlsx(backend: Backend) {
    let setup = spawn_app(backend).await;
    let app = app_at(&setup, NINE).await;
    scripted_day(&app).await;
    let manager = app.login("manager1").await;

    let by_service = report(&app, &manager, &format!("{DAY}&by=service")).await;
    assert_eq!(by_service["by"], "service");
    let rows = by_service["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "only A had tickets: {rows:?}");
    let a = &rows[0];
    assert_eq!((a["key"].as_str(), a["label"].as_str()), (Some("A"), Some("A 综合申报")));
    let expected = json!({
        "issued": 3, "served": 2, "no_show": 0, "cancelled": 1, "transferred": 0,
        "wait_mean_min": 10.5, "wait_p50_min": 5.0, "wait_p90_min": 16.0, "wait_max_min": 16.0,
        "handle_mean_min": 8.0, "handle_p50_min": 6.0, "handle_p90_min": 10.0,
        "within_target": 1.0, "ratings": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
        "satisfaction": 0.5, "diversions": 1, "handle_max_min": 10.0, "wait_histogram": [0, 1, 1, 0, 0, 0],
        "diversions_by_target": {"online": 1}, "diverted_share": 0.25,
    });
    for (field, value) in expected.as_object().expect("object") {
        assert_eq!(&a[field], value, "{field}");
        assert_eq!(&by_service["total"][field], value, "total {field}");
    }

    let by_hour = report(&app, &manager, &format!("{DAY}&by=hour")).await;
    assert_eq!(by_hour["rows"][0]["key"], "09");
    assert_eq!(by_hour["rows"][0]["label"], "09:00–10:00");
    let by_window = report(&app, &manager, &format!("{DAY}&by=window")).await;
    assert_eq!((by_window["rows"][0]["key"].as_str(), by_window["rows"][0]["issued"].as_u64()), (Some("1"), Some(2)));
    let by_staff = report(&app, &manager, &format!("{DAY}&by=staff")).await;
    assert_eq!(by_staff["rows"][0]["label"], "1号窗口工作人员");
    let by_weekday = report(&app, &manager, &format!("{DAY}&by=weekday")).await;
    assert_eq!(by_weekday["rows"][0]["label"], "周四");

    // CSV: a BOM, Chinese headers, the same numbers as the JSON.
    let (kind, csv) = download(&app, &manager, &format!("{DAY}&by=service&format=csv")).await;
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines[0][0], "分组");
    assert_eq!(lines[0][1], "取号数");
    assert_eq!(lines[1][0], "A 综合申报");
    let number = |cell: &str| cell.parse::<f64>().expect("number");
    assert_eq!(number(lines[1][1]), 3.0);
    assert_eq!(number(lines[1][6]), 10.5, "mean wait");
    assert_eq!(number(lines[1][13]), 10.0, "longest handling");
    assert_eq!(number(lines[1][14]), 1.0, "within target");
    assert_eq!(number(lines[1][20]), 0.5, "satisfaction");
    assert_eq!(number(lines[1][22]), 0.25, "1 of 3 + 1 visits diverted");
    assert_eq!(lines[2][0], "合计");
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "a header for every column: {lines:?}");
    assert_eq!((lines[0][13], lines[0][22]), ("最长办理(分钟)", "分流占比"));
    // The estimate given at issue, kept with the ticket, against the wait it had.
    let error = a["estimate_error_p50_min"].as_f64().expect("every ticket here was given an estimate");
    assert_eq!(lines[0][23], "预计等候误差中位数(分钟)");
    assert_eq!(number(lines[1][23]), error);
    assert!(a["estimate_error_p90_min"].as_f64().expect("p90") >= error);

    // XLSX: numbers stored as numbers, equal to the JSON.
    let (kind, xlsx) = download(&app, &manager, &format!("{DAY}&by=service&format=xlsx")).await;
    assert!(kind.contains("spreadsheetml"), "{kind}");
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("an xlsx file");
    let sheet = book.worksheet_range("统计报表").expect("the sheet");
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("分组".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("A 综合申报".into())));
    assert_eq!(sheet.get((1, 1)), Some(&Data::Float(3.0)));
    assert_eq!(sheet.get((1, 6)), Some(&Data::Float(10.5)));
    assert_eq!(sheet.get((1, 20)), Some(&Data::Float(0.5)));

    // Bad queries, and who may ask.
    for bad in ["by=year", "from=2026-11-27&to=2026-11-26", "format=pdf", "from=2024-01-01&to=2026-11-26"] {
        assert_error(&app.get_as(&format!("/api/v1/halls/demo/reports?{bad}"), &manager).await, 400, "invalid_query");
    }
    let staff = app.login("window1").await;
    assert_error(&app.get_as("/api/v1/halls/demo/reports", &staff).await, 403, "forbidden");
    assert_eq!(app.get("/api/v1/halls/demo/reports").await.0, 401);
}

#[actix_web::test]
async fn generated_history_is_deterministic_skips_filled_days_and_reports_what_a_direct_count_says() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = &app.app_state.db;
    let hall = app.app_state.halls.get("demo").await.expect("demo");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let options = hallq::history::Options { days: 6, per_day: 120, seed: 7, force: false };
    let done = hallq::history::generate(db, &hall, today, &options).await.expect("generated");
    assert_eq!((done.days, done.skipped_days), (6, 0));
    assert!(done.tickets > 500 && done.ratings > 100 && done.diversions > 20, "{done:?}");
    // Again: every day is there already, nothing is added.
    let again = hallq::history::generate(db, &hall, today, &options).await.expect("again");
    assert_eq!((again.days, again.skipped_days, again.tickets), (0, 6, 0));
    // The same seed on another database gives the same history.
    let other = spawn_app(Backend::Sqlite).await;
    let other_hall = other.app_state.halls.get("demo").await.expect("demo");
    let same = hallq::history::generate(&other.app_state.db, &other_hall, today, &options).await.expect("same");
    assert_eq!(same, done);
    // Not the demo hall: refused unless forced.
    let mut renamed = (*hall).clone();
    renamed.code = "county".into();
    assert!(hallq::history::generate(db, &renamed, today, &options).await.is_err());

    // The report over those days equals a direct count.
    let manager = app.login("manager1").await;
    let report = report(&app, &manager, "from=2026-11-01&to=2026-11-25&by=day").await;
    let count = |sql: &str| {
        let sql = sql.to_owned();
        async move {
            let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await;
            row.expect("query").expect("row").try_get_by_index::<i64>(0).expect("count") as u64
        }
    };
    assert_eq!(report["rows"].as_array().expect("rows").len(), 6, "six business days");
    let total = &report["total"];
    assert_eq!(total["issued"].as_u64(), Some(count("SELECT COUNT(*) FROM tickets").await));
    assert_eq!(total["served"].as_u64(), Some(count("SELECT COUNT(*) FROM tickets WHERE status = 'done'").await));
    assert_eq!(total["no_show"].as_u64(), Some(count("SELECT COUNT(*) FROM tickets WHERE status = 'no_show'").await));
    assert_eq!(total["diversions"].as_u64(), Some(count("SELECT COUNT(*) FROM diversions").await));
    let rated: u64 = total["ratings"].as_object().expect("ratings").values().map(|v| v.as_u64().unwrap_or(0)).sum();
    assert_eq!(rated, count("SELECT COUNT(*) FROM ratings").await);
    let issued_by_day: u64 =
        report["rows"].as_array().expect("rows").iter().map(|r| r["issued"].as_u64().unwrap_or(0)).sum();
    assert_eq!(issued_by_day, done.tickets);
    let satisfaction = total["satisfaction"].as_f64().expect("satisfaction");
    assert!(satisfaction > 0.8, "mostly positive: {satisfaction}");
    let within = total["within_target"].as_f64().expect("within target");
    assert!((0.0..=1.0).contains(&within));
}
