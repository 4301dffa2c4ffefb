//! The stored event log: what was broadcast, in per-hall `seq` order.
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use entity::event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One event as stored.
pub struct NewEvent<'a> {
    pub seq: i64,
    pub kind: &'a str,
    pub at: DateTime<Utc>,
    pub actor: Option<UserId>,
    pub payload: &'a str,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    seq: i64,
    kind: &str,
    at: DateTime<Utc>,
    actor: Option<UserId>,
    payload: &str,
) -> Result<(), DbErr> {
    insert_many(conn, hall, &[NewEvent { seq, kind, at, actor, payload }]).await
}

/// Stores events of one hall, up to `ROWS_PER_INSERT` in each statement. A plain statement:
/// every write stores events, and building the insert through the ORM cost more than running it.
pub async fn insert_many(conn: &impl ConnectionTrait, hall: HallId, events: &[NewEvent<'_>]) -> Result<(), DbErr> {
    for chunk in chunks(events) {
        insert_chunk(conn, hall, chunk).await?;
    }
    Ok(())
}

/// Six parameters a row: well under SQLite's 32,766 and PostgreSQL's 65,535 a statement, for a
/// write that records thousands of events (the end-of-day expiry).
const ROWS_PER_INSERT: usize = 1000;

async fn insert_chunk(conn: &impl ConnectionTrait, hall: HallId, events: &[NewEvent<'_>]) -> Result<(), DbErr> {
    conn.execute_raw(insert_statement(conn.get_database_backend(), hall, events)).await?;
    Ok(())
}

/// One insert of up to `ROWS_PER_INSERT` events (`chunks` splits a longer list).
pub(crate) fn chunks<'e, 'a>(events: &'e [NewEvent<'a>]) -> std::slice::Chunks<'e, NewEvent<'a>> {
    events.chunks(ROWS_PER_INSERT)
}

pub(crate) fn insert_statement(
    backend: sea_orm::DbBackend,
    hall: HallId,
    events: &[NewEvent<'_>],
) -> sea_orm::Statement {
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(events.len() * 6);
    for e in events {
        values.extend([
            hall.0.into(),
            e.seq.into(),
            e.kind.into(),
            e.at.into(),
            e.actor.map(|a| a.0).into(),
            e.payload.into(),
        ]);
    }
    let sql = super::shaped_sql("insert_events", backend, [events.len(), 0, 0], || {
        let tuples: Vec<String> =
            (0..events.len()).map(|i| format!("({})", super::placeholders(backend, i * 6 + 1, 6).join(", "))).collect();
        format!("INSERT INTO events (hall_id, seq, kind, at, actor_id, payload) VALUES {}", tuples.join(", "))
    });
    super::statement_for(backend, &sql, values)
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
