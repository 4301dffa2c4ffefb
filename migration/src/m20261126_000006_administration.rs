//! Administration: what a hall's own staff set up (an address for slips, which services take
//! appointments, windows taken out of service) and the audit log of every change.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Halls {
    Table,
    Address,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Appointments,
}

#[derive(DeriveIden)]
enum Windows {
    Table,
    Active,
}

#[derive(DeriveIden)]
enum Kiosks {
    Table,
    Kind,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    HallId,
    ActorId,
    ActorName,
    Kind,
    Target,
    Before,
    After,
    Address,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Halls::Table).add_column(string_null(Halls::Address)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Services::Table)
                    .add_column(boolean(Services::Appointments).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Windows::Table).add_column(boolean(Windows::Active).default(true)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Kiosks::Table).add_column(string(Kiosks::Kind).default("kiosk")).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(integer_null(AuditLog::HallId))
                    .col(integer_null(AuditLog::ActorId))
                    .col(string(AuditLog::ActorName))
                    .col(string(AuditLog::Kind))
                    .col(string(AuditLog::Target))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .col(string(AuditLog::Address))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_hall_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::HallId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_audit_at").table(AuditLog::Table).col(AuditLog::At).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Kiosks::Table).drop_column(Kiosks::Kind).to_owned()).await?;
        manager.alter_table(Table::alter().table(Windows::Table).drop_column(Windows::Active).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Services::Table).drop_column(Services::Appointments).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Halls::Table).drop_column(Halls::Address).to_owned()).await
    }
}
