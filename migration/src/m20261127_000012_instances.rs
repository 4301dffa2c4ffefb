//! Several instances on one PostgreSQL database (issue 18).
//!
//! - `events_notify`: every insert into the event log sends `NOTIFY hallq_events` with
//!   `hall:last_seq` (and `:configured` when the hall's configuration changed), once per hall
//!   and statement. Instances `LISTEN` and read what they lack from the log, which stays the
//!   source of truth. A trigger rather than a statement in each writer: nothing that appends to
//!   the log can forget it, and it costs no extra round trip. PostgreSQL only; SQLite has one
//!   instance.
//! - `throttle_state`: login throttle and anonymous limits shared by every instance, one row per
//!   key (an account, an address, a phone) holding that key's state as JSON.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NOTIFY_FUNCTION: &str = r"
CREATE OR REPLACE FUNCTION hallq_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT hall_id, max(seq) AS seq, bool_or(kind = 'hall_configured') AS configured
        FROM new_events GROUP BY hall_id
    LOOP
        PERFORM pg_notify('hallq_events',
            r.hall_id::text || ':' || r.seq::text || CASE WHEN r.configured THEN ':configured' ELSE '' END);
    END LOOP;
    RETURN NULL;
END
$$";

const NOTIFY_TRIGGER: &str = "CREATE TRIGGER events_notify AFTER INSERT ON events \
     REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION hallq_notify_events()";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ThrottleState::Table)
                    .col(ColumnDef::new(ThrottleState::Key).string().not_null().primary_key())
                    .col(ColumnDef::new(ThrottleState::State).text().not_null())
                    .col(ColumnDef::new(ThrottleState::ExpiresAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(NOTIFY_FUNCTION).await?;
            db.execute_unprepared(NOTIFY_TRIGGER).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP TRIGGER IF EXISTS events_notify ON events").await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS hallq_notify_events()").await?;
        }
        manager.drop_table(Table::drop().table(ThrottleState::Table).to_owned()).await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ThrottleState {
    Table,
    Key,
    State,
    ExpiresAt,
}
