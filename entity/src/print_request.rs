use sea_orm::entity::prelude::*;

/// A ticket a volunteer sent to a registered kiosk to print; `printed_at` once the kiosk took it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "print_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub kiosk_id: i32,
    pub ticket_id: i64,
    pub requested_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub printed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
