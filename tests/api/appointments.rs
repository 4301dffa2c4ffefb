//! Appointments: slots from the hall's hours, booking rules with the clock, check-in, and
//! places never oversold under a rush (SQLite, and PostgreSQL with two server instances).
use crate::helpers::{app_at, assert_error, set_county_hours, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use futures_util::future::join_all;
use futures_util::StreamExt;
use serde_json::{json, Value};

on_both_databases!(
    a_thousand_people_rushing_one_slot_get_exactly_its_places,
    one_phone_rushing_a_day_gets_one_booking,
    moves_and_new_bookings_at_once_take_and_free_each_place_once,
);

/// Thursday 26 November 2026, 10:00 in Shanghai; the demo hall with county hours.
const THURSDAY: &str = "2026-11-26T10:00:00+08:00";
const FRIDAY: &str = "2026-11-27";

async fn county(backend: Backend) -> (TestApp, TestApp) {
    let setup = spawn_app(backend).await;
    set_county_hours(&setup).await;
    let app = app_at(&setup, THURSDAY).await;
    (setup, app)
}

fn booking(start: &str, phone: &str) -> Value {
    json!({"service": "A", "date": FRIDAY, "start": start, "name": "张三", "phone": phone})
}

async fn book(app: &TestApp, body: Value) -> (u16, Value) {
    app.post("/api/v1/halls/demo/appointments", Some(body), None).await
}

fn phone(n: usize) -> String {
    format!("139{n:08}")
}

#[actix_web::test]
async fn slots_follow_the_hours_holidays_and_make_up_days() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let (status, slots) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    assert_eq!(status, 200, "{slots}");
    let slots = slots.as_array().expect("list");
    assert_eq!(slots.len(), 15, "08:30–12:00 and 13:30–17:30 in 30-minute slots");
    assert_eq!(
        slots[0],
        json!({"start": "08:30", "end": "09:00", "capacity": 4, "booked": 0, "available": 4, "open": true})
    );
    assert_eq!(slots[7]["start"], "13:30", "none over lunch");
    let (_, saturday) = app.get("/api/v1/halls/demo/services/A/slots?date=2026-11-28").await;
    assert_eq!(saturday, json!([]));
    let manager = app.login("manager1").await;
    app.post("/api/v1/halls/demo/calendar", Some(json!({"text": "2026-11-27,休\n2026-11-29,班"})), Some(&manager))
        .await;
    let (_, holiday) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    assert_eq!(holiday, json!([]), "a holiday has no slots");
    let (_, sunday) = app.get("/api/v1/halls/demo/services/A/slots?date=2026-11-29").await;
    assert_eq!(sunday.as_array().expect("list").len(), 15, "a 调休 Sunday has weekday slots");
    // Today is outside the window (next working day first): shown, not open.
    let (_, today) = app.get("/api/v1/halls/demo/services/A/slots?date=2026-11-26").await;
    assert!(today.as_array().expect("list").iter().all(|s| s["open"] == false));
    assert_error(&app.get("/api/v1/halls/demo/services/C/slots?date=2026-11-27").await, 409, "not_bookable");
}

