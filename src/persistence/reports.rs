//! What reports read: tickets with their rating, diversions, bookings and calls for help of a
//! hall between two business days. One plain query each, only the columns reports need (a
//! year of a busy hall is half a million tickets).
use super::statement;
use crate::domain::ids::HallId;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};

/// A ticket as the report query returns it: whole seconds and small codes only, because a
/// year is half a million rows and decoding timestamps dominated the time.
pub struct TicketRecord {
    pub service_id: i32,
    pub window_id: Option<i32>,
    pub served_by: Option<i32>,
    /// Unix seconds.
    pub issued_at: i64,
    /// Issued → (last) called, seconds.
    pub wait_seconds: Option<i64>,
    /// Started → finished, seconds.
    pub handle_seconds: Option<i64>,
    /// 1 done, 2 no-show, 3 cancelled, 0 anything else.
    pub outcome: i32,
    pub transfer_count: i32,
    pub score: Option<i16>,
    /// The wait estimate given at issue, minutes.
    pub estimated_wait_minutes: Option<i32>,
}

/// Unix seconds of a timestamp column, in the database's own dialect.
fn epoch(conn: &impl ConnectionTrait, column: &str) -> String {
    match conn.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!("CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"),
        _ => format!("CAST(strftime('%s', {column}) AS INTEGER)"),
    }
}

/// The range read in up to four parts at once: each part on its own pooled connection (SQLite in
/// WAL mode reads in parallel), which roughly halves a year's report on two cores.
pub async fn tickets_between(
    db: &sea_orm::DatabaseConnection,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TicketRecord>, DbErr> {
    let days = (to - from).num_days() + 1;
    let parts = days.clamp(1, 4);
    let per_part = (days + parts - 1) / parts;
    let ranges: Vec<(NaiveDate, NaiveDate)> = (0..parts)
        .map(|i| {
            let start = from + chrono::Duration::days(i * per_part);
            (start, (start + chrono::Duration::days(per_part - 1)).min(to))
        })
        .filter(|(start, _)| *start <= to)
        .collect();
    let results =
        futures_util::future::join_all(ranges.into_iter().map(|(a, b)| tickets_in_part(db, hall, a, b))).await;
    let mut all = Vec::new();
    for part in results {
        all.extend(part?);
    }
    Ok(all)
}

async fn tickets_in_part(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TicketRecord>, DbErr> {
    let e = |column: &str| epoch(conn, column);
    let sql = format!(
        "SELECT t.service_id, t.window_id, t.served_by, {issued}, {called} - {issued}, {finished} - {started}, \
                CASE t.status WHEN 'done' THEN 1 WHEN 'no_show' THEN 2 WHEN 'cancelled' THEN 3 ELSE 0 END, \
                t.transfer_count, r.score, t.estimated_wait_minutes \
         FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id \
         WHERE t.hall_id = $1 AND t.business_date >= $2 AND t.business_date <= $3",
        issued = e("t.issued_at"),
        called = e("t.called_at"),
        started = e("t.started_at"),
        finished = e("t.finished_at"),
    );
    let rows = conn.query_all_raw(statement(conn, &sql, [hall.0.into(), from.into(), to.into()])).await?;
    rows.iter()
        .map(|r| {
            Ok(TicketRecord {
                service_id: r.try_get_by_index(0)?,
                window_id: r.try_get_by_index(1)?,
                served_by: r.try_get_by_index(2)?,
                issued_at: r.try_get_by_index(3)?,
                wait_seconds: r.try_get_by_index(4)?,
                handle_seconds: r.try_get_by_index(5)?,
                outcome: r.try_get_by_index(6)?,
                transfer_count: r.try_get_by_index(7)?,
                score: r.try_get_by_index(8)?,
                estimated_wait_minutes: r.try_get_by_index(9)?,
            })
        })
        .collect()
}

/// Diversions between two business days: (service, when, where to).
pub async fn diversions_between(
    conn: &impl ConnectionTrait,
    hall: HallId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i32, DateTime<Utc>, String)>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT service_id, created_at, target FROM diversions \
             WHERE hall_id = $1 AND business_date >= $2 AND business_date <= $3",
            [hall.0.into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?))).collect()
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

/// One queue's figures for a business day, for `/metrics`.
pub struct QueueToday {
    pub service_id: i32,
    pub issued: i64,
    pub called: i64,
    pub waiting: i64,
}

/// Tickets issued, called and waiting per queue of a hall on one business day (a transferred
/// ticket counts in the queue it is in now).
pub async fn queues_on(conn: &impl ConnectionTrait, hall: HallId, day: NaiveDate) -> Result<Vec<QueueToday>, DbErr> {
    let rows = conn
        .query_all_raw(statement(
            conn,
            "SELECT service_id, COUNT(*), \
                 SUM(CASE WHEN called_at IS NOT NULL THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN status IN ('waiting', 'transferred') THEN 1 ELSE 0 END) \
             FROM tickets WHERE hall_id = $1 AND business_date = $2 GROUP BY service_id ORDER BY service_id",
            [hall.0.into(), day.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(QueueToday {
                service_id: row.try_get_by_index(0)?,
                issued: row.try_get_by_index(1)?,
                called: row.try_get_by_index(2)?,
                waiting: row.try_get_by_index(3)?,
            })
        })
        .collect()
}
