use crate::helpers::{assert_queue_counters_match, spawn_app, spawn_on, Backend, TestApp};
use crate::on_both_databases;
use futures_util::future::join_all;
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

on_both_databases!(
    sixty_four_clients_issuing_at_once_get_distinct_gap_free_numbers,
    four_windows_calling_at_once_call_every_ticket_exactly_once,
    a_refused_call_in_a_batch_leaves_the_other_windows_calls_standing,
    no_shows_restores_and_transfers_batched_with_calls_keep_every_queue_true,
);

async fn sixty_four_clients_issuing_at_once_get_distinct_gap_free_numbers(backend: Backend) {
    const CLIENTS: usize = 64;
    const EACH: usize = 50;
    let app = spawn_app(backend).await;
    let clients = (0..CLIENTS).map(|_| async {
        let mut numbers = Vec::with_capacity(EACH);
        for _ in 0..EACH {
            numbers.push(app.issue("A").await["number"].as_str().expect("number").to_owned());
        }
        numbers
    });
    let numbers: Vec<String> = join_all(clients).await.into_iter().flatten().collect();
    let distinct: BTreeSet<_> = numbers.iter().cloned().collect();
    assert_eq!(numbers.len(), CLIENTS * EACH);
    assert_eq!(distinct.len(), CLIENTS * EACH, "no duplicates");
    let expected: BTreeSet<_> = (1..=CLIENTS * EACH).map(|n| format!("A{n:03}")).collect();
    assert_eq!(distinct, expected, "A001 to A3200 with no gaps");
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[0]["waiting"], CLIENTS * EACH);
    assert_queue_counters_match(&app).await;
}

/// Windows (number, account) that all serve A and F: 1–3 (A, F) and 8 (F, A, C).
const WINDOWS: [(i64, &str); 4] = [(1, "window1"), (2, "window2"), (3, "window3"), (8, "window8")];
const WINDOWS_ALL: [(i64, &str); 8] = [
    (1, "window1"),
    (2, "window2"),
    (3, "window3"),
    (4, "window4"),
    (5, "window5"),
    (6, "window6"),
    (7, "window7"),
    (8, "window8"),
];

async fn issue_mixed(app: &TestApp, count: usize) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..count {
        let service = if i % 3 == 0 { "F" } else { "A" };
        numbers.push(app.issue(service).await["number"].as_str().expect("number").to_owned());
    }
    numbers
}

/// Each window calls, starts and finishes until its call-next returns nothing.
async fn drain(apps: &[&TestApp], windows: &[(i64, &str)]) -> Vec<(i64, String)> {
    let mut work = Vec::new();
    for (i, (number, account)) in windows.iter().enumerate() {
        let app = apps[i % apps.len()];
        let token = app.login(account).await;
        let id = app.window_id(*number).await;
        work.push(async move {
            let mut called = Vec::new();
            loop {
                let (status, body) = app.post(&format!("/api/v1/windows/{id}/call-next"), None, Some(&token)).await;
                assert_eq!(status, 200, "window {number}: {body}");
                let Some(ticket) = body["ticket"]["number"].as_str() else { break };
                called.push((*number, ticket.to_owned()));
                assert_eq!(app.post(&format!("/api/v1/windows/{id}/start"), None, Some(&token)).await.0, 200);
                assert_eq!(app.post(&format!("/api/v1/windows/{id}/finish"), None, Some(&token)).await.0, 200);
            }
            called
        });
    }
    join_all(work).await.into_iter().flatten().collect()
}

fn assert_each_called_once(issued: &[String], called: &[(i64, String)]) {
    let mut times: HashMap<&str, usize> = HashMap::new();
    for (_, number) in called {
        *times.entry(number.as_str()).or_default() += 1;
    }
    for number in issued {
        assert_eq!(times.get(number.as_str()), Some(&1), "{number} called exactly once");
    }
    assert_eq!(called.len(), issued.len());
    let windows_used: BTreeSet<_> = called.iter().map(|(w, _)| *w).collect();
    assert!(windows_used.len() > 1, "the work was shared: {windows_used:?}");
}

async fn four_windows_calling_at_once_call_every_ticket_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let issued = issue_mixed(&app, 120).await;
    let called = drain(&[&app], &WINDOWS).await;
    assert_each_called_once(&issued, &called);
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[0]["waiting"], 0);
    assert_queue_counters_match(&app).await;
}

