//! The in-memory hall (`hallq replay`) and the real server make the same calls for the same
//! script, refuse the same lines with the same codes, and agree on every ticket's people
//! ahead and every window's waiting list.
use crate::helpers::{app_at, spawn_app, Backend, TestApp};
use crate::on_both_databases;
use hallq::domain::clock::ManualClock;
use hallq::domain::hall::Hall;
use hallq::replay::{CallLine, Step};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;

on_both_databases!(five_hundred_random_actions_give_the_same_calls_in_memory_and_on_the_server);

/// Today 09:00 in Shanghai: the setup server's housekeeping (on the real clock) must see the
/// script's tickets as today's.
fn start() -> String {
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    format!("{today}T09:00:00+08:00")
}

/// Runs the `hallq replay` binary.
fn replay_binary(script: &str, start: &str) -> (Vec<String>, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hallq"))
        .args(["replay", "--hall", "demo", "--start", start, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hallq replay starts");
    child.stdin.take().expect("stdin").write_all(script.as_bytes()).expect("script written");
    let output = child.wait_with_output().expect("hallq replay ends");
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    (stdout.lines().map(str::to_owned).collect(), String::from_utf8(output.stderr).expect("utf-8"))
}

/// The server side of one step, as the manager (who may do every step on every window).
struct OnServer<'a> {
    app: &'a TestApp,
    token: String,
    tokens: HashMap<String, String>,
    window_ids: HashMap<i32, i64>,
}

impl OnServer<'_> {
    async fn window_op(&self, window: i32, op: &str, body: Option<Value>) -> (u16, Value) {
        let id = self.window_ids[&window];
        self.app.post(&format!("/api/v1/windows/{id}/{op}"), body, Some(&self.token)).await
    }

    /// The line printed for the step, or the error code it was refused with.
    async fn apply(&mut self, step: &Step) -> Result<Option<CallLine>, String> {
        let (status, body) = match step {
            Step::Issue { service, priority } => {
                let priority = priority.map_or("normal", |p| p.as_str());
                let body = json!({"service": service, "priority": priority, "channel": "counter"});
                let answer = self.app.post("/api/v1/halls/demo/tickets", Some(body), Some(&self.token)).await;
                if answer.0 == 201 {
                    let number = answer.1["number"].as_str().expect("number").to_owned();
                    self.tokens.insert(number, answer.1["token"].as_str().expect("token").to_owned());
                }
                answer
            }
            Step::CallNext { window } => self.window_op(*window, "call-next", None).await,
            Step::Call { window, number } => self.window_op(*window, "call", Some(json!({"number": number}))).await,
            Step::Recall { window } => self.window_op(*window, "recall", None).await,
            Step::Start { window } => self.window_op(*window, "start", None).await,
            Step::Finish { window } => self.window_op(*window, "finish", None).await,
            Step::NoShow { window } => self.window_op(*window, "no-show", None).await,
            Step::Transfer { window, to_service, to_window, note } => {
                let body = json!({"service": to_service, "window": to_window, "note": note});
                self.window_op(*window, "transfer", Some(body)).await
            }
            Step::Restore { number } => self.window_op(1, "restore", Some(json!({"number": number}))).await,
            Step::Cancel { number } => match self.tokens.get(number) {
                Some(token) => self.app.post(&format!("/api/v1/tickets/{token}/cancel"), None, None).await,
                None => (404, json!({"error": "ticket_not_found"})),
            },
            Step::Open { window } => self.window_op(*window, "open", None).await,
            Step::Close { window } => self.window_op(*window, "close", None).await,
            Step::Pause { window, reason } => self.window_op(*window, "pause", Some(json!({"reason": reason}))).await,
            Step::Resume { window } => self.window_op(*window, "resume", None).await,
            Step::SetServices { window, services } => {
                let id = self.window_ids[window];
                self.app
                    .put(&format!("/api/v1/windows/{id}/services"), json!({"services": services}), &self.token)
                    .await
            }
            Step::Advance { minutes } => {
                self.app.advance(chrono::Duration::minutes(i64::from(*minutes)));
                return Ok(None);
            }
        };
        if !(200..300).contains(&status) {
            return Err(body["error"].as_str().unwrap_or("no code").to_owned());
        }
        Ok(match step {
            Step::CallNext { window } | Step::Call { window, .. } => {
                Some(CallLine { window: *window, ticket: body["ticket"]["number"].as_str().map(str::to_owned) })
            }
            _ => None,
        })
    }
}

