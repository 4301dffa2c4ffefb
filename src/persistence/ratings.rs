//! Ratings (好差评), one per ticket, stored with the window and the staff member who served it.
use super::statement;
use crate::domain::ids::{HallId, TicketId, UserId, WindowId};
use chrono::{DateTime, Utc};
use entity::rating;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
    let Some(r) = rating::Entity::find_by_id(ticket.0).one(conn).await? else { return Ok(None) };
    Ok(Some(RatingRow {
        ticket_id: TicketId(r.ticket_id),
        hall_id: HallId(r.hall_id),
        window_id: r.window_id.map(WindowId),
        staff_id: r.staff_id.map(UserId),
        score: u8::try_from(r.score).map_err(|_| super::corrupt("rating score", &r.score.to_string()))?,
        tags: serde_json::from_str(&r.tags).map_err(|_| super::corrupt("rating tags", &r.tags))?,
        comment: r.comment,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }))
}

/// Stores a new rating; false when the ticket already has one (the primary key decides, so
/// two submissions at once cannot both land). Raw SQL for `ON CONFLICT DO NOTHING`, which
/// answers "already there" without an error on both databases.
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
    rating::Entity::update_many()
        .col_expr(rating::Column::Score, Expr::value(i16::from(r.score)))
        .col_expr(rating::Column::Tags, Expr::value(tags))
        .col_expr(rating::Column::Comment, Expr::value(r.comment.clone()))
        .col_expr(rating::Column::UpdatedAt, Expr::value(r.updated_at))
        .filter(rating::Column::TicketId.eq(r.ticket_id.0))
        .exec(conn)
        .await?;
    Ok(())
}
