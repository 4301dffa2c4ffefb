//! Registered kiosks: one device token each (stored hashed), revocable.
use super::statement;
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

#[derive(Debug, Clone)]
pub struct KioskRow {
    pub id: i32,
    pub hall_id: HallId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, hall_id, name, created_at, last_seen_at, revoked_at";

fn row(r: &QueryResult) -> Result<KioskRow, DbErr> {
    Ok(KioskRow {
        id: r.try_get_by_index(0)?,
        hall_id: HallId(r.try_get_by_index(1)?),
        name: r.try_get_by_index(2)?,
        created_at: r.try_get_by_index(3)?,
        last_seen_at: r.try_get_by_index(4)?,
        revoked_at: r.try_get_by_index(5)?,
    })
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    name: &str,
    token_hash: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<KioskRow, DbErr> {
    let found = conn
        .query_one_raw(statement(
            conn,
            &format!(
                "INSERT INTO kiosks (hall_id, name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING {COLUMNS}"
            ),
            [hall.0.into(), name.into(), token_hash.into(), by.0.into(), at.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("kiosk insert returned no row".into()))?;
    row(&found)
}

pub async fn list(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<KioskRow>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            &format!("SELECT {COLUMNS} FROM kiosks WHERE hall_id = $1 ORDER BY id"),
            [hall.0.into()],
        ))
        .await?;
    rows.iter().map(row).collect()
}

/// The kiosk holding this token, if it is not revoked; notes that it was seen.
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<KioskRow>, DbErr> {
    let found = conn
        .query_one_raw(statement(
            conn,
            &format!("SELECT {COLUMNS} FROM kiosks WHERE token_hash = $1 AND revoked_at IS NULL"),
            [token_hash.into()],
        ))
        .await?;
    let Some(found) = found else { return Ok(None) };
    let kiosk = row(&found)?;
    // At most once a minute, so a busy kiosk does not write on every ticket.
    if kiosk.last_seen_at.is_none_or(|at| now - at > chrono::Duration::minutes(1)) {
        conn.execute_raw(statement(
            conn,
            "UPDATE kiosks SET last_seen_at = $1 WHERE id = $2",
            [now.into(), kiosk.id.into()],
        ))
        .await?;
    }
    Ok(Some(kiosk))
}

pub async fn revoke(conn: &impl ConnectionTrait, hall: HallId, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = conn
        .execute_raw(statement(
            conn,
            "UPDATE kiosks SET revoked_at = $1 WHERE id = $2 AND hall_id = $3 AND revoked_at IS NULL",
            [at.into(), id.into(), hall.0.into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}
