//! Windows: their live state and their ordered service lists.
use super::tickets::{TicketRow, HELD};
use super::{corrupt, statement};
use crate::domain::ids::{HallId, ServiceId, UserId, WindowId};
use crate::domain::window::{WindowKind, WindowState};
use chrono::{DateTime, Utc};
use entity::{ticket, window, window_service};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter, QueryOrder,
    QueryResult,
};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct WindowRow {
    pub id: WindowId,
    pub hall_id: HallId,
    pub number: i32,
    pub name: String,
    pub kind: WindowKind,
    pub state: WindowState,
    pub pause_reason: Option<String>,
    pub state_since: DateTime<Utc>,
    /// Who is signed in at it, and since when.
    pub signed_in: Option<(UserId, DateTime<Utc>)>,
    /// Its services, specialty first.
    pub services: Vec<ServiceId>,
    /// False once taken out of service.
    pub active: bool,
}

pub(crate) fn row(m: window::Model, services: Vec<ServiceId>) -> Result<WindowRow, DbErr> {
    Ok(WindowRow {
        id: WindowId(m.id),
        hall_id: HallId(m.hall_id),
        number: m.number,
        kind: WindowKind::parse(&m.kind).ok_or_else(|| corrupt("window kind", &m.kind))?,
        state: WindowState::parse(&m.state).ok_or_else(|| corrupt("window state", &m.state))?,
        name: m.name,
        pause_reason: m.pause_reason,
        state_since: m.state_since,
        active: m.active,
        signed_in: m.signed_in_user_id.map(|u| (UserId(u), m.signed_in_at.unwrap_or(m.state_since))),
        services,
    })
}

/// One window with its services, in one statement (a row per service). The hot window
/// operations read it through `find_for_user` (authorizing) and `find_with_held` (calling).
pub async fn find(conn: &impl ConnectionTrait, id: WindowId) -> Result<Option<WindowRow>, DbErr> {
    Ok(find_with(conn, id, None).await?.map(|(window, _)| window))
}

/// One window, and whether `user` is assigned to it: what authorizing a window operation reads,
/// in one statement.
pub async fn find_for_user(
    conn: &impl ConnectionTrait,
    id: WindowId,
    user: UserId,
) -> Result<Option<(WindowRow, bool)>, DbErr> {
    find_with(conn, id, Some(user)).await
}

async fn find_with(
    conn: &impl ConnectionTrait,
    id: WindowId,
    user: Option<UserId>,
) -> Result<Option<(WindowRow, bool)>, DbErr> {
    let rows = conn.query_all_raw(find_with_statement(conn.get_database_backend(), id, user)).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    window_of(&rows).map(Some)
}

/// One window, a row per service (`listed_service`), and whether `user` is assigned to it
/// (`assigned`).
pub(crate) fn find_with_statement(
    backend: sea_orm::DbBackend,
    id: WindowId,
    user: Option<UserId>,
) -> sea_orm::Statement {
    let assigned = match user {
        Some(_) => "EXISTS (SELECT 1 FROM user_windows u WHERE u.window_id = w.id AND u.user_id = $2)",
        None => "FALSE",
    };
    let sql = format!(
        "SELECT w.*, s.service_id AS listed_service, {assigned} AS assigned FROM windows w \
         LEFT JOIN window_services s ON s.window_id = w.id WHERE w.id = $1 ORDER BY s.position"
    );
    let mut values = vec![id.0.into()];
    values.extend(user.map(|u| u.0.into()));
    super::statement_for(backend, &sql, values)
}

/// The window of a join's rows (one per service, `listed_service`), and its `assigned` column.
fn window_of(rows: &[QueryResult]) -> Result<(WindowRow, bool), DbErr> {
    let first = rows.first().ok_or_else(|| DbErr::RecordNotFound("window".into()))?;
    let model = window::Model::from_query_result(first, "")?;
    let assigned: bool = first.try_get("", "assigned")?;
    let mut services = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(service) = row.try_get::<Option<i32>>("", "listed_service")? {
            services.push(ServiceId(service));
        }
    }
    Ok((row(model, services)?, assigned))
}

/// Windows and the ticket each holds (called or serving), if any, in one statement: what a
/// batch of window operations reads under the hall lock before its operations run (issue 19).
/// In the order of `ids`; a window that does not exist is left out.
pub async fn find_with_held(
    conn: &impl ConnectionTrait,
    ids: &[WindowId],
) -> Result<Vec<(WindowRow, Option<TicketRow>)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = conn.query_all_raw(find_with_held_statement(conn.get_database_backend(), ids)).await?;
    // Ordered by window, so each window's rows (one per service) are one run.
    let window_id = |row: &QueryResult| row.try_get::<i32>("", "id").ok();
    let mut by_window = HashMap::new();
    for rows in rows.chunk_by(|a, b| window_id(a) == window_id(b)) {
        let Some(first) = rows.first() else { continue };
        let (window, _) = window_of(rows)?;
        // A held ticket's id is never null, so a null one means the window holds nothing; any
        // other fault in its columns is an error, not "holds nothing".
        let held = match first.try_get::<Option<i64>>("", &format!("{HELD_PREFIX}id"))? {
            Some(_) => Some(TicketRow::try_from(ticket::Model::from_query_result(first, HELD_PREFIX)?)?),
            None => None,
        };
        by_window.insert(window.id, (window, held));
    }
    let found = ids.iter().filter_map(|id| by_window.remove(id)).collect();
    Ok(found)
}

