use sea_orm::entity::prelude::*;

/// One throttle key's state (an account, an address, a phone), shared by the instances on one
/// PostgreSQL database; see `hallq::persistence::throttles`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throttle_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// JSON, as the rule that owns the key writes it.
    pub state: String,
    /// After this the state no longer matters and housekeeping deletes it.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
