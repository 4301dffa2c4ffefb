//! The stored event log: what was broadcast, in per-hall `seq` order.
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    seq: i64,
    kind: &str,
    at: DateTime<Utc>,
    actor: Option<UserId>,
    payload: &str,
) -> Result<(), DbErr> {
    let model = event::ActiveModel {
        hall_id: Set(hall.0),
        seq: Set(seq),
        kind: Set(kind.to_owned()),
        at: Set(at),
        actor_id: Set(actor.map(|a| a.0)),
        payload: Set(payload.to_owned()),
        ..Default::default()
    };
    event::Entity::insert(model).exec_without_returning(conn).await?;
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