#[actix_web::test]
async fn booking_follows_every_rule_with_the_clock() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let (status, booked) = book(&app, booking("09:00", "13812345678")).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "booked");
    assert_eq!((booked["start"].as_str(), booked["end"].as_str()), (Some("09:00"), Some("09:30")));
    assert_eq!(booked["name_masked"], "张*");
    assert_eq!(booked["phone_masked"], "138****5678");
    assert_eq!(booked["code"].as_str().expect("code").len(), 8);
    assert_eq!(booked["check_in_from"], "2026-11-27T08:30:00+08:00");
    let code = booked["code"].as_str().expect("code").to_owned();

    // Bad input and each refusal, with its code.
    assert_error(&book(&app, booking("09:00", "13812345678")).await, 409, "limit_reached");
    assert_error(&book(&app, booking("09:10", "13800000001")).await, 400, "invalid_slot");
    assert_error(&book(&app, booking("12:00", "13800000001")).await, 400, "invalid_slot");
    assert_error(&book(&app, booking("09:00", "12345")).await, 400, "invalid_phone");
    let mut today = booking("15:00", "13800000001");
    today["date"] = json!("2026-11-26");
    assert_error(&book(&app, today).await, 409, "outside_booking_window");
    let mut far = booking("09:00", "13800000001");
    far["date"] = json!("2026-12-10");
    assert_error(&book(&app, far).await, 409, "outside_booking_window");
    let mut cash = booking("09:00", "13800000001");
    cash["service"] = json!("C");
    assert_error(&book(&app, cash).await, 409, "not_bookable");
    let mut nameless = booking("09:00", "13800000001");
    nameless["name"] = json!(" ");
    assert_error(&book(&app, nameless).await, 400, "invalid_name");

    // The owner looks it up with code and number; a wrong number learns nothing.
    let (status, found) = app.get(&format!("/api/v1/appointments/{code}?phone=13812345678")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["code"], code.as_str());
    assert_error(
        &app.get(&format!("/api/v1/appointments/{code}?phone=13812345679")).await,
        404,
        "appointment_not_found",
    );

    // Moved to 10:00: the old place is free again, the new one taken.
    let (status, moved) = app
        .post(
            &format!("/api/v1/appointments/{code}/reschedule"),
            Some(json!({"phone": "13812345678", "date": FRIDAY, "start": "10:00"})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["start"], "10:00");
    let (_, slots) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    let slot =
        |start: &str| slots.as_array().expect("list").iter().find(|s| s["start"] == start).cloned().expect("slot");
    assert_eq!(slot("09:00")["booked"], 0);
    assert_eq!(slot("10:00")["booked"], 1);

    // Check-in: too early, then open from 30 minutes before, then the same ticket again.
    let check_in_path = format!("/api/v1/appointments/{code}/check-in");
    let check_in = || app.post(&check_in_path, Some(json!({"phone": "13812345678"})), None);
    let (status, early) = check_in().await;
    assert_error(&(status, early.clone()), 409, "too_early");
    assert_eq!(early["check_in_from"], "2026-11-27T09:30:00+08:00");
    app.advance(chrono::Duration::minutes(23 * 60 + 35)); // Friday 09:35
                                                          // Too late to change now (2 hours before).
    assert_error(
        &app.post(&format!("/api/v1/appointments/{code}/cancel"), Some(json!({"phone": "13812345678"})), None).await,
        409,
        "too_late_to_change",
    );
    let (status, ticket) = check_in().await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["priority"], "appointment");
    assert_eq!(ticket["number"], "A001");
    let (status, again) = check_in().await;
    assert_error(&(status, again.clone()), 409, "already_checked_in");
    assert_eq!(again["ticket"]["number"], "A001", "the same ticket");
    let (_, found) = app.get(&format!("/api/v1/appointments/{code}?phone=13812345678")).await;
    assert_eq!((found["status"].as_str(), found["ticket_number"].as_str()), (Some("checked_in"), Some("A001")));

    // Staff see the day's bookings, masked.
    let staff = app.login("window1").await;
    let (status, day) = app.get_as(&format!("/api/v1/halls/demo/appointments?date={FRIDAY}"), &staff).await;
    assert_eq!(status, 200, "{day}");
    assert_eq!(day[0]["phone_masked"], "138****5678");
    assert!(!day.to_string().contains("13812345678"), "never the number in clear");
    assert_eq!(app.get(&format!("/api/v1/halls/demo/appointments?date={FRIDAY}")).await.0, 401);
}

#[actix_web::test]
async fn a_late_arrival_is_offered_a_normal_ticket_and_a_cancelled_place_is_free_again() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let (_, first) = book(&app, booking("08:30", "13700000001")).await;
    let (_, second) = book(&app, booking("08:30", "13700000002")).await;
    let code = |v: &Value| v["code"].as_str().expect("code").to_owned();
    let (status, cancelled) = app
        .post(&format!("/api/v1/appointments/{}/cancel", code(&second)), Some(json!({"phone": "13700000002"})), None)
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (_, slots) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    assert_eq!(slots[0]["booked"], 1);
    // Friday 08:46: past the 15-minute grace of 08:30.
    app.advance(chrono::Duration::minutes(22 * 60 + 46));
    let (status, late) = app
        .post(&format!("/api/v1/appointments/{}/check-in", code(&first)), Some(json!({"phone": "13700000001"})), None)
        .await;
    assert_error(&(status, late.clone()), 409, "too_late");
    assert_eq!(late["offer"], "normal_ticket");
}

