use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub hall_id: i32,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub target_wait_minutes: i32,
    pub typical_handling_minutes: i32,
    pub position: i32,
    pub active: bool,
    /// One line on what it covers, for the kiosk.
    pub hint: Option<String>,
    pub hint_en: Option<String>,
    /// Whether taxpayers may book this service.
    pub appointments: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
