use sea_orm::entity::prelude::*;

/// Queued tickets per (hall, service, business date, priority), kept in step with `tickets` by
/// the statements that move a ticket into or out of a queue (`persistence::tickets`, raw SQL
/// upserts: the counter must change in the same statement order as the ticket).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "queue_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hall_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_date: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub priority: String,
    pub queued: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
