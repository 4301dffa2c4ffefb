//! The wait estimate a ticket was given when it was taken, kept so reports can set it against
//! the wait it actually had (issue 17). Null for tickets taken before this column existed.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE tickets ADD COLUMN estimated_wait_minutes INTEGER NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("ALTER TABLE tickets DROP COLUMN estimated_wait_minutes").await?;
        Ok(())
    }
}
