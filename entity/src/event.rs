use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub seq: i64,
    pub kind: String,
    pub at: DateTimeUtc,
    /// Who caused it (not sent to public clients).
    pub actor_id: Option<i32>,
    /// The public JSON body of the event, exactly as broadcast.
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