#[actix_web::test]
async fn three_no_shows_block_new_bookings_until_a_date() {
    use sea_orm::ConnectionTrait;
    let (setup, app) = county(Backend::Sqlite).await;
    for day in ["2026-11-02", "2026-11-10", "2026-11-20"] {
        setup
            .app_state
            .db
            .execute_unprepared(&format!(
                "INSERT INTO appointments (hall_id, service_id, code, day, start_minute, end_minute, name, phone, status, channel, created_at, updated_at) \
                 VALUES (1, 1, 'NS{}', '{day}', 540, 570, '李四', '13600000001', 'no_show', 'mobile', '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
                &day[8..]
            ))
            .await
            .expect("insert");
    }
    let (status, body) = book(&app, booking("09:00", "13600000001")).await;
    assert_error(&(status, body.clone()), 409, "blocked");
    assert_eq!(body["until"], "2026-12-20");
    assert_eq!(book(&app, booking("09:00", "13600000002")).await.0, 201, "others book as usual");
}

async fn a_thousand_people_rushing_one_slot_get_exactly_its_places(backend: Backend) {
    let (_setup, first) = county(backend).await;
    // A second server instance on the same database (PostgreSQL): the rush is split between them.
    let second = if backend == Backend::Postgres { Some(app_at(&first, THURSDAY).await) } else { None };
    let instances: Vec<&TestApp> = std::iter::once(&first).chain(second.as_ref()).collect();
    let requests = (0..1000).map(|n| {
        let app = instances[n % instances.len()];
        async move { book(app, booking("14:00", &phone(n))).await }
    });
    let answers: Vec<(u16, Value)> = futures_util::stream::iter(requests).buffer_unordered(64).collect().await;
    let confirmed = answers.iter().filter(|(s, _)| *s == 201).count();
    let full = answers.iter().filter(|(s, b)| *s == 409 && b["error"] == "slot_full").count();
    assert_eq!(
        (confirmed, full),
        (4, 996),
        "exactly the slot's places: {:?}",
        answers.iter().find(|(s, _)| *s != 201 && *s != 409)
    );
    let (_, slots) = first.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    let slot = slots.as_array().expect("list").iter().find(|s| s["start"] == "14:00").cloned().expect("slot");
    assert_eq!((slot["booked"].as_u64(), slot["available"].as_u64()), (Some(4), Some(0)));
}

