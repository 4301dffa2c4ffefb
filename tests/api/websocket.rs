use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_databases;
use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

on_both_databases!(
    a_websocket_client_sees_every_event_in_order_and_resumes_with_since,
    clients_connecting_together_share_a_snapshot_but_never_one_missing_an_event,
);

pub type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

pub async fn connect(app: &TestApp, query: &str) -> Socket {
    let (_, socket) =
        app.client.ws(app.ws_url(&format!("/ws/halls/demo{query}"))).connect().await.expect("websocket connects");
    socket
}

/// The next JSON message that is not a heartbeat, within 10 s.
pub async fn next_message(socket: &mut Socket) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a message within 10 s")
            .expect("stream open")
            .expect("valid frame");
        match frame {
            Frame::Text(bytes) => {
                let message: Value = serde_json::from_slice(&bytes).expect("json message");
                if message["type"] != "heartbeat" {
                    return message;
                }
            }
            Frame::Ping(bytes) => socket.send(Message::Pong(bytes)).await.expect("pong"),
            _ => {}
        }
    }
}

/// Answers the server's pings already waiting on `socket` and drops whatever else came: for a
/// test that holds a socket open while it waits on something else, longer than the server's
/// client timeout (10 s) on a slow machine.
pub async fn keep_alive(socket: &mut Socket) {
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(1), socket.next()).await {
        if let Frame::Ping(bytes) = frame {
            socket.send(Message::Pong(bytes)).await.expect("pong");
        }
    }
}

/// The events `make_suite_events` makes, in order.
pub const SUITE_EVENTS: [&str; 10] = [
    "ticket_issued",
    "ticket_issued",
    "ticket_called",
    "ticket_recalled",
    "ticket_started",
    "ticket_finished",
    "ticket_called",
    "ticket_no_show",
    "window_paused",
    "window_resumed",
];

/// Two tickets, then window 2 (signed in as `staff`) calls, recalls, serves, calls again, marks
/// a no-show, pauses and resumes. Returns the first ticket.
pub async fn make_suite_events(app: &TestApp, staff: &str) -> Value {
    let ticket = app.issue("A").await;
    app.issue("A").await;
    for (op, body) in [
        ("call-next", None),
        ("recall", None),
        ("start", None),
        ("finish", None),
        ("call-next", None),
        ("no-show", None),
        ("pause", Some(json!({"reason": "会议"}))),
        ("resume", None),
    ] {
        let (status, answer) = app.window_op(2, op, body, staff).await;
        assert_eq!(status, 200, "{op}: {answer}");
    }
    ticket
}

async fn a_websocket_client_sees_every_event_in_order_and_resumes_with_since(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut socket = connect(&app, "").await;
    let snapshot = next_message(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["hall"], "demo");
    assert_eq!(snapshot["windows"].as_array().map(Vec::len), Some(10));
    assert_eq!(snapshot["queues"].as_array().map(Vec::len), Some(6));
    let start = snapshot["seq"].as_i64().expect("seq");

    let staff = app.login("window2").await;
    let ticket = make_suite_events(&app, &staff).await;
    let mut last = start;
    for kind in SUITE_EVENTS {
        let event = next_message(&mut socket).await;
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["seq"], last + 1, "no gap: {event}");
        assert!(event["at"].is_string());
        assert!(
            !event.to_string().contains(ticket["token"].as_str().expect("token")),
            "no tokens on the public stream"
        );
        last += 1;
    }
    drop(socket);

    // While disconnected: three more events; resuming from `last` replays exactly those.
    let third = app.issue("F").await;
    app.post(&format!("/api/v1/tickets/{}/cancel", third["token"].as_str().expect("token")), None, None).await;
    app.issue("A").await;
    let mut resumed = connect(&app, &format!("?since={last}")).await;
    for kind in ["ticket_issued", "ticket_cancelled", "ticket_issued"] {
        let event = next_message(&mut resumed).await;
        assert_eq!(event["type"], kind, "{event}");
        assert_eq!(event["seq"], last + 1);
        last += 1;
    }
    // Live events follow the replay with no gap.
    app.window_op(2, "call-next", None, &staff).await;
    let live = next_message(&mut resumed).await;
    assert_eq!((live["type"].as_str(), live["seq"].as_i64()), (Some("ticket_called"), Some(last + 1)));
    last += 1;

    // A seq the server never issued, or one from before time, gets a fresh snapshot.
    for query in ["?since=999999999", "?since=-4"] {
        let mut socket = connect(&app, query).await;
        let first = next_message(&mut socket).await;
        assert_eq!(first["type"], "snapshot", "{query}");
        assert_eq!(first["seq"], last);
    }

    // Resuming at the latest seq: nothing is replayed and no snapshot sent; the next live event
    // is the first message.
    let mut current = connect(&app, &format!("?since={last}")).await;
    app.issue("B").await;
    let first = next_message(&mut current).await;
    assert_eq!((first["type"].as_str(), first["seq"].as_i64()), (Some("ticket_issued"), Some(last + 1)), "{first}");
}

/// After a restart every screen reconnects at once; they share snapshots, but a client never
/// gets one older than the events its channel sent before it joined.
async fn clients_connecting_together_share_a_snapshot_but_never_one_missing_an_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let firsts = futures_util::future::join_all((0..100).map(|_| async {
        let mut socket = connect(&app, "").await;
        let first = next_message(&mut socket).await;
        (socket, first)
    }))
    .await;
    let seq = firsts[0].1["seq"].as_i64().expect("seq");
    for (_, first) in &firsts {
        assert_eq!((first["type"].as_str(), first["seq"].as_i64()), (Some("snapshot"), Some(seq)));
    }
    // An event, seen by a client already following; a client joining now, within the second a
    // snapshot may be shared, must get one that holds the event.
    let (mut watcher, _) = firsts.into_iter().next().expect("a client");
    let ticket = app.issue("A").await;
    let event = next_message(&mut watcher).await;
    assert_eq!((event["type"].as_str(), event["seq"].as_i64()), (Some("ticket_issued"), Some(seq + 1)));
    let mut late = connect(&app, "").await;
    let snapshot = next_message(&mut late).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert!(snapshot["seq"].as_i64() >= Some(seq + 1), "{snapshot}");
    let waiting =
        snapshot["queues"].as_array().expect("queues").iter().find(|q| q["code"] == "A").expect("A")["waiting"].clone();
    assert_eq!(waiting, 1, "the ticket {} is in the snapshot", ticket["number"]);
}
