use sea_orm::entity::prelude::*;

/// A window's call for help (请求协助), answered by a volunteer on the floor.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "help_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub window_id: i32,
    pub window_number: i32,
    /// The staff member signed in at the window who asked.
    pub requested_by: Option<i32>,
    pub reason: Option<String>,
    /// `open`, `taken`, `done`, `cancelled`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub taken_by: Option<i32>,
    pub taken_at: Option<DateTimeUtc>,
    /// When it was marked done or cancelled.
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