/// Four people booked at 09:00 all move to 10:00 (two places left) five times each, while six
/// others book 09:00, half of it on a second instance (PostgreSQL). Whatever the order, every
/// slot's counter equals its active bookings and none is over capacity.
async fn moves_and_new_bookings_at_once_take_and_free_each_place_once(backend: Backend) {
    let (_setup, first) = county(backend).await;
    let second = if backend == Backend::Postgres { Some(app_at(&first, THURSDAY).await) } else { None };
    let other = second.as_ref().unwrap_or(&first);
    let mut movers = Vec::new();
    for n in 0..4 {
        let (status, booked) = book(&first, booking("09:00", &phone(100 + n))).await;
        assert_eq!(status, 201, "{booked}");
        movers.push((booked["code"].as_str().expect("code").to_owned(), phone(100 + n)));
    }
    for n in 0..2 {
        assert_eq!(book(&first, booking("10:00", &phone(200 + n))).await.0, 201);
    }
    let moves = (0..20).map(|n| {
        let (code, number) = movers[n % 4].clone();
        let app = if n % 2 == 0 { &first } else { other };
        async move {
            let body = json!({"phone": number, "date": FRIDAY, "start": "10:00"});
            app.post(&format!("/api/v1/appointments/{code}/reschedule"), Some(body), None).await
        }
    });
    let newcomers = (0..6).map(|n| {
        let app = if n % 2 == 0 { &first } else { other };
        async move { book(app, booking("09:00", &phone(300 + n))).await }
    });
    let (moved, booked) = futures_util::join!(join_all(moves), join_all(newcomers));
    for (status, body) in moved.iter().chain(&booked) {
        assert!(
            *status == 200 || *status == 201 || (*status == 409 && body["error"] == "slot_full"),
            "{status} {body}"
        );
    }
    let staff = first.login("window1").await;
    let (_, day) = first.get_as(&format!("/api/v1/halls/demo/appointments?date={FRIDAY}"), &staff).await;
    let active = |start: &str| {
        day.as_array().expect("list").iter().filter(|a| a["start"] == start && a["status"] == "booked").count() as u64
    };
    let (_, slots) = first.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    let counter = |start: &str| {
        slots.as_array().expect("list").iter().find(|s| s["start"] == start).expect("slot")["booked"].as_u64()
    };
    assert_eq!(counter("10:00"), Some(4), "two moved in, no more");
    assert_eq!(active("10:00"), 4);
    assert_eq!(counter("09:00"), Some(active("09:00")));
    assert!(active("09:00") <= 4);
    let newcomers_in = booked.iter().filter(|(s, _)| *s == 201).count() as u64;
    assert_eq!(active("09:00"), 2 + newcomers_in, "the two left behind and every newcomer confirmed");
}

async fn one_phone_rushing_a_day_gets_one_booking(backend: Backend) {
    let (_setup, app) = county(backend).await;
    let starts = ["08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:30", "14:00", "14:30"];
    let answers = join_all((0..100).map(|n| book(&app, booking(starts[n % starts.len()], "13500000001")))).await;
    let confirmed = answers.iter().filter(|(s, _)| *s == 201).count();
    let limited = answers.iter().filter(|(s, b)| *s == 409 && b["error"] == "limit_reached").count();
    assert_eq!((confirmed, limited), (1, 99));
    // Cancel and rebook at once from two sides: the place is freed and taken exactly once.
    let code = answers
        .iter()
        .find(|(s, _)| *s == 201)
        .map(|(_, b)| b["code"].as_str().expect("code").to_owned())
        .expect("one");
    let path = format!("/api/v1/appointments/{code}/cancel");
    let cancels = join_all((0..10).map(|_| app.post(&path, Some(json!({"phone": "13500000001"})), None))).await;
    assert_eq!(cancels.iter().filter(|(s, _)| *s == 200).count(), 1, "{cancels:?}");
    let (_, slots) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    let booked: u64 = slots.as_array().expect("list").iter().map(|s| s["booked"].as_u64().unwrap_or(0)).sum();
    assert_eq!(booked, 0, "the place went back once");
}

#[actix_web::test]
async fn bookings_not_checked_in_become_no_shows_and_old_personal_data_is_erased() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let (_, early) = book(&app, booking("08:30", "13300000001")).await;
    let (_, later) = book(&app, booking("10:00", "13300000002")).await;
    let lookup =
        |v: &Value, phone: &str| format!("/api/v1/appointments/{}?phone={phone}", v["code"].as_str().expect("code"));
    // Friday 08:46: the 08:30 booking is past its grace, the 10:00 one is not.
    app.advance(chrono::Duration::minutes(22 * 60 + 46));
    hallq::jobs::housekeeping::run_once(&app.app_state).await.expect("housekeeping");
    assert_eq!(app.get(&lookup(&early, "13300000001")).await.1["status"], "no_show");
    assert_eq!(app.get(&lookup(&later, "13300000002")).await.1["status"], "booked");
    // 91 days on, names and numbers are gone: the booking can no longer be looked up by them.
    app.advance(chrono::Duration::days(91));
    hallq::jobs::housekeeping::run_once(&app.app_state).await.expect("housekeeping");
    assert_error(&app.get(&lookup(&early, "13300000001")).await, 404, "appointment_not_found");
    use sea_orm::ConnectionTrait;
    let rows = app
        .app_state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT name, phone FROM appointments WHERE name <> '' OR phone <> ''",
        ))
        .await
        .expect("query");
    assert!(rows.is_empty(), "no personal data left");
}

