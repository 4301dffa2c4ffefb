use sea_orm::entity::prelude::*;

/// Places of one slot of one service on one day: `booked` never passes `capacity` (a CHECK).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hall_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub start_minute: i16,
    pub capacity: i32,
    pub booked: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
