//! Tickets: numbering, the queue heads dispatch chooses from, and guarded state updates.
pub use super::queue::{queue_counts, queue_members, service_queue, window_members, QueueCount};
use super::{statement, statement_for};
use crate::domain::ids::{HallId, ServiceId, TicketId, WindowId};
use crate::domain::ticket::{Channel, Priority, TicketStatus};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::ticket;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement, Value,
};
use std::collections::HashMap;

pub use super::ticket_row::TicketRow;

fn one(model: Option<ticket::Model>) -> Result<Option<TicketRow>, DbErr> {
    model.map(TicketRow::try_from).transpose()
}

/// The next number of a service on a business day. The counter row is created on first use and
/// incremented in the caller's transaction, so a rolled-back issue leaves no gap; the unique
/// index on tickets is the final guard against duplicates.
pub async fn next_seq(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
) -> Result<i32, DbErr> {
    take_seqs(conn, hall, service, day, 1).await
}

/// Takes the next `n` numbers of a service's day at once; returns the last of them (the first
/// is `last - n + 1`). The caller holds the hall's lock, so they are contiguous.
pub async fn take_seqs(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    n: i32,
) -> Result<i32, DbErr> {
    let row = conn
        .query_one_raw(take_seqs_statement(conn.get_database_backend(), hall, service, day, n))
        .await?
        .ok_or_else(no_counter)?;
    row.try_get_by_index(0)
}

pub(crate) fn take_seqs_statement(
    backend: DbBackend,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    n: i32,
) -> Statement {
    statement_for(
        backend,
        "INSERT INTO ticket_counters (hall_id, service_id, business_date, last_seq) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hall_id, service_id, business_date) \
         DO UPDATE SET last_seq = ticket_counters.last_seq + $4 RETURNING last_seq",
        [hall.0.into(), service.0.into(), day.into(), n.into()],
    )
}

pub(crate) fn no_counter() -> DbErr {
    DbErr::Custom("ticket counter returned no row".into())
}

/// Gives back the last `n` numbers taken and not used (requests refused in a batch), so the
/// numbering has no gap. The caller still holds the hall's lock.
pub async fn return_seqs(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    n: i32,
) -> Result<(), DbErr> {
    conn.execute_raw(return_seqs_statement(conn.get_database_backend(), hall, service, day, n)).await?;
    Ok(())
}

pub(crate) fn return_seqs_statement(
    backend: DbBackend,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    n: i32,
) -> Statement {
    statement_for(
        backend,
        "UPDATE ticket_counters SET last_seq = last_seq - $4 WHERE hall_id = $1 AND service_id = $2 AND business_date = $3",
        [hall.0.into(), service.0.into(), day.into(), n.into()],
    )
}

#[derive(Clone, Copy)]
pub struct NewTicket<'a> {
    pub hall: HallId,
    pub service: ServiceId,
    pub day: NaiveDate,
    pub seq: i32,
    pub number: &'a str,
    pub priority: Priority,
    pub channel: Channel,
    pub token: &'a str,
    pub issued_at: DateTime<Utc>,
    pub phone: Option<&'a str>,
    pub client_id: Option<&'a str>,
    /// A checked-in booking's booked start.
    pub booked_for: Option<DateTime<Utc>>,
    /// The wait estimate given with it (reports set it against the actual wait).
    pub estimated_wait_minutes: Option<i32>,
}

pub async fn insert(conn: &impl ConnectionTrait, t: &NewTicket<'_>) -> Result<TicketId, DbErr> {
    let id = insert_row(conn, t).await?;
    adjust_queued(conn, t.hall, t.service, t.day, t.priority, 1).await?;
    Ok(id)
}

/// Inserts the ticket's row only: the caller moves the queue counter (`adjust_queued`), once
/// for a whole batch.
pub async fn insert_row(conn: &impl ConnectionTrait, t: &NewTicket<'_>) -> Result<TicketId, DbErr> {
    let ids = insert_rows(conn, std::slice::from_ref(t)).await?;
    ids.into_iter().next().ok_or_else(|| DbErr::Custom("ticket insert returned no id".into()))
}

