//! The full picture of a hall at one `seq`: what a screen shows before it follows events.
use super::views::{public_ticket, service_views, window_views};
use crate::domain::numbering::business_date;
use crate::error::{AppError, AppResult};
use crate::persistence;
use crate::persistence::halls::HallConfig;
use crate::state::Core;
use sea_orm::{AccessMode, DatabaseBackend, IsolationLevel, TransactionTrait};
use serde_json::json;

/// Recent calls included in a snapshot, for the display's history column.
const RECENT_CALLS: u64 = 12;

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
