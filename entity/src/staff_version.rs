use sea_orm::entity::prelude::*;

/// SQLite only: one row, whose `version` triggers raise with every change to sessions, users,
/// windows, their services and assignments (migration `m20261207_000016_staff_version`). The
/// server keeps what a staff request read of those while it stays the same
/// (`hallq::persistence::hot::DirectReads`). PostgreSQL has no such table.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
