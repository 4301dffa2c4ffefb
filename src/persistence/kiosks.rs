//! Registered kiosks: one device token each (stored hashed), revocable.
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use entity::kiosk;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

#[derive(Debug, Clone)]
pub struct KioskRow {
    pub id: i32,
    pub hall_id: HallId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `kiosk` or `display`.
    pub kind: String,
}

impl From<kiosk::Model> for KioskRow {
    fn from(m: kiosk::Model) -> Self {
        Self {
            id: m.id,
            hall_id: HallId(m.hall_id),
            name: m.name,
            created_at: m.created_at,
            last_seen_at: m.last_seen_at,
            revoked_at: m.revoked_at,
            kind: m.kind,
        }
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    hall: HallId,
    name: &str,
    kind: &str,
    token_hash: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<KioskRow, DbErr> {
    let model = kiosk::ActiveModel {
        hall_id: Set(hall.0),
        kind: Set(kind.to_owned()),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        created_by: Set(Some(by.0)),
        created_at: Set(at),
        ..Default::default()
    };
    let id = kiosk::Entity::insert(model).exec(conn).await?.last_insert_id;
    let found = kiosk::Entity::find_by_id(id).one(conn).await?;
    found.map(KioskRow::from).ok_or_else(|| DbErr::RecordNotFound(format!("kiosk {id}")))
}

pub async fn list(conn: &impl ConnectionTrait, hall: HallId) -> Result<Vec<KioskRow>, DbErr> {
    let rows = kiosk::Entity::find()
        .filter(kiosk::Column::HallId.eq(hall.0))
        .order_by_asc(kiosk::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(KioskRow::from).collect())
}

/// The device of this kind holding this token, if it is not revoked; notes that it was seen.
pub async fn authenticate(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> Result<Option<KioskRow>, DbErr> {
    let found = kiosk::Entity::find()
        .filter(kiosk::Column::TokenHash.eq(token_hash))
        .filter(kiosk::Column::Kind.eq(kind))
        .filter(kiosk::Column::RevokedAt.is_null())
        .one(conn)
        .await?;
    let Some(kiosk) = found.map(KioskRow::from) else { return Ok(None) };
    // At most once a minute, so a busy kiosk does not write on every ticket.
    if kiosk.last_seen_at.is_none_or(|at| now - at > chrono::Duration::minutes(1)) {
        kiosk::Entity::update_many()
            .col_expr(kiosk::Column::LastSeenAt, Expr::value(now))
            .filter(kiosk::Column::Id.eq(kiosk.id))
            .exec(conn)
            .await?;
    }
    Ok(Some(kiosk))
}

/// Revokes a kiosk of this hall; false when there is no such active kiosk.
pub async fn revoke(conn: &impl ConnectionTrait, hall: HallId, id: i32, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = kiosk::Entity::update_many()
        .col_expr(kiosk::Column::RevokedAt, Expr::value(at))
        .filter(kiosk::Column::Id.eq(id))
        .filter(kiosk::Column::HallId.eq(hall.0))
        .filter(kiosk::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A ticket sent to a kiosk to print.
pub async fn insert_print(
    conn: &impl ConnectionTrait,
    hall: HallId,
    kiosk: i32,
    ticket: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let model = entity::print_request::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        hall_id: Set(hall.0),
        kiosk_id: Set(kiosk),
        ticket_id: Set(ticket),
        requested_by: Set(Some(by.0)),
        created_at: Set(at),
        printed_at: Set(None),
    };
    Ok(entity::print_request::Entity::insert(model).exec(conn).await?.last_insert_id)
}

/// Marks a kiosk's print request as taken by it; false when it is not that kiosk's or was
/// already printed. Answers the ticket's id.
pub async fn claim_print(
    conn: &impl ConnectionTrait,
    id: i64,
    kiosk: i32,
    at: DateTime<Utc>,
) -> Result<Option<i64>, DbErr> {
    use entity::print_request::{Column, Entity};
    let claimed = Entity::update_many()
        .col_expr(Column::PrintedAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::KioskId.eq(kiosk))
        .filter(Column::PrintedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Ok(None);
    }
    Ok(Entity::find_by_id(id).one(conn).await?.map(|p| p.ticket_id))
}
