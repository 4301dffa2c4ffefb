use sea_orm::entity::prelude::*;

/// One change or privileged action, with who, when, what (before/after as JSON) and from where.
/// Only ever inserted: the log is read-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub hall_id: Option<i32>,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    pub kind: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub address: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