/// Inserts tickets of one hall and day in one statement; their ids, in the order given.
pub async fn insert_rows(conn: &impl ConnectionTrait, rows: &[NewTicket<'_>]) -> Result<Vec<TicketId>, DbErr> {
    let returned = conn.query_all_raw(insert_rows_statement(conn.get_database_backend(), rows)).await?;
    let mut inserted = Vec::with_capacity(returned.len());
    for row in returned {
        inserted.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?, row.try_get_by_index(2)?));
    }
    ids_in_order(rows, inserted)
}

/// The insert of `insert_rows`; it returns each row's id, issued service and seq.
pub(crate) fn insert_rows_statement(backend: DbBackend, rows: &[NewTicket<'_>]) -> Statement {
    const COLUMNS: usize = 14;
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * COLUMNS);
    let mut tuples = Vec::with_capacity(rows.len());
    for t in rows {
        let n = values.len();
        let p = super::placeholders(backend, n + 1, COLUMNS);
        tuples.push(format!(
            "({}, {}, {}, {}, {}, {}, {}, {}, 'waiting', {}, {}, 0, 0, {}, {}, {}, {})",
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]
        ));
        values.extend([
            t.hall.0.into(),
            t.service.0.into(),
            t.service.0.into(),
            t.day.into(),
            t.seq.into(),
            t.number.into(),
            t.priority.as_str().into(),
            t.channel.as_str().into(),
            t.token.into(),
            t.issued_at.into(),
            t.phone.map(str::to_owned).into(),
            t.client_id.map(str::to_owned).into(),
            t.booked_for.into(),
            t.estimated_wait_minutes.into(),
        ]);
    }
    let sql = format!(
        "INSERT INTO tickets (hall_id, issued_service_id, service_id, business_date, seq, number, priority, channel, \
         status, token, issued_at, recall_count, transfer_count, phone, client_id, booked_for, estimated_wait_minutes) \
         VALUES {} RETURNING id, issued_service_id, seq",
        tuples.join(", ")
    );
    statement_for(backend, &sql, values)
}