/// Window operations are written in batches (group commit): each window here asks twice at
/// once, so most batches hold calls that succeed next to calls refused because the same window
/// was just given a ticket. The refusals must change nothing and take no one's call with them.
async fn a_refused_call_in_a_batch_leaves_the_other_windows_calls_standing(backend: Backend) {
    const ROUNDS: usize = 4;
    let app = spawn_app(backend).await;
    let mut issued = Vec::new();
    for _ in 0..ROUNDS * 8 {
        issued.push(app.issue("A").await["number"].as_str().expect("number").to_owned());
    }
    let mut windows = Vec::new();
    for number in 1..=8 {
        windows.push((number, app.window_id(number).await, app.login(&format!("window{number}")).await));
    }
    let mut called = Vec::new();
    let app = &app;
    for _ in 0..ROUNDS {
        let asks = windows.iter().flat_map(|(number, id, token)| {
            (0..2).map(move |_| async move {
                let url = format!("/api/v1/windows/{id}/call-next");
                (*number, app.post(&url, None, Some(token)).await)
            })
        });
        let answers = join_all(asks).await;
        for (number, id, token) in &windows {
            let mine: Vec<_> = answers.iter().filter(|(n, _)| n == number).map(|(_, answer)| answer).collect();
            let given: Vec<_> = mine.iter().filter(|(status, _)| *status == 200).collect();
            let refused: Vec<_> = mine.iter().filter(|(status, _)| *status == 409).collect();
            assert_eq!((given.len(), refused.len()), (1, 1), "window {number}: {mine:?}");
            assert_eq!(refused[0].1["error"], "window_busy", "window {number}");
            let ticket = given[0].1["ticket"]["number"].as_str().expect("a ticket").to_owned();
            assert_eq!(refused[0].1["ticket"], ticket.as_str(), "refused because of its own call");
            called.push((*number, ticket));
            assert_eq!(app.post(&format!("/api/v1/windows/{id}/start"), None, Some(token)).await.0, 200);
            assert_eq!(app.post(&format!("/api/v1/windows/{id}/finish"), None, Some(token)).await.0, 200);
        }
    }
    assert_each_called_once(&issued, &called);
    assert_queue_counters_match(app).await;
}

/// A batch reads its windows and queue heads once and writes its changes at commit
/// (`window_batch.rs`): tickets that go back into a queue in the middle of a batch (a restored
/// no-show, a transfer) must be seen by the calls after them, and each window's held ticket
/// must follow every operation. Eight windows act at once in each round.
async fn no_shows_restores_and_transfers_batched_with_calls_keep_every_queue_true(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut issued = Vec::new();
    for _ in 0..24 {
        issued.push(app.issue("A").await["number"].as_str().expect("number").to_owned());
    }
    let mut windows = Vec::new();
    for number in 1..=8 {
        windows.push((number, app.window_id(number).await, app.login(&format!("window{number}")).await));
    }
    let app = &app;
    let op = |id: i64, token: &str, name: &str, body: Option<serde_json::Value>| {
        let (url, token) = (format!("/api/v1/windows/{id}/{name}"), token.to_owned());
        async move { app.post(&url, body, Some(&token)).await }
    };
    let ticket = |answer: &(u16, serde_json::Value)| answer.1["ticket"]["number"].as_str().map(str::to_owned);
    // Round 1: every window calls.
    let first = join_all(windows.iter().map(|(_, id, token)| op(*id, token, "call-next", None))).await;
    let first: Vec<String> = first.iter().map(|answer| ticket(answer).expect("a ticket for every window")).collect();
    assert_eq!(first.iter().collect::<BTreeSet<_>>().len(), 8, "eight different tickets: {first:?}");
    // Round 2: windows 1-4 mark theirs no-show while 5-8 send theirs to windows 1-4 by name.
    let second = join_all(windows.iter().map(|(number, id, token)| {
        let (name, body) =
            if *number <= 4 { ("no-show", None) } else { ("transfer", Some(json!({"window": number - 4}))) };
        op(*id, token, name, body)
    }))
    .await;
    for (answer, (number, ..)) in second.iter().zip(&windows) {
        assert_eq!(answer.0, 200, "window {number}: {:?}", answer.1);
    }
    // Round 3: windows 1-4 restore their no-shows while 5-8 call, in the same batches.
    let third = join_all(windows.iter().zip(&first).map(|((number, id, token), number_held)| {
        if *number <= 4 {
            op(*id, token, "restore", Some(json!({"number": number_held})))
        } else {
            op(*id, token, "call-next", None)
        }
    }))
    .await;
    let mut called: Vec<(i64, String)> = windows.iter().map(|(number, ..)| *number).zip(first.clone()).collect();
    for (answer, (number, ..)) in third.iter().zip(&windows) {
        assert_eq!(answer.0, 200, "window {number}: {:?}", answer.1);
        if *number > 4 {
            called.push((*number, ticket(answer).expect("a ticket")));
        } else {
            assert_eq!(answer.1["ticket"]["status"], "waiting", "restored");
        }
    }
    for (_, id, token) in windows.iter().filter(|(number, ..)| *number > 4) {
        assert_eq!(op(*id, token, "start", None).await.0, 200);
        assert_eq!(op(*id, token, "finish", None).await.0, 200);
    }
    // Then every window works its queues dry, all at once.
    let rest = drain(&[app], &WINDOWS_ALL).await;
    called.extend(rest);
    let mut times: HashMap<&str, Vec<i64>> = HashMap::new();
    for (window, number) in &called {
        times.entry(number.as_str()).or_default().push(*window);
    }
    for number in &issued {
        let windows_called = &times[number.as_str()];
        match first.iter().position(|held| held == number) {
            // No-shows restored: called again, by anyone.
            Some(at) if at < 4 => assert_eq!(windows_called.len(), 2, "{number}: {windows_called:?}"),
            // Transferred to window at-4+1 by name: called again there and only there.
            Some(at) => {
                let target = i64::try_from(at).expect("small") - 3;
                assert_eq!(windows_called.len(), 2, "{number}: {windows_called:?}");
                assert_eq!(windows_called[1], target, "{number} called by the window it was sent to");
            }
            None => assert_eq!(windows_called.len(), 1, "{number} called exactly once: {windows_called:?}"),
        }
    }
    assert_eq!(called.len(), issued.len() + 8);
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[0]["waiting"], 0);
    assert_queue_counters_match(app).await;
}

