use sea_orm::entity::prelude::*;

/// A queue alert: raised when a service passed a threshold, cleared when it fell back below
/// (`cleared_at` empty while it holds). The figures are those at the raise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "queue_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub service_id: i32,
    pub raised_at: DateTimeUtc,
    pub cleared_at: Option<DateTimeUtc>,
    pub waiting: i32,
    pub longest_wait_minutes: i32,
    pub estimated_wait_minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