/// The ids of the rows inserted, in the order given, from what the insert returned
/// (id, issued service, seq): the order of returned rows is not promised, so they are matched
/// by number.
pub(crate) fn ids_in_order(rows: &[NewTicket<'_>], returned: Vec<(i64, i32, i32)>) -> Result<Vec<TicketId>, DbErr> {
    let ids: HashMap<(i32, i32), TicketId> =
        returned.into_iter().map(|(id, service, seq)| ((service, seq), TicketId(id))).collect();
    rows.iter()
        .map(|t| {
            ids.get(&(t.service.0, t.seq)).copied().ok_or_else(|| DbErr::Custom("ticket insert returned no id".into()))
        })
        .collect()
}

/// Moves a queue counter; every change of a ticket into or out of a queue goes through here.
pub async fn adjust_queued(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    priority: Priority,
    delta: i32,
) -> Result<(), DbErr> {
    // The CHECK (queued >= 0) is tested against an upsert's candidate row, so only increments
    // may create the row; a decrement always finds it.
    conn.execute_raw(adjust_queued_statement(conn.get_database_backend(), hall, service, day, priority, delta)).await?;
    Ok(())
}

pub(crate) fn adjust_queued_statement(
    backend: DbBackend,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    priority: Priority,
    delta: i32,
) -> Statement {
    let sql = if delta > 0 {
        "INSERT INTO queue_counters (hall_id, service_id, business_date, priority, queued) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hall_id, service_id, business_date, priority) DO UPDATE SET queued = queue_counters.queued + $5"
    } else {
        "UPDATE queue_counters SET queued = queued + $5 \
         WHERE hall_id = $1 AND service_id = $2 AND business_date = $3 AND priority = $4"
    };
    statement_for(backend, sql, [hall.0.into(), service.0.into(), day.into(), priority.as_str().into(), delta.into()])
}

/// Ids of tickets still queued from days before `today` (at most `limit`), for housekeeping to
/// expire. The status test is the partial index's own text (`QUEUED`), so both databases read
/// them through `ix_tickets_queued`, not through every ticket of the hall's past.
pub async fn stale_queued(
    conn: &impl ConnectionTrait,
    hall: HallId,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    let rows = conn.query_all_raw(statement(conn, &stale_queued_sql(limit), [hall.0.into(), today.into()])).await?;
    rows.iter().map(|row| row.try_get_by_index(0)).collect()
}

pub(super) fn stale_queued_sql(limit: u64) -> String {
    format!("SELECT id FROM tickets WHERE hall_id = $1 AND business_date < $2 AND {QUEUED} LIMIT {limit}")
}

pub async fn find(conn: &impl ConnectionTrait, id: TicketId) -> Result<Option<TicketRow>, DbErr> {
    one(ticket::Entity::find_by_id(id.0).one(conn).await?)
}

pub async fn find_by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<TicketRow>, DbErr> {
    one(ticket::Entity::find().filter(ticket::Column::Token.eq(token)).one(conn).await?)
}

pub async fn find_by_number(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    number: &str,
) -> Result<Option<TicketRow>, DbErr> {
    one(find_by_number_query(hall, day, number).one(conn).await?)
}

pub(crate) fn find_by_number_query(hall: HallId, day: NaiveDate, number: &str) -> sea_orm::Select<ticket::Entity> {
    ticket::Entity::find()
        .filter(ticket::Column::HallId.eq(hall.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .filter(ticket::Column::Number.eq(number))
        .limit(1)
}

/// Tickets held by a window. Written out, not bound: SQLite uses a partial index only when the
/// query's own text implies the index's condition, and `ux_tickets_active_window` is over held
/// tickets only. With the statuses bound, a call read every ticket the window ever had (27 ms
/// with 38,000 tickets in the day, issue 19).
pub(super) const HELD: &str = "status IN ('called', 'serving')";

/// The ticket a window holds (called or serving), if any.
pub async fn held_by_window(conn: &impl ConnectionTrait, window: WindowId) -> Result<Option<TicketRow>, DbErr> {
    one(held_by_window_query(window).one(conn).await?)
}

pub(super) fn held_by_window_query(window: WindowId) -> sea_orm::Select<ticket::Entity> {
    ticket::Entity::find().filter(ticket::Column::WindowId.eq(window.0)).filter(Expr::cust(HELD))
}

/// Tickets held by any window of a hall, keyed by window.
pub async fn held_in_hall(conn: &impl ConnectionTrait, hall: HallId) -> Result<HashMap<WindowId, TicketRow>, DbErr> {
    let rows =
        ticket::Entity::find().filter(ticket::Column::HallId.eq(hall.0)).filter(Expr::cust(HELD)).all(conn).await?;
    let mut held = HashMap::new();
    for row in rows {
        let row = TicketRow::try_from(row)?;
        if let Some(window) = row.window_id {
            held.insert(window, row);
        }
    }
    Ok(held)
}

/// The most recently called tickets of a hall today, newest first.
pub async fn recent_calls(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    limit: u64,
) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::HallId.eq(hall.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .filter(ticket::Column::CalledAt.is_not_null())
        .order_by_desc(ticket::Column::CalledAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(TicketRow::try_from)
        .collect()
}

pub(super) const QUEUED: &str = "status IN ('waiting', 'transferred')";
/// Handling times (start → finish) of the service's most recently finished tickets today.
pub async fn recent_handling(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    day: NaiveDate,
    limit: usize,
) -> Result<Vec<Duration>, DbErr> {
    type StartFinish = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<StartFinish> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::StartedAt)
        .column(ticket::Column::FinishedAt)
        .filter(ticket::Column::HallId.eq(hall.0))
        .filter(ticket::Column::ServiceId.eq(service.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .filter(ticket::Column::Status.eq(TicketStatus::Done.as_str()))
        .filter(ticket::Column::StartedAt.is_not_null())
        .order_by_desc(ticket::Column::FinishedAt)
        .limit(u64::try_from(limit).unwrap_or(u64::MAX))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(started, finished)| Some(finished? - started?)).collect())
}

/// Writes a ticket's changed fields, but only if its status is still the one it had in
/// `before`: a concurrent change makes this return false instead of overwriting it. Keeps the
/// queue counters in step when the ticket enters, leaves or moves between queues.
pub async fn update(conn: &impl ConnectionTrait, before: &TicketRow, t: &TicketRow) -> Result<bool, DbErr> {
    update_many(conn, &[(before.clone(), t.clone())]).await
}

/// `CASE id WHEN .. THEN .. END` over `n` tickets, taking its placeholders from `marks` (its
/// values are an id and a value for each ticket, in that order).
fn case_by_id(n: usize, marks: &mut impl Iterator<Item = String>) -> String {
    let mut sql = String::from("CASE id");
    for _ in 0..n {
        let (id, set) = (marks.next().unwrap_or_default(), marks.next().unwrap_or_default());
        sql.push_str(&format!(" WHEN {id} THEN {set}"));
    }
    sql.push_str(" END");
    sql
}

/// How a change of one ticket moves the queue counters: out of its queue when it leaves the
/// queue or changes service, into one when it enters a queue or changes service.
fn queue_moves(before: &TicketRow, t: &TicketRow) -> Vec<(ServiceId, Priority, i32)> {
    let moved = before.service_id != t.service_id;
    let mut moves = Vec::new();
    if before.status.is_queued() && (!t.status.is_queued() || moved) {
        moves.push((before.service_id, t.priority, -1));
    }
    if t.status.is_queued() && (!before.status.is_queued() || moved) {
        moves.push((t.service_id, t.priority, 1));
    }
    moves
}

/// A column a change of a ticket may write, and its new value.
type ChangedColumn = (&'static str, fn(&TicketRow) -> Value);

/// `update` for several tickets in one statement, each guarded by the status it had in its
/// `before`, with the queue counters moved once per queue: how a batch of window operations
/// writes what it changed (issue 19). False unless every ticket was written; then the caller
/// must roll back, since the others were.
pub async fn update_many(conn: &impl ConnectionTrait, changes: &[(TicketRow, TicketRow)]) -> Result<bool, DbErr> {
    if changes.is_empty() {
        return Ok(true);
    }
    let result = conn.execute_raw(update_many_statement(conn.get_database_backend(), changes)).await?;
    if usize::try_from(result.rows_affected()).ok() != Some(changes.len()) {
        return Ok(false);
    }
    for ((hall, service, day, priority), delta) in counter_moves(changes) {
        adjust_queued(conn, hall, service, day, priority, delta).await?;
    }
    Ok(true)
}

/// The one UPDATE of `update_many`; it must change exactly `changes.len()` rows.
pub(crate) fn update_many_statement(backend: DbBackend, changes: &[(TicketRow, TicketRow)]) -> Statement {
    let n = changes.len();
    // Thirteen columns set by `CASE id`, then the ids, then the guard's `CASE id`.
    let mut values: Vec<Value> = Vec::with_capacity(n * 29);
    let columns: [ChangedColumn; 13] = [
        ("status", |t| t.status.as_str().into()),
        ("service_id", |t| t.service_id.0.into()),
        ("window_id", |t| t.window_id.map(|w| w.0).into()),
        ("target_window_id", |t| t.target_window_id.map(|w| w.0).into()),
        ("called_at", |t| t.called_at.into()),
        ("started_at", |t| t.started_at.into()),
        ("finished_at", |t| t.finished_at.into()),
        ("no_show_at", |t| t.no_show_at.into()),
        ("cancelled_at", |t| t.cancelled_at.into()),
        ("recall_count", |t| t.recall_count.into()),
        ("transfer_count", |t| t.transfer_count.into()),
        ("transfer_note", |t| t.transfer_note.clone().into()),
        ("served_by", |t| t.served_by.map(|u| u.0).into()),
    ];
    // The values in the order of their placeholders: each column's `CASE id` (id, value per
    // ticket), the ids, the guard's `CASE id` (id, status before).
    for (_, value) in &columns {
        for (_, after) in changes {
            values.push(after.id.0.into());
            values.push(value(after));
        }
    }
    values.extend(changes.iter().map(|(_, after)| Value::from(after.id.0)));
    for (before, after) in changes {
        values.push(after.id.0.into());
        values.push(before.status.as_str().into());
    }
    let sql = super::shaped_sql("update_many", backend, [n, 0, 0], || {
        let mut marks = super::placeholders(backend, 1, n * 29).into_iter();
        let mut sets = Vec::with_capacity(columns.len());
        for (column, _) in &columns {
            sets.push(format!("{column} = {}", case_by_id(n, &mut marks)));
        }
        // The ids' own placeholders come between the SET's and the guard's.
        let ids: Vec<String> = marks.by_ref().take(n).collect();
        let guard = format!("id IN ({}) AND status = {}", ids.join(", "), case_by_id(n, &mut marks));
        format!("UPDATE tickets SET {} WHERE {guard}", sets.join(", "))
    });
    statement_for(backend, &sql, values)
}

/// The queue counters a set of changes moves, once per queue, none by zero.
pub(crate) fn counter_moves(
    changes: &[(TicketRow, TicketRow)],
) -> Vec<((HallId, ServiceId, NaiveDate, Priority), i32)> {
    let mut moves: Vec<((HallId, ServiceId, NaiveDate, Priority), i32)> = Vec::new();
    for (before, after) in changes {
        for (service, priority, delta) in queue_moves(before, after) {
            let key = (after.hall_id, service, after.business_date, priority);
            match moves.iter_mut().find(|(k, _)| *k == key) {
                Some((_, sum)) => *sum += delta,
                None => moves.push((key, delta)),
            }
        }
    }
    moves.retain(|(_, delta)| *delta != 0);
    moves
}

/// Tickets by id, in the order of `ids`.
pub async fn find_in_order(conn: &impl ConnectionTrait, ids: &[TicketId]) -> Result<Vec<TicketRow>, DbErr> {
    let mut rows: Vec<TicketRow> = ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(TicketRow::try_from)
        .collect::<Result<_, _>>()?;
    rows.sort_by_key(|t| ids.iter().position(|id| *id == t.id));
    Ok(rows)
}

/// Every ticket a window called today (whatever became of it).
pub async fn called_by_window(
    conn: &impl ConnectionTrait,
    window: WindowId,
    day: NaiveDate,
) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::WindowId.eq(window.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .order_by_desc(ticket::Column::CalledAt)
        .all(conn)
        .await?
        .into_iter()
        .map(TicketRow::try_from)
        .collect()
}

/// A ticket of today still active (queued, called or serving) for this service that was taken
/// by this phone (cookie id) or this phone number.
pub async fn active_remote(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    service: ServiceId,
    client_id: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<TicketRow>, DbErr> {
    match active_remote_query(hall, day, service, client_id, phone) {
        Some(query) => one(query.one(conn).await?),
        None => Ok(None),
    }
}

/// `None` when there is nobody to look for (neither a phone nor a number).
pub(crate) fn active_remote_query(
    hall: HallId,
    day: NaiveDate,
    service: ServiceId,
    client_id: Option<&str>,
    phone: Option<&str>,
) -> Option<sea_orm::Select<ticket::Entity>> {
    let active = [TicketStatus::Waiting, TicketStatus::Transferred, TicketStatus::Called, TicketStatus::Serving];
    let mut same_person = Condition::any();
    if let Some(client_id) = client_id {
        same_person = same_person.add(ticket::Column::ClientId.eq(client_id));
    }
    if let Some(phone) = phone {
        same_person = same_person.add(ticket::Column::Phone.eq(phone));
    }
    if client_id.is_none() && phone.is_none() {
        return None;
    }
    Some(
        ticket::Entity::find()
            .filter(ticket::Column::HallId.eq(hall.0))
            .filter(ticket::Column::BusinessDate.eq(day))
            .filter(ticket::Column::IssuedServiceId.eq(service.0))
            .filter(ticket::Column::Status.is_in(active.map(TicketStatus::as_str)))
            .filter(same_person)
            .limit(1),
    )
}

/// Today's tickets taken by one phone, newest first.
pub async fn of_client(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    client_id: &str,
) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::HallId.eq(hall.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .filter(ticket::Column::ClientId.eq(client_id))
        .order_by_desc(ticket::Column::IssuedAt)
        .limit(20)
        .all(conn)
        .await?
        .into_iter()
        .map(TicketRow::try_from)
        .collect()
}

/// Remote (phone) tickets queued in the hall today.
pub async fn queued_remote(conn: &impl ConnectionTrait, hall: HallId, day: NaiveDate) -> Result<u32, DbErr> {
    let row = conn.query_one_raw(queued_remote_count(conn.get_database_backend(), hall, day)).await?;
    let count: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

pub(crate) fn queued_remote_count(backend: DbBackend, hall: HallId, day: NaiveDate) -> Statement {
    queued_remote_query(hall, day).select_only().expr(Expr::cust("COUNT(*)")).build(backend)
}

/// The statuses written out (`QUEUED`) so that the queued-ticket index serves it (see `HELD`).
pub(super) fn queued_remote_query(hall: HallId, day: NaiveDate) -> sea_orm::Select<ticket::Entity> {
    ticket::Entity::find()
        .filter(ticket::Column::HallId.eq(hall.0))
        .filter(ticket::Column::BusinessDate.eq(day))
        .filter(ticket::Column::Channel.eq(Channel::Mobile.as_str()))
        .filter(Expr::cust(QUEUED))
}

/// Forgets the phone numbers of tickets from before `day`: they were needed only while the
/// ticket could be served.
pub async fn purge_phones_before(conn: &impl ConnectionTrait, hall: HallId, day: NaiveDate) -> Result<u64, DbErr> {
    let result = conn
        .execute_raw(statement(
            conn,
            "UPDATE tickets SET phone = NULL WHERE hall_id = $1 AND phone IS NOT NULL AND business_date < $2",
            [hall.0.into(), day.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DemoHours;

    async fn queued(db: &sea_orm::DatabaseConnection) -> i64 {
        let sql = "SELECT CAST(COALESCE(SUM(queued), 0) AS BIGINT) FROM queue_counters";
        let row = db.query_one_raw(statement(db, sql, [])).await.expect("sum").expect("a row");
        row.try_get_by_index(0).expect("sum")
    }

    /// `update_many` writes every change in one statement, each guarded by its status as read,
    /// and moves the queue counters once per queue; a stale change is refused.
    #[tokio::test]
    async fn many_tickets_are_written_at_once_and_a_stale_one_writes_nothing() {
        let db = super::super::in_memory_database().await;
        let now = Utc::now();
        let hall = crate::persistence::seed::demo_hall(&db, chrono_tz::Asia::Shanghai, DemoHours::Always, "x", now)
            .await
            .expect("demo hall");
        let service: i32 = db
            .query_one_raw(statement(&db, "SELECT MIN(id) FROM services WHERE hall_id = $1", [hall.0.into()]))
            .await
            .expect("query")
            .expect("a service")
            .try_get_by_index(0)
            .expect("id");
        let windows: Vec<i32> = db
            .query_all_raw(statement(&db, "SELECT id FROM windows WHERE hall_id = $1 ORDER BY id", [hall.0.into()]))
            .await
            .expect("query")
            .iter()
            .map(|row| row.try_get_by_index(0).expect("id"))
            .collect();
        let day = now.date_naive();
        let mut rows = Vec::new();
        for seq in 1..=3 {
            let number = format!("A{seq:03}");
            let token = format!("token-{seq}");
            let new = NewTicket {
                hall,
                service: ServiceId(service),
                day,
                seq,
                number: &number,
                priority: Priority::Normal,
                channel: Channel::Kiosk,
                token: &token,
                issued_at: now,
                phone: None,
                client_id: None,
                booked_for: None,
                estimated_wait_minutes: None,
            };
            let id = insert(&db, &new).await.expect("insert");
            rows.push(find(&db, id).await.expect("find").expect("the ticket"));
        }
        assert_eq!(queued(&db).await, 3);
        // Each window holds one ticket at most (a unique index).
        let call = |t: &TicketRow, window: usize, note: &str| TicketRow {
            status: TicketStatus::Called,
            window_id: Some(WindowId(windows[window])),
            called_at: Some(now),
            recall_count: 1,
            transfer_note: Some(note.to_owned()),
            ..t.clone()
        };
        let changes = vec![(rows[0].clone(), call(&rows[0], 0, "一")), (rows[2].clone(), call(&rows[2], 1, "three"))];
        assert!(update_many(&db, &changes).await.expect("update"));
        for (_, after) in &changes {
            assert_eq!(find(&db, after.id).await.expect("find").as_ref(), Some(after));
        }
        assert_eq!(find(&db, rows[1].id).await.expect("find").as_ref(), Some(&rows[1]), "untouched");
        assert_eq!(queued(&db).await, 1, "two left the queue");
        // The first is no longer waiting: a change read before the call is stale and is not
        // written, and the answer says so (the caller rolls the rest back).
        let stale = vec![(rows[1].clone(), call(&rows[1], 2, "fresh")), (rows[0].clone(), call(&rows[0], 3, "stale"))];
        assert!(!update_many(&db, &stale).await.expect("update"));
        assert_eq!(find(&db, rows[0].id).await.expect("find").as_ref(), Some(&changes[0].1));
    }
}
