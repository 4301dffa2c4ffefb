//! Ratings (好差评), one per ticket, stored with the window and the staff member who served it.
use super::statement;
use crate::domain::ids::{HallId, TicketId, UserId, WindowId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub ticket_id: TicketId,
    pub hall_id: HallId,
    pub window_id: Option<WindowId>,
    pub staff_id: Option<UserId>,
    pub score: u8,
    pub tags: Vec<String>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(conn: &impl ConnectionTrait, ticket: TicketId) -> Result<Option<RatingRow>, DbErr> {
    let found = conn
        .query_one_raw(statement(
            conn,
            "SELECT ticket_id, hall_id, window_id, staff_id, score, tags, comment, created_at, updated_at \
             FROM ratings WHERE ticket_id = $1",
            [ticket.0.into()],
        ))
        .await?;
    let Some(r) = found else { return Ok(None) };
    let tags: String = r.try_get_by_index(5)?;
    let score: i16 = r.try_get_by_index(4)?;
    Ok(Some(RatingRow {
        ticket_id: TicketId(r.try_get_by_index(0)?),
        hall_id: HallId(r.try_get_by_index(1)?),
        window_id: r.try_get_by_index::<Option<i32>>(2)?.map(WindowId),
        staff_id: r.try_get_by_index::<Option<i32>>(3)?.map(UserId),
        score: u8::try_from(score).map_err(|_| super::corrupt("rating score", &score.to_string()))?,
        tags: serde_json::from_str(&tags).map_err(|_| super::corrupt("rating tags", &tags))?,
        comment: r.try_get_by_index(6)?,
        created_at: r.try_get_by_index(7)?,
        updated_at: r.try_get_by_index(8)?,
    }))
}

/// Stores a new rating; false when the ticket already has one (the primary key decides, so
/// two submissions at once cannot both land).
pub async fn insert(conn: &impl ConnectionTrait, r: &RatingRow) -> Result<bool, DbErr> {
    let tags = serde_json::to_string(&r.tags).map_err(|e| DbErr::Custom(e.to_string()))?;
    let result = conn
        .execute_raw(statement(
            conn,
            "INSERT INTO ratings (ticket_id, hall_id, window_id, staff_id, score, tags, comment, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (ticket_id) DO NOTHING",
            [
                r.ticket_id.0.into(),
                r.hall_id.0.into(),
                r.window_id.map(|w| w.0).into(),
                r.staff_id.map(|u| u.0).into(),
                i16::from(r.score).into(),
                tags.into(),
                r.comment.clone().into(),
                r.created_at.into(),
                r.updated_at.into(),
            ],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn update(conn: &impl ConnectionTrait, r: &RatingRow) -> Result<(), DbErr> {
    let tags = serde_json::to_string(&r.tags).map_err(|e| DbErr::Custom(e.to_string()))?;
    conn.execute_raw(statement(
        conn,
        "UPDATE ratings SET score = $1, tags = $2, comment = $3, updated_at = $4 WHERE ticket_id = $5",
        [i16::from(r.score).into(), tags.into(), r.comment.clone().into(), r.updated_at.into(), r.ticket_id.0.into()],
    ))
    .await?;
    Ok(())
}
