use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "halls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub timezone: String,
    pub event_seq: i64,
    pub created_at: DateTimeUtc,
    /// The notice line the hall's displays scroll.
    pub notice: Option<String>,
    /// Per-hall settings as JSON (see `hallq::domain::settings::HallSettings`).
    pub settings: Option<String>,
    /// The address line printed on slips and shown with bookings.
    pub address: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
