use sea_orm::entity::prelude::*;

/// A registered kiosk; only a hash of its device token is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kiosks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub hall_id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    /// `kiosk` or `display`.
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
