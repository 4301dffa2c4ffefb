//! An ID number given at booking (its keyed hash) identifies the person as the mobile number
//! does: one active booking per service and day holds for it too, whatever the code does.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_ACTIVE_PER_DAY_BY_ID: &str = "ux_appointments_active_per_day_by_id";
const BY_ID_HASH: &str = "idx_appointments_id_hash";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {ONE_ACTIVE_PER_DAY_BY_ID} ON appointments (hall_id, service_id, day, id_hash) \
             WHERE status IN ('booked', 'checked_in') AND id_hash IS NOT NULL"
        ))
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX {BY_ID_HASH} ON appointments (hall_id, id_hash) WHERE id_hash IS NOT NULL"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP INDEX {BY_ID_HASH}")).await?;
        db.execute_unprepared(&format!("DROP INDEX {ONE_ACTIVE_PER_DAY_BY_ID}")).await?;
        Ok(())
    }
}
