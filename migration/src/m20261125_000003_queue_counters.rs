//! Queued tickets per (hall, service, business date, priority), kept in step with `tickets` by
//! the same statements that change a ticket's state, so a new ticket's place in line is read
//! from three rows instead of counted from the whole queue.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum QueueCounters {
    Table,
    HallId,
    ServiceId,
    BusinessDate,
    Priority,
    Queued,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(QueueCounters::Table)
                    .col(integer(QueueCounters::HallId))
                    .col(integer(QueueCounters::ServiceId))
                    .col(date(QueueCounters::BusinessDate))
                    .col(string(QueueCounters::Priority))
                    .col(integer(QueueCounters::Queued))
                    .primary_key(
                        Index::create()
                            .col(QueueCounters::HallId)
                            .col(QueueCounters::ServiceId)
                            .col(QueueCounters::BusinessDate)
                            .col(QueueCounters::Priority),
                    )
                    .check(Expr::col(QueueCounters::Queued).gte(0))
                    .to_owned(),
            )
            .await?;
        // Rebuild from the tickets already queued, so upgrading a live database is exact.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO queue_counters (hall_id, service_id, business_date, priority, queued) \
                 SELECT hall_id, service_id, business_date, priority, COUNT(*) FROM tickets \
                 WHERE status IN ('waiting', 'transferred') GROUP BY hall_id, service_id, business_date, priority",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(QueueCounters::Table).to_owned()).await
    }
}
