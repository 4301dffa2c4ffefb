//! Calls for help and queue alerts.
use crate::domain::floor_watch::HelpStatus;
use crate::domain::ids::{HallId, ServiceId, UserId};
use chrono::{DateTime, Utc};
use entity::{help_request, queue_alert};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

pub async fn insert_help(
    conn: &impl ConnectionTrait,
    hall: HallId,
    window: (i32, i32),
    by: UserId,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<help_request::Model, DbErr> {
    let model = help_request::ActiveModel {
        id: NotSet,
        hall_id: Set(hall.0),
        window_id: Set(window.0),
        window_number: Set(window.1),
        requested_by: Set(Some(by.0)),
        reason: Set(reason.map(str::to_owned)),
        status: Set(HelpStatus::Open.as_str().into()),
        created_at: Set(at),
        taken_by: Set(None),
        taken_at: Set(None),
        closed_at: Set(None),
    };
    let id = help_request::Entity::insert(model).exec(conn).await?.last_insert_id;
    find_help(conn, id).await?.ok_or_else(|| DbErr::RecordNotFound(format!("help request {id}")))
}

pub async fn find_help(conn: &impl ConnectionTrait, id: i64) -> Result<Option<help_request::Model>, DbErr> {
    help_request::Entity::find_by_id(id).one(conn).await
}

/// Moves a request on, guarded by the status it had (so of ten volunteers taking it at once,
/// one changes it); false when it changed meanwhile.
pub async fn move_help(
    conn: &impl ConnectionTrait,
    id: i64,
    from: HelpStatus,
    to: HelpStatus,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = help_request::Entity::update_many()
        .col_expr(help_request::Column::Status, Expr::value(to.as_str()))
        .filter(help_request::Column::Id.eq(id))
        .filter(help_request::Column::Status.eq(from.as_str()));
    update = match to {
        HelpStatus::Taken => update
            .col_expr(help_request::Column::TakenBy, Expr::value(by.map(|u| u.0)))
            .col_expr(help_request::Column::TakenAt, Expr::value(at)),
        _ => update.col_expr(help_request::Column::ClosedAt, Expr::value(at)),
    };
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// A hall's calls for help since a time (today's), newest first, optionally of some statuses.
pub async fn help_since(
    conn: &impl ConnectionTrait,
    hall: HallId,
    since: DateTime<Utc>,
    statuses: &[HelpStatus],
) -> Result<Vec<help_request::Model>, DbErr> {
    let mut query = help_request::Entity::find()
        .filter(help_request::Column::HallId.eq(hall.0))
        .filter(help_request::Column::CreatedAt.gte(since));
    if !statuses.is_empty() {
        query = query.filter(help_request::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    query.order_by_desc(help_request::Column::Id).all(conn).await
}

/// The open (not yet taken or done) requests of one window.
pub async fn active_help_of_window(
    conn: &impl ConnectionTrait,
    window: i32,
) -> Result<Vec<help_request::Model>, DbErr> {
    help_request::Entity::find()
        .filter(help_request::Column::WindowId.eq(window))
        .filter(help_request::Column::Status.is_in([HelpStatus::Open.as_str(), HelpStatus::Taken.as_str()]))
        .order_by_desc(help_request::Column::Id)
        .all(conn)
        .await
}

/// The hall's alerts that hold now (raised, not cleared).
pub async fn raised_alerts(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<queue_alert::Model>, DbErr> {
    queue_alert::Entity::find()
        .filter(queue_alert::Column::HallId.eq(hall.0))
        .filter(queue_alert::Column::ClearedAt.is_null())
        .all(conn)
        .await
}

pub async fn raise_alert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    service: ServiceId,
    figures: crate::domain::floor_watch::Figures,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let model = queue_alert::ActiveModel {
        id: NotSet,
        hall_id: Set(hall.0),
        service_id: Set(service.0),
        raised_at: Set(at),
        cleared_at: Set(None),
        waiting: Set(clamp(figures.waiting)),
        longest_wait_minutes: Set(clamp(figures.longest_wait_minutes)),
        estimated_wait_minutes: Set(clamp(figures.estimated_wait_minutes)),
    };
    queue_alert::Entity::insert(model).exec(conn).await?;
    Ok(())
}

pub async fn clear_alert(conn: &impl ConnectionTrait, id: i64, at: DateTime<Utc>) -> Result<(), DbErr> {
    queue_alert::Entity::update_many()
        .col_expr(queue_alert::Column::ClearedAt, Expr::value(at))
        .filter(queue_alert::Column::Id.eq(id))
        .filter(queue_alert::Column::ClearedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Per service: tickets that joined the queue since a time, and tickets that left it (called
/// or cancelled) since then; the trend's inputs.
pub async fn queue_moves_since(
    conn: &impl ConnectionTrait,
    hall: HallId,
    day: chrono::NaiveDate,
    since: DateTime<Utc>,
) -> Result<std::collections::HashMap<ServiceId, (u32, u32)>, DbErr> {
    let rows = conn
        .query_all_raw(super::statement(
            conn,
            "SELECT service_id, \
                    SUM(CASE WHEN issued_at >= $3 THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN (called_at IS NOT NULL AND called_at >= $3) \
                              OR (cancelled_at IS NOT NULL AND cancelled_at >= $3) THEN 1 ELSE 0 END) \
             FROM tickets WHERE hall_id = $1 AND business_date = $2 GROUP BY service_id",
            [hall.0.into(), day.into(), since.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let joined: i64 = r.try_get_by_index(1)?;
            let left: i64 = r.try_get_by_index(2)?;
            let n = |v: i64| u32::try_from(v).unwrap_or(0);
            Ok((ServiceId(r.try_get_by_index(0)?), (n(joined), n(left))))
        })
        .collect()
}
