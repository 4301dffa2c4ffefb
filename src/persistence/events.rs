//! The stored event log: what was broadcast, in per-hall `seq` order.
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    seq: i64,
    kind: &str,
    at: DateTime<Utc>,
    actor: Option<UserId>,
    payload: &str,
) -> Result<(), DbErr> {
    // A plain statement: every write stores events, and building the insert through the ORM
    // cost more than running it.
    conn.execute_raw(super::statement(
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
    event::Entity::find()
        .select_only()
        .column(event::Column::Seq)
        .column(event::Column::Payload)
        .filter(event::Column::HallId.eq(hall.0))
        .filter(event::Column::Seq.gt(after))
        .order_by_asc(event::Column::Seq)
        .limit(u64::from(limit))
        .into_tuple()
        .all(conn)
        .await
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
    let rows = event::Entity::find()
        .filter(event::Column::HallId.eq(hall.0))
        .filter(event::Column::Kind.starts_with("window_"))
        .order_by_desc(event::Column::Seq)
        .limit(u64::from(limit))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| WindowLogEntry { kind: e.kind, at: e.at, actor: e.actor_id.map(UserId), payload: e.payload })
        .collect())
}
