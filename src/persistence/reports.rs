//! What reports read: tickets with their rating, diversions, bookings and calls for help of a
//! hall between two business days. One plain query each, only the columns reports need (a
//! year of a busy hall is half a million tickets).
use super::statement;
use crate::domain::ids::HallId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};

/// A ticket as the report query returns it.
pub struct TicketRecord {
    pub service_id: i32,
    pub window_id: Option<i32>,
    pub served_by: Option<i32>,
    pub issued_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub transfer_count: i32,
    pub score: Option<i16>,
}

pub async fn tickets_between(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TicketRecord>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT t.service_id, t.window_id, t.served_by, t.issued_at, t.called_at, t.started_at, t.finished_at, \
                    t.status, t.transfer_count, r.score \
             FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id \
             WHERE t.hall_id = $1 AND t.business_date >= $2 AND t.business_date <= $3",
            [hall.0.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TicketRecord {
                service_id: r.try_get_by_index(0)?,
                window_id: r.try_get_by_index(1)?,
                served_by: r.try_get_by_index(2)?,
                issued_at: r.try_get_by_index(3)?,
                called_at: r.try_get_by_index(4)?,
                started_at: r.try_get_by_index(5)?,
                finished_at: r.try_get_by_index(6)?,
                status: r.try_get_by_index(7)?,
                transfer_count: r.try_get_by_index(8)?,
                score: r.try_get_by_index(9)?,
            })
        })
        .collect()
}

/// Diversions between two business days: (service, when).
pub async fn diversions_between(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i32, DateTime<Utc>)>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT service_id, created_at FROM diversions WHERE hall_id = $1 AND business_date >= $2 AND business_date <= $3",
            [hall.0.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Bookings for days between two days, counted by status.
pub async fn appointments_between(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64)>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT status, COUNT(*) FROM appointments WHERE hall_id = $1 AND day >= $2 AND day <= $3 GROUP BY status",
            [hall.0.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Calls for help made between two instants: (created, taken, closed, status).
pub async fn help_between(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, String)>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT created_at, taken_at, closed_at, status FROM help_requests \
             WHERE hall_id = $1 AND created_at >= $2 AND created_at < $3",
            [hall.0.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?, r.try_get_by_index(3)?)))
        .collect()
}
