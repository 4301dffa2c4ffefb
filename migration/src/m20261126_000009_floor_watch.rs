//! The volunteer tablet: windows' calls for help (who asked, who took it, when), queue alerts as
//! they were raised and cleared (the alert's state, and a record for the reports), and who
//! recorded a diversion, with an optional note; tickets a volunteer sends to a kiosk to print.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HelpRequests {
    Table,
    Id,
    HallId,
    WindowId,
    WindowNumber,
    RequestedBy,
    Reason,
    Status,
    CreatedAt,
    TakenBy,
    TakenAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum QueueAlerts {
    Table,
    Id,
    HallId,
    ServiceId,
    RaisedAt,
    ClearedAt,
    Waiting,
    LongestWaitMinutes,
    EstimatedWaitMinutes,
}

#[derive(DeriveIden)]
enum PrintRequests {
    Table,
    Id,
    HallId,
    KioskId,
    TicketId,
    RequestedBy,
    CreatedAt,
    PrintedAt,
}

#[derive(DeriveIden)]
enum Diversions {
    Table,
    RecordedBy,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HelpRequests::Table)
                    .col(big_pk_auto(HelpRequests::Id))
                    .col(integer(HelpRequests::HallId))
                    .col(integer(HelpRequests::WindowId))
                    .col(integer(HelpRequests::WindowNumber))
                    .col(integer_null(HelpRequests::RequestedBy))
                    .col(string_null(HelpRequests::Reason))
                    .col(string(HelpRequests::Status))
                    .col(timestamp_with_time_zone(HelpRequests::CreatedAt))
                    .col(integer_null(HelpRequests::TakenBy))
                    .col(timestamp_with_time_zone_null(HelpRequests::TakenAt))
                    .col(timestamp_with_time_zone_null(HelpRequests::ClosedAt))
                    .check(Expr::col(HelpRequests::Status).is_in(["open", "taken", "done", "cancelled"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_help_requests_hall_created")
                    .table(HelpRequests::Table)
                    .col(HelpRequests::HallId)
                    .col(HelpRequests::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QueueAlerts::Table)
                    .col(big_pk_auto(QueueAlerts::Id))
                    .col(integer(QueueAlerts::HallId))
                    .col(integer(QueueAlerts::ServiceId))
                    .col(timestamp_with_time_zone(QueueAlerts::RaisedAt))
                    .col(timestamp_with_time_zone_null(QueueAlerts::ClearedAt))
                    .col(integer(QueueAlerts::Waiting))
                    .col(integer(QueueAlerts::LongestWaitMinutes))
                    .col(integer(QueueAlerts::EstimatedWaitMinutes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_queue_alerts_hall_raised")
                    .table(QueueAlerts::Table)
                    .col(QueueAlerts::HallId)
                    .col(QueueAlerts::RaisedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PrintRequests::Table)
                    .col(big_pk_auto(PrintRequests::Id))
                    .col(integer(PrintRequests::HallId))
                    .col(integer(PrintRequests::KioskId))
                    .col(big_integer(PrintRequests::TicketId))
                    .col(integer_null(PrintRequests::RequestedBy))
                    .col(timestamp_with_time_zone(PrintRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(PrintRequests::PrintedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Diversions::Table).add_column(integer_null(Diversions::RecordedBy)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Diversions::Table).add_column(string_null(Diversions::Note)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Diversions::Table).drop_column(Diversions::Note).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Diversions::Table).drop_column(Diversions::RecordedBy).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(PrintRequests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(QueueAlerts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(HelpRequests::Table).to_owned()).await
    }
}
