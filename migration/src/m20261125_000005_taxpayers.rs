//! The taxpayer's side: per-hall settings, one-line service hints, the phone that took a
//! ticket, ratings (好差评), diversions to online channels (分流), registered kiosks, and the
//! server secret that signs phone cookies.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Halls {
    Table,
    Settings,
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Hint,
    HintEn,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Phone,
    ClientId,
}

#[derive(DeriveIden)]
enum Ratings {
    Table,
    TicketId,
    HallId,
    WindowId,
    StaffId,
    Score,
    Tags,
    Comment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Diversions {
    Table,
    Id,
    HallId,
    ServiceId,
    Channel,
    Target,
    BusinessDate,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Kiosks {
    Table,
    Id,
    HallId,
    Name,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastSeenAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AppSecrets {
    Table,
    Name,
    Value,
}

const TICKETS_BY_CLIENT: &str = "idx_tickets_client";
const TICKETS_WITH_PHONE: &str = "idx_tickets_with_phone";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Halls::Table).add_column(text_null(Halls::Settings)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Services::Table).add_column(text_null(Services::Hint)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Services::Table).add_column(text_null(Services::HintEn)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Tickets::Table).add_column(string_null(Tickets::Phone)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Tickets::Table).add_column(string_null(Tickets::ClientId)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create().name(TICKETS_BY_CLIENT).table(Tickets::Table).col(Tickets::ClientId).to_owned(),
            )
            .await?;
        // Housekeeping looks for phone numbers left from earlier days every minute; only the
        // few tickets that hold one are in this index.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {TICKETS_WITH_PHONE} ON tickets (hall_id, business_date) WHERE phone IS NOT NULL"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ratings::Table)
                    .col(big_integer(Ratings::TicketId).primary_key())
                    .col(integer(Ratings::HallId))
                    .col(integer_null(Ratings::WindowId))
                    .col(integer_null(Ratings::StaffId))
                    .col(small_integer(Ratings::Score))
                    .col(text(Ratings::Tags))
                    .col(text_null(Ratings::Comment))
                    .col(timestamp_with_time_zone(Ratings::CreatedAt))
                    .col(timestamp_with_time_zone(Ratings::UpdatedAt))
                    .check(Expr::col(Ratings::Score).between(1, 5))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Diversions::Table)
                    .col(big_pk_auto(Diversions::Id))
                    .col(integer(Diversions::HallId))
                    .col(integer(Diversions::ServiceId))
                    .col(string(Diversions::Channel))
                    .col(string(Diversions::Target))
                    .col(date(Diversions::BusinessDate))
                    .col(timestamp_with_time_zone(Diversions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_diversions_hall_day")
                    .table(Diversions::Table)
                    .col(Diversions::HallId)
                    .col(Diversions::BusinessDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Kiosks::Table)
                    .col(pk_auto(Kiosks::Id))
                    .col(integer(Kiosks::HallId))
                    .col(string(Kiosks::Name))
                    .col(string_uniq(Kiosks::TokenHash))
                    .col(integer_null(Kiosks::CreatedBy))
                    .col(timestamp_with_time_zone(Kiosks::CreatedAt))
                    .col(timestamp_with_time_zone_null(Kiosks::LastSeenAt))
                    .col(timestamp_with_time_zone_null(Kiosks::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(string(AppSecrets::Name).primary_key())
                    .col(string(AppSecrets::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppSecrets::Table.into_iden(),
            Kiosks::Table.into_iden(),
            Diversions::Table.into_iden(),
            Ratings::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name(TICKETS_WITH_PHONE).table(Tickets::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(TICKETS_BY_CLIENT).table(Tickets::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::ClientId).to_owned()).await?;
        manager.alter_table(Table::alter().table(Tickets::Table).drop_column(Tickets::Phone).to_owned()).await?;
        manager.alter_table(Table::alter().table(Services::Table).drop_column(Services::HintEn).to_owned()).await?;
        manager.alter_table(Table::alter().table(Services::Table).drop_column(Services::Hint).to_owned()).await?;
        manager.alter_table(Table::alter().table(Halls::Table).drop_column(Halls::Settings).to_owned()).await
    }
}
