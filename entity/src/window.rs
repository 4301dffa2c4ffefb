use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "windows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub hall_id: i32,
    pub number: i32,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub pause_reason: Option<String>,
    pub state_since: DateTimeUtc,
    pub signed_in_user_id: Option<i32>,
    pub signed_in_at: Option<DateTimeUtc>,
    /// False once taken out of service: kept for the history, never deleted.
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
