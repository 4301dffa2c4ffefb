//! Drops `ix_tickets_queue` (hall, status, service, issued): every call, start, finish and no-show
//! changes a ticket's status, so each moved the ticket's entry in it, two more pages written and
//! synced per operation (issue 19: 10–23 % more calls a second without it). Nothing needs it any
//! more: the queues are read through the partial indexes of `m20261127_000013`, the day's
//! tickets through `idx_tickets_hall_day`, and housekeeping's stale queued tickets through
//! `ix_tickets_queued` (`persistence::tickets::stale_queued`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS ix_tickets_queue").await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX ix_tickets_queue ON tickets (hall_id, status, service_id, issued_at)")
            .await?;
        Ok(())
    }
}
