//! Who is signed in at each window (one person per window, one window per person), and who
//! called each ticket (ratings and per-staff figures need it).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Windows {
    Table,
    SignedInUserId,
    SignedInAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ServedBy,
}

const ONE_WINDOW_PER_PERSON: &str = "idx_windows_signed_in_user";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter().table(Windows::Table).add_column(integer_null(Windows::SignedInUserId)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Windows::Table)
                    .add_column(timestamp_with_time_zone_null(Windows::SignedInAt))
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in a unique index on both databases: many windows may be empty.
        manager
            .create_index(
                Index::create()
                    .name(ONE_WINDOW_PER_PERSON)
                    .table(Windows::Table)
                    .col(Windows::SignedInUserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(Tickets::Table).add_column(integer_null(Tickets::ServedBy)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::ServedBy).to_owned()).await?;
        manager.drop_index(Index::drop().name(ONE_WINDOW_PER_PERSON).table(Windows::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Windows::Table).drop_column(Windows::SignedInAt).to_owned()).await?;
        manager.alter_table(Table::alter().table(Windows::Table).drop_column(Windows::SignedInUserId).to_owned()).await
    }
}