pub(crate) fn find_with_held_statement(backend: sea_orm::DbBackend, ids: &[WindowId]) -> sea_orm::Statement {
    let sql = super::shaped_sql("find_with_held", backend, [ids.len(), 0, 0], || {
        find_with_held_sql(&super::placeholders(backend, 1, ids.len()))
    });
    super::statement_for(backend, &sql, ids.iter().map(|id| id.0.into()))
}

pub(crate) const HELD_PREFIX: &str = "held_";

/// One placeholder per window. The held ticket's columns carry `HELD_PREFIX`; the join's
/// condition is the partial index's own (`ux_tickets_active_window`), written out as in
/// `tickets::HELD`.
pub(super) fn find_with_held_sql(windows: &[String]) -> String {
    let held: Vec<String> = ticket::Column::iter().map(|c| format!("t.{0} AS {HELD_PREFIX}{0}", c.as_str())).collect();
    format!(
        "SELECT w.*, s.service_id AS listed_service, FALSE AS assigned, {} FROM windows w \
         LEFT JOIN window_services s ON s.window_id = w.id \
         LEFT JOIN tickets t ON t.window_id = w.id AND t.{HELD} WHERE w.id IN ({}) ORDER BY w.id, s.position",
        held.join(", "),
        windows.join(", ")
    )
}

/// The hall's windows in service (those taken out of service are only in administration).
pub async fn list(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<WindowRow>, DbErr> {
    list_where(conn, hall, true).await
}

/// Every window of the hall, out of service ones too (administration).
pub async fn list_all(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<WindowRow>, DbErr> {
    list_where(conn, hall, false).await
}

async fn list_where(conn: &impl ConnectionTrait, hall: HallId, in_service_only: bool) -> Result<Vec<WindowRow>, DbErr> {
    let mut query = window::Entity::find().filter(window::Column::HallId.eq(hall.0));
    if in_service_only {
        query = query.filter(window::Column::Active.eq(true));
    }
    let windows = query.order_by_asc(window::Column::Number).all(conn).await?;
    let ids: Vec<i32> = windows.iter().map(|w| w.id).collect();
    let mut services: HashMap<i32, Vec<ServiceId>> = HashMap::new();
    for ws in window_service::Entity::find()
        .filter(window_service::Column::WindowId.is_in(ids))
        .order_by_asc(window_service::Column::Position)
        .all(conn)
        .await?
    {
        services.entry(ws.window_id).or_default().push(ServiceId(ws.service_id));
    }
    windows
        .into_iter()
        .map(|w| {
            let list = services.remove(&w.id).unwrap_or_default();
            row(w, list)
        })
        .collect()
}

pub async fn set_state(
    conn: &impl ConnectionTrait,
    id: WindowId,
    state: WindowState,
    pause_reason: Option<&str>,
    since: DateTime<Utc>,
) -> Result<(), DbErr> {
    window::Entity::update_many()
        .col_expr(window::Column::State, Expr::value(state.as_str()))
        .col_expr(window::Column::PauseReason, Expr::value(pause_reason.map(str::to_owned)))
        .col_expr(window::Column::StateSince, Expr::value(since))
        .filter(window::Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// How many open windows list this service (raw SQL: one counted join).
pub async fn open_serving(conn: &impl ConnectionTrait, hall: HallId, service: ServiceId) -> Result<u32, DbErr> {
    let row = conn
        .query_one_raw(statement(
            conn,
            "SELECT COUNT(*) FROM windows w JOIN window_services ws ON ws.window_id = w.id \
             WHERE w.hall_id = $1 AND ws.service_id = $2 AND w.state = 'open'",
            [hall.0.into(), service.0.into()],
        ))
        .await?;
    let count: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
    Ok(u32::try_from(count).unwrap_or(0))
}

/// Records who is signed in at a window (`None`: nobody). The unique index on
/// `signed_in_user_id` is the last guard against one person at two windows.
pub async fn set_signed_in(
    conn: &impl ConnectionTrait,
    id: WindowId,
    user: Option<UserId>,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    window::Entity::update_many()
        .col_expr(window::Column::SignedInUserId, Expr::value(user.map(|u| u.0)))
        .col_expr(window::Column::SignedInAt, Expr::value(user.map(|_| at)))
        .filter(window::Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(())
}

/// The window a user is signed in at, if any.
pub async fn signed_in_window(conn: &impl ConnectionTrait, user: UserId) -> Result<Option<WindowRow>, DbErr> {
    let found = window::Entity::find().filter(window::Column::SignedInUserId.eq(user.0)).one(conn).await?;
    match found {
        Some(model) => find(conn, WindowId(model.id)).await,
        None => Ok(None),
    }
}

/// Replaces a window's ordered service list.
pub async fn set_services(conn: &impl ConnectionTrait, id: WindowId, services: &[ServiceId]) -> Result<(), DbErr> {
    window_service::Entity::delete_many().filter(window_service::Column::WindowId.eq(id.0)).exec(conn).await?;
    for (position, service) in services.iter().enumerate() {
        conn.execute_raw(statement(
            conn,
            "INSERT INTO window_services (window_id, service_id, position) VALUES ($1, $2, $3)",
            [id.0.into(), service.0.into(), i32::try_from(position).unwrap_or(i32::MAX).into()],
        ))
        .await?;
    }
    Ok(())
}