/// Runs `script` both ways and compares every step, then people ahead and waiting lists.
async fn same_in_memory_and_on_the_server(backend: Backend, script: &str) {
    let setup = spawn_app(backend).await;
    let start = start();
    let app = app_at(&setup, &start).await;
    setup.stop().await;
    let (_, windows) = app.get("/api/v1/halls/demo/windows").await;
    let window_ids: HashMap<i32, i64> = windows
        .as_array()
        .expect("windows")
        .iter()
        .map(|w| (w["number"].as_i64().expect("number") as i32, w["id"].as_i64().expect("id")))
        .collect();
    let mut server = OnServer { app: &app, token: app.login("manager1").await, tokens: HashMap::new(), window_ids };
    let begin = chrono::DateTime::parse_from_rfc3339(&start).expect("start").with_timezone(&chrono::Utc);
    let (mut hall, clock): (Hall, ManualClock) =
        hallq::replay::demo_hall(begin, hallq::config::Settings::default().queue_rule_defaults());

    let mut printed = Vec::new();
    let mut refused = 0;
    for (index, line) in script.lines().enumerate() {
        let Some(step) = hallq::replay::parse_line(line) else { continue };
        let step = step.unwrap_or_else(|e| panic!("line {}: {e}", index + 1));
        let in_memory = step.apply(&mut hall, &clock).map_err(|r| r.code.as_str().to_owned());
        let on_server = server.apply(&step).await;
        assert_eq!(in_memory, on_server, "line {}: {line}", index + 1);
        refused += usize::from(in_memory.is_err());
        if let Ok(Some(call)) = in_memory {
            printed.push(serde_json::to_string(&call).expect("json"));
        }
    }
    let called = printed.iter().filter(|line| !line.ends_with("null}")).count();
    eprintln!("{} steps: {} calls ({called} of a ticket), {refused} refused", script.lines().count(), printed.len());
    // The command prints exactly those calls.
    let (from_binary, _) = replay_binary(script, &start);
    assert_eq!(from_binary, printed, "hallq replay prints the same calls");

    // Every ticket's people ahead, and every window's waiting list, agree too.
    for (number, token) in &server.tokens {
        let (status, ticket) = app.get(&format!("/api/v1/tickets/{token}")).await;
        assert_eq!(status, 200, "{ticket}");
        assert_eq!(
            Some(ticket["ahead"].as_u64().expect("ahead") as u32),
            hall.ahead(number),
            "ahead of {number}: {ticket}"
        );
    }
    // Every event the server stored reads back typed.
    use sea_orm::ConnectionTrait;
    let db = &app.app_state.db;
    let stored = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT payload FROM events ORDER BY seq",
        ))
        .await
        .expect("events");
    assert!(!stored.is_empty());
    for row in stored {
        let payload: String = row.try_get_by_index(0).expect("payload");
        let event = hallq::domain::events::StoredEvent::parse(&payload).unwrap_or_else(|e| panic!("{e}: {payload}"));
        assert_eq!(event.hall, "demo");
    }
    for window in 1..=10 {
        let console = app.console(i64::from(window), &server.token).await;
        let listed: Vec<String> = console["waiting"]
            .as_array()
            .expect("waiting")
            .iter()
            .map(|w| w["number"].as_str().expect("number").to_owned())
            .collect();
        let expected: Vec<String> = hall.waiting_list(window).expect("window").into_iter().take(100).collect();
        assert_eq!(listed, expected, "waiting list of window {window} is its calling order");
    }
}

