//! Indexes for the queries on the hot paths, which read queued tickets of one day. Since the
//! reports' index `idx_tickets_hall_day` (hall, day) exists, SQLite chose it for them and read
//! every ticket of the day, once per ticket issued and per branch of a call: issuance fell to
//! a quarter of its rate by the afternoon of a busy day (issue 19). These partial indexes cover
//! queued tickets only (a busy hall's few hundred, not its day), with every column the queries
//! test for equality first, so the planner takes them without statistics; a unit test in
//! `persistence::queue` holds each query to its index.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const QUEUED: &str = "status IN ('waiting', 'transferred')";

const INDEXES: [(&str, &str); 3] = [
    // The head of each queue (service and priority, oldest first) and the counts per service.
    ("ix_tickets_queued", "(hall_id, business_date, service_id, priority, issued_at) WHERE {QUEUED}"),
    // Tickets sent to one window by name.
    (
        "ix_tickets_for_window",
        "(hall_id, business_date, target_window_id) WHERE target_window_id IS NOT NULL AND {QUEUED}",
    ),
    // The same, counted per service and priority when a ticket is issued.
    (
        "ix_tickets_for_window_by_service",
        "(hall_id, service_id, business_date, priority) WHERE target_window_id IS NOT NULL AND {QUEUED}",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, definition) in INDEXES {
            let definition = definition.replace("{QUEUED}", QUEUED);
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE INDEX {name} ON tickets {definition}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager.get_connection().execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
