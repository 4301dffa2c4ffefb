use sea_orm::entity::prelude::*;

/// A booking (预约). `name` and `phone` are personal data: masked wherever shown, purged after
/// the hall's retention period; an ID number is kept only as a keyed hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    pub service_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub day: Date,
    pub start_minute: i16,
    pub end_minute: i16,
    pub name: String,
    pub phone: String,
    pub id_hash: Option<String>,
    /// `booked`, `checked_in`, `served`, `cancelled` or `no_show`.
    pub status: String,
    pub ticket_id: Option<i64>,
    /// Where it was booked: `mobile`, `kiosk`, `volunteer`, `counter`.
    pub channel: String,
    /// Why a manager cancelled it (the person sees it on the lookup page).
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub checked_in_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
