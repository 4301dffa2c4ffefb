//! The queued-ticket indexes of 000013 end with `id`, the calling order's tie-break
//! (`ORDER BY issued_at, id`), so the head of a queue is the first entry of the index on
//! PostgreSQL too. Without it PostgreSQL, until it had statistics for a busy table, sorted the
//! whole queue for every call: 8 ms at 15,000 queued (issue 19). SQLite already has `id` at
//! the end of every index entry (the rowid, which `id` is), so there the indexes stay as they
//! are.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const QUEUED: &str = "status IN ('waiting', 'transferred')";

/// (name, columns before this migration, columns after)
const INDEXES: [(&str, &str, &str); 2] = [
    (
        "ix_tickets_queued",
        "(hall_id, business_date, service_id, priority, issued_at) WHERE {QUEUED}",
        "(hall_id, business_date, service_id, priority, issued_at, id) WHERE {QUEUED}",
    ),
    (
        "ix_tickets_for_window",
        "(hall_id, business_date, target_window_id) WHERE target_window_id IS NOT NULL AND {QUEUED}",
        "(hall_id, business_date, target_window_id, issued_at, id) WHERE target_window_id IS NOT NULL AND {QUEUED}",
    ),
];

/// One statement string, so the drop and the create cannot reach different connections.
async fn replace(manager: &SchemaManager<'_>, name: &str, definition: &str) -> Result<(), DbErr> {
    let definition = definition.replace("{QUEUED}", QUEUED);
    manager
        .get_connection()
        .execute_unprepared(&format!("DROP INDEX {name}; CREATE INDEX {name} ON tickets {definition}"))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, _, after) in INDEXES {
            replace(manager, name, after).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, before, _) in INDEXES {
            replace(manager, name, before).await?;
        }
        Ok(())
    }
}
