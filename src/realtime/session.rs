//! One websocket client: snapshot (or replay from `since`), then live events in `seq` order,
//! with a heartbeat both ways. A client that falls behind gets a fresh snapshot, not a failure.
//!
//! The snapshot and replay futures are boxed where they are awaited: they hold database queries
//! and are rarely live, while the session's own future is held by every client for as long as it
//! follows the hall (10,000 of them on a busy day).
use super::connections::Permit;
use super::hub::{HubEvent, Subscription};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::state::AppState;
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
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
    /// A snapshot at this seq or later leaves no gap: every later event reaches this client on
    /// its channel (see `Subscription::emitted`). Raised as events arrive; `None` until known.
    complete_from: Option<i64>,
}

impl Cursor {
    /// Every event after one this client received reaches it too (until it lags).
    fn heard(&mut self, event: &HubEvent) {
        self.complete_from = Some(self.complete_from.map_or(event.seq, |seq| seq.max(event.seq)));
    }
}

pub async fn run(
    state: AppState,
    hall: Arc<HallConfig>,
    mut ws: Session,
    stream: MessageStream,
    since: Option<i64>,
    _permit: Permit,
) {
    let mut stream = stream.max_frame_size(64 * 1024);
    let mut going_away = state.connections.going_away();
    // Subscribe before reading the snapshot: any event after the snapshot's seq is then
    // certain to arrive on the channel.
    let Some(Subscription { mut events, emitted }) = state.hub.subscribe(hall.id).await else {
        let _ = ws.close(None).await;
        return;
    };
    let mut cursor = Cursor { last_sent: 0, complete_from: emitted };
    let first = match since {
        Some(since) => Box::pin(resume(&state, &hall, &mut ws, &mut cursor, since)).await,
        None => Box::pin(send_snapshot(&state, &hall, &mut ws, &mut cursor)).await,
    };
    // While the hall's data cannot be read (the database is down), the client is told so and
    // kept alive with heartbeats; the snapshot follows as soon as it can be read.
    let mut synced = match first {
        Sent::Yes => true,
        Sent::Unavailable => {
            if ws.text(UNAVAILABLE).await.is_err() {
                return;
            }
            false
        }
        Sent::ClientGone => {
            let _ = ws.close(None).await;
            return;
        }
    };
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    let mut last_heard = Instant::now();
    let close = loop {
        tokio::select! {
            _ = going_away.changed() => {
                break Some(CloseReason { code: CloseCode::Away, description: Some("server restarting".into()) });
            }
            received = events.recv() => match received {
                Ok(event) if !synced => cursor.heard(&event),
                Ok(event) => {
                    cursor.heard(&event);
                    if !forward(&state, &hall, &mut ws, &mut cursor, &event).await {
                        break None;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "websocket client lagged; sending a fresh snapshot");
                    // Events it never saw were sent: only a snapshot read from now on is complete.
                    cursor.complete_from = None;
                    match Box::pin(send_snapshot(&state, &hall, &mut ws, &mut cursor)).await {
                        Sent::Yes => {}
                        Sent::Unavailable => synced = false,
                        Sent::ClientGone => break None,
                    }
                }
                Err(RecvError::Closed) => break None,
            },
            message = stream.next() => match message {
                Some(Ok(Message::Ping(bytes))) => {
                    last_heard = Instant::now();
                    if ws.pong(&bytes).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break None,
                // Pongs, and any text a client sends (a JS client can only say "ping" in text).
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    tracing::debug!("websocket client silent for too long; dropping it");
                    break None;
                }
                let beat = format!(r#"{{"type":"heartbeat","seq":{},"at":"{}"}}"#, cursor.last_sent, state.clock.now().to_rfc3339());
                if ws.ping(b"").await.is_err() || ws.text(beat).await.is_err() {
                    break None;
                }
                if !synced {
                    match Box::pin(send_snapshot(&state, &hall, &mut ws, &mut cursor)).await {
                        Sent::Yes => synced = true,
                        Sent::Unavailable => {}
                        Sent::ClientGone => break None,
                    }
                }
            }
        }
    };
    let _ = ws.close(close).await;
}

/// Sent instead of the snapshot while the hall's data cannot be read.
const UNAVAILABLE: &str = r#"{"type":"unavailable","error":"database_unavailable","message":"the hall's data is temporarily unavailable; it follows as soon as it can be read"}"#;

enum Sent {
    Yes,
    /// The snapshot could not be built (the database); try again later.
    Unavailable,
    ClientGone,
}

async fn forward(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor, event: &HubEvent) -> bool {
    if event.seq <= cursor.last_sent {
        return true;
    }
    if event.seq != cursor.last_sent + 1 {
        // The hub emits in order, but a hall's channel that starts following the log after this
        // client's snapshot was read begins past it (a race on PostgreSQL, seen in CI): the
        // events in between are in the log, so send them from there rather than a snapshot.
        let since = cursor.last_sent;
        return !matches!(Box::pin(resume(state, hall, ws, cursor, since)).await, Sent::ClientGone);
    }
    cursor.last_sent = event.seq;
    ws.text(event.json.clone()).await.is_ok()
}

async fn send_snapshot(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor) -> Sent {
    match state.snapshots.get(state, hall, cursor.complete_from).await {
        Ok((seq, json)) => {
            cursor.last_sent = seq;
            if ws.text(json).await.is_ok() {
                Sent::Yes
            } else {
                Sent::ClientGone
            }
        }
        Err(err) => {
            tracing::warn!(?err, "could not build a snapshot");
            Sent::Unavailable
        }
    }
}

/// Sends the stored events after `since`, or a snapshot when that is too far back or ahead.
async fn resume(state: &AppState, hall: &HallConfig, ws: &mut Session, cursor: &mut Cursor, since: i64) -> Sent {
    // Already at the channel's position: nothing to replay, and no read at all.
    if cursor.complete_from == Some(since) {
        cursor.last_sent = since;
        return Sent::Yes;
    }
    let current = match persistence::halls::current_event_seq(&state.db, hall.id).await {
        Ok(seq) => seq,
        Err(_) => return Sent::Unavailable,
    };
    if since < 0 || since > current || current - since > i64::from(MAX_REPLAY) {
        return send_snapshot(state, hall, ws, cursor).await;
    }
    let stored = match persistence::events::after(&state.db, hall.id, since, MAX_REPLAY).await {
        Ok(stored) => stored,
        Err(_) => return Sent::Unavailable,
    };
    cursor.last_sent = since;
    for (seq, json) in stored {
        if seq != cursor.last_sent + 1 {
            return send_snapshot(state, hall, ws, cursor).await;
        }
        cursor.last_sent = seq;
        if ws.text(json).await.is_err() {
            return Sent::ClientGone;
        }
    }
    Sent::Yes
}