async fn ask_for_id_numbers(app: &TestApp, rule: &str) {
    let manager = app.login("manager1").await;
    let (_, mut settings) = app.get("/api/v1/halls/demo/settings").await;
    settings["appointments"]["id_number"] = json!(rule);
    let (status, saved) = app.put("/api/v1/halls/demo/settings", settings, &manager).await;
    assert_eq!(status, 200, "{saved}");
}

async fn id_hashes(app: &TestApp) -> Vec<Option<String>> {
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let sql = "SELECT id_hash FROM appointments ORDER BY id";
    let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.expect("query");
    rows.iter().map(|r| r.try_get_by_index::<Option<String>>(0).expect("id_hash")).collect()
}

#[actix_web::test]
async fn an_id_number_counts_the_person_across_phones_and_is_stored_only_as_a_keyed_hash() {
    const ID: &str = "11010519491231002X";
    let (_setup, app) = county(Backend::Sqlite).await;
    let with_id = |start: &str, phone: &str, id: &str| {
        let mut body = booking(start, phone);
        body["id_number"] = json!(id);
        body
    };
    // Not asked (the default): whatever is sent is dropped.
    assert_eq!(book(&app, with_id("08:30", "13100000001", ID)).await.0, 201);
    assert_eq!(id_hashes(&app).await, vec![None]);

    ask_for_id_numbers(&app, "required").await;
    assert_error(&book(&app, booking("09:00", "13100000002")).await, 400, "invalid_id_number");
    assert_error(&book(&app, with_id("09:00", "13100000002", "110105194912310021")).await, 400, "invalid_id_number");
    let (status, booked) = book(&app, with_id("09:00", "13100000002", "11010519491231002x")).await;
    assert_eq!(status, 201, "{booked}");
    assert!(!booked.to_string().contains("1101051949"), "the answer never echoes it: {booked}");
    // The same person under another mobile number: one booking a service a day still.
    let (status, again) = book(&app, with_id("10:00", "13100000003", ID)).await;
    assert_error(&(status, again), 409, "limit_reached");
    // Three a week (Monday to Sunday) whatever the numbers: next Monday to Wednesday, then not Thursday.
    for (n, day) in ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"].into_iter().enumerate() {
        let mut body = with_id("11:00", &format!("1310000001{n}"), ID);
        body["date"] = json!(day);
        let answer = book(&app, body).await;
        if n < 3 {
            assert_eq!(answer.0, 201, "{day}: {}", answer.1);
        } else {
            assert_error(&answer, 409, "limit_reached");
            assert!(answer.1["message"].as_str().expect("message").contains("3 bookings"), "{}", answer.1);
        }
    }

    // Stored: a 32-character keyed hash, the same for the same number however it was typed,
    // and the number itself nowhere in the database.
    let hashes = id_hashes(&app).await;
    let hash = hashes[1].clone().expect("hashed");
    assert_eq!(hash.len(), 32);
    assert!(hashes[2..].iter().all(|h| h.as_deref() == Some(hash.as_str())), "{hashes:?}");
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    for table in ["appointments", "events", "audit_log"] {
        let sql = format!(
            "SELECT COUNT(*) FROM {table} WHERE {} LIKE '%1101051949%'",
            match table {
                "appointments" => "name || phone || COALESCE(id_hash, '')",
                "events" => "payload",
                _ => "COALESCE(after, '') || COALESCE(before, '')",
            }
        );
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
            .await
            .expect("query")
            .expect("row");
        assert_eq!(row.try_get_by_index::<i64>(0).expect("count"), 0, "{table}");
    }

    // Optional: a booking without one is accepted, a malformed one is not.
    ask_for_id_numbers(&app, "optional").await;
    let mut optional = booking("15:00", "13100000008");
    optional["service"] = json!("B");
    assert_eq!(book(&app, optional).await.0, 201);
    assert_error(&book(&app, with_id("15:00", "13100000009", "12345")).await, 400, "invalid_id_number");
}

