use sea_orm::entity::prelude::*;

/// The last ticket number given per (hall, service, business date); incremented by an upsert
/// inside the issuing transaction, so a rolled-back issue leaves no gap.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hall_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_date: Date,
    pub last_seq: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
