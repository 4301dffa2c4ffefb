use sea_orm::entity::prelude::*;

/// Someone sent to another channel (分流) instead of queuing: no personal data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "diversions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub service_id: i32,
    /// Where it was recorded: `kiosk`, `mobile`, `volunteer`, `counter`.
    pub channel: String,
    /// Where the person was sent, e.g. `online`.
    pub target: String,
    pub business_date: Date,
    pub created_at: DateTimeUtc,
    /// The volunteer or staff member who recorded it (none: a kiosk or a phone).
    pub recorded_by: Option<i32>,
    /// What a volunteer noted, if anything (no personal data).
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
