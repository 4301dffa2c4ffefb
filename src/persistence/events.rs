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