/// Two server instances on one PostgreSQL database, windows split between them.
#[actix_web::test]
async fn two_instances_on_one_postgres_database_call_every_ticket_exactly_once() {
    if !crate::helpers::postgres_available().await {
        return;
    }
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.database.clone(), |s| s).await;
    let issued = issue_mixed(&first, 60).await;
    let more =
        join_all((0..60).map(|_| second.post("/api/v1/halls/demo/tickets", Some(json!({"service": "A"})), None))).await;
    let mut issued = issued;
    issued.extend(more.into_iter().map(|(status, body)| {
        assert_eq!(status, 201);
        body["number"].as_str().expect("number").to_owned()
    }));
    let distinct: BTreeSet<_> = issued.iter().collect();
    assert_eq!(distinct.len(), issued.len(), "numbers stay unique across instances");
    let called = drain(&[&first, &second], &WINDOWS).await;
    assert_each_called_once(&issued, &called);
    assert_queue_counters_match(&first).await;
}

on_both_databases!(
    people_racing_for_one_window_leave_exactly_one_signed_in,
    racing_ratings_and_phone_tickets_leave_exactly_one,
);

async fn people_racing_for_one_window_leave_exactly_one_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut tokens = Vec::new();
    for user in ["window1", "staff1", "manager1", "admin"] {
        tokens.push(app.login(user).await);
    }
    // Four people at window 1 at the same instant.
    let results = join_all(tokens.iter().map(|t| app.window_op(1, "sign-in", None, t))).await;
    let won: Vec<_> = results.iter().filter(|(status, _)| *status == 200).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|(status, _)| *status != 200)
        .all(|(s, b)| *s == 409 && b["error"] == "window_occupied"));
    // One person at windows 1, 2 and 3 at once (window 1 may already be taken).
    let floater = app.login("staff1").await;
    let _ = app.window_op(1, "sign-out", None, &tokens[3]).await;
    let results = join_all([1, 2, 3].map(|n| app.window_op(n, "sign-in", None, &floater))).await;
    assert_eq!(results.iter().filter(|(status, _)| *status == 200).count(), 1, "{results:?}");
    let (_, me) = app.get_as("/api/v1/auth/me", &floater).await;
    assert!(me["signed_in_window"]["number"].is_i64());
}

async fn racing_ratings_and_phone_tickets_leave_exactly_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let ticket = app.issue("A").await;
    let token = ticket["token"].as_str().expect("token").to_owned();
    let staff = app.login("window1").await;
    for op in ["call-next", "start", "finish"] {
        app.window_op(1, op, None, &staff).await;
    }
    let path = format!("/api/v1/tickets/{token}/rating");
    let results = join_all((1..=10).map(|score| app.post(&path, Some(json!({"score": (score % 5) + 1})), None))).await;
    assert_eq!(results.iter().filter(|(status, _)| *status == 201).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|(status, _)| *status != 201)
        .all(|(s, b)| *s == 409 && b["error"] == "already_rated"));

    // One phone pressing 取号 ten times at once gets one ticket.
    let page = app.client.get(app.url("/m/demo")).send().await.expect("phone page");
    let cookie = crate::helpers::set_cookie(page.headers(), "hallq_phone");
    let app = &app;
    let presses = (0..10).map(|_| {
        let cookie = cookie.clone();
        async move {
            let mut response = app
                .client
                .post(app.url("/api/v1/halls/demo/tickets"))
                .insert_header(("cookie", cookie))
                .insert_header(("origin", app.address.clone()))
                .send_json(&json!({"service": "B", "channel": "mobile"}))
                .await
                .expect("sent");
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    });
    let results = join_all(presses).await;
    assert_eq!(results.iter().filter(|(status, _)| *status == 201).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|(status, _)| *status != 201)
        .all(|(s, b)| *s == 409 && b["error"] == "already_has_ticket"));
    let (_, services) = app.get("/api/v1/halls/demo/services").await;
    assert_eq!(services[1]["waiting"], 1);
    assert_queue_counters_match(app).await;
}
