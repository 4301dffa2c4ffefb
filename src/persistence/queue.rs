//! Reading the queues: the candidates dispatch chooses from (queue heads), the members of one
//! queue or of everything a window may call, and the counts. Raw SQL here because each read
//! is one statement of index range scans (`UNION ALL` of per-priority heads, counter rows)
//! that must run unchanged on SQLite and PostgreSQL; none of it orders the queue, which is
//! `domain::dispatch`'s job.
use super::tickets::{TicketRow, QUEUED};
use super::{corrupt, statement};
use crate::domain::dispatch::{Candidate, QueueId};
use crate::domain::ids::{HallId, ServiceId, TicketId, WindowId};
use crate::domain::ticket::Priority;
use chrono::{DateTime, NaiveDate, Utc};
use entity::ticket;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, QueryResult, Value};
use std::collections::HashMap;

/// A service's queue as issuing sees it, read in one statement inside the issuing transaction.
pub struct ServiceQueue {
    /// How many tickets stand in the service queue now, per priority: the counters (exact, not
    /// growing with the queue) less the few tickets of that service transferred to one window by
    /// name, which stand in that window's queue instead.
    pub by_priority: Vec<(Priority, u32)>,
    /// Every ticket queued for the service, those sent to a window by name too.
    pub in_service: u32,
}

pub async fn service_queue(conn: &impl ConnectionTrait, t: &TicketRow) -> Result<ServiceQueue, DbErr> {
    let rows = conn.query_all_raw(service_queue_statement(conn.get_database_backend(), t)).await?;
    let mut counted = Vec::with_capacity(rows.len());
    for row in &rows {
        let priority: String = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index::<i64>(1).or_else(|_| row.try_get_by_index::<i32>(1).map(i64::from))?;
        let targeted: i32 = row.try_get_by_index(2)?;
        counted.push((priority, count, targeted != 0));
    }
    service_queue_of(counted)
}

pub(crate) fn service_queue_statement(backend: sea_orm::DbBackend, t: &TicketRow) -> sea_orm::Statement {
    let keys = [t.hall_id.0.into(), t.service_id.0.into(), t.business_date.into()];
    super::statement_for(backend, &service_queue_sql(), keys)
}

/// The queue from the statement's rows: (priority, count, whether the count is of tickets sent
/// to a window by name).
pub(crate) fn service_queue_of(rows: Vec<(String, i64, bool)>) -> Result<ServiceQueue, DbErr> {
    let mut by_priority: HashMap<Priority, i64> = HashMap::new();
    let mut in_service = 0i64;
    for (priority, count, targeted) in rows {
        let priority = Priority::parse(&priority).ok_or_else(|| corrupt("priority", &priority))?;
        if !targeted {
            in_service += count;
            *by_priority.entry(priority).or_default() += count;
        } else {
            *by_priority.entry(priority).or_default() -= count;
        }
    }
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Ok(ServiceQueue {
        by_priority: by_priority.into_iter().map(|(p, n)| (p, count(n))).collect(),
        in_service: count(in_service),
    })
}

/// The counter rows of a service's queue (targeted 0), then its tickets sent to a window by
/// name per priority (targeted 1). $1 hall, $2 service, $3 day.
fn service_queue_sql() -> String {
    format!(
        "SELECT priority, queued, 0 FROM queue_counters WHERE hall_id = $1 AND service_id = $2 AND business_date = $3 \
         UNION ALL \
         SELECT priority, COUNT(*), 1 FROM tickets WHERE hall_id = $1 AND service_id = $2 AND business_date = $3 \
         AND {QUEUED} AND target_window_id IS NOT NULL GROUP BY priority"
    )
}

const CANDIDATE_COLUMNS: &str = "id, service_id, priority, issued_at, target_window_id, booked_for";

fn candidate(row: &QueryResult) -> Result<Candidate, DbErr> {
    let priority: String = row.try_get_by_index(2)?;
    Ok(Candidate {
        id: TicketId(row.try_get_by_index(0)?),
        service: ServiceId(row.try_get_by_index(1)?),
        priority: Priority::parse(&priority).ok_or_else(|| corrupt("priority", &priority))?,
        issued_at: row.try_get_by_index(3)?,
        target_window: row.try_get_by_index::<Option<i32>>(4)?.map(WindowId),
        due_at: row.try_get_by_index(5)?,
    })
}

