//! One websocket client: snapshot (or replay from `since`), then live events in `seq` order,
//! with a heartbeat both ways. A client that falls behind gets a fresh snapshot, not a failure.
use super::hub::HubEvent;
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::services::snapshot;
use crate::state::AppState;
use actix_ws::{Message, MessageStream, Session};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// A client asking to resume further back than this gets a snapshot instead.
const MAX_REPLAY: u32 = 1000;

/// What the client has been sent up to; events at or below it are skipped.
struct Cursor {
    last_sent: i64,
}

pub async fn run(state: AppState, hall: Arc<HallConfig>, mut ws: Session, stream: MessageStream, since: Option<i64>) {
    let mut stream = stream.max_frame_size(64 * 1024);
    // Subscribe before reading the snapshot: any event after the snapshot's seq is then
    // certain to arrive on the channel.
    let Some(mut events) = state.hub.subscribe(hall.id).await else {
        let _ = ws.close(None).await;
        return;
    };
    let mut cursor = Cursor { last_sent: 0 };
    let started = match since {
        Some(since) => resume(&state, &hall, &mut ws, &mut cursor, since).await,
        None => send_snapshot(&state, &hall, &mut ws, &mut cursor).await,
    };
    if !started {
        let _ = ws.close(None).await;
        return;
    }
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(event) => {
                    if !forward(&state, &hall, &mut ws, &mut cursor, &event).await {
                        break;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "websocket client lagged; sending a fresh snapshot");
                    if !send_snapshot(&state, &hall, &mut ws, &mut cursor).await {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            message = stream.next() => match message {
                Some(Ok(Message::Ping(bytes))) => {
                    last_heard = Instant::now();
                    if ws.pong(&bytes).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Pongs, and any text a client sends (a JS client can only say "ping" in text).
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    tracing::debug!("websocket client silent for too long; dropping it");
                    break;
                }
                let beat = format!(r#"{{"type":"heartbeat","seq":{},"at":"{}"}}"#, cursor.last_sent, state.clock.now().to_rfc3339());
                if ws.ping(b"").await.is_err() || ws.text(beat).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = ws.close(None).await;
}

async fn forward(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor, event: &HubEvent) -> bool {
    if event.seq <= cursor.last_sent {
        return true;
    }
    if event.seq != cursor.last_sent + 1 {
        // Should not happen (the hub emits in order); resynchronise rather than skip silently.
        return send_snapshot(state, hall, ws, cursor).await;
    }
    cursor.last_sent = event.seq;
    ws.text(event.json.to_string()).await.is_ok()
}

async fn send_snapshot(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor) -> bool {
    match snapshot::build(state, hall).await {
        Ok((seq, json)) => {
            cursor.last_sent = seq;
            ws.text(json).await.is_ok()
        }
        Err(err) => {
            tracing::warn!(?err, "could not build a snapshot");
            false
        }
    }
}

/// Sends the stored events after `since`, or a snapshot when that is too far back or ahead.
async fn resume(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor, since: i64) -> bool {
    let current = match persistence::halls::current_event_seq(&state.db, hall.id).await {
        Ok(seq) => seq,
        Err(_) => return false,
    };
    if since < 0 || since > current || current - since > i64::from(MAX_REPLAY) {
        return send_snapshot(state, hall, ws, cursor).await;
    }
    let stored = match persistence::events::after(&state.db, hall.id, since, MAX_REPLAY).await {
        Ok(stored) => stored,
        Err(_) => return false,
    };
    cursor.last_sent = since;
    for (seq, json) in stored {
        if seq != cursor.last_sent + 1 {
            return send_snapshot(state, hall, ws, cursor).await;
        }
        cursor.last_sent = seq;
        if ws.text(json).await.is_err() {
            return false;
        }
    }
    true
}
