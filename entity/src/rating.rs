use sea_orm::entity::prelude::*;

/// One 好差评 rating per ticket, with the window and the staff member who served it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
    pub hall_id: i32,
    pub window_id: Option<i32>,
    pub staff_id: Option<i32>,
    /// 1 (非常不满意) to 5 (非常满意).
    pub score: i16,
    /// A JSON array of the chosen reason tags.
    pub tags: String,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
