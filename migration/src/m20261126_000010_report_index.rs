//! Reports read a hall's tickets by business day: a year of a busy hall is half a million
//! rows, and without this index every report scanned them all.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_DAY: &str = "idx_tickets_hall_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("CREATE INDEX {BY_DAY} ON tickets (hall_id, business_date)"))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(&format!("DROP INDEX {BY_DAY}")).await?;
        Ok(())
    }
}