const EVERY_OP: &str = r#"
# every op once, with refusals on both sides
{"op":"issue","service":"A","priority":"normal"}
{"op":"issue","service":"A","priority":"green"}
{"op":"issue","service":"B","priority":"appointment"}
{"op":"issue","service":"C"}
{"op":"issue","service":"F"}
{"op":"call_next","window":1}
{"op":"call_next","window":4}
{"op":"call","window":2,"number":"A001"}
{"op":"call","window":3,"number":"C001"}
{"op":"recall","window":1}
{"op":"recall","window":1}
{"op":"recall","window":1}
{"op":"start","window":1}
{"op":"finish","window":1}
{"op":"no_show","window":4}
{"op":"restore","number":"B001"}
{"op":"transfer","window":2,"to_service":"B"}
{"op":"call_next","window":5}
{"op":"transfer","window":5,"to_window":7,"note":"请到7号窗口"}
{"op":"call_next","window":6}
{"op":"call_next","window":7}
{"op":"open","window":9}
{"op":"call_next","window":9}
{"op":"close","window":3}
{"op":"pause","window":2}
{"op":"call_next","window":2}
{"op":"resume","window":2}
{"op":"set_services","window":5,"services":["C","A"]}
{"op":"set_services","window":5,"services":[]}
{"op":"cancel","number":"F001"}
{"op":"advance","minutes":5}
{"op":"call_next","window":8}
{"op":"finish","window":9}
"#;

/// Overdue tickets jump the specialty order as the clock moves; priorities come first.
const OVERDUE: &str = r#"
{"op":"issue","service":"C"}
{"op":"issue","service":"A"}
{"op":"advance","minutes":10}
{"op":"issue","service":"F"}
{"op":"issue","service":"F","priority":"green"}
{"op":"call_next","window":8}
{"op":"no_show","window":8}
{"op":"call_next","window":8}
{"op":"no_show","window":8}
{"op":"advance","minutes":6}
{"op":"issue","service":"F"}
{"op":"call_next","window":8}
{"op":"start","window":8}
{"op":"finish","window":8}
{"op":"advance","minutes":5}
{"op":"call_next","window":8}
{"op":"restore","number":"F001"}
{"op":"advance","minutes":40}
{"op":"restore","number":"F002"}
"#;

#[actix_web::test]
async fn every_op_gives_the_same_calls_and_refusals_in_memory_and_on_the_server() {
    same_in_memory_and_on_the_server(Backend::Sqlite, EVERY_OP).await;
}

#[actix_web::test]
async fn overdue_tickets_and_priorities_are_called_alike_in_memory_and_on_the_server() {
    same_in_memory_and_on_the_server(Backend::Sqlite, OVERDUE).await;
}

