//! The full picture of a hall at one `seq`: what a screen shows before it follows events.
use super::views::{public_ticket, service_views, window_views};
use crate::domain::ids::HallId;
use crate::domain::numbering::business_date;
use crate::error::{AppError, AppResult, ErrorCode, ErrorKind};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::state::Core;
use bytestring::ByteString;
use sea_orm::{AccessMode, DatabaseBackend, IsolationLevel, TransactionTrait};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Recent calls included in a snapshot, for the display's history column.
const RECENT_CALLS: u64 = 12;
/// How long a built snapshot may be handed to further clients (its waits and `at` age).
const SHARED_FOR: Duration = Duration::from_secs(1);
/// After a failed build, how long further clients are told "unavailable" without trying again.
const FAILED_FOR: Duration = Duration::from_secs(1);

/// The last snapshot built per hall, shared by the clients that connect at about the same time.
/// After a restart every display and phone reconnects at once: without this, each built its own
/// snapshot (a read transaction of five queries) and thousands at once starved the pool, leaving
/// clients without a snapshot, so without events, until their next heartbeat. Builds of one hall
/// run one at a time; whoever waited on a build takes its result when it is recent enough and
/// at or past the seq it needs.
#[derive(Default)]
pub struct SnapshotCache {
    halls: std::sync::Mutex<HashMap<HallId, Arc<tokio::sync::Mutex<Shared>>>>,
}

#[derive(Default)]
struct Shared {
    built: Option<(Instant, i64, ByteString)>,
    failed_at: Option<Instant>,
}

impl SnapshotCache {
    /// A snapshot of `hall` at `at_least` or later: shared when one that recent was built in the
    /// last second, built otherwise. `None` for `at_least` means any shared one is too old.
    pub async fn get(&self, state: &Core, hall: &HallConfig, at_least: Option<i64>) -> AppResult<(i64, ByteString)> {
        let slot = {
            let mut halls = self.halls.lock().unwrap_or_else(|p| p.into_inner());
            halls.entry(hall.id).or_default().clone()
        };
        let mut shared = slot.lock().await;
        if let Some((at, seq, json)) = &shared.built {
            if reusable(*at, *seq, at_least, Instant::now()) {
                return Ok((*seq, json.clone()));
            }
        }
        if shared.failed_at.is_some_and(|at| at.elapsed() < FAILED_FOR) {
            return Err(AppError::new(
                ErrorKind::Unavailable,
                ErrorCode::DatabaseUnavailable,
                "the hall's snapshot could not be read a moment ago; try again shortly",
            ));
        }
        match build(state, hall).await {
            Ok((seq, json)) => {
                let json = ByteString::from(json);
                *shared = Shared { built: Some((Instant::now(), seq, json.clone())), failed_at: None };
                Ok((seq, json))
            }
            Err(err) => {
                shared.failed_at = Some(Instant::now());
                Err(err)
            }
        }
    }
}

/// Whether a snapshot built `at` with `seq` may go to a client that needs `at_least`.
fn reusable(at: Instant, seq: i64, at_least: Option<i64>, now: Instant) -> bool {
    at_least.is_some_and(|at_least| seq >= at_least) && now.saturating_duration_since(at) < SHARED_FOR
}

/// Returns the snapshot's `seq` and its JSON. Everything is read in one transaction, so the
/// state matches the `seq` exactly (events up to it are reflected, none after).
pub async fn build(state: &Core, hall: &HallConfig) -> AppResult<(i64, String)> {
    let txn = match state.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            state.db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        // A SQLite read transaction sees one snapshot of the database from its first read.
        _ => state.db.begin().await?,
    };
    let seq = persistence::halls::current_event_seq(&txn, hall.id).await?;
    let notice = persistence::halls::notice(&txn, hall.id).await?.unwrap_or_default();
    let now = state.clock.now();
    let windows = window_views(&txn, hall).await?;
    let queues = service_views(&txn, hall, now).await?;
    let day = business_date(now, hall.timezone);
    let recent: Vec<_> = persistence::tickets::recent_calls(&txn, hall.id, day, RECENT_CALLS)
        .await?
        .iter()
        .map(|t| json!({ "ticket": public_ticket(hall, t), "called_at": t.called_at }))
        .collect();
    txn.commit().await?;
    let body = json!({
        "type": "snapshot",
        "hall": hall.code,
        "hall_name": hall.name,
        "hall_name_en": hall.name_en,
        "seq": seq,
        "at": now,
        "windows": windows,
        "queues": queues,
        "recent_calls": recent,
        "notice": notice,
    });
    Ok((seq, serde_json::to_string(&body).map_err(AppError::internal)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_snapshot_must_reach_the_clients_seq_and_be_recent() {
        let built = Instant::now();
        let soon = built + Duration::from_millis(400);
        assert!(reusable(built, 7, Some(7), soon));
        assert!(reusable(built, 8, Some(7), soon));
        // Events after it were sent before the client joined: it would never see them.
        assert!(!reusable(built, 6, Some(7), soon));
        // Where the client's channel stands is unknown.
        assert!(!reusable(built, 7, None, soon));
        assert!(!reusable(built, 7, Some(7), built + SHARED_FOR));
    }
}
