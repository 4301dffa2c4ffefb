//! The audit log: insert and read, never update or delete.
use crate::domain::ids::{HallId, UserId};
use chrono::{DateTime, Utc};
use entity::audit_entry;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub struct NewEntry<'a> {
    pub at: DateTime<Utc>,
    pub hall: Option<HallId>,
    pub actor: Option<UserId>,
    pub actor_name: &'a str,
    pub kind: &'a str,
    pub target: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub address: &'a str,
}

pub async fn insert(conn: &impl ConnectionTrait, entry: NewEntry<'_>) -> Result<(), DbErr> {
    let model = audit_entry::ActiveModel {
        at: Set(entry.at),
        hall_id: Set(entry.hall.map(|h| h.0)),
        actor_id: Set(entry.actor.map(|u| u.0)),
        actor_name: Set(entry.actor_name.into()),
        kind: Set(entry.kind.into()),
        target: Set(entry.target.into()),
        before: Set(entry.before),
        after: Set(entry.after),
        address: Set(entry.address.into()),
        ..Default::default()
    };
    audit_entry::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub hall: Option<HallId>,
    pub actor: Option<UserId>,
    /// A kind, or a family of kinds by its prefix (`service.` matches `service.created`).
    pub kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Entries older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: u64,
}

/// Newest first.
pub async fn list(conn: &impl ConnectionTrait, filter: &Filter) -> Result<Vec<audit_entry::Model>, DbErr> {
    let mut query = audit_entry::Entity::find();
    if let Some(hall) = filter.hall {
        query = query.filter(audit_entry::Column::HallId.eq(hall.0));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_entry::Column::ActorId.eq(actor.0));
    }
    if let Some(kind) = &filter.kind {
        query = if kind.ends_with('.') {
            query.filter(audit_entry::Column::Kind.starts_with(kind.as_str()))
        } else {
            query.filter(audit_entry::Column::Kind.eq(kind.as_str()))
        };
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_entry::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_entry::Column::At.lt(to));
    }
    if let Some(id) = filter.before_id {
        query = query.filter(audit_entry::Column::Id.lt(id));
    }
    query.order_by_desc(audit_entry::Column::Id).limit(filter.limit).all(conn).await
}