/// The only tickets dispatch can pick for some windows: for each of their services and each
/// priority, the oldest `depth` queued tickets (within one service and priority the oldest is
/// also the most overdue, so nothing behind it can win, and each call takes at most one from
/// the front), plus every ticket transferred to one of the windows by name. One round trip
/// for a whole batch of calls (issue 19), and each branch is an index range scan, so the cost
/// does not grow with the length of the queue. Whole rows, so the one chosen need not be read
/// again.
pub async fn queue_heads_for(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    windows: &[WindowId],
    services: &[ServiceId],
    depth: usize,
) -> Result<Vec<TicketRow>, DbErr> {
    let backend = conn.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        // PostgreSQL plans this statement afresh at every run by default (its plan depends on
        // the values, it judges), and planning its branches took ~2 ms where running them takes
        // a tenth of that (issue 19, `log_min_duration_statement`). Every branch reads its
        // partial index whatever the values, so the generic plan is the same plan, made once per
        // connection. `LOCAL`: only for the rest of this transaction.
        conn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan").await?;
    }
    let statement = queue_heads_statement(backend, hall, day, windows, services, depth);
    let rows = conn.query_all_raw(statement).await?;
    rows.iter().map(|row| TicketRow::try_from(ticket::Model::from_query_result(row, "")?)).collect()
}

pub(crate) fn queue_heads_statement(
    backend: sea_orm::DbBackend,
    hall: HallId,
    day: NaiveDate,
    windows: &[WindowId],
    services: &[ServiceId],
    depth: usize,
) -> sea_orm::Statement {
    let mut values: Vec<Value> = vec![hall.0.into(), day.into()];
    values.extend(windows.iter().map(|window| Value::from(window.0)));
    values.extend(services.iter().map(|service| Value::from(service.0)));
    let shape = [windows.len(), services.len(), depth];
    let sql =
        super::shaped_sql("queue_heads", backend, shape, || queue_heads_sql(windows.len(), services.len(), depth));
    super::statement_for(backend, &sql, values)
}

/// The heads of some windows' queues ($1 hall, $2 day, then one per window, then one per
/// service), `depth` from the front of each service's queue of each priority.
fn queue_heads_sql(windows: usize, services: usize, depth: usize) -> String {
    let mut branches = Vec::with_capacity(windows + services * 3);
    for n in 3..3 + windows {
        branches.push(format!(
            "SELECT * FROM (SELECT * FROM tickets WHERE hall_id = $1 AND business_date = $2 \
             AND {QUEUED} AND target_window_id = ${n} ORDER BY issued_at, id LIMIT 50) AS targeted_{n}"
        ));
    }
    let depth = depth.max(1);
    for n in 3 + windows..3 + windows + services {
        for priority in [Priority::Green, Priority::Appointment, Priority::Normal] {
            // Appointments queue by their booked start (see `dispatch::call_key`).
            let order =
                if priority == Priority::Appointment { "COALESCE(booked_for, issued_at), id" } else { "issued_at, id" };
            branches.push(format!(
                "SELECT * FROM (SELECT * FROM tickets WHERE hall_id = $1 AND business_date = $2 \
                 AND {QUEUED} AND service_id = ${n} AND priority = '{p}' AND target_window_id IS NULL \
                 ORDER BY {order} LIMIT {depth}) AS head_{n}_{p}",
                p = priority.as_str()
            ));
        }
    }
    branches.join(" UNION ALL ")
}

/// Every ticket queued in one queue today (a service's, or a window's by name), as candidates.
pub async fn queue_members(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    queue: QueueId,
) -> Result<Vec<Candidate>, DbErr> {
    let (scope, value): (&str, Value) = match queue {
        QueueId::Window(window) => ("target_window_id = $3", window.0.into()),
        QueueId::Service(service) => ("service_id = $3 AND target_window_id IS NULL", service.0.into()),
    };
    let sql = format!(
        "SELECT {CANDIDATE_COLUMNS} FROM tickets WHERE hall_id = $1 AND business_date = $2 AND {scope} AND {QUEUED}"
    );
    let rows = conn.query_all_raw(statement(conn, &sql, [hall.0.into(), day.into(), value])).await?;
    rows.iter().map(candidate).collect()
}

#[derive(Debug, Clone, Copy, Default)]
pub struct QueueCount {
    pub waiting: u32,
    pub oldest_issued_at: Option<DateTime<Utc>>,
}

/// Queued tickets per service today (tickets transferred to a window by name count under their
/// service too).
pub async fn queue_counts(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
) -> Result<HashMap<ServiceId, QueueCount>, DbErr> {
    let rows = conn.query_all_raw(statement(conn, &queue_counts_sql(), [hall.0.into(), day.into()])).await?;
    rows.iter()
        .map(|row| {
            let count: i64 = row.try_get_by_index(1)?;
            Ok((
                ServiceId(row.try_get_by_index(0)?),
                QueueCount {
                    waiting: u32::try_from(count).unwrap_or(u32::MAX),
                    oldest_issued_at: row.try_get_by_index(2)?,
                },
            ))
        })
        .collect()
}