/// A script of `length` random actions on the demo hall, from a seed. Most steps are what a busy
/// hall does next (an idle open window calls, a called ticket is started or missed, a served
/// one finished or transferred, a closed window opened); one in eight is anything at all, so
/// refusals are compared too. The generator follows its own in-memory hall to choose.
fn random_script(seed: u64, length: usize) -> String {
    use hallq::domain::ticket::TicketStatus;
    use hallq::domain::window::WindowState;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let services = ["A", "B", "C", "D", "E", "F"];
    let priorities = ["normal", "normal", "normal", "normal", "green", "appointment"];
    let begin =
        chrono::DateTime::parse_from_rfc3339(hallq::replay::DEFAULT_START).expect("start").with_timezone(&chrono::Utc);
    let (mut hall, clock) = hallq::replay::demo_hall(begin, hallq::config::Settings::default().queue_rule_defaults());
    let mut lines = Vec::with_capacity(length);
    for _ in 0..length {
        let window: i32 = rng.gen_range(1..=10);
        let numbers: Vec<String> = hall.tickets.iter().map(|t| t.number.clone()).collect();
        let any_number = |rng: &mut rand::rngs::StdRng| {
            numbers.get(rng.gen_range(0..numbers.len().max(1))).cloned().unwrap_or_else(|| "A001".to_owned())
        };
        let state = hall.windows.iter().find(|w| w.number == window).map(|w| w.state).expect("window");
        let held = hall.held(window).map(|t| t.status);
        let roll = rng.gen_range(0..100);
        let step = if roll < 28 {
            let service = services[rng.gen_range(0..services.len())];
            json!({"op": "issue", "service": service, "priority": priorities[rng.gen_range(0..priorities.len())]})
        } else if roll < 33 {
            json!({"op": "advance", "minutes": rng.gen_range(1..=12)})
        } else if roll < 45 {
            // Anything at all.
            match rng.gen_range(0..14) {
                0 => json!({"op": "call_next", "window": window}),
                1 => json!({"op": "start", "window": window}),
                2 => json!({"op": "finish", "window": window}),
                3 => json!({"op": "no_show", "window": window}),
                4 => json!({"op": "recall", "window": window}),
                5 => json!({"op": "transfer", "window": window, "to_window": rng.gen_range(1..=10)}),
                6 => json!({"op": "call", "window": window, "number": any_number(&mut rng)}),
                7 => json!({"op": "restore", "number": any_number(&mut rng)}),
                8 => json!({"op": "cancel", "number": any_number(&mut rng)}),
                9 => json!({"op": "open", "window": window}),
                10 => json!({"op": "close", "window": window}),
                11 => json!({"op": "pause", "window": window, "reason": "会议"}),
                12 => json!({"op": "resume", "window": window}),
                _ => {
                    let mut chosen: Vec<&str> = services.iter().copied().filter(|_| rng.gen_bool(0.4)).collect();
                    for i in (1..chosen.len()).rev() {
                        chosen.swap(i, rng.gen_range(0..=i));
                    }
                    json!({"op": "set_services", "window": window, "services": chosen})
                }
            }
        } else {
            // What this window would do next.
            let pick = rng.gen_range(0..100);
            match (state, held) {
                (WindowState::Closed, _) if pick < 60 => json!({"op": "open", "window": window}),
                (WindowState::Paused, _) if pick < 60 => json!({"op": "resume", "window": window}),
                (_, Some(TicketStatus::Called)) => match pick {
                    0..=49 => json!({"op": "start", "window": window}),
                    50..=64 => json!({"op": "no_show", "window": window}),
                    65..=79 => json!({"op": "recall", "window": window}),
                    80..=92 => {
                        json!({"op": "transfer", "window": window, "to_service": services[rng.gen_range(0..services.len())]})
                    }
                    _ => json!({"op": "transfer", "window": window, "to_window": rng.gen_range(1..=10)}),
                },
                (_, Some(_)) if pick < 80 => json!({"op": "finish", "window": window}),
                (_, Some(_)) => {
                    json!({"op": "transfer", "window": window, "to_service": services[rng.gen_range(0..services.len())]})
                }
                (_, None) => match pick {
                    0..=79 => json!({"op": "call_next", "window": window}),
                    80..=86 => json!({"op": "call", "window": window, "number": any_number(&mut rng)}),
                    87..=90 => json!({"op": "restore", "number": any_number(&mut rng)}),
                    91..=94 => json!({"op": "pause", "window": window, "reason": "午休"}),
                    _ => json!({"op": "close", "window": window}),
                },
            }
        };
        let line = step.to_string();
        if let Some(Ok(parsed)) = hallq::replay::parse_line(&line) {
            let _ = parsed.apply(&mut hall, &clock);
        }
        lines.push(line);
    }
    lines.join("\n")
}

async fn five_hundred_random_actions_give_the_same_calls_in_memory_and_on_the_server(backend: Backend) {
    same_in_memory_and_on_the_server(backend, &random_script(20261126, 500)).await;
}

#[actix_web::test]
async fn more_random_scripts_agree_too() {
    for seed in [1, 2, 3] {
        same_in_memory_and_on_the_server(Backend::Sqlite, &random_script(seed, 150)).await;
    }
}
