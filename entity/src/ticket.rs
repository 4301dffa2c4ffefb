use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hall_id: i32,
    /// The service the number was issued under (its prefix); never changes.
    pub issued_service_id: i32,
    /// The queue the ticket is in now; a transfer changes it.
    pub service_id: i32,
    pub business_date: Date,
    pub seq: i32,
    pub number: String,
    pub priority: String,
    pub channel: String,
    pub status: String,
    #[sea_orm(unique)]
    pub token: String,
    pub issued_at: DateTimeUtc,
    pub window_id: Option<i32>,
    pub target_window_id: Option<i32>,
    pub called_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub no_show_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub recall_count: i32,
    pub transfer_count: i32,
    pub transfer_note: Option<String>,
    /// The user who called it.
    pub served_by: Option<i32>,
    /// Only when the hall requires a phone number for remote tickets; purged after the day.
    pub phone: Option<String>,
    /// The phone (signed cookie id) that took it remotely.
    pub client_id: Option<String>,
    /// A checked-in booking's booked start: the calling order places the ticket by it.
    pub booked_for: Option<DateTimeUtc>,
    /// The wait estimate (minutes) given when it was taken.
    pub estimated_wait_minutes: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