/// Queued tickets per service ($1 hall, $2 day).
fn queue_counts_sql() -> String {
    format!(
        "SELECT service_id, COUNT(*), MIN(issued_at) FROM tickets WHERE hall_id = $1 AND business_date = $2 \
         AND {QUEUED} GROUP BY service_id"
    )
}

/// Every ticket queued today that a window may call: those of its services and those
/// transferred to it by name, as candidates (unordered: `dispatch::calling_order` orders them).
pub async fn window_members(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: NaiveDate,
    window: WindowId,
    services: &[ServiceId],
) -> Result<Vec<Candidate>, DbErr> {
    let mut values: Vec<Value> = vec![hall.0.into(), day.into(), window.0.into()];
    let mut placeholders = Vec::new();
    for service in services {
        values.push(service.0.into());
        placeholders.push(format!("${}", values.len()));
    }
    let by_service = if placeholders.is_empty() {
        String::new()
    } else {
        format!(" OR (target_window_id IS NULL AND service_id IN ({}))", placeholders.join(", "))
    };
    let sql = format!(
        "SELECT {CANDIDATE_COLUMNS} FROM tickets WHERE hall_id = $1 AND business_date = $2 AND {QUEUED} \
         AND (target_window_id = $3{by_service})"
    );
    let rows = conn.query_all_raw(statement(conn, &sql, values)).await?;
    rows.iter().map(candidate).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hot queries read queued tickets through the indexes made for them, never the whole
    /// day through the reports' index (which SQLite chose once it existed, issue 19).
    #[tokio::test]
    async fn the_hot_queries_use_the_queued_ticket_indexes() {
        let db = super::super::in_memory_database().await;
        let plan = |sql: String, values: Vec<Value>| {
            let db = db.clone();
            async move {
                let rows =
                    db.query_all_raw(statement(&db, &format!("EXPLAIN QUERY PLAN {sql}"), values)).await.expect("plan");
                rows.iter().map(|r| r.try_get_by_index::<String>(3).expect("detail")).collect::<Vec<_>>().join("\n")
            }
        };
        let day = Value::from(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"));
        let heads =
            plan(queue_heads_sql(2, 2, 4), vec![1.into(), day.clone(), 3.into(), 4.into(), 1.into(), 2.into()]).await;
        let counts = plan(queue_counts_sql(), vec![1.into(), day.clone()]).await;
        let targeted = plan(service_queue_sql(), vec![1.into(), 1.into(), day]).await;
        let built = |query: sea_orm::Select<entity::ticket::Entity>| {
            let built = sea_orm::QueryTrait::build(&query, sea_orm::DbBackend::Sqlite);
            (built.sql, built.values.map(|v| v.0).unwrap_or_default())
        };
        let (sql, values) = built(super::super::tickets::held_by_window_query(WindowId(3)));
        let held = plan(sql, values).await;
        let window_and_held =
            plan(super::super::windows::find_with_held_sql(&["?".into(), "?".into()]), vec![3.into(), 4.into()]).await;
        let day_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let (sql, values) = built(super::super::tickets::queued_remote_query(HallId(1), day_of));
        let remote = plan(sql, values).await;
        let stale = plan(super::super::tickets::stale_queued_sql(200), vec![1.into(), day_of.into()]).await;
        for (name, plan, index) in [
            (
                "queue heads",
                &heads,
                "ix_tickets_queued (hall_id=? AND business_date=? AND service_id=? AND priority=?)",
            ),
            ("queue heads", &heads, "ix_tickets_for_window (hall_id=? AND business_date=? AND target_window_id=?)"),
            ("queue counts", &counts, "ix_tickets_queued (hall_id=? AND business_date=?)"),
            (
                "targeted count",
                &targeted,
                "ix_tickets_for_window_by_service (hall_id=? AND service_id=? AND business_date=?)",
            ),
            ("held by a window", &held, "ux_tickets_active_window (window_id=?)"),
            ("stale queued (housekeeping)", &stale, "ix_tickets_queued (hall_id=? AND business_date<?)"),
            ("a window and its held ticket", &window_and_held, "t USING INDEX ux_tickets_active_window (window_id=?)"),
            ("remote tickets queued", &remote, "ix_tickets_queued (hall_id=? AND business_date=?)"),
        ] {
            assert!(plan.contains(index), "{name} does not use {index}:\n{plan}");
            assert!(!plan.contains("idx_tickets_hall_day") && !plan.contains("SCAN tickets"), "{name}:\n{plan}");
            assert!(!plan.contains("SCAN t ") && !plan.ends_with("SCAN t"), "{name}:\n{plan}");
        }
    }
}
