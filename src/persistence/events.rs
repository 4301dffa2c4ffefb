//! The stored event log: what was broadcast, in per-hall `seq` order.
use super::statement;
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    seq: i64,
    kind: &str,
    at: DateTime<Utc>,
    actor: Option<UserId>,
    payload: &str,
) -> Result<(), DbErr> {
    conn.execute_raw(statement(
        conn,
        "INSERT INTO events (hall_id, seq, kind, at, actor_id, payload) VALUES ($1, $2, $3, $4, $5, $6)",
        [hall.0.into(), seq.into(), kind.into(), at.into(), actor.map(|a| a.0).into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// Events after `after`, oldest first, at most `limit`.
pub async fn after(
    conn: &impl ConnectionTrait,
    hall: HallId,
    after: i64,
    limit: u32,
) -> Result<Vec<(i64, String)>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT seq, payload FROM events WHERE hall_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            [hall.0.into(), after.into(), i64::from(limit).into()],
        ))
        .await?;
    rows.iter().map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?))).collect()
}

/// One entry of a hall's window log: what happened to which window, when, and who did it.
pub struct WindowLogEntry {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub payload: String,
}

/// The newest window events of a hall (open, close, pause, resume, sign-in and out, edits).
pub async fn window_log(conn: &impl ConnectionTrait, hall: HallId, limit: u32) -> Result<Vec<WindowLogEntry>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT kind, at, actor_id, payload FROM events WHERE hall_id = $1 AND kind LIKE 'window_%' \
             ORDER BY seq DESC LIMIT $2",
            [hall.0.into(), i64::from(limit).into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(WindowLogEntry {
                kind: row.try_get_by_index(0)?,
                at: row.try_get_by_index(1)?,
                actor: row.try_get_by_index::<Option<i32>>(2)?.map(UserId),
                payload: row.try_get_by_index(3)?,
            })
        })
        .collect()
}