#[actix_web::test]
async fn a_manager_cancels_a_days_bookings_and_people_see_why() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let (_, first) = book(&app, booking("09:00", "13200000001")).await;
    let (_, second) = book(&app, booking("09:00", "13200000002")).await;
    let manager = app.login("manager1").await;
    let staff = app.login("window1").await;
    let body = json!({"date": FRIDAY, "reason": "系统升级，当日暂停预约办理"});
    assert_error(
        &app.post("/api/v1/halls/demo/appointments/cancel-day", Some(body.clone()), Some(&staff)).await,
        403,
        "forbidden",
    );
    let (status, answer) = app.post("/api/v1/halls/demo/appointments/cancel-day", Some(body), Some(&manager)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["cancelled"], 2);
    for (booked, phone) in [(&first, "13200000001"), (&second, "13200000002")] {
        let (_, found) =
            app.get(&format!("/api/v1/appointments/{}?phone={phone}", booked["code"].as_str().expect("code"))).await;
        assert_eq!(found["status"], "cancelled");
        assert_eq!(found["reason"], "系统升级，当日暂停预约办理");
    }
    let (_, slots) = app.get(&format!("/api/v1/halls/demo/services/A/slots?date={FRIDAY}")).await;
    assert_eq!(slots[1]["booked"], 0, "places given back");
    let (_, log) = app.get_as("/api/v1/audit?kind=appointments.", &manager).await;
    assert_eq!(log["entries"][0]["after"]["cancelled"], 2);
}

#[actix_web::test]
async fn a_booked_ticket_is_called_at_its_booked_time_not_before() {
    let (_setup, app) = county(Backend::Sqlite).await;
    let mut body = booking("09:00", "13100000001");
    body["service"] = json!("B");
    let (_, booked) = book(&app, body).await;
    // Friday 08:40: a walk-in takes B001, the booking checks in early and gets B002.
    app.advance(chrono::Duration::minutes(22 * 60 + 40));
    let walk_in = app.issue("B").await;
    let path = format!("/api/v1/appointments/{}/check-in", booked["code"].as_str().expect("code"));
    let (status, ticket) = app.post(&path, Some(json!({"phone": "13100000001"})), None).await;
    assert_eq!(status, 201, "{ticket}");
    let staff = app.login("window4").await;
    app.window_op(4, "sign-in", None, &staff).await;
    let call = || async {
        let (status, body) = app.window_op(4, "call-next", None, &staff).await;
        assert_eq!(status, 200, "{body}");
        app.window_op(4, "start", None, &staff).await;
        app.window_op(4, "finish", None, &staff).await;
        body["ticket"]["number"].as_str().unwrap_or("").to_owned()
    };
    assert_eq!(call().await, walk_in["number"].as_str().expect("number"), "not yet its time: the walk-in first");
    app.advance(chrono::Duration::minutes(5));
    let later = app.issue("B").await;
    app.advance(chrono::Duration::minutes(15)); // 09:00
    assert_eq!(call().await, ticket["number"].as_str().expect("number"), "at 09:00 the booking goes first");
    assert_eq!(call().await, later["number"].as_str().expect("number"));
    let (_, found) =
        app.get(&format!("/api/v1/appointments/{}?phone=13100000001", booked["code"].as_str().expect("code"))).await;
    assert_eq!(found["status"], "served", "its ticket is finished");
}

#[actix_web::test]
async fn the_booking_qr_opens_the_lookup_page_with_the_code_and_never_the_number() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut response = app.client.get(app.url("/m/demo/booking/qr.svg?code=ABCD2345")).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("image/svg+xml"));
    let svg = response.body().await.expect("body");
    let expected = hallq::http::qr::svg(&format!("{}/m/demo/booking?code=ABCD2345", app.address)).expect("qr");
    assert_eq!(String::from_utf8_lossy(&svg), expected, "the code of the lookup page, and nothing else");
    let response = app.client.get(app.url("/m/demo/booking/qr.svg")).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 404);
}
